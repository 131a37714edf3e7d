/** The README's examples, compiled (never run) so they stay true to the SDK's types. */
import { ApiError, Client, InvalidRequestError, RateLimitError, SignatureVerificationError, Webhook } from "../src";

export async function examples(): Promise<void> {
  const client = new Client({
    apiKey: process.env["API_KEY"]!,
    baseUrl: "https://api.example.com",
    apiVersion: "2024-01-15",
    maxRetries: 2,
  });
  const resource = await client.resources.create({ name: "My First Resource", type: "production" });
  console.log(resource.id, resource.created);
  const page = await client.resources.list({ limit: 10, status: "active" });
  console.log(`Found ${page.total_count} resources`);
  await client.resources.list({ created: { gte: 1705320000, lte: 1705406400 }, expand: ["data.metrics"] });
  const created = await client.resources.create(
    {
      name: "Production API Resource",
      type: "production",
      configuration: { timeout_ms: 10000, retry_count: 5 },
      metadata: { team: "platform", environment: "prod" },
    },
    { idempotencyKey: "order_12345_create_resource" },
  );
  console.log(created.provisioning?.status, created.lastResponse.idempotentReplayed);
  const r = await client.resources.retrieve("res_1a2b3c4d5e", { expand: ["metrics", "logs", "related_resources"] });
  console.log(r.metrics, r.limits?.max_requests_per_minute);
  const current = await client.resources.retrieve("res_1a2b3c4d5e");
  await client.resources.update(
    "res_1a2b3c4d5e",
    { name: "Updated Resource Name", configuration: { timeout_ms: 7500 }, status: "paused" },
    { ifMatch: current.lastResponse.etag },
  );
  const deleted = await client.resources.delete("res_1a2b3c4d5e");
  console.log(deleted.deleted_at);
  const batch = await client.batch({
    operations: [
      { method: "POST", path: "/v1/resources", body: { name: "Resource 1", type: "production" } },
      { method: "PATCH", path: "/v1/resources/res_abc123", body: { status: "active" } },
      { method: "DELETE", path: "/v1/resources/res_xyz789" },
    ],
  });
  for (const result of batch.results) console.log(result.status, result.body);
  console.log(batch.summary);
  try {
    await client.resources.create({ name: "ab", type: "production" });
  } catch (e) {
    if (e instanceof InvalidRequestError) {
      console.log(e.code, e.param, e.message, e.docUrl, e.requestId, e.statusCode);
    } else if (e instanceof RateLimitError) {
      console.log(`retry in ${e.retryAfter} s`);
    } else if (e instanceof ApiError) {
      console.log(e.type, e.code, e.requestId);
    } else throw e;
  }
  const one = await client.resources.list({ limit: 1 });
  console.log(one.lastResponse.headers["x-ratelimit-remaining"], one.lastResponse.requestId);
  const body = Buffer.from("{}");
  try {
    const event = Webhook.constructEvent(body, { "webhook-id": "evt_1" }, process.env["WEBHOOK_SECRET"]!);
    if (event.type === "resource.updated") console.log(event.data.previous_attributes);
  } catch (e) {
    if (!(e instanceof SignatureVerificationError)) throw e;
  }
  const endpoint = await client.webhookEndpoints.create({ url: "https://example.com/webhooks", enabled_events: ["*"] });
  console.log(endpoint.secret);
  await client.webhookEndpoints.replay(endpoint.id, { since: 1705320000 });
  for await (const event of client.events.list({ type: "resource.created" })) console.log(event.id);
  await client.events.resend("evt_1a2b3c4d5e6f7g8h", { webhook_endpoint: endpoint.id });
  for await (const attempt of client.events.listDeliveries("evt_1a2b3c4d5e6f7g8h")) console.log(attempt.status);
  for await (const res of client.resources.list({ limit: 100, status: "active" })) console.log(res.id);
  for await (const res of client.resources.list({ limit: 100, ending_before: "res_1a2b3c4d5e" })) console.log(res.id);
  const first500 = await client.resources.list({ limit: 100 }).autoPagingToArray({ limit: 500 });
  console.log(first500.length);
  await client.resources.list({ limit: 1 }, { apiVersion: "2023-11-01", maxRetries: 0, timeout: 5000 });
}
