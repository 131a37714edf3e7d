// Must not compile: an enum value the API does not have.
import { Client } from "../src";
export const p = (c: Client) => c.resources.create({ name: "x", type: "prod" });
