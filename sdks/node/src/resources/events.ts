/** `client.events`: /v1/events, their delivery attempts and resending. */
import type { RequestOptions, WithResponse } from "../core/http";
import { makeListPromise, type ListPromise } from "../core/pagination";
import { Namespace } from "../core/resource";
import type {
  DeliveryAttempt,
  DeliveryAttemptList,
  DeliveryListParams,
  Event,
  EventList,
  EventListParams,
  EventResendParams,
  EventResendResult,
} from "../types";

const BASE = "/v1/events";

export class Events extends Namespace {
  /** Events of the last 30 days, newest first; filter by `type` and `created`. */
  list(params: EventListParams = {}, options?: RequestOptions): ListPromise<Event, EventList> {
    return makeListPromise<Event, EventList, EventListParams>(
      (p) => this.http.request("GET", BASE, { query: p }, options),
      params,
    );
  }

  retrieve(id: string, options?: RequestOptions): Promise<WithResponse<Event>> {
    return this.http.request("GET", this.path(BASE, id), {}, options);
  }

  /** Deliver the event again: to `webhook_endpoint`, or to every subscribed endpoint. */
  resend(id: string, params: EventResendParams = {}, options?: RequestOptions): Promise<WithResponse<EventResendResult>> {
    return this.http.request("POST", this.path(BASE, id, "/resend"), { body: params }, options);
  }

  /** Every delivery attempt of the event: endpoint, time, status, duration, error. */
  listDeliveries(
    id: string,
    params: DeliveryListParams = {},
    options?: RequestOptions,
  ): ListPromise<DeliveryAttempt, DeliveryAttemptList> {
    const path = this.path(BASE, id, "/deliveries");
    return makeListPromise<DeliveryAttempt, DeliveryAttemptList, DeliveryListParams>(
      (p) => this.http.request("GET", path, { query: p }, options),
      params,
    );
  }
}
