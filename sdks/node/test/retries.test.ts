/**
 * Retries against the scripted loopback stub (SDK_STUB_URL): what is retried (connection errors,
 * 409 idempotency_key_in_use, 429, 5xx), what never is (400, 401, 404, 412, other 409s), the
 * Idempotency-Key kept across attempts, Retry-After honoured up to the cap.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, test } from "node:test";

import {
  ApiServerError,
  AuthenticationError,
  Client,
  ConflictError,
  ConnectionError,
  InvalidRequestError,
  RateLimitError,
  ResourceNotFoundError,
  type ApiError,
} from "../src";
import { stub, type StubResponse } from "./env";

const RESOURCE = {
  id: "res_01m8h8y3phbgz0cj001dzhg3",
  object: "resource",
  created: 1705320000,
  updated: 1705320000,
  livemode: false,
  name: "Stubbed",
  type: "production",
  status: "active",
  configuration: { timeout_ms: 5000, retry_count: 3, batch_size: 100 },
  metadata: {},
  a_field_from_a_newer_api: { lenient: true },
};
const OK: StubResponse = { status: 200, headers: { "Request-Id": "req_stubok" }, body: RESOURCE };

function failure(status: number, type: string, code: string, headers: Record<string, string> = {}): StubResponse {
  return {
    status,
    headers: { "Request-Id": `req_stub${status}`, ...headers },
    body: { error: { type, code, message: `stubbed ${code}`, param: status === 400 ? "name" : null, request_id: `req_stub${status}` } },
  };
}

/** A client of a stub whose backoff starts at 50 ms, so tests measure Retry-After, not backoff. */
function stubClient(baseUrl: string, maxRetries = 3): Client {
  return new Client({ apiKey: "sk_test_stub", baseUrl, maxRetries, initialRetryDelay: 50, maxRetryDelay: 200 });
}

