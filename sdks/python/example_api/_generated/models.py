"""Generated from openapi/openapi.json by sdks/python/codegen.py. Do not edit: run `make sdks`."""

# ruff: noqa
from __future__ import annotations

from typing import Any, ClassVar, Literal, Required, TypedDict

from .._base import ApiObject, Operation

EndpointStatus = Literal["enabled", "disabled"]

ResourceType = Literal["production", "staging", "development"]

SettableStatus = Literal["active", "paused", "archived"]

Status = Literal["pending", "active", "paused", "archived", "failed"]



class BatchAtomic(ApiObject):
    """BatchAtomic"""
    committed: bool
    failed_operation: int | None
    """Index of the operation that failed, null if committed"""
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('committed', 'failed_operation')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = False


class BatchOperationResult(ApiObject):
    """One operation's answer, in the order given: its status and what the single call would have answered (an error object when it failed; 424 batch_rolled_back for operations an atomic batch did not commit)."""
    status: int
    body: Resource | DeletedResource | ResourceList | Error | ApiObject
    idempotent_replayed: bool | None
    """True when the operation's idempotency_key replayed"""
    _fields: ClassVar[dict[str, Any]] = {'body': ['u', [['r', 'Resource'], ['r', 'DeletedResource'], ['r', 'ResourceList'], ['r', 'Error']], None, {}]}
    _required: ClassVar[tuple[str, ...]] = ('status', 'body')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = False


class BatchResult(ApiObject):
    """BatchResult"""
    object: Literal["batch"]
    results: list[BatchOperationResult]
    summary: BatchSummary
    atomic: BatchAtomic | None
    """Only for "atomic": true"""
    _fields: ClassVar[dict[str, Any]] = {'atomic': ['r', 'BatchAtomic'], 'results': ['l', ['r', 'BatchOperationResult']], 'summary': ['r', 'BatchSummary']}
    _required: ClassVar[tuple[str, ...]] = ('object', 'results', 'summary')
    _consts: ClassVar[dict[str, Any]] = {'object': 'batch'}
    _closed: ClassVar[bool] = False


class BatchSummary(ApiObject):
    """BatchSummary"""
    total: int
    successful: int
    failed: int
    duration_ms: int
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('total', 'successful', 'failed', 'duration_ms')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = False


class DeletedResource(ApiObject):
    """DeletedResource"""
    id: str
    object: Literal["resource"]
    deleted: Literal[True]
    deleted_at: int
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('id', 'object', 'deleted', 'deleted_at')
    _consts: ClassVar[dict[str, Any]] = {'deleted': True, 'object': 'resource'}
    _closed: ClassVar[bool] = True


class DeletedWebhookEndpoint(ApiObject):
    """DeletedWebhookEndpoint"""
    id: str
    object: Literal["webhook_endpoint"]
    deleted: Literal[True]
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('id', 'object', 'deleted')
    _consts: ClassVar[dict[str, Any]] = {'deleted': True, 'object': 'webhook_endpoint'}
    _closed: ClassVar[bool] = False


class DeliveryAttempt(ApiObject):
    """DeliveryAttempt"""
    id: str
    object: Literal["webhook_delivery_attempt"]
    event: str
    webhook_endpoint: str
    created: int
    attempt: int
    status: Literal["succeeded", "failed"]
    livemode: bool
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('id', 'object', 'event', 'webhook_endpoint', 'created', 'attempt', 'status', 'livemode')
    _consts: ClassVar[dict[str, Any]] = {'object': 'webhook_delivery_attempt'}
    _closed: ClassVar[bool] = False


class DeliveryAttemptList(ApiObject):
    """DeliveryAttemptList"""
    object: Literal["list"]
    url: str
    data: list[DeliveryAttempt]
    has_more: bool
    _fields: ClassVar[dict[str, Any]] = {'data': ['l', ['r', 'DeliveryAttempt']]}
    _required: ClassVar[tuple[str, ...]] = ('object', 'url', 'data', 'has_more')
    _consts: ClassVar[dict[str, Any]] = {'object': 'list'}
    _closed: ClassVar[bool] = False


class Error(ApiObject):
    """The spec's error object: every failure, whatever produced it."""
    error: ErrorDetail
    _fields: ClassVar[dict[str, Any]] = {'error': ['r', 'ErrorDetail']}
    _required: ClassVar[tuple[str, ...]] = ('error',)
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = True


