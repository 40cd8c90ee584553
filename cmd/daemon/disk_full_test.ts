/**
 * A full disk under the database and the logs: the schedule keeps running, the condition is
 * reported, and once there is room again every change is logged exactly once.
 */
import { assert, assertEquals } from "../../testing/assert.ts";
import { TestDaemon } from "../../testing/test_daemon.ts";
import { allLines, replay } from "./crash_check.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

function run(cmd: string, args: string[]): { ok: boolean; text: string } {
  try {
    const out = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
    return { ok: out.success, text: new TextDecoder().decode(out.stderr).trim() };
  } catch (err) {
    return { ok: false, text: (err as Error).message };
  }
}

/** Why a tmpfs cannot be mounted here (not root, no mount(8), a container without CAP_SYS_ADMIN), or "". */
function mountRefusal(): string {
  const probe = Deno.makeTempDirSync({ prefix: "osq-mount-probe-" });
  try {
    const mounted = run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]);
    if (!mounted.ok) return `mounting a tmpfs is not allowed here (${mounted.text || "mount failed"})`;
    run("umount", [probe]);
    return "";
  } finally {
    Deno.removeSync(probe, { recursive: true });
  }
}

const refusal = mountRefusal();
if (refusal) console.warn(`disk_full_test skipped: ${refusal}`);

/**
 * Runs `fn` with a new daemon (not started) whose `disk` folder is a 2 MB tmpfs; afterwards the
 * daemon is killed, the tmpfs unmounted and the daemon's folder removed.
 */
async function withSmallDisk(fn: (d: TestDaemon, disk: string) => Promise<void>): Promise<void> {
  const d = new TestDaemon();
  const disk = `${d.dir}/disk`;
  Deno.mkdirSync(disk);
  const mount = run("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", disk]);
  assert(mount.ok, `mount: ${mount.text}`);
  try {
    await fn(d, disk);
  } finally {
    await d.kill();
    run("umount", ["-l", disk]);
    d.cleanup();
  }
}

/** Writes `path` until the filesystem is full. */
function fill(path: string): void {
  const file = Deno.openSync(path, { write: true, create: true, append: true });
  try {
    const block = new Uint8Array(16 * 1024);
    for (;;) file.writeSync(block);
  } catch {
    // full
  } finally {
    file.close();
  }
}

/** Executions of `name` as osquery_schedule shows them, read through the daemon's extension socket. */
async function executions(socket: string, name: string): Promise<number> {
  const out = await new Deno.Command(`${ROOT}/osq`, {
    args: ["shell", "--connect", socket, "--json", `select executions from osquery_schedule where name = '${name}'`],
    stdout: "piped",
    stderr: "null",
  }).output();
  // The shell says which socket it connected to before the JSON.
  const text = new TextDecoder().decode(out.stdout);
  try {
    const rows = JSON.parse(text.slice(text.indexOf("["))) as { executions: string }[];
    return Number(rows[0]?.executions ?? -1);
  } catch {
    return -1;
  }
}

Deno.test({
  name:
    "daemon: on a full disk the schedule keeps running and says so; with room again it resumes, no change lost or logged twice",
  ignore: refusal !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withSmallDisk(async (d, disk) => {
      const watched = `${d.dir}/watched`;
      const logDir = `${disk}/log`;
      d.writeConfig({
        schedule: {
          files: { query: `select path from file where directory = '${watched}'`, interval: 1 },
          // Every run changes every row: the results and the database fill the 2 MB within seconds.
          noise: {
            query: "select abs(random()) as r, path, size, mtime from file where directory = '/usr/bin' limit 250",
            interval: 1,
          },
        },
      });
      const present = new Set<string>();
      let next = 0;
      let churning = true;
      const churn = (async () => {
        while (churning) {
          const name = `${watched}/f${next++}`;
          Deno.writeTextFileSync(name, "");
          present.add(name);
          if (present.size > 4) {
            const victim = [...present][Math.floor(Math.random() * present.size)];
            Deno.removeSync(victim);
            present.delete(victim);
          }
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      try {
        d.start([`--logger_path=${logDir}`, `--database_path=${disk}/db/osquery.db`]);
        const socket = `${d.dir}/osquery.em`;
        await d.waitFor("the database to fill up", () => d.stderr.includes("Cannot write the database"), 180);
        // Keep it full: whatever the daemon frees (a log write cut short) the filler takes.
        fill(`${disk}/filler`);
        // Still scheduling while full: osquery_schedule counts new executions.
        const before = await executions(socket, "files");
        let now = before;
        const end = Date.now() + 120_000;
        while (now < before + 3 && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 500));
          now = await executions(socket, "files");
        }
        assert(now >= before + 3, `executions went from ${before} to ${now} while the disk was full:\n${d.stderr}`);
        fill(`${disk}/filler`);
        const stillFull = run("dd", ["if=/dev/zero", `of=${disk}/probe`, "bs=64k", "count=1"]);
        console.log(
          `while full: ${now - before} executions of "files" in osquery_schedule; a 64 KiB write ` +
            `${stillFull.ok ? "still fit" : "failed"}`,
        );
        // Room again.
        const grow = run("mount", ["-o", "remount,size=256m", disk]);
        assert(grow.ok, `remount: ${grow.text}`);
        churning = false;
        await churn;
        const want = [...present].sort().join("\n");
        await d.waitFor(
          "the results log to reach the directory's final state",
          () => replay(allLines(logDir), "files").state.sort().join("\n") === want,
          120,
        );
        await d.stop();
        const { problems } = replay(allLines(logDir), "files");
        assertEquals(problems, [], "changes logged twice or out of nowhere");
        // The status log tells the whole story once there is room: lines it refused while full
        // were kept and written, and each outage has its end.
        const info = Deno.readTextFileSync(`${logDir}/osqueryd.INFO`);
        assert(info.includes("Cannot write the database"), info);
        const ends = [...info.matchAll(/Writing (to the database|the logs in) \S+ resumed after [^\n]*/g)].map((m) =>
          m[0]
        );
        assert(ends.some((l) => l.startsWith("Writing to the database")), info);
        if (d.stderr.includes("Cannot write the logs")) {
          assert(ends.some((l) => l.startsWith("Writing the logs")), info);
        }
        console.log(
          `${ends.join("\n")}\n(${replay(allLines(logDir), "files").state.length} files at the end, 0 problems)`,
        );
      } finally {
        churning = false;
        await churn;
      }
    });
  },
});

Deno.test({
  name: "daemon: started on a full disk it waits for room instead of exiting, then runs the schedule",
  ignore: refusal !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withSmallDisk(async (d, disk) => {
      fill(`${disk}/filler`);
      d.writeConfig({ schedule: { one: { query: "select 1 as one", interval: 1 } } });
      d.start([`--logger_path=${d.logDir}`, `--database_path=${disk}/db/osquery.db`]);
      await d.waitFor("the daemon to wait for room", () => d.stderr.includes("waiting for room"), 120);
      Deno.removeSync(`${disk}/filler`);
      await d.waitFor("the schedule's first results", () => d.lines().some((l) => l.name === "one"), 120);
      assertEquals(await d.stop(), 0);
    });
  },
});
