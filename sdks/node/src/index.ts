/** @example/api-sdk: the Resource API's Node.js client. */
export { Client } from "./client";
export { Webhook, type VerifyOptions, type WebhookHeaders } from "./webhook";
export {
  DEFAULT_BASE_URL,
  HttpClient,
  type ClientOptions,
  type LastResponse,
  type Method,
  type RequestOptions,
  type WithResponse,
} from "./core/http";
export type { ListPromise, Page } from "./core/pagination";
export * from "./core/errors";
export type * from "./types";
export { VERSION } from "./version";
