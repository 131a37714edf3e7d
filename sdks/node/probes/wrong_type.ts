// Must not compile: a parameter of the wrong type.
import { Client } from "../src";
export const p = (c: Client) => c.resources.create({ name: "x", type: "production", configuration: { timeout_ms: "10" } });
