/**
 * Lists as stripe-node has them: `await client.resources.list(params)` is one page, and the same
 * call is an async iterable over every object of every page:
 *
 *     for await (const r of client.resources.list({ limit: 100, status: "active" })) { ... }
 *
 * Forward (newest to oldest) it follows `starting_after` = the last id of each page; given
 * `ending_before` it walks backward (oldest to newest within and across pages) with
 * `ending_before` = the first id of each page. Every other parameter (filters, limit, expand) is
 * carried to each page, and so are the request options.
 */
import type { WithResponse } from "./http";

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

type Cursors = { starting_after?: string | null; ending_before?: string | null };

export interface ListPromise<T, L extends Page<T>> extends Promise<WithResponse<L>>, AsyncIterable<T> {
  /** Every object, across pages, up to `limit` of them (required: a list can be long). */
  autoPagingToArray(options: { limit: number }): Promise<T[]>;
}

export function makeListPromise<T extends { id: string }, L extends Page<T>, P extends Cursors>(
  fetchPage: (params: P) => Promise<WithResponse<L>>,
  params: P,
): ListPromise<T, L> {
  const first = fetchPage(params);
  const backward = params.ending_before != null && params.starting_after == null;

  async function* iterate(): AsyncGenerator<T> {
    let page: L = await first;
    for (;;) {
      const items = backward ? [...page.data].reverse() : page.data;
      for (const item of items) yield item;
      if (!page.has_more || page.data.length === 0) return;
      const cursor = backward ? page.data[0]!.id : page.data[page.data.length - 1]!.id;
      page = await fetchPage({ ...params, [backward ? "ending_before" : "starting_after"]: cursor });
    }
  }

  async function autoPagingToArray(options: { limit: number }): Promise<T[]> {
    if (!Number.isInteger(options.limit) || options.limit < 0) {
      throw new TypeError("autoPagingToArray needs a non-negative integer limit");
    }
    const out: T[] = [];
    if (options.limit === 0) return out;
    for await (const item of iterate()) {
      out.push(item);
      if (out.length >= options.limit) break;
    }
    return out;
  }

  return Object.assign(first, {
    [Symbol.asyncIterator]: () => iterate(),
    autoPagingToArray,
  });
}
