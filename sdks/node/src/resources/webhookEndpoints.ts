/** `client.webhookEndpoints`: /v1/webhook_endpoints. */
import type { RequestOptions, WithResponse } from "../core/http";
import { makeListPromise, type ListPromise } from "../core/pagination";
import { Namespace } from "../core/resource";
import type {
  DeletedWebhookEndpoint,
  WebhookEndpoint,
  WebhookEndpointCreateParams,
  WebhookEndpointList,
  WebhookEndpointListParams,
  WebhookEndpointUpdateParams,
  WebhookReplayParams,
  WebhookReplayResult,
} from "../types";

const BASE = "/v1/webhook_endpoints";

export class WebhookEndpoints extends Namespace {
  /** Create an endpoint; the answer's `secret` (whsec_...) is shown only here and at rotation. */
  create(params: WebhookEndpointCreateParams, options?: RequestOptions): Promise<WithResponse<WebhookEndpoint>> {
    return this.http.request("POST", BASE, { body: params }, options);
  }

  retrieve(id: string, options?: RequestOptions): Promise<WithResponse<WebhookEndpoint>> {
    return this.http.request("GET", this.path(BASE, id), {}, options);
  }

  update(
    id: string,
    params: WebhookEndpointUpdateParams,
    options?: RequestOptions,
  ): Promise<WithResponse<WebhookEndpoint>> {
    return this.http.request("PATCH", this.path(BASE, id), { body: params }, options);
  }

  delete(id: string, options?: RequestOptions): Promise<WithResponse<DeletedWebhookEndpoint>> {
    return this.http.request("DELETE", this.path(BASE, id), {}, options);
  }

  list(
    params: WebhookEndpointListParams = {},
    options?: RequestOptions,
  ): ListPromise<WebhookEndpoint, WebhookEndpointList> {
    return makeListPromise<WebhookEndpoint, WebhookEndpointList, WebhookEndpointListParams>(
      (p) => this.http.request("GET", BASE, { query: p }, options),
      params,
    );
  }

  /** A new signing secret; the old one keeps signing beside it for 24 h (verify with both). */
  rotateSecret(id: string, options?: RequestOptions): Promise<WithResponse<WebhookEndpoint>> {
    return this.http.request("POST", this.path(BASE, id, "/rotate_secret"), { body: {} }, options);
  }

  /** Redeliver this endpoint's failed deliveries of events created at or after `since`. */
  replay(id: string, params: WebhookReplayParams, options?: RequestOptions): Promise<WithResponse<WebhookReplayResult>> {
    return this.http.request("POST", this.path(BASE, id, "/replay"), { body: params }, options);
  }
}
