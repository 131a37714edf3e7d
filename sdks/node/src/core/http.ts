/**
 * The transport: one `request` that every resource method goes through. It sends JSON bodies over
 * Node's built-in fetch, retries what is safe to retry (connection failures, 409
 * idempotency_key_in_use, 429 and 5xx) with exponential backoff and jitter, honours Retry-After up
 * to a cap, and sends every POST/PATCH/DELETE with an Idempotency-Key that stays the same on
 * every attempt, so a retried write is applied at most once (the API replays the first answer).
 */
import { randomUUID } from "node:crypto";

import type { ApiVersion } from "../types";
import { ApiError, ConnectionError, errorFromResponse } from "./errors";
import { VERSION } from "../version";

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** Per-request options, the last argument of every method. */
export interface RequestOptions {
  /** Use this key instead of a generated one (writes only); the same key replays the first answer for 24 h. */
  idempotencyKey?: string;
  /** Pin the API version of this request (overrides the client's). */
  apiVersion?: ApiVersion;
  /** Send `If-Match`: the write fails with 412 precondition_failed if the object's ETag changed. */
  ifMatch?: string;
  /** Override the client's maxRetries for this request. */
  maxRetries?: number;
  /** Override the client's timeout (ms) for this request. */
  timeout?: number;
  /** Extra headers. */
  headers?: Record<string, string>;
}

/** What the HTTP answer said besides the body (stripe-node calls it `lastResponse`). */
export interface LastResponse {
  statusCode: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** The `Request-Id` header. */
  requestId: string | undefined;
  /** The Idempotency-Key sent (writes only). */
  idempotencyKey: string | undefined;
  /** True when the API replayed a stored answer for the Idempotency-Key instead of doing the work again. */
  idempotentReplayed: boolean;
  /** The API version that rendered the answer. */
  apiVersion: string | undefined;
  /** The object's ETag, for `ifMatch`. */
  etag: string | undefined;
  /** How many retries it took (0 = the first attempt answered). */
  retries: number;
}

/** A response body with its `lastResponse` (a non-enumerable property: JSON.stringify ignores it). */
export type WithResponse<T> = T & { readonly lastResponse: LastResponse };

export interface ClientOptions {
  /** A secret key, `sk_test_...` or `sk_live_...`. */
  apiKey: string;
  /** Where the API answers, e.g. `https://api.example.com` or `http://127.0.0.1:8000` (a trailing `/v1` is accepted). */
  baseUrl?: string;
  /** Pin every request to this API version (else the account's default applies). */
  apiVersion?: ApiVersion;
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** Per-attempt timeout in ms (default 80 000). */
  timeout?: number;
  /** First backoff in ms (default 500); doubles each retry up to maxRetryDelay, with jitter. */
  initialRetryDelay?: number;
  /** Longest backoff in ms (default 8 000). */
  maxRetryDelay?: number;
  /** Longest Retry-After honoured, in seconds (default 60); a longer one is not retried but thrown. */
  maxRetryAfter?: number;
  /** A fetch implementation (default: Node's built-in). */
  fetch?: typeof fetch;
}

export const DEFAULT_BASE_URL = "https://api.example.com";
const WRITES: ReadonlySet<Method> = new Set<Method>(["POST", "PATCH", "DELETE"]);
/** Never retried: the same request would fail the same way. */
const NEVER_RETRY: ReadonlySet<number> = new Set([400, 401, 403, 404, 412, 413, 415]);

type QueryValue = string | number | boolean | null | undefined | QueryValue[] | { [k: string]: QueryValue };

/** `{expand: ["a"], created: {gte: 1}}` -> `expand[]=a&created[gte]=1` (the API's bracket form). */
export function encodeQuery(query: Record<string, unknown> | undefined): string {
  if (query === undefined) return "";
  const parts: string[] = [];
  const add = (key: string, value: QueryValue): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      for (const v of value) add(`${key}[]`, v);
    } else if (typeof value === "object") {
      for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
    } else {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    }
  };
  for (const [k, v] of Object.entries(query)) add(k, v as QueryValue);
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function headersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}

