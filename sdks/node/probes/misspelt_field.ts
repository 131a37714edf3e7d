// Must not compile: a misspelt field read on a result.
import { Client } from "../src";
export const p = async (c: Client) => (await c.resources.retrieve("res_x")).stauts;
