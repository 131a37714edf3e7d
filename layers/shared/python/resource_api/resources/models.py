"""Request models of the resource endpoints: the single definition of what each accepts."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import Field, field_validator

from ..core import ids
from ..frame.models import CreatedFilter, Name, _Strict, _check_metadata


class ResourceType(str, Enum):
    production = "production"
    staging = "staging"
    development = "development"


class Status(str, Enum):
    pending = "pending"
    active = "active"
    paused = "paused"
    archived = "archived"
    failed = "failed"


class SettableStatus(str, Enum):
    """The statuses a client may set with PATCH."""

    active = "active"
    paused = "paused"
    archived = "archived"


class Configuration(_Strict):
    timeout_ms: int = Field(5000, ge=100, le=30000)
    retry_count: int = Field(3, ge=0, le=5)
    batch_size: int = Field(100, ge=1, le=1000)
    rate_limit: int | None = Field(None, ge=1, le=1_000_000, description="Requests per minute")


class ConfigurationPatch(_Strict):
    timeout_ms: int | None = Field(None, ge=100, le=30000)
    retry_count: int | None = Field(None, ge=0, le=5)
    batch_size: int | None = Field(None, ge=1, le=1000)
    rate_limit: int | None = Field(None, ge=1, le=1_000_000)


class ResourceCreate(_Strict):
    name: Name
    type: ResourceType
    configuration: Configuration = Field(default_factory=Configuration)
    metadata: dict[str, str] = Field(default_factory=dict)
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)
    expand: list[str] = Field(default_factory=list)

    _metadata = field_validator("metadata", mode="before")(_check_metadata)


class ResourceUpdate(_Strict):
    name: Name | None = None
    configuration: ConfigurationPatch | None = None
    metadata: dict[str, str] | None = None
    status: SettableStatus | None = None
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)
    expand: list[str] = Field(default_factory=list)

    _metadata = field_validator("metadata", mode="before")(_check_metadata)

    @field_validator("name", "configuration", "status", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value


class DeleteParams(_Strict):
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)


class RetrieveParams(_Strict):
    expand: list[str] = Field(default_factory=list)


class ListParams(_Strict):
    limit: int = Field(20, ge=1, le=100)
    starting_after: str | None = None
    ending_before: str | None = None
    created: CreatedFilter | None = None
    status: Status | None = None
    expand: list[str] = Field(default_factory=list)

    @field_validator("created", mode="before")
    @classmethod
    def _exact_created(cls, value: Any) -> Any:
        # `created=1705320000` means exactly that second, as in Stripe.
        if isinstance(value, (str, int)):
            return {"gte": value, "lte": value}
        return value

    @field_validator("starting_after", "ending_before")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        if value is not None and not ids.is_valid(value, "res"):
            raise ValueError("must be a resource id (res_...)")
        return value
