/**
 * The contract flow against the local cloud (SDK_API_URL): create -> retrieve -> auto-pagination
 * over more than 250 objects -> update with If-Match -> delete; idempotent replay; typed errors;
 * API version pinning; webhook endpoints, events and deliveries.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";

import {
  ApiError,
  AuthenticationError,
  Client,
  ConflictError,
  IdempotencyError,
  InvalidRequestError,
  ResourceNotFoundError,
  type Resource,
  type WithResponse,
} from "../src";
import { apiClient, env, paginationSet, sleep } from "./env";

const client = apiClient();

/**
 * Polls until the resource is provisioned (about 5 s on an idle local cloud, longer while it works
 * through the session's other writes): only then does it stop changing.
 */
async function waitActive(id: string): Promise<WithResponse<Resource>> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = await client.resources.retrieve(id);
    if (r.status === "active") return r;
    assert.notEqual(r.status, "failed", `provisioning failed: ${JSON.stringify(r.provisioning)}`);
    assert.ok(Date.now() < deadline, `resource ${id} still ${r.status} after 120 s`);
    await sleep(500);
  }
}

describe("webhook endpoints, events and deliveries", () => {
  test("endpoint life, rotation, replay; events listed, retrieved, resent; delivery attempts", async () => {
    const endpoint = await client.webhookEndpoints.create({
      url: "http://127.0.0.1:9/webhooks",
      enabled_events: ["*"],
      description: "node sdk test",
    });
    assert.match(endpoint.id, /^we_/);
    assert.match(endpoint.secret ?? "", /^whsec_/);
    assert.equal((await client.webhookEndpoints.retrieve(endpoint.id)).secret ?? null, null, "the secret is shown once");

    const renamed = await client.webhookEndpoints.update(endpoint.id, { description: "renamed" });
    assert.equal(renamed.description, "renamed");
    const listed: string[] = [];
    for await (const e of client.webhookEndpoints.list({ limit: 10 })) listed.push(e.id);
    assert.ok(listed.includes(endpoint.id));

    const rotated = await client.webhookEndpoints.rotateSecret(endpoint.id);
    assert.match(rotated.secret ?? "", /^whsec_/);
    assert.notEqual(rotated.secret, endpoint.secret);

    // An event of the shared pagination set: made at the start of the session, first in the local
    // event pipeline's queue (an event of a resource made now would wait behind everything else).
    const { created } = paginationSet();
    let event;
    for (const deadline = Date.now() + 120_000; ; await sleep(500)) {
      const page = await client.events.list({ type: "resource.created", limit: 20, created });
      assert.ok(page.data.every((e) => e.type === "resource.created"), "the type filter applies");
      assert.ok(page.data.every((e) => e.created >= created.gte && e.created <= created.lte), "the created filter applies");
      event = page.data[0];
      if (event !== undefined) break;
      assert.ok(Date.now() < deadline, "no resource.created event of the pagination set within 120 s");
    }
    const fetched = await client.events.retrieve(event.id);
    assert.equal(fetched.id, event.id);
    assert.equal(fetched.type, "resource.created");
    const resource = fetched.data.object as Resource;
    assert.equal(resource.object, "resource");
    assert.equal((await client.resources.retrieve(resource.id)).name, resource.name);

    const resent = await client.events.resend(event.id, { webhook_endpoint: endpoint.id });
    assert.deepEqual(resent.webhook_endpoints, [endpoint.id]);
    for (const deadline = Date.now() + 120_000; ; await sleep(500)) {
      const attempts = await client.events.listDeliveries(event.id).autoPagingToArray({ limit: 100 });
      const ours = attempts.filter((a) => a.webhook_endpoint === endpoint.id);
      if (ours.length > 0) {
        assert.equal(ours[0]!.status, "failed", "nothing listens on port 9");
        break;
      }
      assert.ok(Date.now() < deadline, "no delivery attempt recorded within 120 s");
    }

    const replay = await client.webhookEndpoints.replay(endpoint.id, { since: event.created });
    assert.equal(replay.object, "webhook_replay");
    assert.equal(replay.webhook_endpoint, endpoint.id);

    const gone = await client.webhookEndpoints.delete(endpoint.id);
    assert.equal(gone.deleted, true);
  });
});

