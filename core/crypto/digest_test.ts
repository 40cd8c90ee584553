import { assert, assertEquals } from "../../testing/assert.ts";
import { createHash } from "node:crypto";
import { Digests } from "./digest.ts";

const ALL = ["md5", "sha1", "sha256"] as const;

function expected(chunks: Uint8Array[]) {
  const out: Record<string, string> = {};
  for (const a of ALL) {
    const h = createHash(a);
    for (const c of chunks) h.update(c);
    out[a] = h.digest("hex");
  }
  return out;
}

Deno.test("Digests: libcrypto's digests of chunked and empty streams equal node:crypto's, instance reused", () => {
  const digests = new Digests(ALL);
  assert(digests.native, "libcrypto (libssl3) is expected on this host; the native path is what this test checks");
  const data = new Uint8Array(70_001).map((_, i) => (i * 131) & 0xff);
  const cases = [[], [new Uint8Array()], [data], [data.subarray(0, 5), data.subarray(5, 64), data.subarray(64)]];
  for (const chunks of cases) {
    digests.begin();
    for (const c of chunks) digests.update(c);
    assertEquals(digests.end(), expected(chunks));
  }
});

Deno.test("Digests: a stream left unfinished is forgotten by the next begin", () => {
  const digests = new Digests(["sha256"]);
  digests.begin();
  digests.update(new Uint8Array([1, 2, 3]));
  digests.begin();
  digests.update(new TextEncoder().encode("abc"));
  assertEquals(digests.end(), { sha256: createHash("sha256").update("abc").digest("hex") });
});

Deno.test("Digests: the node:crypto fallback gives the same digests for a subset of algorithms", () => {
  const digests = new Digests(["sha1", "md5"], { libcrypto: false });
  assertEquals(digests.native, false);
  digests.begin();
  digests.update(new TextEncoder().encode("osq"));
  assertEquals(digests.end(), {
    sha1: createHash("sha1").update("osq").digest("hex"),
    md5: createHash("md5").update("osq").digest("hex"),
  });
});
