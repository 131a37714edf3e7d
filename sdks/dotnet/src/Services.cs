using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Example
{
    /// <summary>A Unix-time range filter: <c>created[gt|gte|lt|lte]</c>.</summary>
    public sealed class RangeFilter : RequestParams
    {
        [JsonName("gt")] public long? Gt { get; set; }
        [JsonName("gte")] public long? Gte { get; set; }
        [JsonName("lt")] public long? Lt { get; set; }
        [JsonName("lte")] public long? Lte { get; set; }
    }

    /// <summary>Cursor pagination: at most one of StartingAfter and EndingBefore.</summary>
    public class ListParams : RequestParams
    {
        /// <summary>1-100 (default 20).</summary>
        [JsonName("limit")] public long? Limit { get; set; }
        [JsonName("starting_after")] public string StartingAfter { get; set; }
        [JsonName("ending_before")] public string EndingBefore { get; set; }
    }

    public sealed class ResourceListParams : ListParams
    {
        [JsonName("created")] public RangeFilter Created { get; set; }
        [JsonName("status")] public Status? Status { get; set; }
        /// <summary>Paths with the "data." prefix, e.g. "data.metrics".</summary>
        [JsonName("expand")] public List<string> Expand { get; set; }
    }

    public sealed class ResourceRetrieveParams : RequestParams
    {
        [JsonName("expand")] public List<ExpandPath> Expand { get; set; }
    }

    public sealed class EventListParams : ListParams
    {
        [JsonName("created")] public RangeFilter Created { get; set; }
        [JsonName("type")] public EventType? Type { get; set; }
    }

    /// <summary>One page of a list, and the way to the next ones (<see cref="AutoPagingEnumerable"/>).</summary>
    public sealed class Page<T> : ApiObject where T : ApiObject
    {
        [JsonName("url")] public string Url { get; set; }
        [JsonName("data")] public List<T> Data { get; set; }
        [JsonName("has_more")] public bool HasMore { get; set; }
        /// <summary>Objects matching the filters in all (resource lists only).</summary>
        [JsonName("total_count")] public long? TotalCount { get; set; }

        internal Func<string, bool, Task<Page<T>>> Next { get; set; }
        internal bool Backward { get; set; }

        /// <summary>Every object of this page and the pages after it, fetched as you go; newest
        /// first, or from the cursor backwards when the first page was asked with EndingBefore.</summary>
        public IEnumerable<T> AutoPagingEnumerable()
        {
            Page<T> page = this;
            while (true)
            {
                foreach (T item in page.Data) yield return item;
                if (!page.HasMore || page.Data.Count == 0 || page.Next == null) yield break;
                string cursor = Backward ? page.Data[0]["id"] as string : page.Data[page.Data.Count - 1]["id"] as string;
                page = page.Next(cursor, Backward).GetAwaiter().GetResult();
            }
        }
    }

    public abstract class Service
    {
        internal Service(Requestor requestor) { Requestor = requestor; }

        internal Requestor Requestor { get; }

        protected Task<T> Call<T>(HttpMethod method, string path, object parameters, RequestOptions opts, CancellationToken ct) where T : ApiObject
        {
            return Requestor.RequestAsync<T>(method, path, parameters, opts, ct);
        }

        protected async Task<Page<T>> ListAsync<T>(string path, ListParams parameters, RequestOptions opts, CancellationToken ct) where T : ApiObject
        {
            Page<T> page = await Call<Page<T>>(HttpMethod.Get, path, parameters, opts, ct).ConfigureAwait(false);
            page.Backward = parameters != null && parameters.EndingBefore != null;
            page.Next = (cursor, backward) =>
            {
                // the same filters, one cursor moved; a copy, so the caller's parameters stay as given
                var tree = Json.ToTree(parameters) as Dictionary<string, object> ?? new Dictionary<string, object>();
                var next = new Dictionary<string, object>(tree);
                next.Remove("starting_after");
                next.Remove("ending_before");
                next[backward ? "ending_before" : "starting_after"] = cursor;
                var raw = new RawParams(next);
                return Call<Page<T>>(HttpMethod.Get, path, raw, opts, ct).ContinueWith(t =>
                {
                    Page<T> p = t.GetAwaiter().GetResult();
                    p.Backward = backward;
                    p.Next = page.Next;
                    return p;
                }, TaskContinuationOptions.ExecuteSynchronously);
            };
            return page;
        }

        protected static string Id(string id)
        {
            if (string.IsNullOrEmpty(id)) throw new ArgumentException("An id is required");
            return Uri.EscapeDataString(id);
        }
    }

    /// <summary>Parameters given as a ready tree (the next page's query).</summary>
    internal sealed class RawParams : RequestParams
    {
        internal RawParams(Dictionary<string, object> members)
        {
            foreach (var kv in members) ExtraParams[kv.Key] = kv.Value;
        }
    }

    public sealed class ResourceService : Service
    {
        internal ResourceService(Requestor r) : base(r) { }

        public Task<Resource> CreateAsync(ResourceCreateParams p, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<Resource>(HttpMethod.Post, "/v1/resources", p, opts, ct);
        }

        public Task<Resource> RetrieveAsync(string id, ResourceRetrieveParams p = null, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<Resource>(HttpMethod.Get, "/v1/resources/" + Id(id), p, opts, ct);
        }

        public Task<Page<Resource>> ListAsync(ResourceListParams p = null, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return ListAsync<Resource>("/v1/resources", p, opts, ct);
        }

        public Task<Resource> UpdateAsync(string id, ResourceUpdateParams p, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<Resource>(new HttpMethod("PATCH"), "/v1/resources/" + Id(id), p, opts, ct);
        }

        public Task<DeletedResource> DeleteAsync(string id, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<DeletedResource>(HttpMethod.Delete, "/v1/resources/" + Id(id), null, opts, ct);
        }

        public Resource Create(ResourceCreateParams p, RequestOptions opts = null) { return CreateAsync(p, opts).GetAwaiter().GetResult(); }
        public Resource Retrieve(string id, ResourceRetrieveParams p = null, RequestOptions opts = null) { return RetrieveAsync(id, p, opts).GetAwaiter().GetResult(); }
        public Page<Resource> List(ResourceListParams p = null, RequestOptions opts = null) { return ListAsync(p, opts).GetAwaiter().GetResult(); }
        public Resource Update(string id, ResourceUpdateParams p, RequestOptions opts = null) { return UpdateAsync(id, p, opts).GetAwaiter().GetResult(); }
        public DeletedResource Delete(string id, RequestOptions opts = null) { return DeleteAsync(id, opts).GetAwaiter().GetResult(); }
    }

    public sealed class WebhookEndpointService : Service
    {
        internal WebhookEndpointService(Requestor r) : base(r) { }

        public Task<WebhookEndpoint> CreateAsync(WebhookEndpointCreateParams p, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<WebhookEndpoint>(HttpMethod.Post, "/v1/webhook_endpoints", p, opts, ct);
        }

        public Task<WebhookEndpoint> RetrieveAsync(string id, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<WebhookEndpoint>(HttpMethod.Get, "/v1/webhook_endpoints/" + Id(id), null, opts, ct);
        }

        public Task<Page<WebhookEndpoint>> ListAsync(ListParams p = null, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return ListAsync<WebhookEndpoint>("/v1/webhook_endpoints", p, opts, ct);
        }

        public Task<WebhookEndpoint> UpdateAsync(string id, WebhookEndpointUpdateParams p, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<WebhookEndpoint>(new HttpMethod("PATCH"), "/v1/webhook_endpoints/" + Id(id), p, opts, ct);
        }

        public Task<DeletedWebhookEndpoint> DeleteAsync(string id, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<DeletedWebhookEndpoint>(HttpMethod.Delete, "/v1/webhook_endpoints/" + Id(id), null, opts, ct);
        }

        /// <summary>A new secret (shown once, in the answer); the old one keeps signing until it expires.</summary>
        public Task<WebhookEndpoint> RotateSecretAsync(string id, WebhookSecretRotateParams p = null, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<WebhookEndpoint>(HttpMethod.Post, "/v1/webhook_endpoints/" + Id(id) + "/rotate_secret", p, opts, ct);
        }

        /// <summary>Deliver again every event since a time (the failed ones and the rest).</summary>
        public Task<WebhookReplayResult> ReplayAsync(string id, WebhookReplayParams p, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<WebhookReplayResult>(HttpMethod.Post, "/v1/webhook_endpoints/" + Id(id) + "/replay", p, opts, ct);
        }

        public WebhookEndpoint Create(WebhookEndpointCreateParams p, RequestOptions opts = null) { return CreateAsync(p, opts).GetAwaiter().GetResult(); }
        public WebhookEndpoint Retrieve(string id, RequestOptions opts = null) { return RetrieveAsync(id, opts).GetAwaiter().GetResult(); }
        public Page<WebhookEndpoint> List(ListParams p = null, RequestOptions opts = null) { return ListAsync(p, opts).GetAwaiter().GetResult(); }
        public WebhookEndpoint Update(string id, WebhookEndpointUpdateParams p, RequestOptions opts = null) { return UpdateAsync(id, p, opts).GetAwaiter().GetResult(); }
        public DeletedWebhookEndpoint Delete(string id, RequestOptions opts = null) { return DeleteAsync(id, opts).GetAwaiter().GetResult(); }
    }

    public sealed class EventService : Service
    {
        internal EventService(Requestor r) : base(r) { }

        public Task<Event> RetrieveAsync(string id, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<Event>(HttpMethod.Get, "/v1/events/" + Id(id), null, opts, ct);
        }

        public Task<Page<Event>> ListAsync(EventListParams p = null, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return ListAsync<Event>("/v1/events", p, opts, ct);
        }

        /// <summary>Every delivery attempt of the event, to each endpoint.</summary>
        public Task<Page<DeliveryAttempt>> ListDeliveriesAsync(string id, ListParams p = null, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return ListAsync<DeliveryAttempt>("/v1/events/" + Id(id) + "/deliveries", p, opts, ct);
        }

        public Task<EventResendResult> ResendAsync(string id, EventResendParams p = null, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<EventResendResult>(HttpMethod.Post, "/v1/events/" + Id(id) + "/resend", p, opts, ct);
        }

        public Event Retrieve(string id, RequestOptions opts = null) { return RetrieveAsync(id, opts).GetAwaiter().GetResult(); }
        public Page<Event> List(EventListParams p = null, RequestOptions opts = null) { return ListAsync(p, opts).GetAwaiter().GetResult(); }
    }

    public sealed class BatchService : Service
    {
        internal BatchService(Requestor r) : base(r) { }

        public Task<BatchResult> CreateAsync(BatchParams p, RequestOptions opts = null, CancellationToken ct = default(CancellationToken))
        {
            return Call<BatchResult>(HttpMethod.Post, "/v1/batch", p, opts, ct);
        }

        public BatchResult Create(BatchParams p, RequestOptions opts = null) { return CreateAsync(p, opts).GetAwaiter().GetResult(); }
    }
}
