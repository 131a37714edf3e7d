/**
 * Webhook verification. The API signs every delivery attempt two ways (see
 * layers/shared/python/resource_api/signing.py):
 *
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp` and `webhook-signature`, a space-separated
 *   list of `v1,<base64 HMAC-SHA256(base64-decoded secret, "{id}.{timestamp}.{body}")>`, one per
 *   signing secret (two during a rotation's 24 h grace period).
 * - The spec's own `Resource-Signature`: hex HMAC-SHA256 of the body keyed with the secret string
 *   (`Resource-Signature-Previous` carries the previous secret's during a rotation). It covers no
 *   timestamp, so a captured delivery can be replayed forever: it is accepted only when the
 *   Standard Webhooks headers are absent and the caller opts in with `allowHexOnly`.
 *
 * Signatures are compared in constant time (crypto.timingSafeEqual); the timestamp must be within
 * `tolerance` seconds of now (default 300) in either direction.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

import { SignatureVerificationError } from "./core/errors";
import type { Event } from "./types";

export type WebhookHeaders =
  | Headers
  | Record<string, string | readonly string[] | undefined>;

export interface VerifyOptions {
  /** Largest accepted distance between the `webhook-timestamp` and now, in seconds (default 300). */
  tolerance?: number;
  /** Now, in Unix seconds (default: the clock); for tests. */
  now?: number;
  /** Accept a delivery signed only with the hex `Resource-Signature` (no replay protection). */
  allowHexOnly?: boolean;
}

const SECRET_PREFIX = "whsec_";

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function" && typeof (headers as Headers).forEach === "function") {
    return (headers as Headers).get(name) ?? undefined;
  }
  for (const [k, v] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v.join(" ") : (v as string | undefined);
  }
  return undefined;
}

function bodyBytes(payload: string | Uint8Array): Buffer {
  if (typeof payload === "string") return Buffer.from(payload, "utf8");
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  throw new TypeError(
    "Webhook payload must be the raw request body (string or Buffer), not parsed JSON: re-serialising changes the bytes that were signed",
  );
}

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64");
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function fail(message: string): never {
  throw new SignatureVerificationError({ message, type: "signature_verification_error" });
}

export class Webhook {
  static readonly DEFAULT_TOLERANCE = 300;

  /** The Standard Webhooks signature `v1,<base64>` of one attempt. */
  static sign(secret: string, id: string, timestamp: number, payload: string | Uint8Array): string {
    const mac = createHmac("sha256", secretKey(secret));
    mac.update(`${id}.${timestamp}.`);
    mac.update(bodyBytes(payload));
    return `v1,${mac.digest("base64")}`;
  }

  /** The spec's hex `Resource-Signature` of a body. */
  static hexSignature(secret: string, payload: string | Uint8Array): string {
    return createHmac("sha256", secret).update(bodyBytes(payload)).digest("hex");
  }

  /**
   * Throws SignatureVerificationError unless `payload` (the raw body) was signed by one of
   * `secret` (pass both the new and the old secret during a rotation) within the tolerance.
   */
  static verify(
    payload: string | Uint8Array,
    headers: WebhookHeaders,
    secret: string | readonly string[],
    options: VerifyOptions = {},
  ): void {
    const secrets = (typeof secret === "string" ? [secret] : [...secret]).filter((s) => s !== "");
    if (secrets.length === 0) throw new TypeError("a webhook secret (whsec_...) is required");
    const body = bodyBytes(payload);
    const signature = header(headers, "webhook-signature");
    if (signature === undefined) {
      const hex = [header(headers, "resource-signature"), header(headers, "resource-signature-previous")].filter(
        (h): h is string => h !== undefined,
      );
      if (hex.length === 0) fail("No webhook-signature header: not a signed delivery");
      if (options.allowHexOnly !== true) {
        fail("Only the hex Resource-Signature is present, which has no timestamp; pass allowHexOnly to accept it");
      }
      for (const s of secrets) {
        const expected = Buffer.from(Webhook.hexSignature(s, body), "utf8");
        if (hex.some((h) => safeEqual(Buffer.from(h.trim().toLowerCase(), "utf8"), expected))) return;
      }
      fail("No Resource-Signature matches the expected signature for this payload");
    }

    const id = header(headers, "webhook-id");
    const ts = header(headers, "webhook-timestamp");
    if (id === undefined || id === "") fail("Missing webhook-id header");
    if (ts === undefined || !/^\d+$/.test(ts.trim())) fail("Missing or malformed webhook-timestamp header");
    const timestamp = Number(ts.trim());
    const now = options.now ?? Math.floor(Date.now() / 1000);
    const tolerance = options.tolerance ?? Webhook.DEFAULT_TOLERANCE;
    if (Math.abs(now - timestamp) > tolerance) {
      fail(`Timestamp ${timestamp} is outside the tolerance of ${tolerance} s (now ${now}): a replay or a wrong clock`);
    }
    const offered = signature
      .split(/\s+/)
      .filter((part) => part.startsWith("v1,"))
      .map((part) => Buffer.from(part.slice(3), "base64"));
    if (offered.length === 0) fail("No v1 signature in the webhook-signature header");
    for (const s of secrets) {
      const expected = Buffer.from(Webhook.sign(s, id, timestamp, body).slice(3), "base64");
      if (offered.some((sig) => safeEqual(sig, expected))) return;
    }
    fail("No signature matches the expected signature for this payload");
  }

  /** Verifies (see `verify`) and returns the parsed event. */
  static constructEvent(
    payload: string | Uint8Array,
    headers: WebhookHeaders,
    secret: string | readonly string[],
    options: VerifyOptions = {},
  ): Event {
    Webhook.verify(payload, headers, secret, options);
    const text = typeof payload === "string" ? payload : bodyBytes(payload).toString("utf8");
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      fail("The payload is signed but is not JSON");
    }
    if (event === null || typeof event !== "object" || Array.isArray(event)) fail("The payload is not an event object");
    return event as Event;
  }
}
