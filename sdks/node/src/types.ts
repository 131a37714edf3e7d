/**
 * Names for the generated types. Everything here is derived from src/generated/openapi.ts
 * (openapi-typescript output of openapi/openapi.json) through operation ids rather than schema
 * names, so a schema renamed in the document does not break the hand-written layer.
 */
import type { operations } from "./generated/openapi";

export type { components, operations, paths } from "./generated/openapi";

type JsonOf<T> = T extends { content: { "application/json": infer B } } ? B : never;
type Op = keyof operations;

/** The JSON request body of an operation, without the body-level idempotency key (the SDK sends a header). */
export type BodyOf<K extends Op> = operations[K] extends { requestBody?: infer R }
  ? Omit<JsonOf<NonNullable<R>>, "idempotency_key">
  : never;

/**
 * T without index signatures, all the way down. The document lets answers carry fields newer
 * than this SDK (`additionalProperties: true`), which openapi-typescript writes as
 * `[key: string]: unknown`; left in, a misspelt field read would type-check as `unknown`.
 * Removed, it is a compile error (test/probes/). A newer field is still on the object at run time.
 */
export type Exact<T> = T extends readonly (infer U)[]
  ? Exact<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : number extends K ? never : K]: Exact<T[K]> }
    : T;

/** The JSON body of an operation's successful (2xx) answer. */
export type ResultOf<K extends Op> = Exact<
  JsonOf<operations[K]["responses"][Extract<keyof operations[K]["responses"], 200 | 201 | 202>]>
>;

type RawQuery<K extends Op> = NonNullable<operations[K]["parameters"]["query"]>;

/** An operation's query parameters, with `expand[]` spelled `expand` as in every body. */
export type QueryOf<K extends Op> = Omit<RawQuery<K>, "expand[]"> &
  ("expand[]" extends keyof RawQuery<K> ? { expand?: RawQuery<K>["expand[]"] } : unknown);

/** The API versions the document lists for the `Api-Version` header. */
export type ApiVersion = NonNullable<NonNullable<operations["get_resource"]["parameters"]["header"]>["Api-Version"]>;

export type Resource = ResultOf<"get_resource">;
export type ResourceList = ResultOf<"list_resources">;
export type DeletedResource = ResultOf<"delete_resource">;
export type ResourceCreateParams = BodyOf<"create_resource">;
export type ResourceUpdateParams = BodyOf<"update_resource">;
export type ResourceRetrieveParams = QueryOf<"get_resource">;
export type ResourceListParams = QueryOf<"list_resources">;

export type BatchParams = BodyOf<"batch">;
export type BatchResult = ResultOf<"batch">;

export type WebhookEndpoint = ResultOf<"get_webhook_endpoint">;
export type WebhookEndpointList = ResultOf<"list_webhook_endpoints">;
export type DeletedWebhookEndpoint = ResultOf<"delete_webhook_endpoint">;
export type WebhookEndpointCreateParams = BodyOf<"create_webhook_endpoint">;
export type WebhookEndpointUpdateParams = BodyOf<"update_webhook_endpoint">;
export type WebhookEndpointListParams = QueryOf<"list_webhook_endpoints">;
export type WebhookReplayParams = BodyOf<"replay_webhook_deliveries">;
export type WebhookReplayResult = ResultOf<"replay_webhook_deliveries">;

type RawEvent = ResultOf<"get_event">;
export type LimitNotice = Extract<RawEvent["data"]["object"], { object: "limit" }>;

/** What `data.object` is, by event type. */
export interface EventObjects {
  "resource.created": Resource;
  "resource.updated": Resource;
  "resource.deleted": Resource;
  "resource.status_changed": Resource;
  "resource.limit_exceeded": LimitNotice;
  "webhook_endpoint.disabled": WebhookEndpoint;
}
export type EventType = keyof EventObjects;

/**
 * An event, as a union discriminated by `type`: checking `event.type === "resource.created"`
 * narrows `event.data.object` to a Resource (as stripe-node's events do).
 */
export type Event = {
  [T in EventType]: Omit<RawEvent, "type" | "data"> & {
    type: T;
    data: Omit<RawEvent["data"], "object"> & { object: EventObjects[T] };
  };
}[EventType];
export type EventList = Omit<ResultOf<"list_events">, "data"> & { data: Event[] };
export type EventListParams = QueryOf<"list_events">;
export type EventResendParams = BodyOf<"resend_event">;
export type EventResendResult = ResultOf<"resend_event">;
export type DeliveryAttemptList = ResultOf<"list_event_deliveries">;
export type DeliveryAttempt = DeliveryAttemptList["data"][number];
export type DeliveryListParams = QueryOf<"list_event_deliveries">;