describe("retried, with one Idempotency-Key on every attempt", () => {
  for (const [name, first] of [
    ["503 with Retry-After", failure(503, "api_error", "service_unavailable", { "Retry-After": "0" })],
    ["500", failure(500, "api_error", "internal_error")],
    ["429 with Retry-After", failure(429, "rate_limit_error", "rate_limited", { "Retry-After": "0" })],
    ["409 idempotency_key_in_use with Retry-After", failure(409, "conflict_error", "idempotency_key_in_use", { "Retry-After": "0" })],
  ] as const) {
    test(`${name}, then 200`, async () => {
      const s = await stub([first, first, OK]);
      const r = await stubClient(s.baseUrl).resources.create({ name: "Stubbed", type: "production" });
      assert.equal(r.id, RESOURCE.id);
      assert.equal(r.lastResponse.retries, 2);
      assert.equal(r.lastResponse.requestId, "req_stubok");
      assert.equal((r as Record<string, unknown>)["a_field_from_a_newer_api"] !== undefined, true, "unknown fields kept");
      const log = await s.log();
      assert.equal(log.length, 3);
      const keys = log.map((q) => q.headers["idempotency-key"]);
      assert.match(keys[0] ?? "", /^node-[0-9a-f-]{36}$/);
      assert.deepEqual(keys, [keys[0], keys[0], keys[0]], "the same key on every attempt");
      for (const q of log) {
        assert.equal(q.method, "POST");
        assert.equal(q.path, "/v1/resources");
        assert.equal(q.headers["authorization"], "Bearer sk_test_stub");
        assert.equal(q.headers["content-type"], "application/json");
        assert.deepEqual(JSON.parse(String(q.body)), { name: "Stubbed", type: "production" });
      }
    });
  }

  test("the caller's Idempotency-Key wins, on every attempt, for PATCH and DELETE too", async () => {
    const s = await stub([failure(503, "api_error", "service_unavailable"), OK]);
    const c = stubClient(s.baseUrl);
    await c.resources.update(RESOURCE.id, { name: "Renamed" }, { idempotencyKey: "order_12345", ifMatch: '"abc"' });
    const s2 = await stub([failure(502, "api_error", "internal_error"), { status: 200, body: { id: RESOURCE.id, object: "resource", deleted: true, deleted_at: 1 } }]);
    const d = await stubClient(s2.baseUrl).resources.delete(RESOURCE.id, { idempotencyKey: "delete_1" });
    assert.equal(d.deleted, true);
    const log = [...(await s.log()), ...(await s2.log())];
    assert.deepEqual(
      log.map((q) => [q.method, q.headers["idempotency-key"]]),
      [["PATCH", "order_12345"], ["PATCH", "order_12345"], ["DELETE", "delete_1"], ["DELETE", "delete_1"]],
    );
    assert.equal(log[0]!.headers["if-match"], '"abc"');
  });

  test("a GET is retried too, and carries no Idempotency-Key", async () => {
    const s = await stub([failure(503, "api_error", "service_unavailable"), OK]);
    await stubClient(s.baseUrl).resources.retrieve(RESOURCE.id, { expand: ["metrics", "logs"] });
    const log = await s.log();
    assert.equal(log.length, 2);
    assert.equal(log[0]!.headers["idempotency-key"], undefined);
    assert.equal(log[0]!.path, `/v1/resources/${RESOURCE.id}`);
    assert.equal(decodeURIComponent(log[0]!.query), "expand[]=metrics&expand[]=logs");
  });

  test("Retry-After is honoured: the retry waits as long as the answer asked", async () => {
    const s = await stub([failure(429, "rate_limit_error", "rate_limited", { "Retry-After": "1" }), OK]);
    const started = Date.now();
    await stubClient(s.baseUrl).resources.create({ name: "Stubbed", type: "production" });
    const waited = Date.now() - started;
    assert.ok(waited >= 1000, `retried after ${waited} ms, Retry-After said 1 s`);
    assert.ok(waited < 5000, `waited ${waited} ms`);
  });

  test("a Retry-After beyond the cap is not waited for: the error is thrown with it", async () => {
    const s = await stub([failure(429, "rate_limit_error", "rate_limited", { "Retry-After": "3600" }), OK]);
    const c = new Client({ apiKey: "sk_test_stub", baseUrl: s.baseUrl, maxRetryAfter: 60 });
    const started = Date.now();
    await assert.rejects(c.resources.list({ limit: 1 }), (e: unknown) => e instanceof RateLimitError && e.retryAfter === 3600);
    assert.ok(Date.now() - started < 1000);
    assert.equal((await s.log()).length, 1);
  });

  test("retries stop at maxRetries and the last error is thrown", async () => {
    const s = await stub([failure(503, "api_error", "service_unavailable", { "Retry-After": "0" })]);
    await assert.rejects(
      stubClient(s.baseUrl, 2).resources.create({ name: "Stubbed", type: "production" }),
      (e: unknown) => e instanceof ApiServerError && e.statusCode === 503 && e.code === "service_unavailable" && e.requestId === "req_stub503",
    );
    const log = await s.log();
    assert.equal(log.length, 3, "the first attempt and 2 retries");
    assert.equal(new Set(log.map((q) => q.headers["idempotency-key"])).size, 1);
  });

  test("a connection that fails is retried, then a ConnectionError", async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    let calls = 0;
    const c = new Client({
      apiKey: "sk_test_stub",
      baseUrl: `http://127.0.0.1:${port}`,
      maxRetries: 2,
      initialRetryDelay: 10,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    await assert.rejects(c.resources.create({ name: "Nobody home", type: "production" }), (e: unknown) => {
      assert.ok(e instanceof ConnectionError);
      assert.equal(e.statusCode, undefined);
      assert.match(e.idempotencyKey ?? "", /^node-/);
      return true;
    });
    assert.equal(calls, 3);
  });
});

describe("never retried", () => {
  for (const [first, Cls] of [
    [failure(400, "invalid_request_error", "parameter_invalid"), InvalidRequestError],
    [failure(401, "authentication_error", "api_key_invalid"), AuthenticationError],
    [failure(404, "resource_not_found", "resource_missing"), ResourceNotFoundError],
    [failure(412, "conflict_error", "precondition_failed"), ConflictError],
    [failure(409, "conflict_error", "resource_not_ready", { "Retry-After": "0" }), ConflictError],
  ] as const) {
    test(`${first.status} ${(first.body as { error: { code: string } }).error.code}`, async () => {
      const s = await stub([first, OK]);
      await assert.rejects(stubClient(s.baseUrl).resources.update(RESOURCE.id, { name: "Renamed" }), (e: unknown) => {
        assert.ok(e instanceof Cls, `got ${String(e)}`);
        const err = e as ApiError;
        assert.equal(err.statusCode, first.status);
        assert.equal(err.requestId, `req_stub${first.status}`);
        return true;
      });
      assert.equal((await s.log()).length, 1, "one attempt only");
    });
  }

  test("a success that is not JSON is an ApiError, not retried (the write may have happened)", async () => {
    const s = await stub([{ status: 200, headers: { "Content-Type": "text/html" }, body: "<html>proxy</html>" }, OK]);
    await assert.rejects(
      stubClient(s.baseUrl).resources.create({ name: "Stubbed", type: "production" }),
      (e: unknown) => (e as ApiError).name === "ApiError" && (e as ApiError).statusCode === 200,
    );
    assert.equal((await s.log()).length, 1);
  });

  test("an unknown error type still parses, as an ApiError", async () => {
    const s = await stub([failure(418, "teapot_error", "short_and_stout")]);
    await assert.rejects(stubClient(s.baseUrl).resources.list(), (e: unknown) => {
      const err = e as ApiError;
      assert.equal(err.name, "ApiError");
      assert.equal(err.type, "teapot_error");
      assert.equal(err.code, "short_and_stout");
      return true;
    });
  });
});
