import { assert, assertEquals } from "../../testing/assert.ts";
import { TestDaemon } from "../../testing/test_daemon.ts";

const FE = "SELECT target_path, action, eid FROM file_events";
const SY = "SELECT message, eid FROM syslog_events";

/** Writes `line` into the daemon's syslog FIFO; gives up (the open waits for a reader) after 5 s. */
async function writeSyslog(pipe: string, line: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = Deno.writeTextFile(pipe, line + "\n", { append: true }).catch(() => {});
  await Promise.race([write, new Promise((r) => (timer = setTimeout(r, 5000)))]);
  clearTimeout(timer);
}

Deno.test({
  name:
    "daemon: scheduled event queries run on a query thread and log each stored event once per query, across runs and a kill -9",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const d = new TestDaemon();
    const w = `${d.dir}/watched`;
    const pipe = `${d.dir}/syslog_pipe`;
    d.writeConfig({
      schedule: {
        fe: { query: FE, interval: 1 },
        // A second query over the same table: each has its own cursor.
        fe2: { query: FE, interval: 1 },
        sy: { query: SY, interval: 1 },
      },
      file_paths: { watched: [`${w}/%%`] },
    });
    const flags = [
      "--disable_watchdog",
      "--verbose",
      "--enable_file_events",
      "--disable_events=false",
      "--enable_syslog",
      `--syslog_pipe_path=${pipe}`,
      "--logger_rotate=false",
    ];
    type Added = { target_path?: string; action?: string; message?: string; eid: string };
    const added = (name: string) =>
      d.lines().filter((l) => l.name === name && l.action === "added").map((l) => l.columns as Added);
    const paths = (name: string) => new Set(added(name).map((r) => r.target_path));
    const messages = () => new Set(added("sy").map((r) => r.message));
    /** Creates files `prefix0, prefix1, ...` until both file queries logged one; returns how many. */
    const createUntilLogged = async (prefix: string) => {
      let n = 0;
      await d.waitFor(`file events ${prefix}* in both queries`, () => {
        Deno.writeTextFileSync(`${w}/${prefix}${n++}`, "x");
        return [...paths("fe")].some((p) => p?.startsWith(`${w}/${prefix}`)) &&
          [...paths("fe2")].some((p) => p?.startsWith(`${w}/${prefix}`));
      }, 120);
      return n;
    };
    const syslogUntilLogged = async (tag: string) => {
      let n = 0;
      await d.waitFor(`syslog events ${tag} in sy`, () => {
        void writeSyslog(pipe, `2026-12-07T08:00:00+00:00,host,6,user,"app[1]:","${tag} ${n++}"`);
        return [...messages()].some((m) => m?.startsWith(`${tag} `));
      }, 120);
    };
    try {
      d.start(flags);
      await createUntilLogged("a");
      await syslogUntilLogged("first");
      const pid = d.child!.pid;
      // More runs of the same queries: the events of the first stay logged once.
      await createUntilLogged("b");
      await syslogUntilLogged("second");

      // The runs happened on query threads: the pool names the thread that read the stored events.
      const threadLines = d.stderr.split("\n").filter((l) => l.includes("reads the stored events after"));
      for (const sql of [FE, SY]) {
        const line = threadLines.find((l) => l.endsWith(`for: ${sql}`));
        assert(line, `no query thread read the events of ${sql}:\n${d.stderr}`);
        const tid = Number(line.match(/Query thread (\d+)/)?.[1]);
        assert(tid > 0 && tid !== pid, `${sql} ran on thread ${tid}, the daemon's main thread is ${pid}`);
      }
      assert(!d.stderr.includes("stored events are still loading"), "a thread run was sent while the events loaded");

      // Files created just before a kill -9: those that reached the store are logged after the restart.
      for (let i = 0; i < 20; i++) Deno.writeTextFileSync(`${w}/k${i}`, "x");
      Deno.kill(d.child!.pid, "SIGKILL");
      await d.kill();
      d.start(flags);
      await createUntilLogged("c");
      await syslogUntilLogged("third");
      await d.stop();

      for (const name of ["fe", "fe2", "sy"]) {
        const keys = added(name).map((r) => `${r.eid} ${r.action ?? ""} ${r.target_path ?? r.message}`);
        assertEquals(keys.length, new Set(keys).size, `${name} logged an event twice:\n${keys.join("\n")}`);
      }
      // Both file queries logged the same events (each stored event once per query), a and b
      // before the kill, c after it.
      const fe = added("fe").map((r) => r.eid).sort();
      assertEquals(added("fe2").map((r) => r.eid).sort(), fe);
      for (const prefix of ["a", "b", "c"]) assert([...paths("fe")].some((p) => p?.startsWith(`${w}/${prefix}`)));
      for (const tag of ["first", "second", "third"]) assert([...messages()].some((m) => m?.startsWith(`${tag} `)));
    } finally {
      await d.kill();
      d.cleanup();
    }
  },
});