class ErrorDetail(ApiObject):
    """ErrorDetail"""
    type: Literal["api_error", "authentication_error", "conflict_error", "idempotency_error", "invalid_request_error", "permission_error", "rate_limit_error", "resource_not_found", "timeout_error"]
    code: Literal["api_key_invalid", "api_key_query_not_allowed", "batch_rolled_back", "body_invalid", "body_too_large", "content_type_unsupported", "expand_invalid", "idempotency_key_in_use", "idempotency_key_reused", "internal_error", "livemode_not_allowed", "method_not_allowed", "parameter_invalid", "parameter_missing", "parameter_unknown", "parameters_exclusive", "precondition_failed", "rate_limited", "request_invalid", "resource_conflict", "resource_missing", "resource_not_ready", "resource_rate_limited", "service_unavailable", "status_transition_invalid", "timeout", "url_invalid", "webhook_endpoint_disabled", "webhook_endpoint_limit_reached", "webhook_url_invalid"]
    message: str
    param: str | None
    """The offending parameter, bracket form for nested ones"""
    doc_url: str
    """Where this error code is explained (errors.md#<code>)"""
    request_id: str
    request_log_url: str | None
    """This request's page in the dashboard ({dashboard URL}/logs/{request_id}); null when the stage has no dashboard URL configured (docs/errors.md)"""
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('type', 'code', 'message', 'doc_url', 'request_id')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = True


class Event(ApiObject):
    """Event"""
    id: str
    object: Literal["event"]
    type: Literal["resource.created", "resource.updated", "resource.deleted", "resource.status_changed", "resource.limit_exceeded", "webhook_endpoint.disabled"]
    created: int
    api_version: str
    livemode: bool
    data: EventData
    request: EventRequest | None
    _fields: ClassVar[dict[str, Any]] = {'data': ['r', 'EventData'], 'request': ['r', 'EventRequest']}
    _required: ClassVar[tuple[str, ...]] = ('id', 'object', 'type', 'created', 'api_version', 'livemode', 'data')
    _consts: ClassVar[dict[str, Any]] = {'object': 'event'}
    _closed: ClassVar[bool] = False


class EventData(ApiObject):
    """EventData"""
    object: Resource | WebhookEndpoint | LimitNotice | ApiObject
    previous_attributes: dict[str, Any] | None
    _fields: ClassVar[dict[str, Any]] = {'object': ['u', [['r', 'Resource'], ['r', 'WebhookEndpoint'], ['r', 'LimitNotice']], 'object', {'limit': 'LimitNotice', 'resource': 'Resource', 'webhook_endpoint': 'WebhookEndpoint'}]}
    _required: ClassVar[tuple[str, ...]] = ('object',)
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = False


class EventList(ApiObject):
    """EventList"""
    object: Literal["list"]
    url: str
    data: list[Event]
    has_more: bool
    _fields: ClassVar[dict[str, Any]] = {'data': ['l', ['r', 'Event']]}
    _required: ClassVar[tuple[str, ...]] = ('object', 'url', 'data', 'has_more')
    _consts: ClassVar[dict[str, Any]] = {'object': 'list'}
    _closed: ClassVar[bool] = False


class EventRequest(ApiObject):
    """EventRequest"""
    id: str | None
    idempotency_key: str | None
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ()
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = False


class EventResendResult(ApiObject):
    """EventResendResult"""
    object: Literal["event_resend"]
    event: str
    webhook_endpoints: list[str]
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('object', 'event', 'webhook_endpoints')
    _consts: ClassVar[dict[str, Any]] = {'object': 'event_resend'}
    _closed: ClassVar[bool] = False


class LimitNotice(ApiObject):
    """data.object of resource.limit_exceeded (limits.py): a resource's own rate limit was crossed."""
    object: Literal["limit"]
    resource: str
    limit_type: str
    limit: int
    current_value: int
    window_start: int
    window_end: int
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('object', 'resource', 'limit_type', 'limit', 'current_value', 'window_start', 'window_end')
    _consts: ClassVar[dict[str, Any]] = {'object': 'limit'}
    _closed: ClassVar[bool] = False


class MetricsLast24h(ApiObject):
    """MetricsLast24h"""
    requests: int
    success_rate: float | None
    """Percent of answers below 400; null with no requests"""
    errors: int
    avg_latency_ms: int | None
    p95_latency_ms: int | None
    """Upper bound of the log-scale bucket holding the 95th percentile"""
    p99_latency_ms: int | None
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('requests', 'success_rate', 'errors', 'p95_latency_ms', 'p99_latency_ms')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = True


