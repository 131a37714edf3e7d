"""Request models of the event and delivery endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from ..core import ids
from ..frame.models import UNIX_TIME_MAX, CreatedFilter, _Strict, _cursor_of
from ..webhooks.models import EVENT_TYPES


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
    since: int = Field(..., ge=0, le=UNIX_TIME_MAX, description="Replay failed deliveries of events created at or after this time")
    # At most this many events are queued by one call (attempts.REPLAY_MAX_EVENTS).
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
