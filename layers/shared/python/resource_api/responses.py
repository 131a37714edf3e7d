"""Response models: the shape of every object the API answers, for the OpenAPI
document (localcloud/openapi.py) and for the tests that hold real responses to it.

They describe what `render` in resources/domain.py, webhooks/domain.py, events/domain.py and
events/deliveries.py produce, and what core/errors.py's `error_body` produces; keep them in step
(tests/reliability/test_openapi.py checks real responses against them). Objects allow
fields added later (e.g. expanded ones); the error object allows nothing else.

An endpoint names the model of its success answer in its declaration (`response=` in
<entity>/api.py); one that names none is documented as a plain JSON object (AnyObject).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .core.errors import CODES
from .frame.request import REQUEST_ID_PATTERN
from .resources.models import ResourceType, Status
from .webhooks.models import EVENT_TYPES

ERROR_TYPES = tuple(sorted({c.type for c in CODES.values()}))
ERROR_CODES = tuple(sorted(CODES))

# Names of stored attributes that must never reach a client (tests grep every answer).
INTERNAL_FIELDS = (
    "pk",
    "sk",
    "gsi1pk",
    "gsi1sk",
    "account_id",
    "entity",
    "version",
    "idempotency_key",
    "expires_at",
    "key_hash",
    "capacity_reserved",
)


class _Object(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- errors ---------------------------------------------------------------------


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"title": "ErrorDetail"})

    type: Literal[ERROR_TYPES]  # type: ignore[valid-type]
    code: Literal[ERROR_CODES]  # type: ignore[valid-type]
    message: str = Field(..., min_length=1)
    param: str | None = Field(None, description="The offending parameter, bracket form for nested ones")
    # (no `pattern`: a regex starting with `/` breaks the Ruby and PHP generators)
    doc_url: str = Field(..., description="Where this error code is explained (errors.md#<code>)")
    request_id: str = Field(..., pattern=REQUEST_ID_PATTERN)
    request_log_url: str | None = Field(
        None,
        description="This request's page in the dashboard ({dashboard URL}/logs/{request_id}); "
        "null when the stage has no dashboard URL configured (docs/errors.md)",
    )


class Error(BaseModel):
    """The spec's error object: every failure, whatever produced it."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


# --- resources ------------------------------------------------------------------


class ResourceConfiguration(_Object):
    timeout_ms: int = Field(..., ge=100, le=30000)
    retry_count: int = Field(..., ge=0, le=5)
    batch_size: int = Field(..., ge=1, le=1000)
    rate_limit: int | None = Field(None, ge=1, le=1_000_000)


class Provisioning(_Object):
    status: str
    estimated_completion: int | None = None
    steps_completed: int = Field(..., ge=0)
    steps_total: int = Field(..., ge=1)


class ResourceLimits(BaseModel):
    """What a resource allows (limits.py); on every answer of the resource API."""

    model_config = ConfigDict(extra="forbid")

    max_requests_per_minute: int = Field(..., ge=1, description="configuration.rate_limit if set, else the plan's rate")
    max_batch_size: int
    max_payload_bytes: int


class MetricsLifetime(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requests: int = Field(..., ge=0)
    success_rate: float | None = Field(..., ge=0, le=100, description="Percent of answers below 400; null with no requests")
    errors: int = Field(..., ge=0)
    avg_latency_ms: int | None = None


class MetricsLast24h(MetricsLifetime):
    p95_latency_ms: int | None = Field(..., description="Upper bound of the log-scale bucket holding the 95th percentile")
    p99_latency_ms: int | None


class ResourceMetrics(BaseModel):
    """expand[]=metrics on a resource (docs/expand-and-metrics.md)."""

    model_config = ConfigDict(extra="forbid")

    lifetime: MetricsLifetime
    last_24h: MetricsLast24h


class ResourceMetricsSummary(BaseModel):
    """expand[]=data.metrics on a list: the UTC day so far."""

    model_config = ConfigDict(extra="forbid")

    requests_today: int = Field(..., ge=0)
    success_rate: float | None = Field(..., ge=0, le=100)
    avg_latency_ms: int | None


class RequestLog(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=r"^req_[0-9a-zA-Z]+$", description="The request's Request-Id")
    object: Literal["request_log"]
    created: int
    method: str
    path: str
    status: int
    latency_ms: float = Field(..., ge=0)


class RequestLogList(BaseModel):
    """expand[]=logs: the newest 20 requests of the last 7 days, newest first."""

    model_config = ConfigDict(extra="forbid")

    object: Literal["list"]
    data: list[RequestLog]
    has_more: bool


class RelatedResource(_Object):
    """A resource inside related_resources (it expands metrics only)."""

    id: str = Field(..., pattern=r"^res_[0-9a-z]{24}$")
    object: Literal["resource"]
    created: int
    updated: int
    livemode: bool
    name: str = Field(..., min_length=3, max_length=255)
    type: ResourceType
    status: Status
    configuration: ResourceConfiguration
    metadata: dict[str, str]
    provisioning: Provisioning | None = None
    limits: ResourceLimits | None = Field(None, description="On every API answer; absent in events")
    # Only when expanded (expand[]=...): see docs/expand-and-metrics.md.
    metrics: ResourceMetrics | ResourceMetricsSummary | None = None


class RelatedResources(BaseModel):
    """expand[]=related_resources: up to 10 other resources of the same account, mode and type."""

    model_config = ConfigDict(extra="forbid")

    object: Literal["list"]
    data: list[RelatedResource]
    has_more: bool


class Resource(RelatedResource):
    """The resource object (expansions only when asked for with expand[])."""

    logs: RequestLogList | None = None
    related_resources: RelatedResources | None = None


class DeletedResource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=r"^res_[0-9a-z]{24}$")
    object: Literal["resource"]
    deleted: Literal[True]
    deleted_at: int