export class HttpClient {
  readonly baseUrl: string;
  readonly apiVersion: ApiVersion | undefined;
  readonly maxRetries: number;
  readonly timeout: number;
  readonly initialRetryDelay: number;
  readonly maxRetryDelay: number;
  readonly maxRetryAfter: number;
  private readonly apiKey: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ClientOptions) {
    if (typeof options.apiKey !== "string" || options.apiKey === "") {
      throw new TypeError("apiKey is required (sk_test_... or sk_live_...)");
    }
    this.apiKey = options.apiKey;
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "").replace(/\/v1$/, "");
    this.apiVersion = options.apiVersion;
    this.maxRetries = options.maxRetries ?? 2;
    this.timeout = options.timeout ?? 80_000;
    this.initialRetryDelay = options.initialRetryDelay ?? 500;
    this.maxRetryDelay = options.maxRetryDelay ?? 8_000;
    this.maxRetryAfter = options.maxRetryAfter ?? 60;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * Backoff before retry number `retry` (0-based): min(initial * 2^retry, max), with "equal
   * jitter" (a random point in its upper half) so that clients failing together do not retry
   * together, and never sooner than the answer's Retry-After.
   */
  retryDelay(retry: number, retryAfterSeconds: number | undefined): number {
    const base = Math.min(this.initialRetryDelay * 2 ** retry, this.maxRetryDelay);
    const jittered = base / 2 + Math.random() * (base / 2);
    return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
  }

  /** Whether an error answer may be retried: 409 idempotency_key_in_use, 429 and 5xx only. */
  shouldRetry(error: ApiError): boolean {
    const status = error.statusCode;
    if (status === undefined) return true; // no answer: connection failure or client timeout
    if (NEVER_RETRY.has(status)) return false;
    const retryAfter = error.retryAfter;
    if (retryAfter !== undefined && retryAfter > this.maxRetryAfter) return false;
    if (status === 409) return error.code === "idempotency_key_in_use";
    return status === 429 || status >= 500;
  }

  async request<T>(
    method: Method,
    path: string,
    init: { query?: Record<string, unknown>; body?: object } = {},
    options: RequestOptions = {},
  ): Promise<WithResponse<T>> {
    const url = this.baseUrl + path + encodeQuery(init.query);
    const idempotencyKey = WRITES.has(method) ? (options.idempotencyKey ?? `node-${randomUUID()}`) : undefined;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.apiKey}`,
      Accept: "application/json",
      "User-Agent": `example-api-node/${VERSION} node/${process.versions.node}`,
    };
    const apiVersion = options.apiVersion ?? this.apiVersion;
    if (apiVersion !== undefined) headers["Api-Version"] = apiVersion;
    if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;
    if (options.ifMatch !== undefined) headers["If-Match"] = options.ifMatch;
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    Object.assign(headers, options.headers);

    const maxRetries = options.maxRetries ?? this.maxRetries;
    const timeout = options.timeout ?? this.timeout;
    for (let retry = 0; ; retry++) {
      const answer = await this.send(url, { method, headers, body: payload, signal: AbortSignal.timeout(timeout) });
      let error: ApiError;
      if (answer instanceof Error) {
        error = new ConnectionError({
          message: `${method} ${path} got no answer: ${answer.message}`,
          idempotencyKey,
          raw: answer,
        });
      } else {
        const parsed = parseJson(answer.text);
        const requestId = answer.headers["request-id"];
        if ((answer.status >= 200 && answer.status < 300) || answer.status === 304) {
          if (answer.status !== 304 && (parsed === null || typeof parsed !== "object")) {
            // A success we cannot read (a proxy's page?): not retried, the write may have happened.
            throw new ApiError({
              message: `Expected a JSON object from ${method} ${path}, got: ${answer.text.slice(0, 200)}`,
              statusCode: answer.status,
              headers: answer.headers,
              requestId,
              idempotencyKey,
              raw: answer.text,
            });
          }
          const body = (parsed ?? {}) as object;
          const lastResponse: LastResponse = {
            statusCode: answer.status,
            headers: answer.headers,
            requestId,
            idempotencyKey,
            idempotentReplayed: answer.headers["idempotent-replayed"] === "true",
            apiVersion: answer.headers["api-version"],
            etag: answer.headers["etag"],
            retries: retry,
          };
          Object.defineProperty(body, "lastResponse", { value: lastResponse, enumerable: false });
          return body as WithResponse<T>;
        }
        error = errorFromResponse(answer.status, parsed, answer.headers, idempotencyKey);
      }
      if (retry >= maxRetries || !this.shouldRetry(error)) throw error;
      await sleep(this.retryDelay(retry, error.retryAfter));
    }
  }

  /** One attempt: the answer read in full, or the Error that stopped it (refused, reset, timed out). */
  private async send(
    url: string,
    init: RequestInit,
  ): Promise<{ status: number; headers: Record<string, string>; text: string } | Error> {
    try {
      const res = await this.fetchImpl(url, init);
      return { status: res.status, headers: headersOf(res), text: await res.text() };
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }
}
