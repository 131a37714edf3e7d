/**
 * One error class per error `type` of the API's error object, as stripe-node does, so callers can
 * `catch (e) { if (e instanceof RateLimitError) ... }`. Every class carries the object's `code`,
 * `param`, `docUrl` and `requestId` plus the HTTP status and headers. An unknown `type` (a newer
 * API than this SDK) still becomes an ApiError rather than failing to parse.
 */

export interface ErrorFields {
  message: string;
  type?: string;
  code?: string;
  param?: string;
  docUrl?: string;
  requestId?: string;
  requestLogUrl?: string;
  statusCode?: number;
  headers?: Record<string, string>;
  idempotencyKey?: string;
  raw?: unknown;
}

export class ApiError extends Error {
  /** The error object's `type`, e.g. `invalid_request_error`. */
  readonly type: string | undefined;
  /** The error object's `code`, e.g. `parameter_invalid` (docs/errors.md lists every code). */
  readonly code: string | undefined;
  /** The offending parameter, bracket form for nested ones (`configuration[timeout_ms]`). */
  readonly param: string | undefined;
  readonly docUrl: string | undefined;
  /** The `Request-Id` of the failed request: quote it to support. */
  readonly requestId: string | undefined;
  readonly requestLogUrl: string | undefined;
  /** HTTP status; undefined when no answer arrived (ConnectionError). */
  readonly statusCode: number | undefined;
  /** Response headers, lower-case names. */
  readonly headers: Record<string, string>;
  /** The Idempotency-Key the request was sent with (every write has one). */
  readonly idempotencyKey: string | undefined;
  /** The parsed body as received. */
  readonly raw: unknown;

  constructor(fields: ErrorFields) {
    super(fields.message);
    this.name = new.target.name;
    this.type = fields.type;
    this.code = fields.code;
    this.param = fields.param;
    this.docUrl = fields.docUrl;
    this.requestId = fields.requestId;
    this.requestLogUrl = fields.requestLogUrl;
    this.statusCode = fields.statusCode;
    this.headers = fields.headers ?? {};
    this.idempotencyKey = fields.idempotencyKey;
    this.raw = fields.raw;
  }

  /** Seconds from the `Retry-After` header, when the answer had one. */
  get retryAfter(): number | undefined {
    return parseRetryAfter(this.headers["retry-after"]);
  }
}

/** `api_error` (500, 503): the server failed; retried automatically. */
export class ApiServerError extends ApiError {}
/** `authentication_error` (401): missing, unknown or revoked key. */
export class AuthenticationError extends ApiError {}
/** `invalid_request_error` (400, 404 url_invalid, 405, 413, 415, 424). */
export class InvalidRequestError extends ApiError {}
/** `idempotency_error` (400 idempotency_key_reused): the key was used with other parameters. */
export class IdempotencyError extends ApiError {}
/** `permission_error` (403). */
export class PermissionError extends ApiError {}
/** `rate_limit_error` (429): retried automatically while Retry-After is within the cap. */
export class RateLimitError extends ApiError {}
/** `resource_not_found` (404). */
export class ResourceNotFoundError extends ApiError {}
/** `conflict_error` (409, 412 precondition_failed). */
export class ConflictError extends ApiError {}
/** `timeout_error` (504). */
export class ApiTimeoutError extends ApiError {}
/** No answer: the connection failed or the request timed out on the client, after every retry. */
export class ConnectionError extends ApiError {}
/** A webhook whose signature, timestamp or headers do not verify. */
export class SignatureVerificationError extends ApiError {}

const BY_TYPE: Record<string, new (fields: ErrorFields) => ApiError> = {
  api_error: ApiServerError,
  authentication_error: AuthenticationError,
  invalid_request_error: InvalidRequestError,
  idempotency_error: IdempotencyError,
  permission_error: PermissionError,
  rate_limit_error: RateLimitError,
  resource_not_found: ResourceNotFoundError,
  conflict_error: ConflictError,
  timeout_error: ApiTimeoutError,
};

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** The typed error for a non-2xx answer; `body` is the parsed JSON (or undefined if it was not JSON). */
export function errorFromResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string>,
  idempotencyKey: string | undefined,
): ApiError {
  const detail =
    body !== null && typeof body === "object" && "error" in body && typeof body.error === "object" && body.error !== null
      ? (body.error as Record<string, unknown>)
      : undefined;
  const type = str(detail?.type) ?? (statusCode >= 500 ? "api_error" : undefined);
  const Cls = (type !== undefined ? BY_TYPE[type] : undefined) ?? ApiError;
  return new Cls({
    message: str(detail?.message) ?? `HTTP ${statusCode} with no error object`,
    type,
    code: str(detail?.code),
    param: str(detail?.param),
    docUrl: str(detail?.doc_url),
    requestId: str(detail?.request_id) ?? headers["request-id"],
    requestLogUrl: str(detail?.request_log_url),
    statusCode,
    headers,
    idempotencyKey,
    raw: body,
  });
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}
