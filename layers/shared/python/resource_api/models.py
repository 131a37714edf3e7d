"""Request models: the single definition of what each endpoint accepts."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from . import ids

METADATA_MAX_KEYS = 20
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500


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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, coerce_numbers_to_str=True)

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


class CreatedFilter(_Strict):
    gt: int | None = Field(None, ge=0)
    gte: int | None = Field(None, ge=0)
    lt: int | None = Field(None, ge=0)
    lte: int | None = Field(None, ge=0)


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


# --- events and webhook endpoints ------------------------------------------------------

# Every event type the API emits (webhook_endpoint.disabled is the notice sent when an
# endpoint is switched off automatically).
EVENT_TYPES = (
    "resource.created",
    "resource.updated",
    "resource.deleted",
    "resource.status_changed",
    "resource.limit_exceeded",
    "webhook_endpoint.disabled",
)
URL_MAX = 2048


def _cursor_of(prefix: str, what: str) -> Any:
    def check(cls: Any, value: str | None) -> str | None:
        if value is not None and not ids.is_valid(value, prefix):
            raise ValueError(f"must be {what} id ({prefix}_...)")
        return value

    return field_validator("starting_after", "ending_before")(classmethod(check))


def _check_enabled_events(value: Any) -> Any:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict) and all(k.isdigit() for k in value):  # enabled_events[0]=...
        value = [v for _, v in sorted(value.items(), key=lambda kv: int(kv[0]))]
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of event types, or ['*'] for all")
    out: list[str] = []
    for item in value:
        if item != "*" and item not in EVENT_TYPES:
            raise ValueError(f"'{str(item)[:60]}' is not an event type (one of {', '.join(EVENT_TYPES)}, or '*')")
        if item not in out:
            out.append(item)
    if "*" in out and len(out) > 1:
        raise ValueError("'*' already selects every event type; give it alone")
    return out


class EndpointStatus(str, Enum):
    enabled = "enabled"
    disabled = "disabled"


class WebhookEndpointCreate(_Strict):
    url: str = Field(..., min_length=1, max_length=URL_MAX)
    enabled_events: list[str]
    description: str | None = Field(None, max_length=5000)
    metadata: dict[str, str] = Field(default_factory=dict)
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)

    _metadata = field_validator("metadata", mode="before")(_check_metadata)
    _events = field_validator("enabled_events", mode="before")(_check_enabled_events)


class WebhookEndpointUpdate(_Strict):
    url: str | None = Field(None, min_length=1, max_length=URL_MAX)
    enabled_events: list[str] | None = None
    description: str | None = Field(None, max_length=5000)
    metadata: dict[str, str] | None = None
    status: EndpointStatus | None = None
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)

    _metadata = field_validator("metadata", mode="before")(_check_metadata)
    _events = field_validator("enabled_events", mode="before")(_check_enabled_events)

    @field_validator("url", "enabled_events", "status", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value


class WriteParams(_Strict):
    """A write that takes no parameters but the idempotency key."""

    idempotency_key: str | None = Field(None, min_length=1, max_length=255)


class WebhookSecretRotate(WriteParams):
    """POST /v1/webhook_endpoints/{id}/rotate_secret."""

    expires_in: int | None = Field(
        None,
        ge=0,
        le=24 * 3600,  # webhook_endpoints.ROTATION_GRACE_S: a grace period never grows
        description="Seconds the current secret keeps signing beside the new one (default and most: 86400). "
        "0 ends it at once, for a leaked secret.",
    )


class WebhookEndpointListParams(_Strict):
    limit: int = Field(20, ge=1, le=100)
    starting_after: str | None = None
    ending_before: str | None = None

    _cursor = _cursor_of("we", "a webhook endpoint")


class EventListParams(_Strict):
    limit: int = Field(20, ge=1, le=100)
    starting_after: str | None = None
    ending_before: str | None = None
    created: CreatedFilter | None = None
    type: str | None = None

    _cursor = _cursor_of("evt", "an event")

    @field_validator("created", mode="before")
    @classmethod
    def _exact_created(cls, value: Any) -> Any:
        if isinstance(value, (str, int)):
            return {"gte": value, "lte": value}
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        if value is not None and value not in EVENT_TYPES:
            raise ValueError(f"must be one of {', '.join(EVENT_TYPES)}")
        return value


class DeliveryListParams(_Strict):
    limit: int = Field(20, ge=1, le=100)
    starting_after: str | None = None
    ending_before: str | None = None

    _cursor = _cursor_of("dlv", "a delivery attempt")


class EventResend(_Strict):
    webhook_endpoint: str | None = Field(None, description="One endpoint; all subscribed ones if absent")
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)


class WebhookReplay(_Strict):
    since: int = Field(..., ge=0, description="Replay failed deliveries of events created at or after this time")
    # At most this many events are queued by one call (deliveries.REPLAY_MAX_EVENTS).
    limit: int = Field(1000, ge=1, le=1000)
    # The last event of the previous call's answer: continue after it (has_more).
    starting_after: str | None = Field(None, json_schema_extra={"pattern": ids.pattern("evt")})
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)

    @field_validator("starting_after")
    @classmethod
    def _after_event(cls, value: str | None) -> str | None:
        if value is not None and not ids.is_valid(value, "evt"):
            raise ValueError("must be an event id (evt_...)")
        return value


class NoParams(_Strict):
    """A read that takes no parameters."""
