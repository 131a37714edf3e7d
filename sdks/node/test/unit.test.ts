/** The transport's pure parts: query encoding, backoff bounds, Retry-After parsing, base URLs. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Client, HttpClient, parseRetryAfter } from "../src";
import { encodeQuery } from "../src/core/http";

describe("encodeQuery", () => {
  test("brackets for arrays and objects, as the API reads them; undefined is left out", () => {
    assert.equal(
      decodeURIComponent(encodeQuery({ limit: 100, expand: ["data.metrics"], created: { gte: 1, lt: 2 }, status: undefined })),
      "?limit=100&expand[]=data.metrics&created[gte]=1&created[lt]=2",
    );
    assert.equal(encodeQuery({}), "");
    assert.equal(encodeQuery({ starting_after: "a&b=c" }), "?starting_after=a%26b%3Dc");
  });
});

describe("backoff", () => {
  const http = new HttpClient({ apiKey: "sk_test_x", initialRetryDelay: 500, maxRetryDelay: 8000 });

  test("doubles per retry with jitter in the upper half, capped", () => {
    for (let i = 0; i < 200; i++) {
      for (const [retry, base] of [[0, 500], [1, 1000], [2, 2000], [3, 4000], [4, 8000], [9, 8000]] as const) {
        const d = http.retryDelay(retry, undefined);
        assert.ok(d >= base / 2 && d <= base, `retry ${retry}: ${d} outside [${base / 2}, ${base}]`);
      }
    }
    const spread = new Set(Array.from({ length: 50 }, () => Math.round(http.retryDelay(3, undefined))));
    assert.ok(spread.size > 10, "jittered, not fixed");
  });

  test("never sooner than Retry-After", () => {
    assert.ok(http.retryDelay(0, 3) >= 3000);
    assert.ok(http.retryDelay(0, 0) >= 250);
  });
});

describe("parseRetryAfter", () => {
  test("seconds or an HTTP date", () => {
    assert.equal(parseRetryAfter("42"), 42);
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter("soon"), undefined);
    const now = Date.parse("2024-01-15T12:00:00Z");
    assert.equal(parseRetryAfter("Mon, 15 Jan 2024 12:00:30 GMT", now), 30);
  });
});

describe("Client", () => {
  test("takes the spec's base URLs with or without /v1", () => {
    assert.equal(new Client({ apiKey: "sk_test_x", baseUrl: "https://eu.api.example.com/v1/" }).http.baseUrl, "https://eu.api.example.com");
    assert.equal(new Client({ apiKey: "sk_test_x", baseUrl: "http://127.0.0.1:8000" }).http.baseUrl, "http://127.0.0.1:8000");
  });

  test("refuses to start without a key", () => {
    assert.throws(() => new Client({ apiKey: "" }), TypeError);
  });
});
