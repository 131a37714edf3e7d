// Stripe's own Node library (stripe-node, pinned in package.json) against the Resource API:
// rawRequest with nested form parameters, an idempotent replay, delete, and Stripe's typed errors.
// Prints one JSON object of findings; tests/sdks/test_stripe_compat.py asserts them.
// Usage: SDK_API_URL=http://127.0.0.1:8000 SDK_API_KEY=sk_test_... node check.js
"use strict";
const Stripe = require("stripe");

async function main() {
  const url = new URL(process.env.SDK_API_URL);
  const stripe = new Stripe(process.env.SDK_API_KEY, {
    host: url.hostname,
    port: Number(url.port),
    protocol: url.protocol.replace(":", ""),
    maxNetworkRetries: 0,
  });
  const out = {};
  const key = `compat-${Date.now()}-${Math.random()}`;
  const params = { name: "Stripe node compat", type: "production", metadata: { team: "platform" }, configuration: { timeout_ms: 10000 } };
  const created = await stripe.rawRequest("POST", "/v1/resources", params, { idempotencyKey: key });
  out.created = { id: created.id, metadata: created.metadata, timeout_ms: created.configuration.timeout_ms };
  const replay = await stripe.rawRequest("POST", "/v1/resources", params, { idempotencyKey: key });
  out.replay = { id: replay.id, replayed: replay.lastResponse.headers["idempotent-replayed"] };
  for (const [name, path, body] of [
    ["not_found", "/v1/resources/res_doesnotexist00000000000", null],
    ["invalid", "/v1/resources", { name: "Stripe node compat", type: "nope" }],
  ]) {
    try {
      await stripe.rawRequest(body ? "POST" : "GET", path, body || {});
      out[name] = { raised: false };
    } catch (e) {
      out[name] = { raised: true, class: e.constructor.name, type: e.type, code: e.code, param: e.param, status: e.statusCode, request_id: e.requestId };
    }
  }
  const deleted = await stripe.rawRequest("DELETE", `/v1/resources/${created.id}`, {});
  out.deleted = { id: deleted.id, deleted: deleted.deleted };
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