class MetricsLifetime(ApiObject):
    """MetricsLifetime"""
    requests: int
    success_rate: float | None
    """Percent of answers below 400; null with no requests"""
    errors: int
    avg_latency_ms: int | None
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('requests', 'success_rate', 'errors')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = True


class Provisioning(ApiObject):
    """Provisioning"""
    status: str
    estimated_completion: int | None
    steps_completed: int
    steps_total: int
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('status', 'steps_completed', 'steps_total')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = False


class RelatedResource(ApiObject):
    """A resource inside related_resources (it expands metrics only)."""
    id: str
    object: Literal["resource"]
    created: int
    updated: int
    livemode: bool
    name: str
    type: ResourceType
    status: Status
    configuration: ResourceConfiguration
    metadata: dict[str, str]
    provisioning: Provisioning | None
    limits: ResourceLimits | None
    """On every API answer; absent in events"""
    metrics: ResourceMetrics | ResourceMetricsSummary | None | ApiObject
    _fields: ClassVar[dict[str, Any]] = {'configuration': ['r', 'ResourceConfiguration'], 'limits': ['r', 'ResourceLimits'], 'metrics': ['u', [['r', 'ResourceMetrics'], ['r', 'ResourceMetricsSummary']], None, {}], 'provisioning': ['r', 'Provisioning']}
    _required: ClassVar[tuple[str, ...]] = ('id', 'object', 'created', 'updated', 'livemode', 'name', 'type', 'status', 'configuration', 'metadata')
    _consts: ClassVar[dict[str, Any]] = {'object': 'resource'}
    _closed: ClassVar[bool] = False


class RelatedResources(ApiObject):
    """expand[]=related_resources: up to 10 other resources of the same account, mode and type."""
    object: Literal["list"]
    data: list[RelatedResource]
    has_more: bool
    _fields: ClassVar[dict[str, Any]] = {'data': ['l', ['r', 'RelatedResource']]}
    _required: ClassVar[tuple[str, ...]] = ('object', 'data', 'has_more')
    _consts: ClassVar[dict[str, Any]] = {'object': 'list'}
    _closed: ClassVar[bool] = True


class RequestLog(ApiObject):
    """RequestLog"""
    id: str
    """The request's Request-Id"""
    object: Literal["request_log"]
    created: int
    method: str
    path: str
    status: int
    latency_ms: float
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('id', 'object', 'created', 'method', 'path', 'status', 'latency_ms')
    _consts: ClassVar[dict[str, Any]] = {'object': 'request_log'}
    _closed: ClassVar[bool] = True


class RequestLogList(ApiObject):
    """expand[]=logs: the newest 20 requests of the last 7 days, newest first."""
    object: Literal["list"]
    data: list[RequestLog]
    has_more: bool
    _fields: ClassVar[dict[str, Any]] = {'data': ['l', ['r', 'RequestLog']]}
    _required: ClassVar[tuple[str, ...]] = ('object', 'data', 'has_more')
    _consts: ClassVar[dict[str, Any]] = {'object': 'list'}
    _closed: ClassVar[bool] = True


class Resource(ApiObject):
    """The resource object (expansions only when asked for with expand[])."""
    id: str
    object: Literal["resource"]
    created: int
    updated: int
    livemode: bool
    name: str
    type: ResourceType
    status: Status
    configuration: ResourceConfiguration
    metadata: dict[str, str]
    provisioning: Provisioning | None
    limits: ResourceLimits | None
    """On every API answer; absent in events"""
    metrics: ResourceMetrics | ResourceMetricsSummary | None | ApiObject
    logs: RequestLogList | None
    related_resources: RelatedResources | None
    _fields: ClassVar[dict[str, Any]] = {'configuration': ['r', 'ResourceConfiguration'], 'limits': ['r', 'ResourceLimits'], 'logs': ['r', 'RequestLogList'], 'metrics': ['u', [['r', 'ResourceMetrics'], ['r', 'ResourceMetricsSummary']], None, {}], 'provisioning': ['r', 'Provisioning'], 'related_resources': ['r', 'RelatedResources']}
    _required: ClassVar[tuple[str, ...]] = ('id', 'object', 'created', 'updated', 'livemode', 'name', 'type', 'status', 'configuration', 'metadata')
    _consts: ClassVar[dict[str, Any]] = {'object': 'resource'}
    _closed: ClassVar[bool] = False


