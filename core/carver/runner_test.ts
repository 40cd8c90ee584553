import { CarveStatus, CarveStore, type CarveUploader } from "./carves.ts";
import { CARVES_KV_PREFIX, startCarverService } from "./runner.ts";
import { flags } from "../flags/flags.ts";
import { assertEquals } from "../../testing/assert.ts";

const uploader = (blocks: unknown[]): CarveUploader => ({
  start: () => Promise.resolve({ session_id: "s" }),
  send: (body) => (blocks.push(body), Promise.resolve()),
});

Deno.test("carver service: carves survive a restart; one interrupted mid-way runs again", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const first = new CarveStore();
    const service = await startCarverService({ store: first, kv, uploader: uploader([]), intervalMs: 60_000 });
    const done = first.request(["/etc/hostname"], "r1");
    const interrupted = first.request(["/etc/hostname"], "r2");
    first.update(done, { status: CarveStatus.SUCCESS });
    first.update(interrupted, { status: CarveStatus.PENDING });
    await service.stop();
    const stored = [];
    for await (const e of kv.list({ prefix: CARVES_KV_PREFIX })) stored.push(e.value);
    assertEquals(stored.length, 2);

    // The next daemon: the same carves, the interrupted one scheduled again and then run.
    const second = new CarveStore();
    const blocks: unknown[] = [];
    const restarted = await startCarverService({ store: second, kv, uploader: uploader(blocks), intervalMs: 60_000 });
    assertEquals(second.get(done)!.status, CarveStatus.SUCCESS);
    assertEquals(second.get(interrupted)!.status, CarveStatus.SCHEDULED);
    assertEquals(await restarted.runNow(), 1);
    assertEquals(second.get(interrupted)!.status, CarveStatus.SUCCESS);
    assertEquals(blocks.length > 0, true);
    await restarted.stop();
    const after = await kv.get<{ status: string }>([...CARVES_KV_PREFIX, interrupted]);
    assertEquals(after.value?.status, CarveStatus.SUCCESS);
  } finally {
    kv.close();
  }
});

Deno.test("carver service: scheduled carves run on the interval only while the carver is enabled", async () => {
  const kv = await Deno.openKv(":memory:");
  const previous = flags.bool("disable_carver");
  try {
    const store = new CarveStore();
    const blocks: unknown[] = [];
    const service = await startCarverService({ store, kv, uploader: uploader(blocks), intervalMs: 20 });
    flags.set("disable_carver", true);
    const guid = store.request(["/etc/hostname"], "r");
    await new Promise((r) => setTimeout(r, 150));
    assertEquals(store.get(guid)!.status, CarveStatus.SCHEDULED);
    flags.set("disable_carver", false);
    const end = Date.now() + 60_000; // generous: the suite runs on loaded machines
    while (store.get(guid)!.status !== CarveStatus.SUCCESS && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assertEquals(store.get(guid)!.status, CarveStatus.SUCCESS);
    await service.stop();
  } finally {
    flags.set("disable_carver", previous);
    kv.close();
  }
});
