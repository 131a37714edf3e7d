"""Request models of the webhook endpoint endpoints, and the event types an endpoint
may subscribe to."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import Field, field_validator

from ..frame.models import WriteParams, _check_metadata, _cursor_of, _Strict

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
