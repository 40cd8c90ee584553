import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../testing/assert.ts";
import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { readAutoloadList, startAutoload, unsafeReason, waitForRequiredExtensions } from "./autoload.ts";
import { startExtensionManager } from "./manager.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

function script(path: string, body: string, mode = 0o755): string {
  Deno.writeTextFileSync(path, `#!/bin/sh\n${body}\n`);
  Deno.chmodSync(path, mode);
  return path;
}

async function until(check: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("autoload: osquery's safety checks on extension files", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const good = script(`${dir}/good.ext`, "exit 0");
    assertEquals(unsafeReason(good), undefined);
    assertStringIncludes(unsafeReason(script(`${dir}/bad.sh`, "exit 0"))!, "not ending in one of '.ext'");
    assertStringIncludes(unsafeReason(script(`${dir}/open.ext`, "exit 0", 0o757))!, "writable by everyone");
    assertStringIncludes(unsafeReason(script(`${dir}/noexec.ext`, "exit 0", 0o644))!, "not executable");
    assertStringIncludes(unsafeReason(`${dir}/missing.ext`)!, "does not exist");
    Deno.mkdirSync(`${dir}/dir.ext`);
    assertStringIncludes(unsafeReason(`${dir}/dir.ext`)!, "is a directory");
    Deno.mkdirSync(`${dir}/sticky`);
    Deno.chmodSync(`${dir}/sticky`, 0o1777);
    assertStringIncludes(unsafeReason(script(`${dir}/sticky/s.ext`, "exit 0"))!, "sticky bit");
    // --allow_unsafe skips everything but existence.
    assertEquals(unsafeReason(`${dir}/open.ext`, true), undefined);
    assertEquals(unsafeReason(`${dir}/bad.sh`, true), undefined);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("autoload: the list skips comments and blanks, expands directories, reports unsafe paths", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/many`);
    const a = script(`${dir}/a.ext`, "exit 0");
    const b = script(`${dir}/many/b.ext`, "exit 0");
    const c = script(`${dir}/many/c.ext`, "exit 0");
    script(`${dir}/many/notes.txt`, "exit 0");
    Deno.writeTextFileSync(
      `${dir}/extensions.load`,
      `# comment\n; another\n\n  ${a}  \n${dir}/many/\n${dir}/missing.ext\n${a}\n`,
    );
    const reasons: string[] = [];
    assertEquals(readAutoloadList(`${dir}/extensions.load`, { log: (m) => reasons.push(m) }), [a, b, c]);
    assertEquals(reasons.length, 2);
    assert(reasons.some((r) => r.includes("notes.txt")) && reasons.some((r) => r.includes("missing.ext")));
    assertEquals(readAutoloadList(`${dir}/absent.load`), []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("autoload: children get osquery's arguments, are restarted when they die and stopped with the core", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const ext = script(`${dir}/record.ext`, `echo "$OSQUERY_EXTENSION $*" >> ${dir}/runs.log\nexec sleep 30`);
    Deno.writeTextFileSync(`${dir}/extensions.load`, `${ext}\n`);
    const supervisor = startAutoload({
      autoloadPath: `${dir}/extensions.load`,
      extension: "",
      socket: `${dir}/osq.em`,
      timeout: "4",
      interval: "1",
      verbose: true,
      checkMs: 100,
      log: () => {},
    })!;
    const runs = () => {
      try {
        return Deno.readTextFileSync(`${dir}/runs.log`).trim().split("\n");
      } catch {
        return [];
      }
    };
    await until(() => runs().length === 1);
    assertEquals(runs()[0], `${Deno.pid} --verbose --socket ${dir}/osq.em --timeout 4 --interval 1`);
    const [first] = supervisor.children();
    Deno.kill(first.pid!, "SIGKILL");
    await until(() => runs().length === 2);
    assertEquals(supervisor.children()[0].restarts, 1);
    const pid = supervisor.children()[0].pid!;
    await supervisor.stop();
    assertEquals(supervisor.children()[0].running, false);
    let alive = true;
    try {
      Deno.kill(pid, "SIGCONT");
    } catch {
      alive = false;
    }
    assertEquals(alive, false);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("autoload: an autoloaded osq extension registers, serves its table and satisfies extensions_require", async () => {
  const dir = Deno.makeTempDirSync();
  const engine = new Engine({ registry: new Registry() });
  const manager = startExtensionManager(engine, { socket: `${dir}/osq.em`, intervalMs: 60_000, log: () => {} });
  const ext = script(
    `${dir}/example.ext`,
    `exec "${Deno.execPath()}" run -A "${ROOT}main.ts" extension "$@" "${ROOT}testdata/extensions/example.ts"`,
  );
  const supervisor = startAutoload({
    autoloadPath: `${dir}/none.load`,
    extension: ext,
    socket: manager.path,
    timeout: "3",
    interval: "3",
    verbose: false,
    log: () => {},
  })!;
  try {
    await waitForRequiredExtensions(manager, ["example"]).catch(async () => {
      // Deno's first start of the extension may compile it; allow a longer wait once.
      await manager.waitForExtensions(["example"], 30_000);
    });
    assertEquals(engine.query("select square from example_numbers where n = 12"), [{ square: 144 }]);
    await assertRejects(
      () => manager.waitForExtensions(["absent"], 300),
      Error,
      "Required extension not available: absent",
    );
  } finally {
    await manager.stop();
    await supervisor.stop();
    engine.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
