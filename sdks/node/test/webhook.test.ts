/**
 * Webhook verification of a real signed delivery (SDK_WEBHOOK_FIXTURE: made by the local cloud's
 * delivery function, signed by layers/shared/python/resource_api/signing.py), so the SDK's
 * verifier is checked against the API's signer, not against itself.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { SignatureVerificationError, Webhook } from "../src";
import { env } from "./env";

interface Fixture {
  payload: string;
  headers: Record<string, string>;
  secret: string;
  event_id: string;
  event_type: string;
}

const fixture = JSON.parse(readFileSync(env("SDK_WEBHOOK_FIXTURE"), "utf8")) as Fixture;
const signedAt = Number(fixture.headers["webhook-timestamp"]);
// The fixture was signed when the test session started, maybe longer ago than the tolerance:
// verify it as of a moment after its own timestamp (the real clock is checked on re-signed copies).
const soon = { now: signedAt + 5 };
const WRONG_SECRET = "whsec_" + Buffer.alloc(32, 7).toString("base64");

/** The delivery signed again, correctly (the fixture's secret), at another time. */
function resigned(timestamp: number): Record<string, string> {
  const key = Buffer.from(fixture.secret.slice("whsec_".length), "base64");
  const signed = `${fixture.headers["webhook-id"]}.${timestamp}.${fixture.payload}`;
  const signature = `v1,${createHmac("sha256", key).update(signed).digest("base64")}`;
  return { ...fixture.headers, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
}

function rejects(fn: () => unknown, why: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SignatureVerificationError, `expected SignatureVerificationError, got ${String(e)}`);
    assert.match(e.message, why);
    return true;
  });
}

describe("Webhook.constructEvent on a real delivery", () => {
  test("a valid delivery verifies and returns the typed event", () => {
    const event = Webhook.constructEvent(fixture.payload, fixture.headers, fixture.secret, soon);
    assert.equal(event.id, fixture.event_id);
    assert.equal(event.type, fixture.event_type);
    assert.equal(event.object, "event");
    assert.equal(typeof event.data.object, "object");
  });

  test("headers are matched case-insensitively, as a Headers object too, and a Buffer body works", () => {
    const upper = Object.fromEntries(Object.entries(fixture.headers).map(([k, v]) => [k.toUpperCase(), v]));
    assert.equal(Webhook.constructEvent(fixture.payload, upper, fixture.secret, soon).id, fixture.event_id);
    const h = new Headers(fixture.headers);
    assert.equal(Webhook.constructEvent(Buffer.from(fixture.payload), h, fixture.secret, soon).id, fixture.event_id);
  });

  test("a tampered body fails", () => {
    const tampered = fixture.payload.replace(fixture.event_type, "resource.deleted");
    assert.notEqual(tampered, fixture.payload);
    rejects(() => Webhook.constructEvent(tampered, fixture.headers, fixture.secret, soon), /No signature matches/);
    rejects(() => Webhook.constructEvent(fixture.payload + " ", fixture.headers, fixture.secret, soon), /No signature matches/);
  });

  test("an old timestamp fails, and so does one from the future; the tolerance is 300 s", () => {
    rejects(() => Webhook.constructEvent(fixture.payload, fixture.headers, fixture.secret, { now: signedAt + 301 }), /tolerance/);
    rejects(() => Webhook.constructEvent(fixture.payload, fixture.headers, fixture.secret, { now: signedAt - 301 }), /tolerance/);
    Webhook.constructEvent(fixture.payload, fixture.headers, fixture.secret, { now: signedAt + 299 });
    Webhook.constructEvent(fixture.payload, fixture.headers, fixture.secret, { now: signedAt + 3000, tolerance: 3600 });
    const moved = { ...fixture.headers, "webhook-timestamp": String(signedAt + 1) };
    rejects(() => Webhook.constructEvent(fixture.payload, moved, fixture.secret, soon), /No signature matches/);
  });

  test("at the real clock (no `now`): signed just now verifies, signed 10 minutes ago fails", () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal(Webhook.constructEvent(fixture.payload, resigned(now), fixture.secret).id, fixture.event_id);
    rejects(() => Webhook.constructEvent(fixture.payload, resigned(now - 600), fixture.secret), /tolerance/);
    rejects(() => Webhook.constructEvent(fixture.payload, fixture.headers, fixture.secret, { now: signedAt + 600 }), /tolerance/);
  });

  test("the wrong secret fails; during a rotation any of the secrets verifies", () => {
    rejects(() => Webhook.constructEvent(fixture.payload, fixture.headers, WRONG_SECRET, soon), /No signature matches/);
    assert.equal(Webhook.constructEvent(fixture.payload, fixture.headers, [WRONG_SECRET, fixture.secret], soon).id, fixture.event_id);
    const two = { ...fixture.headers, "webhook-signature": `v1,${Buffer.alloc(32).toString("base64")} ${fixture.headers["webhook-signature"]}` };
    assert.equal(Webhook.constructEvent(fixture.payload, two, fixture.secret, soon).id, fixture.event_id);
  });

  test("missing headers fail", () => {
    const { ["webhook-id"]: _id, ...noId } = fixture.headers;
    rejects(() => Webhook.constructEvent(fixture.payload, noId, fixture.secret, soon), /webhook-id/);
    const { ["webhook-timestamp"]: _ts, ...noTs } = fixture.headers;
    rejects(() => Webhook.constructEvent(fixture.payload, noTs, fixture.secret, soon), /webhook-timestamp/);
    rejects(() => Webhook.constructEvent(fixture.payload, {}, fixture.secret, soon), /not a signed delivery/);
  });

  test("the spec's hex Resource-Signature verifies only when asked for (it has no timestamp)", () => {
    assert.match(fixture.headers["resource-signature"] ?? "", /^[0-9a-f]{64}$/);
    const hexOnly = Object.fromEntries(Object.entries(fixture.headers).filter(([k]) => !k.startsWith("webhook-")));
    rejects(() => Webhook.constructEvent(fixture.payload, hexOnly, fixture.secret), /allowHexOnly/);
    const event = Webhook.constructEvent(fixture.payload, hexOnly, fixture.secret, { allowHexOnly: true });
    assert.equal(event.id, fixture.event_id);
    rejects(
      () => Webhook.constructEvent(fixture.payload + "x", hexOnly, fixture.secret, { allowHexOnly: true }),
      /No Resource-Signature matches/,
    );
    rejects(() => Webhook.constructEvent(fixture.payload, hexOnly, WRONG_SECRET, { allowHexOnly: true }), /No Resource-Signature/);
  });

  test("a parsed body is refused: the signature covers the raw bytes", () => {
    const parsed = JSON.parse(fixture.payload) as unknown;
    assert.throws(() => Webhook.constructEvent(parsed as string, fixture.headers, fixture.secret, soon), TypeError);
  });
});
