/**
 * The README's examples, run as written: every ```typescript block of README.md, in order, as one
 * program (imports hoisted, the rest one async function), compiled with `tsc --strict` against the
 * built package (`@example/api-sdk`, as an app imports it) and run against the session's local
 * cloud. Only the host, the key and the webhook secret change (and the spec's idempotency key
 * gets a suffix: the SDKs share one account in these tests); the webhook handler is then given a
 * delivery signed moments ago.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { ResourceNotFoundError } from "../src";
import { env } from "./env";

const here = resolve(__dirname, "..", "..");   // sdks/node (this file runs from dist/test)

function blocks(): string[] {
  const readme = readFileSync(join(here, "README.md"), "utf8");
  return [...readme.matchAll(/^```typescript\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

test("the README's examples compile and run against the local cloud", async () => {
  const all = blocks();
  assert.ok(all.length >= 10, `the README has its examples: ${all.length}`);
  const fixture = JSON.parse(readFileSync(env("SDK_WEBHOOK_FIXTURE"), "utf8")) as {
    payload: string; headers: Record<string, string>; secret: string; event_id: string;
  };
  const imports: string[] = [];
  const body: string[] = [];
  for (const block of all) {
    for (const line of block.split("\n")) (line.startsWith("import ") ? imports : body).push(line);
  }
  const code = body.join("\n    ")
    .replaceAll('"sk_test_..."', JSON.stringify(env("SDK_API_KEY")))
    .replaceAll('"http://127.0.0.1:8000"', JSON.stringify(env("SDK_API_URL")))
    .replaceAll('"whsec_..."', JSON.stringify(fixture.secret))
    .replaceAll('"order_12345_create_resource"', JSON.stringify(`order_12345_create_resource_node_${process.pid}_${Date.now()}`));
  const source = `${imports.join("\n")}
export async function main(rawBody: Buffer, headers: Record<string, string>) {
    ${code}
    return { deleted, updated, webhookStatus: handleWebhook(rawBody, headers), deletedId: resource.id, client };
}
`;
  const dir = mkdtempSync(join(tmpdir(), "node-readme-"));
  mkdirSync(join(dir, "node_modules", "@example"), { recursive: true });
  symlinkSync(here, join(dir, "node_modules", "@example", "api-sdk"));   // npm install /path/to/sdks/node does the same
  writeFileSync(join(dir, "readme.ts"), source);
  try {
    execFileSync(join(here, "node_modules", ".bin", "tsc"), ["--strict", "--target", "ES2022", "--module", "commonjs",
      "--moduleResolution", "node", "--esModuleInterop", "--typeRoots", join(here, "node_modules", "@types"), "--types", "node",
      "--outDir", dir, join(dir, "readme.ts")], { cwd: dir, encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string };
    assert.fail(`the README's blocks compile:\n${out.stdout ?? ""}${out.stderr ?? ""}\n${source}`);
  }

  // a delivery signed now (the fixture may be older than the 5-minute tolerance)
  const headers = { ...fixture.headers };
  const stamp = Math.floor(Date.now() / 1000);
  const key = Buffer.from(fixture.secret.slice("whsec_".length), "base64");
  const digest = createHmac("sha256", key).update(`${headers["webhook-id"]}.${stamp}.${fixture.payload}`).digest("base64");
  headers["webhook-timestamp"] = String(stamp);
  headers["webhook-signature"] = `v1,${digest}`;

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(join(dir, "readme.js")) as { main: (b: Buffer, h: Record<string, string>) => Promise<{
    deleted: { deleted: boolean }; updated: { name: string; status: string }; webhookStatus: number; deletedId: string;
    client: { resources: { retrieve: (id: string) => Promise<unknown> } };
  }> };
  const out = await program.main(Buffer.from(fixture.payload, "utf8"), headers).finally(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(out.deleted.deleted, true);
  assert.equal(out.updated.name, "Updated Resource Name");
  assert.equal(out.updated.status, "paused");
  assert.equal(out.webhookStatus, 200, "the README's handler accepted a freshly signed delivery");
  await assert.rejects(out.client.resources.retrieve(out.deletedId), ResourceNotFoundError, "the README's delete deleted it");
});