describe("resources: create, retrieve, update with If-Match, delete", () => {
  test("the whole life of one resource", async () => {
    const created = await client.resources.create({
      name: "Production API Resource",
      type: "production",
      configuration: { timeout_ms: 10000, retry_count: 5 },
      metadata: { team: "platform", environment: "prod" },
    });
    assert.match(created.id, /^res_/);
    assert.equal(created.status, "pending");
    assert.equal(created.configuration.timeout_ms, 10000);
    assert.deepEqual(created.metadata, { team: "platform", environment: "prod" });
    assert.equal(created.lastResponse.statusCode, 201);
    assert.match(created.lastResponse.requestId ?? "", /^req_/);
    assert.match(created.lastResponse.idempotencyKey ?? "", /^node-/, "every write carries a generated Idempotency-Key");
    assert.equal(created.lastResponse.idempotentReplayed, false);
    assert.equal(JSON.parse(JSON.stringify(created)).lastResponse, undefined, "lastResponse is not part of the object");

    const got = await client.resources.retrieve(created.id, { expand: ["metrics"] });
    assert.equal(got.id, created.id);
    assert.ok(got.metrics, "expand[]=metrics adds metrics");

    const active = await waitActive(created.id);
    const etag = active.lastResponse.etag;
    assert.ok(etag, "retrieve exposes the ETag");
    const updated = await client.resources.update(
      created.id,
      { name: "Updated Resource Name", configuration: { timeout_ms: 7500 }, status: "paused" },
      { ifMatch: etag },
    );
    assert.equal(updated.name, "Updated Resource Name");
    assert.equal(updated.status, "paused");
    assert.equal(updated.configuration.timeout_ms, 7500);
    assert.equal(updated.configuration.retry_count, 5, "configuration is merged");

    await assert.rejects(
      client.resources.update(created.id, { name: "Lost update" }, { ifMatch: etag }),
      (e: unknown) => {
        assert.ok(e instanceof ConflictError, `got ${String(e)}`);
        assert.equal(e.statusCode, 412);
        assert.equal(e.code, "precondition_failed");
        return true;
      },
    );
    assert.equal((await client.resources.retrieve(created.id)).name, "Updated Resource Name");

    const deleted = await client.resources.delete(created.id);
    assert.deepEqual([deleted.id, deleted.deleted], [created.id, true]);
    await assert.rejects(client.resources.retrieve(created.id), ResourceNotFoundError);
  });
});

describe("auto-pagination over more than 250 resources (the session's shared set)", () => {
  const { created, count } = paginationSet();
  let listUrls: URL[] = [];
  // Records the list requests: iteration really fetched page after page, each with the filter.
  const recording = apiClient({
    fetch: (input, init) => {
      const url = new URL(String(input));
      if (url.pathname === "/v1/resources" && (init?.method ?? "GET") === "GET") listUrls.push(url);
      return fetch(input, init);
    },
  });

  test("the account has resources outside the range, so the filter matters", async () => {
    assert.ok(count > 250);
    const everything = await client.resources.list({ limit: 1 });
    assert.ok(everything.total_count > count, `the account holds ${everything.total_count}`);
  });

  test("forward: for await follows starting_after, carrying the created filter", async () => {
    const seen: Resource[] = [];
    listUrls = [];
    for await (const r of recording.resources.list({ limit: 100, created })) {
      assert.ok(r.created >= created.gte && r.created <= created.lte, `${r.id} created ${r.created} is outside the filter`);
      seen.push(r);
    }
    assert.ok(listUrls.length >= 3, `${count} objects at 100 a page take at least 3 requests, made ${listUrls.length}`);
    for (const [i, url] of listUrls.entries()) {
      assert.equal(url.searchParams.get("created[gte]"), String(created.gte), `page ${i + 1}: ${url}`);
      assert.equal(url.searchParams.get("created[lte]"), String(created.lte), `page ${i + 1}: ${url}`);
      assert.equal(url.searchParams.get("limit"), "100", `page ${i + 1}: ${url}`);
      assert.equal(url.searchParams.has("starting_after"), i > 0, `page ${i + 1}: ${url}`);
    }
    const got = seen.map((r) => r.id);
    assert.equal(new Set(got).size, got.length, "no object twice");
    assert.equal(got.length, count, "every object of the set, and nothing else");
    assert.deepEqual(got, [...got].sort().reverse(), "newest first");
  });

  test("backward: ending_before walks toward newer objects, oldest first", async () => {
    const all: string[] = [];
    for await (const r of client.resources.list({ limit: 100, created })) all.push(r.id);
    const oldest = [...all].sort()[0]!;
    const seen: string[] = [];
    listUrls = [];
    for await (const r of recording.resources.list({ limit: 100, created, ending_before: oldest })) seen.push(r.id);
    assert.deepEqual(seen, [...all].sort().slice(1), "every newer object once, in creation order");
    assert.ok(listUrls.length >= 3, `made ${listUrls.length} requests`);
    assert.ok(listUrls.every((u) => u.searchParams.get("created[lte]") === String(created.lte)), "the filter on every page");
  });

  test("one page when awaited, and autoPagingToArray stops at its limit", async () => {
    const page = await client.resources.list({ limit: 100, created });
    assert.equal(page.data.length, 100);
    assert.equal(page.has_more, true);
    assert.equal(page.total_count, count);
    assert.match(page.lastResponse.requestId ?? "", /^req_/);
    const some = await client.resources.list({ limit: 100, created }).autoPagingToArray({ limit: 150 });
    assert.equal(some.length, 150);
    assert.equal(new Set(some.map((r) => r.id)).size, 150);
  });
});