class ResourceList(_Object):
    object: Literal["list"]
    url: Literal["/v1/resources"]
    data: list[Resource]
    has_more: bool
    total_count: int = Field(..., ge=0)


# --- webhook endpoints, events, deliveries ----------------------------------------


class WebhookEndpoint(_Object):
    id: str = Field(..., pattern=r"^we_[0-9a-z]{24}$")
    object: Literal["webhook_endpoint"]
    url: str
    enabled_events: list[Literal[("*", *EVENT_TYPES)]]  # type: ignore[valid-type]
    description: str | None = None
    status: Literal["enabled", "disabled"]
    metadata: dict[str, str]
    created: int
    livemode: bool
    secret: str | None = Field(
        None, description="Shown at creation and rotation only; null in a replay of either (Idempotency-Key)"
    )
    secret_redacted: str | None = Field(
        None, description="In a replay of a creation or rotation: which secret it showed (whsec_... and its last 4)"
    )
    previous_secret_expires_at: int | None = Field(
        None, description="After a rotation with a grace period: when the previous secret stops signing"
    )


class DeletedWebhookEndpoint(_Object):
    id: str
    object: Literal["webhook_endpoint"]
    deleted: Literal[True]


class WebhookEndpointList(_Object):
    object: Literal["list"]
    url: Literal["/v1/webhook_endpoints"]
    data: list[WebhookEndpoint]
    has_more: bool


class EventRequest(_Object):
    id: str | None = None
    idempotency_key: str | None = None


class LimitNotice(_Object):
    """data.object of resource.limit_exceeded (limits.py): a resource's own rate limit was crossed."""

    object: Literal["limit"]
    resource: str = Field(..., pattern=r"^res_[0-9a-z]{24}$")
    limit_type: str
    limit: int
    current_value: int
    window_start: int
    window_end: int


def _one_of(schema: dict[str, Any]) -> None:
    """anyOf -> oneOf: the options exclude each other, and generators build a tagged
    union from oneOf (an anyOf often becomes an untyped map)."""
    if "anyOf" in schema:
        schema["oneOf"] = schema.pop("anyOf")


class EventData(_Object):
    # resource.created/updated/status_changed: the resource; resource.deleted: the resource
    # as it was, with deleted: true and deleted_at; webhook_endpoint.disabled: the endpoint.
    # (a title of its own: generators name the union after it, and "Object" is reserved in PHP and Java)
    object: Annotated[Resource | WebhookEndpoint | LimitNotice, Field(discriminator="object", title="EventDataObject")]
    previous_attributes: dict[str, Any] | None = None


class Event(_Object):
    id: str = Field(..., pattern=r"^evt_[0-9a-z]{24}$")
    object: Literal["event"]
    type: Literal[EVENT_TYPES]  # type: ignore[valid-type]
    created: int
    api_version: str
    livemode: bool
    data: EventData
    request: EventRequest | None = None


class EventList(_Object):
    object: Literal["list"]
    url: str
    data: list[Event]
    has_more: bool


class DeliveryAttempt(_Object):
    id: str = Field(..., pattern=r"^dlv_[0-9a-z]{24}$")
    object: Literal["webhook_delivery_attempt"]
    event: str
    webhook_endpoint: str
    created: int
    attempt: int
    status: Literal["succeeded", "failed"]
    livemode: bool


class DeliveryAttemptList(_Object):
    object: Literal["list"]
    url: str
    data: list[DeliveryAttempt]
    has_more: bool


class EventResendResult(_Object):
    object: Literal["event_resend"]
    event: str
    webhook_endpoints: list[str]


class WebhookReplayResult(_Object):
    object: Literal["webhook_replay"]
    webhook_endpoint: str
    since: int
    events: list[str]
    count: int = Field(..., description="How many events this call queued (at most `limit`)")
    remaining: int = Field(..., description="Failed events that match and were not queued by this call")
    has_more: bool = Field(..., description="Call again with `starting_after` = the last of `events`")


class BatchOperationResult(_Object):
    """One operation's answer, in the order given: its status and what the single call
    would have answered (an error object when it failed; 424 batch_rolled_back for
    operations an atomic batch did not commit)."""

    status: int = Field(..., ge=200, le=599)
    body: Resource | DeletedResource | ResourceList | Error = Field(
        ..., title="BatchOperationResultBody", json_schema_extra=_one_of
    )
    idempotent_replayed: bool | None = Field(None, description="True when the operation's idempotency_key replayed")


class BatchSummary(BaseModel):
    model_config = ConfigDict(extra="allow")

    total: int = Field(..., ge=0)
    successful: int = Field(..., ge=0)
    failed: int = Field(..., ge=0)
    duration_ms: int = Field(..., ge=0)


class BatchAtomic(BaseModel):
    model_config = ConfigDict(extra="allow")

    committed: bool
    failed_operation: int | None = Field(..., description="Index of the operation that failed, null if committed")


class BatchResult(_Object):
    object: Literal["batch"]
    results: list[BatchOperationResult]
    summary: BatchSummary
    atomic: BatchAtomic | None = Field(None, description='Only for "atomic": true')


class AnyObject(_Object):
    """An answer whose model its route's owner has not declared yet."""
