using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Example
{
    /// <summary>What a client is made with. Only <see cref="ApiKey"/> is required.</summary>
    public sealed class ClientOptions
    {
        public string ApiKey { get; set; }
        public string BaseUrl { get; set; } = "https://api.example.com";
        /// <summary>Pins every call to an API version (else the account's default).</summary>
        public string ApiVersion { get; set; }
        /// <summary>Retries after the first attempt (default 2).</summary>
        public int MaxRetries { get; set; } = 2;
        /// <summary>Per attempt (default 80 s).</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(80);
        /// <summary>The longest Retry-After the client waits for; a longer one raises at once (default 60 s).</summary>
        public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>An HTTP proxy for every call (or set <see cref="HttpMessageHandler"/>).</summary>
        public IWebProxy Proxy { get; set; }
        /// <summary>Your own HTTP stack (logging, a proxy, a test double): the client sends through it.</summary>
        public HttpMessageHandler HttpMessageHandler { get; set; }
        /// <summary>How the client waits between attempts (tests record instead of sleeping).</summary>
        public Func<TimeSpan, CancellationToken, Task> Sleep { get; set; } = (d, ct) => Task.Delay(d, ct);
    }

    /// <summary>Per-call options: each overrides the client's for one call.</summary>
    public sealed class RequestOptions
    {
        public string ApiKey { get; set; }
        public string ApiVersion { get; set; }
        /// <summary>Sent on POST, PATCH and DELETE (a fresh UUID when unset), the same on every retry.</summary>
        public string IdempotencyKey { get; set; }
        public TimeSpan? Timeout { get; set; }
        public int? MaxRetries { get; set; }
        /// <summary>An ETag: the write happens only if the object has not changed since (else 412).</summary>
        public string IfMatch { get; set; }
    }

    /// <summary>The client: <c>new ExampleClient(new ClientOptions { ApiKey = "sk_test_..." })</c>.</summary>
    public sealed class ExampleClient
    {
        public const string Version = "2.0.0";

        public ExampleClient(string apiKey) : this(new ClientOptions { ApiKey = apiKey }) { }

        public ExampleClient(ClientOptions options)
        {
            if (options == null || string.IsNullOrEmpty(options.ApiKey)) throw new ArgumentException("An API key (sk_test_... or sk_live_...) is required");
            Requestor = new Requestor(options);
            Resources = new ResourceService(Requestor);
            WebhookEndpoints = new WebhookEndpointService(Requestor);
            Events = new EventService(Requestor);
            Batch = new BatchService(Requestor);
        }

        internal Requestor Requestor { get; }
        public ResourceService Resources { get; }
        public WebhookEndpointService WebhookEndpoints { get; }
        public EventService Events { get; }
        public BatchService Batch { get; }
    }

    /// <summary>
    /// HTTP with Stripe's retry rules. Retried: no answer at all (refused, reset, timed out),
    /// 409 idempotency_key_in_use, 429 and every 5xx; never another 4xx. The wait is the
    /// Retry-After the server gives (a Retry-After longer than MaxRetryAfter raises at once rather
    /// than hold the caller), else exponential backoff (0.5 s doubling, at most 8 s) with jitter
    /// (50-100 % of it). Every POST/PATCH/DELETE carries one Idempotency-Key on every attempt.
    /// </summary>
    public sealed class Requestor
    {
        public static readonly TimeSpan InitialDelay = TimeSpan.FromSeconds(0.5);
        public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(8);

        private static readonly Random Jitter = new Random();
        private readonly ClientOptions options;
        private readonly HttpClient http;

        internal Requestor(ClientOptions options)
        {
            this.options = options;
            HttpMessageHandler handler = options.HttpMessageHandler
                ?? new HttpClientHandler { Proxy = options.Proxy, UseProxy = options.Proxy != null, AllowAutoRedirect = false };
            http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        }

        public async Task<T> RequestAsync<T>(HttpMethod method, string path, object parameters, RequestOptions opts, CancellationToken ct)
            where T : ApiObject
        {
            ApiResponse response = await SendAsync(method, path, parameters, opts, ct).ConfigureAwait(false);
            T obj;
            try
            {
                obj = Json.Bind<T>(Json.Parse(response.Body));
            }
            catch (JsonException e)
            {
                // a success that is not JSON: not retried (the write may have happened)
                throw new ApiException("The API answered " + response.StatusCode + " with a body that is not JSON: " + e.Message,
                    response.StatusCode, null, response);
            }
            if (obj == null) throw new ApiException("The API answered with no object", response.StatusCode, null, response);
            obj.LastResponse = response;
            return obj;
        }

        public async Task<ApiResponse> SendAsync(HttpMethod method, string path, object parameters, RequestOptions opts, CancellationToken ct)
        {
            opts = opts ?? new RequestOptions();
            string url = options.BaseUrl.TrimEnd('/') + path;
            string body = null;
            string idempotencyKey = null;
            object tree = Json.ToTree(parameters);
            if (method == HttpMethod.Get)
            {
                string query = EncodeQuery(tree as Dictionary<string, object>);
                if (query.Length > 0) url += (url.Contains("?") ? "&" : "?") + query;
            }
            else
            {
                idempotencyKey = opts.IdempotencyKey ?? Guid.NewGuid().ToString();
                var members = tree as Dictionary<string, object>;
                if (members != null && members.Count > 0) body = Json.Write(members);
            }
            int maxRetries = opts.MaxRetries ?? options.MaxRetries;
            TimeSpan timeout = opts.Timeout ?? options.Timeout;
            for (int attempt = 1; ; attempt++)
            {
                bool retriesLeft = attempt <= maxRetries;
                var request = new HttpRequestMessage(method, url);
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + (opts.ApiKey ?? options.ApiKey));
                request.Headers.TryAddWithoutValidation("Accept", "application/json");
                request.Headers.TryAddWithoutValidation("User-Agent", "example-dotnet/" + ExampleClient.Version);
                string version = opts.ApiVersion ?? options.ApiVersion;
                if (version != null) request.Headers.TryAddWithoutValidation("Api-Version", version);
                if (opts.IfMatch != null) request.Headers.TryAddWithoutValidation("If-Match", opts.IfMatch);
                if (idempotencyKey != null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
                if (body != null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");

                HttpResponseMessage resp;
                string text;
                using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    attemptCts.CancelAfter(timeout);
                    try
                    {
                        resp = await http.SendAsync(request, attemptCts.Token).ConfigureAwait(false);
                        text = await resp.Content.ReadAsStringAsync().ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested)
                                              || e is System.IO.IOException)
                    {
                        if (retriesLeft)
                        {
                            await options.Sleep(Backoff(attempt), ct).ConfigureAwait(false);
                            continue;
                        }
                        throw new ApiConnectionException("Could not reach the API (" + method + " " + path + ") after " + attempt + " attempt(s): " + e.Message, e);
                    }
                }
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var h in resp.Headers) headers[h.Key.ToLowerInvariant()] = string.Join(", ", h.Value);
                foreach (var h in resp.Content.Headers) headers[h.Key.ToLowerInvariant()] = string.Join(", ", h.Value);
                var response = new ApiResponse((int)resp.StatusCode, headers, text, attempt);
                if (response.StatusCode < 400) return response;
                ApiException error = ApiException.Create(response);
                if (!retriesLeft || !ShouldRetry(response.StatusCode, error)) throw error;
                TimeSpan? retryAfter = RetryAfter(response.Header("Retry-After"));
                if (retryAfter.HasValue && retryAfter.Value > options.MaxRetryAfter) throw error; // do not hold the caller
                await options.Sleep(retryAfter ?? Backoff(attempt), ct).ConfigureAwait(false);
            }
        }

        internal static bool ShouldRetry(int status, ApiException error)
        {
            if (status == 409) return error.CodeName == "idempotency_key_in_use";
            return status == 429 || status >= 500;
        }

        internal static TimeSpan? RetryAfter(string header)
        {
            double seconds;
            if (header != null && double.TryParse(header.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) && seconds >= 0)
                return TimeSpan.FromSeconds(seconds);
            return null; // absent, an HTTP date or garbage: back off instead
        }

        /// <summary>The wait before attempt <paramref name="attempt"/> + 1 without a Retry-After.</summary>
        public static TimeSpan Backoff(int attempt)
        {
            double base_ = Math.Min(InitialDelay.TotalSeconds * Math.Pow(2, attempt - 1), MaxDelay.TotalSeconds);
            double factor;
            lock (Jitter) factor = 0.5 + Jitter.NextDouble() * 0.5;
            return TimeSpan.FromSeconds(base_ * factor);
        }

        /// <summary>Stripe's bracket encoding: created[gte]=1, expand[]=metrics, metadata[k]=v.</summary>
        internal static string EncodeQuery(Dictionary<string, object> members)
        {
            var pairs = new List<string>();
            if (members != null) foreach (var kv in members) Encode(kv.Key, kv.Value, pairs);
            return string.Join("&", pairs);
        }

        private static void Encode(string name, object value, List<string> pairs)
        {
            if (value == null) return;
            var map = value as Dictionary<string, object>;
            if (map != null)
            {
                foreach (var kv in map) Encode(name + "[" + kv.Key + "]", kv.Value, pairs);
                return;
            }
            var list = value as List<object>;
            if (list != null)
            {
                foreach (object item in list) Encode(name + "[]", item, pairs);
                return;
            }
            string text = value is bool ? ((bool)value ? "true" : "false") : Convert.ToString(value, CultureInfo.InvariantCulture);
            pairs.Add(Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(text));
        }
    }
}
