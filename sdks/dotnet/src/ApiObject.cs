using System;
using System.Collections.Generic;

namespace Example
{
    /// <summary>
    /// Every object the API returns: typed properties (the generated models), every field as sent
    /// (<c>obj["name"]</c>, so a field newer than this SDK is still readable), and the HTTP answer
    /// it came in (<see cref="LastResponse"/>: status, headers, request id). The answer is kept on the
    /// object, never on the client, so concurrent calls do not overwrite each other's.
    /// </summary>
    public class ApiObject
    {
        public Dictionary<string, object> Raw { get; internal set; }

        public ApiResponse LastResponse { get; internal set; }

        public object this[string name]
        {
            get
            {
                object v;
                return Raw != null && Raw.TryGetValue(name, out v) ? v : null;
            }
        }

        public override string ToString()
        {
            return GetType().Name + " " + Json.Write(Raw ?? new Dictionary<string, object>());
        }
    }

    /// <summary>The parameters of a call. Unset (null) properties are not sent; <see cref="ExtraParams"/>
    /// carries parameters newer than this SDK.</summary>
    public abstract class RequestParams
    {
        public Dictionary<string, object> ExtraParams { get; } = new Dictionary<string, object>();
    }

    /// <summary>One HTTP answer: status, headers (lower-case names), body, and the attempt it took.</summary>
    public sealed class ApiResponse
    {
        public ApiResponse(int statusCode, IDictionary<string, string> headers, string body, int attempts)
        {
            StatusCode = statusCode;
            Headers = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
            Body = body;
            Attempts = attempts;
        }

        public int StatusCode { get; }
        public IReadOnlyDictionary<string, string> Headers { get; }
        public string Body { get; }
        /// <summary>1 when the first attempt answered; more when retries were needed.</summary>
        public int Attempts { get; }

        public string Header(string name)
        {
            string v;
            return Headers.TryGetValue(name, out v) ? v : null;
        }

        public string RequestId { get { return Header("Request-Id"); } }
        public string ETag { get { return Header("ETag"); } }
        public bool IdempotentReplayed { get { return Header("Idempotent-Replayed") == "true"; } }
    }

    public partial class EventData
    {
        /// <summary>data.object when the event is about a resource (<c>resource.*</c>), else null.</summary>
        public Resource Resource { get { return Object as Resource; } }

        /// <summary>data.object when the event is about a webhook endpoint, else null.</summary>
        public WebhookEndpoint WebhookEndpoint { get { return Object as WebhookEndpoint; } }

        /// <summary>data.object of <c>resource.limit_exceeded</c>, else null.</summary>
        public LimitNotice LimitNotice { get { return Object as LimitNotice; } }
    }
}
