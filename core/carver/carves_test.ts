import { CarveStatus, CarveStore, type CarveUploader, runPendingCarves } from "./carves.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { createHash } from "node:crypto";
import { concatBytes } from "../bytes.ts";

/** An uploader that records what a carver server would receive. */
function recordingUploader(options: { failStarts?: number; failBlocks?: number; session?: unknown } = {}) {
  const starts: Record<string, unknown>[] = [];
  const blocks: Record<string, unknown>[] = [];
  let failStarts = options.failStarts ?? 0;
  let failBlocks = options.failBlocks ?? 0;
  const uploader: CarveUploader = {
    start(body) {
      if (failStarts-- > 0) return Promise.reject(new Error("server unavailable"));
      starts.push(body);
      return Promise.resolve({ session_id: "session" in options ? options.session : "s-1" });
    },
    send(body) {
      if (failBlocks-- > 0) return Promise.reject(new Error("server unavailable"));
      blocks.push(body);
      return Promise.resolve();
    },
  };
  const received = () => {
    const parts = blocks.map((b) => Uint8Array.from(atob(String(b.data)), (c) => c.charCodeAt(0)));
    return concatBytes(parts);
  };
  return { uploader, starts, blocks, received };
}

const noSleep = () => Promise.resolve();

Deno.test("carves: a scheduled carve goes through STARTING and PENDING to SUCCESS, uploaded block by block", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "alpha\n");
    await Deno.writeFile(`${dir}/b.bin`, new Uint8Array(30_000).fill(3));
    const store = new CarveStore();
    const statuses: string[] = [];
    store.onChange((c) => c.type === "set" && statuses.push(c.record.status));
    const guid = store.request([`${dir}/b.bin`, `${dir}/a.txt`], "req-1");
    assertEquals(store.get(guid)!.status, CarveStatus.SCHEDULED);
    assertEquals(store.get(guid)!.path, `${dir}/a.txt,${dir}/b.bin`);
    const server = recordingUploader();
    const temp = await Deno.makeTempDir();
    const ran = await runPendingCarves(store, {
      uploader: server.uploader,
      blockSize: 8192,
      compression: false,
      expirySeconds: 86400,
      readMax: 50 << 20,
      nodeKey: "nk",
      tempDir: temp,
      sleep: noSleep,
    });
    assertEquals(ran, 1);
    const record = store.get(guid)!;
    assertEquals(record.status, CarveStatus.SUCCESS);
    assertEquals(statuses.filter((s, i) => s !== statuses[i - 1]), [
      "SCHEDULED",
      "STARTING",
      "PENDING",
      "SUCCESS",
    ]);
    const archive = server.received();
    assertEquals(archive.length, record.size);
    assertEquals(record.sha256, createHash("sha256").update(archive).digest("hex"));
    assertEquals(server.starts, [{
      block_count: Math.ceil(record.size / 8192),
      block_size: 8192,
      carve_size: record.size,
      carve_id: guid,
      request_id: "req-1",
      node_key: "nk",
    }]);
    assertEquals(server.blocks.map((b) => b.block_id), [...Array(Math.ceil(record.size / 8192)).keys()]);
    assert(server.blocks.every((b) => b.session_id === "s-1" && b.request_id === "req-1"));
    // The working directory is gone.
    assertEquals([...Deno.readDirSync(temp)], []);
    await Deno.remove(temp);
    // Extract what the server got: the carved files are there.
    await Deno.writeFile(`${dir}/got.tar`, archive);
    await Deno.mkdir(`${dir}/x`);
    const tar = await new Deno.Command("tar", { args: ["-xf", `${dir}/got.tar`], cwd: `${dir}/x` }).output();
    assert(tar.success);
    assertEquals(await Deno.readTextFile(`${dir}/x${dir}/a.txt`), "alpha\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("carves: failed requests are retried three times, then the carve is DATA POST FAILED", async () => {
  const store = new CarveStore();
  const ok = store.request(["/etc/hostname"], "r1");
  const flaky = recordingUploader({ failStarts: 2, failBlocks: 2 });
  const waits: number[] = [];
  const options = {
    blockSize: 4096,
    compression: false,
    expirySeconds: 86400,
    readMax: 50 << 20,
    sleep: (ms: number) => (waits.push(ms), Promise.resolve()),
  };
  await runPendingCarves(store, { ...options, uploader: flaky.uploader });
  assertEquals(store.get(ok)!.status, CarveStatus.SUCCESS);
  assertEquals(waits, [1000, 4000, 1000, 4000]);
  const failing = store.request(["/etc/hostname"], "r2");
  await runPendingCarves(store, { ...options, uploader: recordingUploader({ failStarts: 3 }).uploader });
  assertEquals(store.get(failing)!.status, CarveStatus.DATA_POST_FAILED);
  const noSession = store.request(["/etc/hostname"], "r3");
  await runPendingCarves(store, { ...options, uploader: recordingUploader({ session: "" }).uploader });
  assertEquals(store.get(noSession)!.status, CarveStatus.DATA_POST_FAILED);
});

Deno.test("carves: compression uploads a zstd archive and its size and hash", async () => {
  const store = new CarveStore();
  const guid = store.request(["/etc/passwd"], "r");
  const server = recordingUploader();
  await runPendingCarves(store, {
    uploader: server.uploader,
    blockSize: 100_000,
    compression: true,
    expirySeconds: 86400,
    readMax: 1, // smaller than any archive: no hash, as osquery ("-1")
    sleep: noSleep,
  });
  const record = store.get(guid)!;
  assertEquals(record.status, CarveStatus.SUCCESS);
  const bytes = server.received();
  assertEquals(bytes.length, record.size);
  assertEquals([...bytes.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]); // zstd magic
  assertEquals(record.sha256, "-1");
});

Deno.test("carves: successful carves expire after --carver_expiry; others stay; malformed stored records are skipped", async () => {
  const store = new CarveStore();
  assertEquals(
    store.load([
      { carve_guid: "old", time: 1000, status: "SUCCESS", sha256: "x", size: 10, request_id: "a", path: "/p" },
      { carve_guid: "failed", time: 1000, status: "DATA POST FAILED", size: "12", path: "/q" },
      { status: "SUCCESS" },
      null,
      "junk",
    ]),
    2,
  );
  const deleted: string[] = [];
  store.onChange((c) => c.type === "delete" && deleted.push(c.guid));
  await runPendingCarves(store, {
    uploader: recordingUploader().uploader,
    blockSize: 8192,
    compression: false,
    expirySeconds: 60,
    readMax: 1 << 20,
    now: () => 2_000_000,
  });
  assertEquals(deleted, ["old"]);
  assertEquals(store.list().map((r) => [r.carve_guid, r.size]), [["failed", 12]]);
});
