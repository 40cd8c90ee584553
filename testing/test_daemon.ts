/**
 * Black-box helpers for daemon tests: start `./osq daemon` on a temporary tree, read its logs,
 * send it signals.
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** A daemon started for a test, with its own config, log dir, database and watched dir. */
export class TestDaemon {
  readonly dir: string;
  child: Deno.ChildProcess | undefined;
  #stderr = "";
  #pump: Promise<void> | undefined;

  constructor(dir = Deno.makeTempDirSync({ prefix: "osqd-test-" })) {
    this.dir = dir;
    Deno.mkdirSync(`${dir}/watched`, { recursive: true });
  }

  get configPath(): string {
    return `${this.dir}/osquery.conf`;
  }
  get logDir(): string {
    return `${this.dir}/log`;
  }

  /** Writes the config file. */
  writeConfig(config: unknown): void {
    Deno.writeTextFileSync(this.configPath, JSON.stringify(config, null, 2));
  }

  /** Starts the daemon with the standard paths plus `extra` flags. */
  start(extra: string[] = [], env: Record<string, string> = {}): void {
    this.child = new Deno.Command(`${ROOT}/osq`, {
      args: [
        "daemon",
        `--config_path=${this.configPath}`,
        `--logger_path=${this.logDir}`,
        `--database_path=${this.dir}/db/osquery.db`,
        `--pidfile=${this.dir}/osqueryd.pid`,
        `--extensions_socket=${this.dir}/osquery.em`,
        ...extra,
      ],
      env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = this.child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    this.#pump = (async () => {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        this.#stderr += value;
      }
    })();
  }

  /** Everything the daemon wrote to stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Parsed lines of a log file in the log dir ("results" or "snapshots"). */
  lines(kind: "results" | "snapshots" = "results"): Record<string, unknown>[] {
    try {
      return Deno.readTextFileSync(`${this.logDir}/osqueryd.${kind}.log`).split("\n").filter(Boolean).map((l) =>
        JSON.parse(l)
      );
    } catch {
      return [];
    }
  }

  /** Raw text of a log file. */
  text(name: string): string {
    try {
      return Deno.readTextFileSync(`${this.logDir}/${name}`);
    } catch {
      return "";
    }
  }

  /** Waits until `check` holds (polling every 100 ms) or fails after `seconds` (generous: CI runs loaded). */
  async waitFor(what: string, check: () => boolean, seconds = 60): Promise<void> {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      if (check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Timed out waiting for ${what}. stderr:\n${this.#stderr}`);
  }

  /** Sends a signal to the daemon. */
  signal(sig: Deno.Signal): void {
    this.child?.kill(sig);
  }

  /** Stops the daemon with SIGTERM and returns its exit status. */
  async stop(): Promise<number> {
    if (!this.child) return -1;
    try {
      this.child.kill("SIGTERM");
    } catch {
      // already exited
    }
    const status = await this.child.status;
    await this.#pump;
    this.child = undefined;
    return status.code;
  }

  /** Kills the daemon hard (no cleanup) and waits for it. */
  async kill(): Promise<void> {
    if (!this.child) return;
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await this.child.status;
    await this.#pump;
    this.child = undefined;
  }

  /** Removes the temporary tree. */
  cleanup(): void {
    Deno.removeSync(this.dir, { recursive: true });
  }
}

/**
 * A black-box daemon test: a fresh {@linkcode TestDaemon} for `fn`, killed and removed afterwards
 * (the daemon's child process outlives the test's own ops, so the sanitizers are off). With
 * `ignore` true the test is skipped (the caller prints why).
 */
export function daemonTest(
  name: string,
  fn: (d: TestDaemon) => Promise<void>,
  options: { ignore?: boolean } = {},
): void {
  Deno.test({
    name,
    ignore: options.ignore ?? false,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const d = new TestDaemon();
      try {
        await fn(d);
      } finally {
        await d.kill();
        d.cleanup();
      }
    },
  });
}
