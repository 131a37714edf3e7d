// The .NET SDK's tests, run by sdks/dotnet/test.sh on Mono against the local cloud (SDK_API_URL,
// SDK_API_KEY), the scripted stub (SDK_STUB_URL), a real signed delivery (SDK_WEBHOOK_FIXTURE),
// the shared pagination set and the shared webhook vectors. A small runner of our own (no NUnit
// on this machine): every public static method of a class named *Tests is a test.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Example;

namespace Example.Tests
{
    internal static class Check
    {
        public static void True(bool condition, string what)
        {
            if (!condition) throw new Exception("expected: " + what);
        }

        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
                throw new Exception(what + ": expected <" + expected + "> got <" + actual + ">");
        }

        public static TException Throws<TException>(Action action, string what) where TException : Exception
        {
            try
            {
                action();
            }
            catch (TException e)
            {
                return e;
            }
            catch (AggregateException e) when (e.InnerException is TException)
            {
                return (TException)e.InnerException;
            }
            catch (Exception e)
            {
                throw new Exception(what + ": expected " + typeof(TException).Name + ", got " + e.GetType().Name + ": " + e.Message);
            }
            throw new Exception(what + ": expected " + typeof(TException).Name + ", nothing was thrown");
        }
    }

    internal static class Env
    {
        public static string Get(string name)
        {
            string v = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(v)) throw new Exception(name + " is not set: run sdks/dotnet/test.sh through tests/sdks/test_dotnet.py");
            return v;
        }

        public static ExampleClient Client(ClientOptions extra = null)
        {
            var o = extra ?? new ClientOptions();
            o.ApiKey = o.ApiKey ?? Get("SDK_API_KEY");
            o.BaseUrl = Get("SDK_API_URL");
            return new ExampleClient(o);
        }

        public static Dictionary<string, object> Obj(object tree)
        {
            return (Dictionary<string, object>)tree;
        }
    }

    /// <summary>The scripted stub: answers in order, logs every request (tests/sdks/stub.py).</summary>
    internal sealed class Stub
    {
        private static readonly HttpClient Http = new HttpClient();
        public string Id;
        public string BaseUrl;

        public static Stub Script(params object[] responses)
        {
            var body = Json.Write(new Dictionary<string, object> { { "responses", responses.ToList() } });
            var resp = Http.PostAsync(Env.Get("SDK_STUB_URL") + "/_script", new StringContent(body, Encoding.UTF8, "application/json")).Result;
            var tree = Env.Obj(Json.Parse(resp.Content.ReadAsStringAsync().Result));
            return new Stub { Id = (string)tree["id"], BaseUrl = (string)tree["base_url"] };
        }

        public List<Dictionary<string, object>> Log()
        {
            var text = Http.GetStringAsync(Env.Get("SDK_STUB_URL") + "/_log/" + Id).Result;
            return ((List<object>)Env.Obj(Json.Parse(text))["requests"]).Cast<Dictionary<string, object>>().ToList();
        }

        public static Dictionary<string, object> Answer(int status, object body, Dictionary<string, object> headers = null)
        {
            return new Dictionary<string, object> { { "status", (long)status }, { "body", body }, { "headers", headers ?? new Dictionary<string, object>() } };
        }

        public static Dictionary<string, object> Error(int status, string type, string code, string retryAfter = null)
        {
            var headers = new Dictionary<string, object>();
            if (retryAfter != null) headers["Retry-After"] = retryAfter;
            var error = new Dictionary<string, object>
            {
                { "type", type }, { "code", code }, { "message", code }, { "param", status == 404 ? "id" : null },
                { "doc_url", "https://example.com/errors.md#" + code }, { "request_id", "req_" + code.Replace("_", "") },
            };
            return Answer(status, new Dictionary<string, object> { { "error", error } }, headers);
        }

        public static readonly Dictionary<string, object> Resource = new Dictionary<string, object>
        {
            { "id", "res_01hq3k5v7w9x0y2z4a6b8c0d" }, { "object", "resource" }, { "created", 1705320000L }, { "updated", 1705320000L },
            { "livemode", false }, { "name", "Stubbed" }, { "type", "production" }, { "status", "pending" },
            { "configuration", new Dictionary<string, object> { { "timeout_ms", 5000L }, { "retry_count", 3L }, { "batch_size", 100L } } },
            { "metadata", new Dictionary<string, object>() },
        };

        public static string Header(Dictionary<string, object> request, string name)
        {
            object v;
            return Env.Obj(request["headers"]).TryGetValue(name, out v) ? v as string : null;
        }
    }

    public static class ContractTests
    {
        private static Resource WaitActive(ExampleClient client, string id)
        {
            // provisioning takes a few seconds; an update before it ends is 409 resource_not_ready
            for (int i = 0; i < 600; i++)
            {
                Resource r = client.Resources.Retrieve(id);
                if (r.Status == Status.Active) return r;
                Check.True(r.Status == Status.Pending, "a new resource is pending, then active (got " + r.Status + ")");
                Thread.Sleep(200);
            }
            throw new Exception(id + " did not become active");
        }

        public static void CreateRetrieveUpdateIfMatchDelete()
        {
            var client = Env.Client();
            Resource created = client.Resources.Create(new ResourceCreateParams
            {
                Name = "dotnet contract",
                Type = ResourceType.Production,
                Configuration = new ResourceConfigurationParams { TimeoutMs = 10000, RetryCount = 5 },
                Metadata = new Dictionary<string, string> { { "team", "platform" } },
            });
            Check.True(created.Id.StartsWith("res_"), "a resource id");
            Check.Equal(Status.Pending, created.Status, "status");
            Check.Equal(10000L, created.Configuration.TimeoutMs, "configuration.timeout_ms");
            Check.Equal("platform", created.Metadata["team"], "metadata");
            Check.True(created.LastResponse.RequestId.StartsWith("req_"), "the request id on the object");
            Check.Equal(201, created.LastResponse.StatusCode, "status code");

            Resource active = WaitActive(client, created.Id);
            string etag = active.LastResponse.ETag;
            Check.True(!string.IsNullOrEmpty(etag), "an ETag");
            Resource updated = client.Resources.Update(created.Id, new ResourceUpdateParams { Name = "dotnet renamed", Status = SettableStatus.Paused },
                new RequestOptions { IfMatch = etag });
            Check.Equal("dotnet renamed", updated.Name, "name after update");
            Check.Equal(Status.Paused, updated.Status, "status after update");
            var stale = Check.Throws<ConflictException>(() => client.Resources.Update(created.Id, new ResourceUpdateParams { Name = "stale write" },
                new RequestOptions { IfMatch = etag }), "a stale If-Match");
            Check.Equal(412, stale.StatusCode, "412");
            Check.Equal(ErrorCode.PreconditionFailed, stale.Code, "precondition_failed");

            DeletedResource deleted = client.Resources.Delete(created.Id);
            Check.True(deleted.Deleted == true && deleted.Id == created.Id, "deleted");
            Check.Throws<ResourceNotFoundException>(() => client.Resources.Retrieve(created.Id), "gone after delete");
        }

        public static void IdempotentReplay()
        {
            var client = Env.Client();
            var key = "dotnet-" + Guid.NewGuid();
            var p = new ResourceCreateParams { Name = "dotnet idempotent", Type = ResourceType.Staging };
            Resource first = client.Resources.Create(p, new RequestOptions { IdempotencyKey = key });
            Resource again = client.Resources.Create(p, new RequestOptions { IdempotencyKey = key });
            Check.Equal(first.Id, again.Id, "the same object");
            Check.True(!first.LastResponse.IdempotentReplayed && again.LastResponse.IdempotentReplayed, "Idempotent-Replayed on the replay only");
            var reused = Check.Throws<IdempotencyException>(() => client.Resources.Create(
                new ResourceCreateParams { Name = "other", Type = ResourceType.Staging }, new RequestOptions { IdempotencyKey = key }), "a key reused with other parameters");
            Check.Equal("idempotency_key_reused", reused.CodeName, "code");
        }

        public static void AutoPaginationOverTheSharedSet()
        {
            var client = Env.Client();
            long gte = long.Parse(Env.Get("SDK_PAGINATION_CREATED_GTE")), lte = long.Parse(Env.Get("SDK_PAGINATION_CREATED_LTE"));
            int count = int.Parse(Env.Get("SDK_PAGINATION_COUNT"));
            var filter = new RangeFilter { Gte = gte, Lte = lte };
            Page<Resource> first = client.Resources.List(new ResourceListParams { Limit = 100, Created = filter });
            Check.Equal((long?)count, first.TotalCount, "total_count");
            Check.True(first.HasMore && first.Data.Count == 100, "a first page of 100 with more");
            var ids = first.AutoPagingEnumerable().Select(r => r.Id).ToList();
            Check.Equal(count, ids.Count, "every resource of the set once");
            Check.Equal(count, ids.Distinct().Count(), "no repeats");
            Check.True(ids.SequenceEqual(ids.OrderByDescending(i => i, StringComparer.Ordinal)), "newest first");
            Check.True(first.AutoPagingEnumerable().All(r => r.Created >= gte && r.Created <= lte), "the filter on every page");

            var back = client.Resources.List(new ResourceListParams { Limit = 100, Created = filter, EndingBefore = ids[ids.Count - 1] });
            var before = back.AutoPagingEnumerable().Select(r => r.Id).ToList();
            Check.Equal(count - 1, before.Count, "backward from the last: every other one");
            Check.Equal(count - 1, before.Distinct().Count(), "backward: no repeats");
        }

        public static void TypedErrors()
        {
            var client = Env.Client();
            var missing = Check.Throws<ResourceNotFoundException>(() => client.Resources.Retrieve("res_doesnotexist00000000000"), "404");
            Check.Equal(404, missing.StatusCode, "status");
            Check.Equal(ErrorCode.ResourceMissing, missing.Code, "code");
            Check.Equal("id", missing.Param, "param");
            Check.True(missing.RequestId.StartsWith("req_") && missing.DocUrl != null, "request id and doc url");

            var invalid = Check.Throws<InvalidRequestException>(() => client.Resources.Create(new ResourceCreateParams
            {
                Name = "dotnet", Type = ResourceType.Production,
                Metadata = Enumerable.Range(0, 21).ToDictionary(i => "k" + i, i => "v"),
            }), "400");
            Check.Equal(400, invalid.StatusCode, "status");
            Check.True(invalid.Param != null && invalid.Param.StartsWith("metadata"), "param names metadata (got " + invalid.Param + ")");

            var auth = Check.Throws<AuthenticationException>(() => Env.Client(new ClientOptions { ApiKey = "sk_test_wrongwrongwrongwrongwrong" })
                .Resources.List(), "a wrong key");
            Check.Equal(401, auth.StatusCode, "401");
        }

        public static void PerRequestApiKeyAndVersion()
        {
            var client = Env.Client(new ClientOptions { ApiKey = "sk_test_wrongwrongwrongwrongwrong" });
            Page<Resource> page = client.Resources.List(new ResourceListParams { Limit = 1 },
                new RequestOptions { ApiKey = Env.Get("SDK_API_KEY"), ApiVersion = "2023-11-01" });
            Check.True(page.Data.Count <= 1, "the per-request key works where the client's does not");
        }

        public static void WebhookEndpointsAndEvents()
        {
            var client = Env.Client();
            WebhookEndpoint endpoint = client.WebhookEndpoints.Create(new WebhookEndpointCreateParams
            {
                Url = "http://127.0.0.1:9/dotnet",
                EnabledEvents = new List<EnabledEvent> { EnabledEvent.ResourceCreated },
            });
            Check.True(endpoint.Secret.StartsWith("whsec_"), "the secret, shown once");
            Check.Equal(EndpointStatus.Enabled, endpoint.Status, "enabled");
            WebhookEndpoint fetched = client.WebhookEndpoints.Retrieve(endpoint.Id);
            Check.True(fetched.Secret == null, "not shown again");
            client.WebhookEndpoints.Delete(endpoint.Id);

            Page<Event> events = client.Events.List(new EventListParams { Limit = 3, Type = EventType.ResourceCreated });
            foreach (Event ev in events.Data)
            {
                Check.Equal(EventType.ResourceCreated, ev.Type, "the type filter");
                Check.True(ev.Data.Resource != null && ev.Data.Resource.Id.StartsWith("res_"), "data.object is a typed Resource");
            }
        }
    }

    public static class RetryTests
    {
        private static readonly List<TimeSpan> Waits = new List<TimeSpan>();

        private static ExampleClient For(Stub stub, int maxRetries = 3)
        {
            Waits.Clear();
            return new ExampleClient(new ClientOptions
            {
                ApiKey = "sk_test_stub", BaseUrl = stub.BaseUrl, MaxRetries = maxRetries,
                Sleep = (d, ct) => { Waits.Add(d); return Task.FromResult(0); },
            });
        }

        public static void RetriedWithOneKeyHonouringRetryAfter()
        {
            var stub = Stub.Script(
                Stub.Error(409, "conflict_error", "idempotency_key_in_use", "0"),
                Stub.Error(429, "rate_limit_error", "rate_limited", "2"),
                Stub.Error(503, "api_error", "service_unavailable", "0"),
                Stub.Answer(201, Stub.Resource, new Dictionary<string, object> { { "Request-Id", "req_final" } }));
            Resource r = For(stub).Resources.Create(new ResourceCreateParams { Name = "Stubbed", Type = ResourceType.Production });
            Check.Equal("req_final", r.LastResponse.RequestId, "the answer that succeeded");
            Check.Equal(4, r.LastResponse.Attempts, "attempts");
            var log = stub.Log();
            Check.Equal(4, log.Count, "requests");
            var keys = log.Select(l => Stub.Header(l, "idempotency-key")).Distinct().ToList();
            Check.True(keys.Count == 1 && keys[0] != null && keys[0].Length >= 32, "one generated key on every attempt");
            Check.True(Waits.SequenceEqual(new[] { TimeSpan.Zero, TimeSpan.FromSeconds(2), TimeSpan.Zero }), "waited Retry-After: " + string.Join(",", Waits));
        }

        public static void ServerErrorsBackOffThenRaise()
        {
            var stub = Stub.Script(Stub.Error(500, "api_error", "internal_error"));
            var e = Check.Throws<ApiServerException>(() => For(stub, 2).Resources.Retrieve("res_x"), "500 after retries");
            Check.Equal(3, stub.Log().Count, "first attempt and two retries");
            Check.True(Waits.Count == 2 && Waits[0] <= TimeSpan.FromSeconds(0.5) && Waits[1] <= TimeSpan.FromSeconds(1) && Waits[1] >= TimeSpan.FromSeconds(0.5),
                "exponential backoff with jitter: " + string.Join(",", Waits));
            Check.True(Stub.Header(stub.Log()[0], "idempotency-key") == null, "a GET carries no key");
            Check.Equal(ErrorCode.InternalError, e.Code, "code");
        }

        public static void ClientErrorsAndLongRetryAfterAreNotRetried()
        {
            var cases = new[]
            {
                Stub.Error(400, "invalid_request_error", "parameter_invalid"),
                Stub.Error(401, "authentication_error", "api_key_invalid"),
                Stub.Error(404, "resource_not_found", "resource_missing"),
                Stub.Error(412, "conflict_error", "precondition_failed"),
                Stub.Error(409, "conflict_error", "resource_conflict", "0"),
                Stub.Error(429, "rate_limit_error", "rate_limited", "3600"),
            };
            foreach (var answer in cases)
            {
                var stub = Stub.Script(answer, Stub.Answer(200, Stub.Resource));
                Check.Throws<ApiException>(() => For(stub).Resources.Update("res_x", new ResourceUpdateParams { Name = "n" }), "final");
                Check.Equal(1, stub.Log().Count, "not retried: " + Json.Write(answer["status"]));
                Check.Equal(0, Waits.Count, "no wait");
            }
        }

        public static void ConnectionErrorsAreRetriedThenRaised()
        {
            var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop(); // nothing listens there now
            var client = new ExampleClient(new ClientOptions
            {
                ApiKey = "sk_test_x", BaseUrl = "http://127.0.0.1:" + port, MaxRetries = 2,
                Sleep = (d, ct) => { Waits.Add(d); return Task.FromResult(0); },
            });
            Waits.Clear();
            Check.Throws<ApiConnectionException>(() => client.Resources.List(), "refused");
            Check.Equal(2, Waits.Count, "two retries");
        }

        public static void PerRequestOptionsReachTheWire()
        {
            var stub = Stub.Script(Stub.Answer(200, Stub.Resource));
            For(stub).Resources.Update("res_x", new ResourceUpdateParams { Name = "n" }, new RequestOptions
            {
                ApiKey = "sk_test_other", ApiVersion = "2023-11-01", IdempotencyKey = "my-key", IfMatch = "\"abc\"", MaxRetries = 0,
            });
            var sent = stub.Log()[0];
            Check.Equal("Bearer sk_test_other", Stub.Header(sent, "authorization"), "per-request key");
            Check.Equal("2023-11-01", Stub.Header(sent, "api-version"), "per-request version");
            Check.Equal("my-key", Stub.Header(sent, "idempotency-key"), "per-request idempotency key");
            Check.Equal("\"abc\"", Stub.Header(sent, "if-match"), "If-Match");
            Check.Equal("PATCH", (string)sent["method"], "method");
            Check.Equal("{\"name\":\"n\"}", (string)sent["body"], "unset parameters are not sent");
        }

        private sealed class Counting : DelegatingHandler
        {
            public int Count;
            public Counting() : base(new HttpClientHandler()) { }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
            {
                Interlocked.Increment(ref Count);
                return base.SendAsync(request, ct);
            }
        }

        public static void CustomHttpHandlerHook()
        {
            var stub = Stub.Script(Stub.Answer(200, Stub.Resource));
            var handler = new Counting();
            var client = new ExampleClient(new ClientOptions { ApiKey = "sk_test_x", BaseUrl = stub.BaseUrl, HttpMessageHandler = handler });
            client.Resources.Retrieve("res_x");
            Check.Equal(1, handler.Count, "the call went through the caller's handler");
        }

        public static void UnknownEnumValuesAndFieldsStillParse()
        {
            var odd = new Dictionary<string, object>(Stub.Resource);
            odd["status"] = "hibernating";
            odd["brand_new_field"] = 7L;
            var stub = Stub.Script(Stub.Answer(200, odd));
            Resource r = For(stub).Resources.Retrieve("res_x");
            Check.Equal(Status.Unknown, r.Status, "an unknown status reads as Unknown");
            Check.Equal("hibernating", (string)r["status"], "as sent, through the indexer");
            Check.Equal(7L, (long)r["brand_new_field"], "a field newer than the SDK");
        }
    }

    public static class WebhookTests
    {
        public static void SharedVectors()
        {
            string file = Environment.GetEnvironmentVariable("SDK_VECTORS") ?? Path.Combine("..", "testdata", "webhook-vectors.json");
            var vectors = (List<object>)Env.Obj(Json.Parse(File.ReadAllText(file)))["vectors"];
            Check.True(vectors.Count > 0, "vectors");
            foreach (Dictionary<string, object> v in vectors)
            {
                var headers = Env.Obj(v["headers"]).ToDictionary(kv => kv.Key, kv => (string)kv.Value);
                var secrets = ((List<object>)v["secrets"]).Cast<string>().ToList();
                Action verify = () => Webhook.ConstructEvent((string)v["payload"], headers, secrets,
                    TimeSpan.FromSeconds((long)v["tolerance"]), (long)v["now"], (bool)v["allow_hex_only"]);
                if ((string)v["expect"] == "accept")
                {
                    try { verify(); }
                    catch (Exception e) { throw new Exception("vector " + v["name"] + ": " + e.Message); }
                }
                else
                {
                    Check.Throws<SignatureVerificationException>(verify, "vector " + v["name"]);
                }
            }
        }

        public static void RealDelivery()
        {
            var f = Env.Obj(Json.Parse(File.ReadAllText(Env.Get("SDK_WEBHOOK_FIXTURE"))));
            var headers = Env.Obj(f["headers"]).ToDictionary(kv => kv.Key, kv => (string)kv.Value);
            long at = long.Parse(headers["webhook-timestamp"]) + 5;
            Event ev = Webhook.ConstructEvent((string)f["payload"], headers, new[] { (string)f["secret"] }, Webhook.DefaultTolerance, at);
            Check.Equal((string)f["event_id"], ev.Id, "event id");
            Check.Equal((string)f["event_type"], Json.EnumName(ev.Type), "event type");
            if (ev.Type == EventType.ResourceCreated) Check.True(ev.Data.Resource != null, "data.object is a Resource");
            Check.Throws<SignatureVerificationException>(() => Webhook.ConstructEvent((string)f["payload"], headers,
                new[] { (string)f["secret"] }, Webhook.DefaultTolerance, at + 600), "the same delivery 10 minutes later: refused as a replay");
            Check.Throws<SignatureVerificationException>(() => Webhook.ConstructEvent((string)f["payload"] + " ", headers,
                new[] { (string)f["secret"] }, Webhook.DefaultTolerance, at), "a tampered body");
        }
    }

    // The README's examples, run as written: every csharp block of sdks/dotnet/README.md, in order,
    // as one method (using lines hoisted), compiled with mcs against the SDK and run against the
    // local cloud. Only the host, the key and the webhook secret change (and the spec's idempotency
    // key gets a suffix: the SDKs share one account in these tests); the webhook block gets a
    // delivery signed moments ago as rawBody and headers.
    public static class ReadmeTests
    {
        public static void ExamplesRunAsWritten()
        {
            string readme = File.ReadAllText(Env.Get("SDK_README"));
            var blocks = System.Text.RegularExpressions.Regex.Matches(readme, "^```csharp\n(.*?)^```",
                System.Text.RegularExpressions.RegexOptions.Singleline | System.Text.RegularExpressions.RegexOptions.Multiline)
                .Cast<System.Text.RegularExpressions.Match>().Select(m => m.Groups[1].Value).ToList();
            Check.True(blocks.Count >= 3, "the README has its examples: " + blocks.Count);
            var f = Env.Obj(Json.Parse(File.ReadAllText(Env.Get("SDK_WEBHOOK_FIXTURE"))));
            string secret = (string)f["secret"];
            var usings = new StringBuilder();
            var body = new StringBuilder();
            foreach (string block in blocks)
                foreach (string line in block.Split('\n'))
                    (line.StartsWith("using ", StringComparison.Ordinal) ? usings : body).Append(line).Append('\n');
            Func<string, string> lit = v => "\"" + v.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
            string code = body.ToString()
                .Replace("\"sk_test_...\"", lit(Env.Get("SDK_API_KEY")))
                .Replace("\"http://127.0.0.1:8000\"", lit(Env.Get("SDK_API_URL")))
                .Replace("\"whsec_...\"", lit(secret))
                .Replace("\"order_12345_create_resource\"", lit("order_12345_create_resource_dotnet_" + Guid.NewGuid().ToString("N")));
            string source = usings + "public static class ReadmeProgram {\n"
                + "  public static async Task<object[]> Run(string rawBody, IDictionary<string, string> headers) {\n"
                + code + "    return new object[] { gone, ev, r, client };\n  }\n}\n";

            string dir = Path.Combine(Path.GetTempPath(), "dotnet-readme-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                File.WriteAllText(Path.Combine(dir, "Readme.cs"), source);
                string sdk = Env.Get("SDK_DOTNET_DLL");
                var psi = new System.Diagnostics.ProcessStartInfo("mcs", "-langversion:7 -target:library -r:System.Net.Http.dll -r:\"" + sdk
                    + "\" -out:\"" + Path.Combine(dir, "Readme.dll") + "\" \"" + Path.Combine(dir, "Readme.cs") + "\"")
                { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                using (var p = System.Diagnostics.Process.Start(psi))
                {
                    string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
                    p.WaitForExit();
                    Check.True(p.ExitCode == 0, "the README's blocks compile:\n" + output + "\n" + source);
                }

                // a delivery signed now (the fixture may be older than the 5-minute tolerance)
                var headers = Env.Obj(f["headers"]).ToDictionary(kv => kv.Key, kv => (string)kv.Value);
                string payload = (string)f["payload"];
                string stamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
                using (var mac = new System.Security.Cryptography.HMACSHA256(Convert.FromBase64String(secret.Substring("whsec_".Length))))
                {
                    byte[] digest = mac.ComputeHash(Encoding.UTF8.GetBytes(headers["webhook-id"] + "." + stamp + "." + payload));
                    headers["webhook-timestamp"] = stamp;
                    headers["webhook-signature"] = "v1," + Convert.ToBase64String(digest);
                }

                MethodInfo run = Assembly.LoadFrom(Path.Combine(dir, "Readme.dll")).GetType("ReadmeProgram").GetMethod("Run");
                object[] result = ((Task<object[]>)run.Invoke(null, new object[] { payload, headers })).GetAwaiter().GetResult();
                var gone = (DeletedResource)result[0];
                var ev = (Event)result[1];
                var updated = (Resource)result[2];
                var client = (ExampleClient)result[3];
                Check.True(gone.Deleted, "the README's delete deleted it");
                Check.Equal((string)f["event_id"], ev.Id, "the README's webhook block verified the fresh delivery");
                Check.Equal(Status.Paused, updated.Status, "the README's update paused it");
                Check.Throws<ResourceNotFoundException>(() => client.Resources.Retrieve(gone.Id), "gone for good");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }

    public static class Runner
    {
        public static int Main(string[] args)
        {
            int failed = 0, passed = 0;
            var tests = typeof(Runner).Assembly.GetTypes()
                .Where(t => t.Name.EndsWith("Tests", StringComparison.Ordinal))
                .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
                .Where(m => m.GetParameters().Length == 0 && m.ReturnType == typeof(void))
                .Where(m => args.Length == 0 || args.Any(a => (m.DeclaringType.Name + "." + m.Name).Contains(a)))
                .ToList();
            foreach (MethodInfo m in tests)
            {
                string name = m.DeclaringType.Name + "." + m.Name;
                var started = DateTime.UtcNow;
                try
                {
                    m.Invoke(null, null);
                    passed++;
                    Console.WriteLine("ok   " + name + " (" + (int)(DateTime.UtcNow - started).TotalMilliseconds + " ms)");
                }
                catch (TargetInvocationException e)
                {
                    failed++;
                    Console.WriteLine("FAIL " + name + ": " + e.InnerException);
                }
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 && passed > 0 ? 0 : 1;
        }
    }
}