class ResourceConfiguration(ApiObject):
    """ResourceConfiguration"""
    timeout_ms: int
    retry_count: int
    batch_size: int
    rate_limit: int | None
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('timeout_ms', 'retry_count', 'batch_size')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = False


class ResourceLimits(ApiObject):
    """What a resource allows (limits.py); on every answer of the resource API."""
    max_requests_per_minute: int
    """configuration.rate_limit if set, else the plan's rate"""
    max_batch_size: int
    max_payload_bytes: int
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('max_requests_per_minute', 'max_batch_size', 'max_payload_bytes')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = True


class ResourceList(ApiObject):
    """ResourceList"""
    object: Literal["list"]
    url: Literal["/v1/resources"]
    data: list[Resource]
    has_more: bool
    total_count: int
    _fields: ClassVar[dict[str, Any]] = {'data': ['l', ['r', 'Resource']]}
    _required: ClassVar[tuple[str, ...]] = ('object', 'url', 'data', 'has_more', 'total_count')
    _consts: ClassVar[dict[str, Any]] = {'object': 'list', 'url': '/v1/resources'}
    _closed: ClassVar[bool] = False


class ResourceMetrics(ApiObject):
    """expand[]=metrics on a resource (docs/expand-and-metrics.md)."""
    lifetime: MetricsLifetime
    last_24h: MetricsLast24h
    _fields: ClassVar[dict[str, Any]] = {'last_24h': ['r', 'MetricsLast24h'], 'lifetime': ['r', 'MetricsLifetime']}
    _required: ClassVar[tuple[str, ...]] = ('lifetime', 'last_24h')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = True


class ResourceMetricsSummary(ApiObject):
    """expand[]=data.metrics on a list: the UTC day so far."""
    requests_today: int
    success_rate: float | None
    avg_latency_ms: int | None
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('requests_today', 'success_rate', 'avg_latency_ms')
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = True


class WebhookEndpoint(ApiObject):
    """WebhookEndpoint"""
    id: str
    object: Literal["webhook_endpoint"]
    url: str
    enabled_events: list[Literal["*", "resource.created", "resource.updated", "resource.deleted", "resource.status_changed", "resource.limit_exceeded", "webhook_endpoint.disabled"]]
    description: str | None
    status: Literal["enabled", "disabled"]
    metadata: dict[str, str]
    created: int
    livemode: bool
    secret: str | None
    """Shown at creation and rotation only; null in a replay of either (Idempotency-Key)"""
    secret_redacted: str | None
    """In a replay of a creation or rotation: which secret it showed (whsec_... and its last 4)"""
    previous_secret_expires_at: int | None
    """After a rotation with a grace period: when the previous secret stops signing"""
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('id', 'object', 'url', 'enabled_events', 'status', 'metadata', 'created', 'livemode')
    _consts: ClassVar[dict[str, Any]] = {'object': 'webhook_endpoint'}
    _closed: ClassVar[bool] = False


class WebhookEndpointList(ApiObject):
    """WebhookEndpointList"""
    object: Literal["list"]
    url: Literal["/v1/webhook_endpoints"]
    data: list[WebhookEndpoint]
    has_more: bool
    _fields: ClassVar[dict[str, Any]] = {'data': ['l', ['r', 'WebhookEndpoint']]}
    _required: ClassVar[tuple[str, ...]] = ('object', 'url', 'data', 'has_more')
    _consts: ClassVar[dict[str, Any]] = {'object': 'list', 'url': '/v1/webhook_endpoints'}
    _closed: ClassVar[bool] = False


class WebhookReplayResult(ApiObject):
    """WebhookReplayResult"""
    object: Literal["webhook_replay"]
    webhook_endpoint: str
    since: int
    events: list[str]
    count: int
    """How many events this call queued (at most `limit`)"""
    remaining: int
    """Failed events that match and were not queued by this call"""
    has_more: bool
    """Call again with `starting_after` = the last of `events`"""
    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ('object', 'webhook_endpoint', 'since', 'events', 'count', 'remaining', 'has_more')
    _consts: ClassVar[dict[str, Any]] = {'object': 'webhook_replay'}
    _closed: ClassVar[bool] = False



class BatchOperationParams(TypedDict, total=False):
    method: Required[Literal["GET", "POST", "PATCH", "DELETE"]]
    path: Required[str]
    body: dict[str, Any] | None
    idempotency_key: str | None


