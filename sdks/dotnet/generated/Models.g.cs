// Generated from openapi/openapi.json by sdks/dotnet/codegen.py. Do not edit: run `make sdks`.
// C# 7, no dependencies: Mono's compiler builds it here, `dotnet pack` for netstandard2.0 elsewhere.
using System;
using System.Collections.Generic;

namespace Example
{
    public enum BatchMethod
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("GET")] GET,
        [JsonName("POST")] POST,
        [JsonName("PATCH")] PATCH,
        [JsonName("DELETE")] DELETE,
    }

    public enum DeliveryAttemptStatus
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("succeeded")] Succeeded,
        [JsonName("failed")] Failed,
    }

    public enum EnabledEvent
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("*")] All,
        [JsonName("resource.created")] ResourceCreated,
        [JsonName("resource.updated")] ResourceUpdated,
        [JsonName("resource.deleted")] ResourceDeleted,
        [JsonName("resource.status_changed")] ResourceStatusChanged,
        [JsonName("resource.limit_exceeded")] ResourceLimitExceeded,
        [JsonName("webhook_endpoint.disabled")] WebhookEndpointDisabled,
    }

    public enum EndpointStatus
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("enabled")] Enabled,
        [JsonName("disabled")] Disabled,
    }

    public enum ErrorCode
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("api_key_invalid")] ApiKeyInvalid,
        [JsonName("api_key_query_not_allowed")] ApiKeyQueryNotAllowed,
        [JsonName("batch_rolled_back")] BatchRolledBack,
        [JsonName("body_invalid")] BodyInvalid,
        [JsonName("body_too_large")] BodyTooLarge,
        [JsonName("content_type_unsupported")] ContentTypeUnsupported,
        [JsonName("expand_invalid")] ExpandInvalid,
        [JsonName("idempotency_key_in_use")] IdempotencyKeyInUse,
        [JsonName("idempotency_key_reused")] IdempotencyKeyReused,
        [JsonName("internal_error")] InternalError,
        [JsonName("livemode_not_allowed")] LivemodeNotAllowed,
        [JsonName("method_not_allowed")] MethodNotAllowed,
        [JsonName("parameter_invalid")] ParameterInvalid,
        [JsonName("parameter_missing")] ParameterMissing,
        [JsonName("parameter_unknown")] ParameterUnknown,
        [JsonName("parameters_exclusive")] ParametersExclusive,
        [JsonName("precondition_failed")] PreconditionFailed,
        [JsonName("rate_limited")] RateLimited,
        [JsonName("request_invalid")] RequestInvalid,
        [JsonName("resource_conflict")] ResourceConflict,
        [JsonName("resource_missing")] ResourceMissing,
        [JsonName("resource_not_ready")] ResourceNotReady,
        [JsonName("resource_rate_limited")] ResourceRateLimited,
        [JsonName("service_unavailable")] ServiceUnavailable,
        [JsonName("status_transition_invalid")] StatusTransitionInvalid,
        [JsonName("timeout")] Timeout,
        [JsonName("url_invalid")] UrlInvalid,
        [JsonName("webhook_endpoint_disabled")] WebhookEndpointDisabled,
        [JsonName("webhook_endpoint_limit_reached")] WebhookEndpointLimitReached,
        [JsonName("webhook_url_invalid")] WebhookUrlInvalid,
    }

    public enum ErrorType
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("api_error")] ApiError,
        [JsonName("authentication_error")] AuthenticationError,
        [JsonName("conflict_error")] ConflictError,
        [JsonName("idempotency_error")] IdempotencyError,
        [JsonName("invalid_request_error")] InvalidRequestError,
        [JsonName("permission_error")] PermissionError,
        [JsonName("rate_limit_error")] RateLimitError,
        [JsonName("resource_not_found")] ResourceNotFound,
        [JsonName("timeout_error")] TimeoutError,
    }

    public enum EventType
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("resource.created")] ResourceCreated,
        [JsonName("resource.updated")] ResourceUpdated,
        [JsonName("resource.deleted")] ResourceDeleted,
        [JsonName("resource.status_changed")] ResourceStatusChanged,
        [JsonName("resource.limit_exceeded")] ResourceLimitExceeded,
        [JsonName("webhook_endpoint.disabled")] WebhookEndpointDisabled,
    }

    public enum ExpandPath
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("metrics")] Metrics,
        [JsonName("logs")] Logs,
        [JsonName("related_resources")] RelatedResources,
        [JsonName("related_resources.data.metrics")] RelatedResourcesDataMetrics,
    }

    public enum ResourceType
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("production")] Production,
        [JsonName("staging")] Staging,
        [JsonName("development")] Development,
    }

    public enum SettableStatus
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("active")] Active,
        [JsonName("paused")] Paused,
        [JsonName("archived")] Archived,
    }

    public enum Status
    {
        /// <summary>A value this SDK does not know (a newer API version).</summary>
        Unknown = 0,
        [JsonName("pending")] Pending,
        [JsonName("active")] Active,
        [JsonName("paused")] Paused,
        [JsonName("archived")] Archived,
        [JsonName("failed")] Failed,
    }

    /// <summary>BatchAtomic</summary>
    public partial class BatchAtomic : ApiObject
    {
        [JsonName("committed")] public bool Committed { get; set; }
        [JsonName("failed_operation")] public long? FailedOperation { get; set; }
    }

    /// <summary>BatchOperation</summary>
    public sealed partial class BatchOperation : RequestParams
    {
        [JsonName("method")] public BatchMethod? Method { get; set; }
        [JsonName("path")] public string Path { get; set; }
        [JsonName("body")] public Dictionary<string, object> Body { get; set; }
        [JsonName("idempotency_key")] public string IdempotencyKey { get; set; }
    }

    /// <summary>One operation's answer, in the order given: its status and what the single call</summary>
    public partial class BatchOperationResult : ApiObject
    {
        [JsonName("status")] public long Status { get; set; }
        [JsonName("body")] public ApiObject Body { get; set; }
        [JsonName("idempotent_replayed")] public bool? IdempotentReplayed { get; set; }
    }

    /// <summary>BatchRequest</summary>
    public sealed partial class BatchParams : RequestParams
    {
        [JsonName("operations")] public List<BatchOperation> Operations { get; set; }
        [JsonName("atomic")] public bool? Atomic { get; set; }
    }

    /// <summary>BatchResult</summary>
    public partial class BatchResult : ApiObject
    {
        [JsonName("object")] public string Object { get; set; }
        [JsonName("results")] public List<BatchOperationResult> Results { get; set; }
        [JsonName("summary")] public BatchSummary Summary { get; set; }
        [JsonName("atomic")] public BatchAtomic Atomic { get; set; }
    }

    /// <summary>BatchSummary</summary>
    public partial class BatchSummary : ApiObject
    {
        [JsonName("total")] public long Total { get; set; }
        [JsonName("successful")] public long Successful { get; set; }
        [JsonName("failed")] public long Failed { get; set; }
        [JsonName("duration_ms")] public long DurationMs { get; set; }
    }

    /// <summary>DeletedResource</summary>
    public partial class DeletedResource : ApiObject
    {
        [JsonName("id")] public string Id { get; set; }
        [JsonName("object")] public string Object { get; set; }
        [JsonName("deleted")] public bool Deleted { get; set; }
        [JsonName("deleted_at")] public long DeletedAt { get; set; }
    }

    /// <summary>DeletedWebhookEndpoint</summary>
    public partial class DeletedWebhookEndpoint : ApiObject
    {
        [JsonName("id")] public string Id { get; set; }
        [JsonName("object")] public string Object { get; set; }
        [JsonName("deleted")] public bool Deleted { get; set; }
    }

    /// <summary>DeliveryAttempt</summary>
    public partial class DeliveryAttempt : ApiObject
    {
        [JsonName("id")] public string Id { get; set; }
        [JsonName("object")] public string Object { get; set; }
        [JsonName("event")] public string Event { get; set; }
        [JsonName("webhook_endpoint")] public string WebhookEndpoint { get; set; }
        [JsonName("created")] public long Created { get; set; }
        [JsonName("attempt")] public long Attempt { get; set; }
        [JsonName("status")] public DeliveryAttemptStatus Status { get; set; }
        [JsonName("livemode")] public bool Livemode { get; set; }
    }

    /// <summary>DeliveryAttemptList</summary>
    public partial class DeliveryAttemptList : ApiObject
    {
        [JsonName("object")] public string Object { get; set; }
        [JsonName("url")] public string Url { get; set; }
        [JsonName("data")] public List<DeliveryAttempt> Data { get; set; }
        [JsonName("has_more")] public bool HasMore { get; set; }
    }

    /// <summary>The spec's error object: every failure, whatever produced it.</summary>
    public partial class Error : ApiObject
    {
        [JsonName("error")] public ErrorDetail ErrorValue { get; set; }
    }

    /// <summary>ErrorDetail</summary>
    public partial class ErrorDetail : ApiObject
    {
        [JsonName("type")] public ErrorType Type { get; set; }
        [JsonName("code")] public ErrorCode Code { get; set; }
        [JsonName("message")] public string Message { get; set; }
        [JsonName("param")] public string Param { get; set; }
        [JsonName("doc_url")] public string DocUrl { get; set; }
        [JsonName("request_id")] public string RequestId { get; set; }
        [JsonName("request_log_url")] public string RequestLogUrl { get; set; }
    }

    /// <summary>Event</summary>
    public partial class Event : ApiObject
    {
        [JsonName("id")] public string Id { get; set; }
        [JsonName("object")] public string Object { get; set; }
        [JsonName("type")] public EventType Type { get; set; }
        [JsonName("created")] public long Created { get; set; }
        [JsonName("api_version")] public string ApiVersion { get; set; }
        [JsonName("livemode")] public bool Livemode { get; set; }
        [JsonName("data")] public EventData Data { get; set; }
        [JsonName("request")] public EventRequest Request { get; set; }
    }

    /// <summary>EventData</summary>
    public partial class EventData : ApiObject
    {
        [JsonName("object")] public ApiObject Object { get; set; }
        [JsonName("previous_attributes")] public Dictionary<string, object> PreviousAttributes { get; set; }
    }

    /// <summary>EventList</summary>
    public partial class EventList : ApiObject
    {
        [JsonName("object")] public string Object { get; set; }
        [JsonName("url")] public string Url { get; set; }
        [JsonName("data")] public List<Event> Data { get; set; }
        [JsonName("has_more")] public bool HasMore { get; set; }
    }

    /// <summary>EventRequest</summary>
    public partial class EventRequest : ApiObject
    {
        [JsonName("id")] public string Id { get; set; }
        [JsonName("idempotency_key")] public string IdempotencyKey { get; set; }
    }

    /// <summary>EventResend</summary>
    public sealed partial class EventResendParams : RequestParams
    {
        [JsonName("webhook_endpoint")] public string WebhookEndpoint { get; set; }
    }

    /// <summary>EventResendResult</summary>
    public partial class EventResendResult : ApiObject
    {
        [JsonName("object")] public string Object { get; set; }
        [JsonName("event")] public string Event { get; set; }
        [JsonName("webhook_endpoints")] public List<string> WebhookEndpoints { get; set; }
    }

    /// <summary>data.object of resource.limit_exceeded (limits.py): a resource's own rate limit was crossed.</summary>
    public partial class LimitNotice : ApiObject
    {
        [JsonName("object")] public string Object { get; set; }
        [JsonName("resource")] public string Resource { get; set; }
        [JsonName("limit_type")] public string LimitType { get; set; }
        [JsonName("limit")] public long Limit { get; set; }
        [JsonName("current_value")] public long CurrentValue { get; set; }
        [JsonName("window_start")] public long WindowStart { get; set; }
        [JsonName("window_end")] public long WindowEnd { get; set; }
    }

    /// <summary>MetricsLast24h</summary>
    public partial class MetricsLast24h : ApiObject
    {
        [JsonName("requests")] public long Requests { get; set; }
        [JsonName("success_rate")] public double? SuccessRate { get; set; }
        [JsonName("errors")] public long Errors { get; set; }
        [JsonName("avg_latency_ms")] public long? AvgLatencyMs { get; set; }
        [JsonName("p95_latency_ms")] public long? P95LatencyMs { get; set; }
        [JsonName("p99_latency_ms")] public long? P99LatencyMs { get; set; }
    }

    /// <summary>MetricsLifetime</summary>
    public partial class MetricsLifetime : ApiObject
    {
        [JsonName("requests")] public long Requests { get; set; }
        [JsonName("success_rate")] public double? SuccessRate { get; set; }
        [JsonName("errors")] public long Errors { get; set; }
        [JsonName("avg_latency_ms")] public long? AvgLatencyMs { get; set; }
    }

    /// <summary>Provisioning</summary>
    public partial class Provisioning : ApiObject
    {
        [JsonName("status")] public string Status { get; set; }
        [JsonName("estimated_completion")] public long? EstimatedCompletion { get; set; }
        [JsonName("steps_completed")] public long StepsCompleted { get; set; }
        [JsonName("steps_total")] public long StepsTotal { get; set; }
    }

    /// <summary>A resource inside related_resources (it expands metrics only).</summary>
    public partial class RelatedResource : ApiObject
    {
        [JsonName("id")] public string Id { get; set; }
        [JsonName("object")] public string Object { get; set; }
        [JsonName("created")] public long Created { get; set; }
        [JsonName("updated")] public long Updated { get; set; }
        [JsonName("livemode")] public bool Livemode { get; set; }
        [JsonName("name")] public string Name { get; set; }
        [JsonName("type")] public ResourceType Type { get; set; }
        [JsonName("status")] public Status Status { get; set; }
        [JsonName("configuration")] public ResourceConfiguration Configuration { get; set; }
        [JsonName("metadata")] public Dictionary<string, string> Metadata { get; set; }
        [JsonName("provisioning")] public Provisioning Provisioning { get; set; }
        [JsonName("limits")] public ResourceLimits Limits { get; set; }
        [JsonName("metrics")] public ApiObject Metrics { get; set; }
    }

    /// <summary>expand[]=related_resources: up to 10 other resources of the same account, mode and type.</summary>
    public partial class RelatedResources : ApiObject
    {
        [JsonName("object")] public string Object { get; set; }
        [JsonName("data")] public List<RelatedResource> Data { get; set; }
        [JsonName("has_more")] public bool HasMore { get; set; }
    }

    /// <summary>RequestLog</summary>
    public partial class RequestLog : ApiObject
    {
        [JsonName("id")] public string Id { get; set; }
        [JsonName("object")] public string Object { get; set; }
        [JsonName("created")] public long Created { get; set; }
        [JsonName("method")] public string Method { get; set; }
        [JsonName("path")] public string Path { get; set; }
        [JsonName("status")] public long Status { get; set; }
        [JsonName("latency_ms")] public double LatencyMs { get; set; }
    }

    /// <summary>expand[]=logs: the newest 20 requests of the last 7 days, newest first.</summary>
    public partial class RequestLogList : ApiObject
    {
        [JsonName("object")] public string Object { get; set; }
        [JsonName("data")] public List<RequestLog> Data { get; set; }
        [JsonName("has_more")] public bool HasMore { get; set; }
    }

    /// <summary>The resource object (expansions only when asked for with expand[]).</summary>
    public partial class Resource : ApiObject
    {
        [JsonName("id")] public string Id { get; set; }
        [JsonName("object")] public string Object { get; set; }
        [JsonName("created")] public long Created { get; set; }
        [JsonName("updated")] public long Updated { get; set; }
        [JsonName("livemode")] public bool Livemode { get; set; }
        [JsonName("name")] public string Name { get; set; }
        [JsonName("type")] public ResourceType Type { get; set; }
        [JsonName("status")] public Status Status { get; set; }
        [JsonName("configuration")] public ResourceConfiguration Configuration { get; set; }
        [JsonName("metadata")] public Dictionary<string, string> Metadata { get; set; }
        [JsonName("provisioning")] public Provisioning Provisioning { get; set; }
        [JsonName("limits")] public ResourceLimits Limits { get; set; }
        [JsonName("metrics")] public ApiObject Metrics { get; set; }
        [JsonName("logs")] public RequestLogList Logs { get; set; }
        [JsonName("related_resources")] public RelatedResources RelatedResources { get; set; }
    }

    /// <summary>ResourceConfiguration</summary>
    public partial class ResourceConfiguration : ApiObject
    {
        [JsonName("timeout_ms")] public long TimeoutMs { get; set; }
        [JsonName("retry_count")] public long RetryCount { get; set; }
        [JsonName("batch_size")] public long BatchSize { get; set; }
        [JsonName("rate_limit")] public long? RateLimit { get; set; }
    }

    /// <summary>ResourceConfigurationParams</summary>
    public sealed partial class ResourceConfigurationParams : RequestParams
    {
        [JsonName("timeout_ms")] public long? TimeoutMs { get; set; }
        [JsonName("retry_count")] public long? RetryCount { get; set; }
        [JsonName("batch_size")] public long? BatchSize { get; set; }
        [JsonName("rate_limit")] public long? RateLimit { get; set; }
    }

    /// <summary>ResourceConfigurationPatch</summary>
    public sealed partial class ResourceConfigurationPatch : RequestParams
    {
        [JsonName("timeout_ms")] public long? TimeoutMs { get; set; }
        [JsonName("retry_count")] public long? RetryCount { get; set; }
        [JsonName("batch_size")] public long? BatchSize { get; set; }
        [JsonName("rate_limit")] public long? RateLimit { get; set; }
    }

    /// <summary>ResourceCreate</summary>
    public sealed partial class ResourceCreateParams : RequestParams
    {
        [JsonName("name")] public string Name { get; set; }
        [JsonName("type")] public ResourceType? Type { get; set; }
        [JsonName("configuration")] public ResourceConfigurationParams Configuration { get; set; }
        [JsonName("metadata")] public Dictionary<string, string> Metadata { get; set; }
        [JsonName("expand")] public List<ExpandPath> Expand { get; set; }
    }

    /// <summary>What a resource allows (limits.py); on every answer of the resource API.</summary>
    public partial class ResourceLimits : ApiObject
    {
        [JsonName("max_requests_per_minute")] public long MaxRequestsPerMinute { get; set; }
        [JsonName("max_batch_size")] public long MaxBatchSize { get; set; }
        [JsonName("max_payload_bytes")] public long MaxPayloadBytes { get; set; }
    }

    /// <summary>ResourceList</summary>
    public partial class ResourceList : ApiObject
    {
        [JsonName("object")] public string Object { get; set; }
        [JsonName("url")] public string Url { get; set; }
        [JsonName("data")] public List<Resource> Data { get; set; }
        [JsonName("has_more")] public bool HasMore { get; set; }
        [JsonName("total_count")] public long TotalCount { get; set; }
    }

    /// <summary>expand[]=metrics on a resource (docs/expand-and-metrics.md).</summary>
    public partial class ResourceMetrics : ApiObject
    {
        [JsonName("lifetime")] public MetricsLifetime Lifetime { get; set; }
        [JsonName("last_24h")] public MetricsLast24h Last24h { get; set; }
    }

    /// <summary>expand[]=data.metrics on a list: the UTC day so far.</summary>
    public partial class ResourceMetricsSummary : ApiObject
    {
        [JsonName("requests_today")] public long RequestsToday { get; set; }
        [JsonName("success_rate")] public double? SuccessRate { get; set; }
        [JsonName("avg_latency_ms")] public long? AvgLatencyMs { get; set; }
    }

    /// <summary>ResourceUpdate</summary>
    public sealed partial class ResourceUpdateParams : RequestParams
    {
        [JsonName("name")] public string Name { get; set; }
        [JsonName("configuration")] public ResourceConfigurationPatch Configuration { get; set; }
        [JsonName("metadata")] public Dictionary<string, string> Metadata { get; set; }
        [JsonName("status")] public SettableStatus? Status { get; set; }
        [JsonName("expand")] public List<ExpandPath> Expand { get; set; }
    }

    /// <summary>WebhookEndpoint</summary>
    public partial class WebhookEndpoint : ApiObject
    {
        [JsonName("id")] public string Id { get; set; }
        [JsonName("object")] public string Object { get; set; }
        [JsonName("url")] public string Url { get; set; }
        [JsonName("enabled_events")] public List<EnabledEvent> EnabledEvents { get; set; }
        [JsonName("description")] public string Description { get; set; }
        [JsonName("status")] public EndpointStatus Status { get; set; }
        [JsonName("metadata")] public Dictionary<string, string> Metadata { get; set; }
        [JsonName("created")] public long Created { get; set; }
        [JsonName("livemode")] public bool Livemode { get; set; }
        [JsonName("secret")] public string Secret { get; set; }
        [JsonName("secret_redacted")] public string SecretRedacted { get; set; }
        [JsonName("previous_secret_expires_at")] public long? PreviousSecretExpiresAt { get; set; }
    }

    /// <summary>WebhookEndpointCreate</summary>
    public sealed partial class WebhookEndpointCreateParams : RequestParams
    {
        [JsonName("url")] public string Url { get; set; }
        [JsonName("enabled_events")] public List<EnabledEvent> EnabledEvents { get; set; }
        [JsonName("description")] public string Description { get; set; }
        [JsonName("metadata")] public Dictionary<string, string> Metadata { get; set; }
    }

    /// <summary>WebhookEndpointList</summary>
    public partial class WebhookEndpointList : ApiObject
    {
        [JsonName("object")] public string Object { get; set; }
        [JsonName("url")] public string Url { get; set; }
        [JsonName("data")] public List<WebhookEndpoint> Data { get; set; }
        [JsonName("has_more")] public bool HasMore { get; set; }
    }

    /// <summary>WebhookEndpointUpdate</summary>
    public sealed partial class WebhookEndpointUpdateParams : RequestParams
    {
        [JsonName("url")] public string Url { get; set; }
        [JsonName("enabled_events")] public List<EnabledEvent> EnabledEvents { get; set; }
        [JsonName("description")] public string Description { get; set; }
        [JsonName("metadata")] public Dictionary<string, string> Metadata { get; set; }
        [JsonName("status")] public EndpointStatus? Status { get; set; }
    }

    /// <summary>WebhookReplay</summary>
    public sealed partial class WebhookReplayParams : RequestParams
    {
        [JsonName("since")] public long? Since { get; set; }
        [JsonName("limit")] public long? Limit { get; set; }
        [JsonName("starting_after")] public string StartingAfter { get; set; }
    }

    /// <summary>WebhookReplayResult</summary>
    public partial class WebhookReplayResult : ApiObject
    {
        [JsonName("object")] public string Object { get; set; }
        [JsonName("webhook_endpoint")] public string WebhookEndpoint { get; set; }
        [JsonName("since")] public long Since { get; set; }
        [JsonName("events")] public List<string> Events { get; set; }
        [JsonName("count")] public long Count { get; set; }
        [JsonName("remaining")] public long Remaining { get; set; }
        [JsonName("has_more")] public bool HasMore { get; set; }
    }

    /// <summary>POST /v1/webhook_endpoints/{id}/rotate_secret.</summary>
    public sealed partial class WebhookSecretRotateParams : RequestParams
    {
        [JsonName("expires_in")] public long? ExpiresIn { get; set; }
    }

    internal static class Discriminators
    {
        internal static readonly Dictionary<string, Type> ByObject = new Dictionary<string, Type>
        {
            { "limit", typeof(LimitNotice) },
            { "resource", typeof(Resource) },
            { "webhook_endpoint", typeof(WebhookEndpoint) },
        };
    }
}
