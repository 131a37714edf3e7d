/** The entry point: `new Client({ apiKey, baseUrl })`. */
import { HttpClient, type ClientOptions, type RequestOptions, type WithResponse } from "./core/http";
import { Events } from "./resources/events";
import { Resources } from "./resources/resources";
import { WebhookEndpoints } from "./resources/webhookEndpoints";
import type { BatchParams, BatchResult } from "./types";

export class Client {
  readonly resources: Resources;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly events: Events;
  /** The transport (base URL, retry settings); `http.request` reaches routes the SDK does not wrap yet. */
  readonly http: HttpClient;

  constructor(options: ClientOptions) {
    this.http = new HttpClient(options);
    this.resources = new Resources(this.http);
    this.webhookEndpoints = new WebhookEndpoints(this.http);
    this.events = new Events(this.http);
  }

  /**
   * Up to 100 operations in one request (`atomic: true`: all or none). Each result has its own
   * `status` and `body`; a failed operation does not throw, the request as a whole does.
   */
  batch(params: BatchParams, options?: RequestOptions): Promise<WithResponse<BatchResult>> {
    return this.http.request("POST", "/v1/batch", { body: params }, options);
  }
}
