"""What request models share: strict parsing, metadata, cursors, and the models of
endpoints that take no parameters (or only an idempotency key). Each entity's own
request models are in its models.py."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ..core import ids

METADATA_MAX_KEYS = 20

METADATA_KEY_MAX = 40

METADATA_VALUE_MAX = 500


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, coerce_numbers_to_str=True, defer_build=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: Any) -> Any:
        # pydantic takes JSON true/false as 1/0 for an int; a form's "true" is refused,
        # and both encodings must be read alike.
        if isinstance(value, bool):
            annotation = cls.model_fields[info.field_name].annotation
            if annotation is int or int in get_args(annotation):
                raise ValueError("must be an integer, not a boolean")
        return value


Name = Annotated[str, StringConstraints(min_length=3, max_length=255)]


def _check_metadata(value: Any) -> Any:
    if value == "":  # Stripe's form idiom: `metadata=` clears all metadata
        return {}
    if not isinstance(value, dict):
        raise ValueError("must be an object of string keys and values")
    if len(value) > METADATA_MAX_KEYS:
        raise ValueError(f"at most {METADATA_MAX_KEYS} keys are allowed")
    for k, v in value.items():
        if not k or len(k) > METADATA_KEY_MAX or "[" in k or "]" in k:
            raise ValueError(
                f"keys must be 1-{METADATA_KEY_MAX} characters without '[' or ']' (got '{k[:50]}')"
            )
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise ValueError(f"the value of '{k}' must be a string")
        if len(str(v)) > METADATA_VALUE_MAX:
            raise ValueError(f"the value of '{k}' is longer than {METADATA_VALUE_MAX} characters")
    return {k: str(v) for k, v in value.items()}


# The largest Unix time a parameter takes: the document calls these int64, so a larger
# number is refused (400 parameter_invalid), not taken as some time far in the future.
UNIX_TIME_MAX = 2**63 - 1


class CreatedFilter(_Strict):
    gt: int | None = Field(None, ge=0, le=UNIX_TIME_MAX)
    gte: int | None = Field(None, ge=0, le=UNIX_TIME_MAX)
    lt: int | None = Field(None, ge=0, le=UNIX_TIME_MAX)
    lte: int | None = Field(None, ge=0, le=UNIX_TIME_MAX)


def _cursor_of(prefix: str, what: str) -> Any:
    def check(cls: Any, value: str | None) -> str | None:
        if value is not None and not ids.is_valid(value, prefix):
            raise ValueError(f"must be {what} id ({prefix}_...)")
        return value

    return field_validator("starting_after", "ending_before")(classmethod(check))


class WriteParams(_Strict):
    """A write that takes no parameters but the idempotency key."""

    idempotency_key: str | None = Field(None, min_length=1, max_length=255)


class NoParams(_Strict):
    """A read that takes no parameters."""
