// Must not compile: a misspelt parameter.
import { Client } from "../src";
export const p = (c: Client) => c.resources.create({ nmae: "x", type: "production" });