class BatchRequestParams(TypedDict, total=False):
    operations: Required[list[BatchOperationParams]]
    atomic: bool


class CreatedFilter(TypedDict, total=False):
    gt: int
    gte: int
    lt: int
    lte: int


class EventResendParams(TypedDict, total=False):
    webhook_endpoint: str | None
    """One endpoint; all subscribed ones if absent"""


class GetResourceParams(TypedDict, total=False):
    """Retrieve a resource"""
    expand: list[Literal["metrics", "logs", "related_resources", "related_resources.data.metrics"]]


class ListEventDeliveriesParams(TypedDict, total=False):
    """List an event's delivery attempts"""
    limit: int
    starting_after: str
    ending_before: str


class ListEventsParams(TypedDict, total=False):
    """List events"""
    limit: int
    starting_after: str
    ending_before: str
    created: CreatedFilter
    type: Literal["resource.created", "resource.updated", "resource.deleted", "resource.status_changed", "resource.limit_exceeded", "webhook_endpoint.disabled"]


class ListResourcesParams(TypedDict, total=False):
    """List resources"""
    limit: int
    starting_after: str
    ending_before: str
    created: CreatedFilter
    status: Status
    expand: list[Literal["data.metrics"]]


class ListWebhookEndpointsParams(TypedDict, total=False):
    """List webhook endpoints"""
    limit: int
    starting_after: str
    ending_before: str


class ResourceConfigurationParams(TypedDict, total=False):
    timeout_ms: int
    retry_count: int
    batch_size: int
    rate_limit: int | None
    """Requests per minute"""


class ResourceConfigurationPatchParams(TypedDict, total=False):
    timeout_ms: int | None
    retry_count: int | None
    batch_size: int | None
    rate_limit: int | None


class ResourceCreateParams(TypedDict, total=False):
    name: Required[str]
    type: Required[ResourceType]
    configuration: ResourceConfigurationParams
    metadata: dict[str, str]
    """Key-value pairs: at most 20 keys of at most 40 characters (no brackets), values at most 500; `metadata=` (empty) clears it"""
    expand: list[Literal["metrics", "logs", "related_resources", "related_resources.data.metrics"]]


class ResourceUpdateParams(TypedDict, total=False):
    name: str
    configuration: ResourceConfigurationPatchParams
    metadata: dict[str, str]
    """Key-value pairs: at most 20 keys of at most 40 characters (no brackets), values at most 500; `metadata=` (empty) clears it"""
    status: SettableStatus
    expand: list[Literal["metrics", "logs", "related_resources", "related_resources.data.metrics"]]


class WebhookEndpointCreateParams(TypedDict, total=False):
    url: Required[str]
    enabled_events: Required[list[Literal["*", "resource.created", "resource.updated", "resource.deleted", "resource.status_changed", "resource.limit_exceeded", "webhook_endpoint.disabled"]]]
    """Event types to send. ["*"] means every type (now and added later) and must be alone; repeated types are sent once"""
    description: str | None
    metadata: dict[str, str]
    """Key-value pairs: at most 20 keys of at most 40 characters (no brackets), values at most 500; `metadata=` (empty) clears it"""


class WebhookEndpointUpdateParams(TypedDict, total=False):
    url: str
    enabled_events: list[Literal["*", "resource.created", "resource.updated", "resource.deleted", "resource.status_changed", "resource.limit_exceeded", "webhook_endpoint.disabled"]]
    """Event types to send. ["*"] means every type (now and added later) and must be alone; repeated types are sent once"""
    description: str | None
    metadata: dict[str, str]
    """Key-value pairs: at most 20 keys of at most 40 characters (no brackets), values at most 500; `metadata=` (empty) clears it"""
    status: EndpointStatus


class WebhookReplayParams(TypedDict, total=False):
    since: Required[int]
    """Replay failed deliveries of events created at or after this time"""
    limit: int
    starting_after: str | None


class WebhookSecretRotateParams(TypedDict, total=False):
    """POST /v1/webhook_endpoints/{id}/rotate_secret."""
    expires_in: int | None
    """Seconds the current secret keeps signing beside the new one (default and most: 86400). 0 ends it at once, for a leaked secret."""


