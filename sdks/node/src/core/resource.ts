/** The base of every resource namespace: its client and the id-in-path helper. */
import type { HttpClient } from "./http";

export abstract class Namespace {
  constructor(protected readonly http: HttpClient) {}

  /** `/v1/resources/{id}` with the id escaped (an id is never trusted to be URL-safe). */
  protected path(base: string, id: string, suffix = ""): string {
    if (typeof id !== "string" || id === "") throw new TypeError(`an id is required for ${base}/{id}${suffix}`);
    return `${base}/${encodeURIComponent(id)}${suffix}`;
  }
}
