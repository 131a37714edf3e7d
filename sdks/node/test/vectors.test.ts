/**
 * The shared webhook vectors (sdks/testdata/webhook-vectors.json): the same cases in every SDK,
 * made by the API's own signer. A missing or stale timestamp, a tampered body and a rotated
 * secret; the legacy hex-only scheme is refused unless `allowHexOnly` is set.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";

import { SignatureVerificationError, Webhook } from "../src";

interface Vector {
  name: string;
  payload: string;
  headers: Record<string, string>;
  secrets: string[];
  now: number;
  tolerance: number;
  allow_hex_only: boolean;
  expect: "accept" | "reject";
}

// Compiled to dist/test/: the vectors are three folders up, in sdks/testdata.
const file = resolve(__dirname, "..", "..", "..", "testdata", "webhook-vectors.json");
const vectors = (JSON.parse(readFileSync(file, "utf8")) as { vectors: Vector[] }).vectors;

for (const v of vectors) {
  test(`vector ${v.name}`, () => {
    const verify = () =>
      Webhook.constructEvent(v.payload, v.headers, v.secrets, {
        now: v.now,
        tolerance: v.tolerance,
        allowHexOnly: v.allow_hex_only,
      });
    if (v.expect === "accept") {
      assert.equal(verify().id, JSON.parse(v.payload).id);
    } else {
      assert.throws(verify, SignatureVerificationError);
    }
  });
}