# every response object, by name (ApiObject._parse resolves nested objects here)
MODELS: dict[str, type[ApiObject]] = {
    "BatchAtomic": BatchAtomic,
    "BatchOperationResult": BatchOperationResult,
    "BatchResult": BatchResult,
    "BatchSummary": BatchSummary,
    "DeletedResource": DeletedResource,
    "DeletedWebhookEndpoint": DeletedWebhookEndpoint,
    "DeliveryAttempt": DeliveryAttempt,
    "DeliveryAttemptList": DeliveryAttemptList,
    "Error": Error,
    "ErrorDetail": ErrorDetail,
    "Event": Event,
    "EventData": EventData,
    "EventList": EventList,
    "EventRequest": EventRequest,
    "EventResendResult": EventResendResult,
    "LimitNotice": LimitNotice,
    "MetricsLast24h": MetricsLast24h,
    "MetricsLifetime": MetricsLifetime,
    "Provisioning": Provisioning,
    "RelatedResource": RelatedResource,
    "RelatedResources": RelatedResources,
    "RequestLog": RequestLog,
    "RequestLogList": RequestLogList,
    "Resource": Resource,
    "ResourceConfiguration": ResourceConfiguration,
    "ResourceLimits": ResourceLimits,
    "ResourceList": ResourceList,
    "ResourceMetrics": ResourceMetrics,
    "ResourceMetricsSummary": ResourceMetricsSummary,
    "WebhookEndpoint": WebhookEndpoint,
    "WebhookEndpointList": WebhookEndpointList,
    "WebhookReplayResult": WebhookReplayResult,
}

# operationId -> method, path, query parameters (name, wire name, style), answer

OPERATIONS: dict[str, Operation] = {
    "create_resource": Operation("POST", "/v1/resources", query=(), body=True, response="Resource"),
    "list_resources": Operation("GET", "/v1/resources", query=(('limit', 'limit', None), ('starting_after', 'starting_after', None), ('ending_before', 'ending_before', None), ('created', 'created', 'deepObject'), ('status', 'status', None), ('expand', 'expand[]', 'form')), body=False, response="ResourceList"),
    "get_resource": Operation("GET", "/v1/resources/{id}", query=(('expand', 'expand[]', 'form'),), body=False, response="Resource"),
    "update_resource": Operation("PATCH", "/v1/resources/{id}", query=(), body=True, response="Resource"),
    "delete_resource": Operation("DELETE", "/v1/resources/{id}", query=(), body=False, response="DeletedResource"),
    "batch": Operation("POST", "/v1/batch", query=(), body=True, response="BatchResult"),
    "create_webhook_endpoint": Operation("POST", "/v1/webhook_endpoints", query=(), body=True, response="WebhookEndpoint"),
    "list_webhook_endpoints": Operation("GET", "/v1/webhook_endpoints", query=(('limit', 'limit', None), ('starting_after', 'starting_after', None), ('ending_before', 'ending_before', None)), body=False, response="WebhookEndpointList"),
    "get_webhook_endpoint": Operation("GET", "/v1/webhook_endpoints/{id}", query=(), body=False, response="WebhookEndpoint"),
    "update_webhook_endpoint": Operation("PATCH", "/v1/webhook_endpoints/{id}", query=(), body=True, response="WebhookEndpoint"),
    "delete_webhook_endpoint": Operation("DELETE", "/v1/webhook_endpoints/{id}", query=(), body=False, response="DeletedWebhookEndpoint"),
    "rotate_webhook_secret": Operation("POST", "/v1/webhook_endpoints/{id}/rotate_secret", query=(), body=True, response="WebhookEndpoint"),
    "replay_webhook_deliveries": Operation("POST", "/v1/webhook_endpoints/{id}/replay", query=(), body=True, response="WebhookReplayResult"),
    "list_events": Operation("GET", "/v1/events", query=(('limit', 'limit', None), ('starting_after', 'starting_after', None), ('ending_before', 'ending_before', None), ('created', 'created', 'deepObject'), ('type', 'type', None)), body=False, response="EventList"),
    "get_event": Operation("GET", "/v1/events/{id}", query=(), body=False, response="Event"),
    "list_event_deliveries": Operation("GET", "/v1/events/{id}/deliveries", query=(('limit', 'limit', None), ('starting_after', 'starting_after', None), ('ending_before', 'ending_before', None)), body=False, response="DeliveryAttemptList"),
    "resend_event": Operation("POST", "/v1/events/{id}/resend", query=(), body=True, response="EventResendResult"),
}