describe("idempotency", () => {
  test("the same key twice replays the first answer", async () => {
    const key = `node-sdk-test-${randomUUID()}`;
    const params = { name: "Idempotent resource", type: "staging" as const };
    const first = await client.resources.create(params, { idempotencyKey: key });
    const second = await client.resources.create(params, { idempotencyKey: key });
    assert.equal(second.id, first.id);
    assert.equal(first.lastResponse.idempotentReplayed, false);
    assert.equal(second.lastResponse.idempotentReplayed, true);
    assert.equal(second.lastResponse.idempotencyKey, key, "the caller's key is the one sent");

    await assert.rejects(
      client.resources.create({ ...params, name: "Other parameters" }, { idempotencyKey: key }),
      (e: unknown) => e instanceof IdempotencyError && e.code === "idempotency_key_reused" && e.statusCode === 400,
    );
    await client.resources.delete(first.id);
  });

  test("without a key, two creates are two resources", async () => {
    const a = await client.resources.create({ name: "No key A", type: "development" });
    const b = await client.resources.create({ name: "No key A", type: "development" });
    assert.notEqual(a.id, b.id);
    assert.notEqual(a.lastResponse.idempotencyKey, b.lastResponse.idempotencyKey);
    await client.resources.delete(a.id);
    await client.resources.delete(b.id);
  });
});

describe("typed errors", () => {
  test("404 is a ResourceNotFoundError with code, param, request id and doc url", async () => {
    await assert.rejects(client.resources.retrieve("res_doesnotexist"), (e: unknown) => {
      assert.ok(e instanceof ResourceNotFoundError);
      assert.ok(e instanceof ApiError);
      assert.equal(e.type, "resource_not_found");
      assert.equal(e.code, "resource_missing");
      assert.equal(e.param, "id");
      assert.equal(e.statusCode, 404);
      assert.match(e.requestId ?? "", /^req_/);
      assert.equal(e.requestId, e.headers["request-id"]);
      assert.match(e.docUrl ?? "", /errors\.md#resource_missing$/);
      return true;
    });
  });

  test("400 is an InvalidRequestError naming the parameter, bracket form for nested ones", async () => {
    await assert.rejects(client.resources.create({ name: "ab", type: "production" }), (e: unknown) => {
      assert.ok(e instanceof InvalidRequestError);
      assert.equal(e.code, "parameter_invalid");
      assert.equal(e.param, "name");
      assert.equal(e.statusCode, 400);
      assert.match(e.requestId ?? "", /^req_/);
      return true;
    });
    await assert.rejects(
      client.resources.create({ name: "Valid name", type: "production", configuration: { timeout_ms: 5 } }),
      (e: unknown) => e instanceof InvalidRequestError && e.param === "configuration[timeout_ms]",
    );
  });

  test("a wrong key is an AuthenticationError", async () => {
    const bad = new Client({ apiKey: "sk_test_not_a_real_key_000000000000", baseUrl: env("SDK_API_URL") });
    await assert.rejects(
      bad.resources.list({ limit: 1 }),
      (e: unknown) => e instanceof AuthenticationError && e.statusCode === 401 && e.code === "api_key_invalid",
    );
  });
});

describe("Api-Version pinning", () => {
  test("the client's version is sent on every request, and one request can override it", async () => {
    const pinned = apiClient({ apiVersion: "2023-11-01" });
    const page = await pinned.resources.list({ limit: 1 });
    assert.equal(page.lastResponse.apiVersion, "2023-11-01");
    const other = await pinned.resources.list({ limit: 1 }, { apiVersion: "2023-09-15" });
    assert.equal(other.lastResponse.apiVersion, "2023-09-15");
  });
});
