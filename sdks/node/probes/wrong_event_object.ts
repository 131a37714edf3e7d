// Must not compile: a webhook endpoint event's data.object is not a resource.
import type { Event } from "../src";
export const p = (e: Event) => (e.type === "webhook_endpoint.disabled" ? e.data.object.configuration : null);
