using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace Example
{
    /// <summary>
    /// Verifies a webhook delivery and returns its typed event:
    /// <code>Event ev = Webhook.ConstructEvent(body, headers, "whsec_...");</code>
    /// Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature "v1,&lt;base64&gt;"):
    /// HMAC-SHA256 keyed with the base64 part of the secret over "{id}.{timestamp}.{body}", the
    /// timestamp within the tolerance of now (a replayed old delivery fails). A delivery carrying
    /// only the spec's hex Resource-Signature has no timestamp, so a captured one could be replayed
    /// forever: it is refused unless <c>allowHexOnly</c> is true. Pass both secrets during a
    /// rotation. Comparisons are constant-time. Use the raw body exactly as received.
    /// </summary>
    public static class Webhook
    {
        public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

        public static Event ConstructEvent(string payload, IDictionary<string, string> headers, string secret)
        {
            return ConstructEvent(payload, headers, new[] { secret }, DefaultTolerance, null, false);
        }

        /// <param name="now">The clock (Unix seconds) to check the timestamp against; null: the real one.</param>
        public static Event ConstructEvent(string payload, IDictionary<string, string> headers, IEnumerable<string> secrets,
            TimeSpan tolerance, long? now = null, bool allowHexOnly = false)
        {
            Verify(payload, headers, secrets, tolerance, now, allowHexOnly);
            Event ev;
            try
            {
                ev = Json.Bind<Event>(Json.Parse(payload));
            }
            catch (JsonException e)
            {
                throw new SignatureVerificationException("The payload is signed but is not JSON: " + e.Message);
            }
            if (ev == null) throw new SignatureVerificationException("The payload is not an event");
            return ev;
        }

        public static void Verify(string payload, IDictionary<string, string> headers, IEnumerable<string> secrets,
            TimeSpan tolerance, long? now = null, bool allowHexOnly = false)
        {
            var keys = (secrets ?? Enumerable.Empty<string>()).Where(s => !string.IsNullOrEmpty(s)).ToList();
            if (keys.Count == 0) throw new ArgumentException("A webhook secret (whsec_...) is required");
            var h = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var kv in headers) h[kv.Key] = kv.Value;
            string id, ts, signatures;
            h.TryGetValue("webhook-id", out id);
            h.TryGetValue("webhook-timestamp", out ts);
            h.TryGetValue("webhook-signature", out signatures);
            if (signatures == null)
            {
                string hex;
                if (!h.TryGetValue("resource-signature", out hex)) throw new SignatureVerificationException("No webhook-signature header: not a signed delivery");
                if (!allowHexOnly)
                    throw new SignatureVerificationException("Only the hex Resource-Signature is present, which has no timestamp; pass allowHexOnly to accept it");
                string previous;
                h.TryGetValue("resource-signature-previous", out previous);
                foreach (string secret in keys)
                {
                    if (VerifyHexSignature(payload, hex, secret) || (previous != null && VerifyHexSignature(payload, previous, secret))) return;
                }
                throw new SignatureVerificationException("No Resource-Signature matches");
            }
            long timestamp;
            if (string.IsNullOrEmpty(id)) throw new SignatureVerificationException("Missing webhook-id header");
            if (ts == null || !ts.All(char.IsDigit) || ts.Length == 0 || ts.Length > 12 || !long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out timestamp))
                throw new SignatureVerificationException("Missing or malformed webhook-timestamp header");
            long clock = now ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (Math.Abs(clock - timestamp) > (long)tolerance.TotalSeconds)
                throw new SignatureVerificationException("Timestamp " + timestamp + " is outside the tolerance of " + tolerance.TotalSeconds + " s: a replay or a wrong clock");
            var offered = signatures.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries)
                .Where(s => s.StartsWith("v1,", StringComparison.Ordinal)).Select(s => Encoding.ASCII.GetBytes(s)).ToList();
            if (offered.Count == 0) throw new SignatureVerificationException("No v1 signature in the webhook-signature header");
            foreach (string secret in keys)
            {
                byte[] expected = Encoding.ASCII.GetBytes(Sign(secret, id, timestamp, payload));
                if (offered.Any(o => FixedTimeEquals(o, expected))) return;
            }
            throw new SignatureVerificationException("No signature matches the payload");
        }

        /// <summary>The Standard Webhooks signature ("v1,&lt;base64&gt;") of one attempt.</summary>
        public static string Sign(string secret, string id, long timestamp, string payload)
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret.Substring(6) : secret);
            }
            catch (FormatException)
            {
                throw new SignatureVerificationException("The secret is not whsec_ + base64");
            }
            using (var mac = new HMACSHA256(key))
            {
                byte[] digest = mac.ComputeHash(Encoding.UTF8.GetBytes(id + "." + timestamp.ToString(CultureInfo.InvariantCulture) + "." + payload));
                return "v1," + Convert.ToBase64String(digest);
            }
        }

        /// <summary>The spec's verifyWebhook: hex HMAC-SHA256 of the payload keyed with the secret string.</summary>
        public static bool VerifyHexSignature(string payload, string signature, string secret)
        {
            using (var mac = new HMACSHA256(Encoding.UTF8.GetBytes(secret)))
            {
                string hex = string.Concat(mac.ComputeHash(Encoding.UTF8.GetBytes(payload)).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
                return FixedTimeEquals(Encoding.ASCII.GetBytes(hex), Encoding.ASCII.GetBytes((signature ?? "").Trim().ToLowerInvariant()));
            }
        }

        private static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            int diff = 0;
            for (int i = 0; i < a.Length; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }
    }
}
