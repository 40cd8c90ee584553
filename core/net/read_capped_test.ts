import { assertEquals, assertRejects } from "../../testing/assert.ts";
import { readCapped, ResponseTooLargeError } from "./read_capped.ts";

Deno.test("readCapped: a body within the cap is read whole", async () => {
  assertEquals(await readCapped(new Response("hello, world"), 12), "hello, world");
});

Deno.test("readCapped: a declared length over the cap fails before the body is read", async () => {
  const response = new Response("x".repeat(10), { headers: { "content-length": "4096" } });
  const err = await readCapped(response, 1024).catch((e) => e);
  assertEquals(err instanceof ResponseTooLargeError && err.detail, "it declared 4096 bytes");
});

Deno.test("readCapped: an endless stream stops just past the cap", async () => {
  let sent = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      sent += 1000;
      controller.enqueue(new Uint8Array(1000));
    },
  });
  await assertRejects(() => readCapped(new Response(endless), 10_000), ResponseTooLargeError);
  assertEquals(sent <= 12_000, true);
});
