// Compiles: the correct spelling of everything the other probes get wrong.
import { Client, type Event, type EventType } from "../src";

type Covers<T extends true> = T;
// every event type of the document has its data.object type (src/types.ts EventObjects)
export type EveryEventTypeIsMapped = Covers<[Exclude<Event["type"], EventType>] extends [never] ? true : false>;

export async function probe(client: Client, event: Event): Promise<void> {
  const r = await client.resources.create({ name: "x", type: "production", configuration: { timeout_ms: 10 } });
  console.log(r.status === "active", r.configuration.timeout_ms);
  if (event.type === "resource.created") console.log(event.data.object.configuration.retry_count);
  if (event.type === "webhook_endpoint.disabled") console.log(event.data.object.url);
}
