/** The environment tests/sdks/conftest.py hands to test.sh (SDK-CONTRACT.md). */
import { Client, type ClientOptions } from "../src";

export type EnvName =
  | "SDK_API_URL"
  | "SDK_API_KEY"
  | "SDK_STUB_URL"
  | "SDK_WEBHOOK_FIXTURE"
  | "SDK_PAGINATION_CREATED_GTE"
  | "SDK_PAGINATION_CREATED_LTE"
  | "SDK_PAGINATION_COUNT";

export function env(name: EnvName): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set: run through tests/sdks/test_node.py`);
  return value;
}

/**
 * The session's shared pagination set (sdks/README.md): a created range holding exactly `count`
 * resources, made before any SDK's tests, with other resources of the account on both sides.
 */
export function paginationSet(): { created: { gte: number; lte: number }; count: number } {
  return {
    created: { gte: Number(env("SDK_PAGINATION_CREATED_GTE")), lte: Number(env("SDK_PAGINATION_CREATED_LTE")) },
    count: Number(env("SDK_PAGINATION_COUNT")),
  };
}

/** A client of the local cloud with the session's fresh test key. */
export function apiClient(options: Partial<ClientOptions> = {}): Client {
  return new Client({ apiKey: env("SDK_API_KEY"), baseUrl: env("SDK_API_URL"), ...options });
}

export interface StubResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface StubRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Scripts the loopback stub: each request under the returned base URL gets the next response. */
export async function stub(responses: StubResponse[]): Promise<{ baseUrl: string; log: () => Promise<StubRequest[]> }> {
  const root = env("SDK_STUB_URL").replace(/\/+$/, "");
  const res = await fetch(`${root}/_script`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ responses }),
  });
  if (!res.ok) throw new Error(`stub /_script answered ${res.status}`);
  const { id, base_url } = (await res.json()) as { id: string; base_url: string };
  return {
    baseUrl: base_url,
    log: async () => {
      const r = await fetch(`${root}/_log/${id}`);
      return ((await r.json()) as { requests: StubRequest[] }).requests;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
