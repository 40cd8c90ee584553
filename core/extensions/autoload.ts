/**
 * Autoloading: the core starts the extension executables listed in `--extensions_autoload` (and
 * the one named by the shell's `--extension`), supervises them, restarts those that die, and
 * stops them with the core.
 *
 * The list file has one path per line (trimmed; blank lines and lines starting with `#` or `;`
 * skipped); a directory loads every safe file directly inside it. As osquery, a file is only
 * started when it is safe: a regular file named `*.ext`, owned by root or by us, executable by
 * its owner, not writable by everyone, in a directory without the sticky bit (`--allow_unsafe`
 * skips these checks; `--extension` is not checked).
 *
 * Children get osquery's arguments: `[--verbose] --socket S --timeout T --interval I`, and the
 * environment variable OSQUERY_EXTENSION=<core pid>.
 *
 * @module
 */
import { flags } from "../flags/flags.ts";
import { secondsToMs } from "./flags.ts";
import type { ExtensionManager } from "./manager.ts";
import { directoryOf } from "../host/paths.ts";

/** Why a path may not be autoloaded, or undefined when it may. */
export function unsafeReason(path: string, allowUnsafe = false): string | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    return `Cannot autoload extension ${path}: it does not exist`;
  }
  if (info.isDirectory) return `Cannot autoload extension ${path}: it is a directory`;
  if (allowUnsafe) return undefined;
  if (!path.endsWith(".ext")) return `Will not autoload extension not ending in one of '.ext': ${path}`;
  const parent = directoryOf(path);
  try {
    if ((Deno.statSync(parent).mode ?? 0) & 0o1000) {
      return `Will not autoload extension ${path}: its directory ${parent} has the sticky bit (like /tmp)`;
    }
  } catch {
    return `Cannot autoload extension ${path}: cannot read its directory`;
  }
  const uid = Deno.uid();
  if (info.uid !== 0 && info.uid !== uid) {
    return `Will not autoload extension ${path}: owned by uid ${info.uid}, not root or the current user`;
  }
  const mode = info.mode ?? 0;
  if ((mode & 0o100) === 0) return `Will not autoload extension ${path}: not executable by its owner`;
  if (mode & 0o002) return `Will not autoload extension ${path}: writable by everyone`;
  return undefined;
}

/** Options for reading an autoload list. */
export interface AutoloadListOptions {
  allowUnsafe?: boolean;
  /** Receives the reason for every skipped path. */
  log?: (message: string) => void;
}

/** The extension paths an autoload list names that pass the safety checks. */
export function readAutoloadList(listPath: string, options: AutoloadListOptions = {}): string[] {
  const log = options.log ?? (() => {});
  let text: string;
  try {
    text = Deno.readTextFileSync(listPath);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    let isDirectory = false;
    try {
      isDirectory = Deno.statSync(line).isDirectory;
    } catch {
      // Reported by the safety check below.
    }
    const candidates = isDirectory
      ? [...Deno.readDirSync(line)].filter((e) => !e.isDirectory).map((e) => `${line.replace(/\/+$/, "")}/${e.name}`)
        .sort()
      : [line];
    for (const path of candidates) {
      const reason = unsafeReason(path, options.allowUnsafe);
      if (reason) log(reason);
      else if (!out.includes(path)) out.push(path);
    }
  }
  return out;
}

/** Options for {@linkcode startAutoload}; unset ones come from the flags. */
export interface AutoloadOptions {
  /** The autoload list (default --extensions_autoload). */
  autoloadPath?: string;
  /** One more extension, started without safety checks (default --extension). */
  extension?: string;
  /** Manager socket passed to the children (default --extensions_socket). */
  socket?: string;
  /** Seconds strings passed as --timeout / --interval (defaults: the flags). */
  timeout?: string;
  interval?: string;
  /** Pass --verbose to the children. */
  verbose?: boolean;
  allowUnsafe?: boolean;
  /** How often dead children are restarted, ms (default: the interval). */
  checkMs?: number;
  log?: (message: string) => void;
}

/** One supervised child. */
export interface SupervisedExtension {
  path: string;
  pid: number | undefined;
  /** How many times it was restarted. */
  restarts: number;
  running: boolean;
}

interface Child extends SupervisedExtension {
  process: Deno.ChildProcess | undefined;
  startedAt: number;
}

/** The running supervisor of autoloaded extensions. */
export class ExtensionSupervisor {
  readonly #children: Child[];
  readonly #args: string[];
  readonly #log: (message: string) => void;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #intervalMs: number;
  #stopping = false;

  /** @internal Use {@linkcode startAutoload}. */
  constructor(paths: string[], args: string[], checkMs: number, log: (message: string) => void) {
    this.#args = args;
    this.#log = log;
    this.#intervalMs = checkMs;
    this.#children = paths.map((path) => ({
      path,
      pid: undefined,
      restarts: 0,
      running: false,
      process: undefined,
      startedAt: 0,
    }));
    for (const child of this.#children) this.#spawn(child);
    this.#timer = setInterval(() => this.#check(), checkMs);
    Deno.unrefTimer(this.#timer);
  }

  /** The supervised extensions. */
  children(): SupervisedExtension[] {
    return this.#children.map(({ path, pid, restarts, running }) => ({ path, pid, restarts, running }));
  }

  #spawn(child: Child): void {
    try {
      const process = new Deno.Command(child.path, {
        args: this.#args,
        env: { OSQUERY_EXTENSION: String(Deno.pid) },
        stdin: "null",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
      child.process = process;
      child.pid = process.pid;
      child.running = true;
      child.startedAt = Date.now();
      process.status.then((status) => {
        child.running = false;
        if (!this.#stopping) this.#log(`Extension ${child.path} exited (status ${status.code})`);
      });
    } catch (err) {
      child.running = false;
      this.#log(`Cannot start extension ${child.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #check(): void {
    if (this.#stopping) return;
    for (const child of this.#children) {
      if (child.running) continue;
      if (Date.now() - child.startedAt < this.#intervalMs) {
        this.#log(`Extension respawning too quickly: ${child.path}`);
      }
      child.restarts++;
      this.#spawn(child);
    }
  }

  /** Stops every child: SIGTERM, then SIGKILL for those still running after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#timer);
    await Promise.all(this.#children.map(async (child) => {
      const process = child.process;
      if (!process || !child.running) return;
      try {
        process.kill("SIGTERM");
      } catch {
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const exited = await Promise.race([
        process.status.then(() => true),
        new Promise<boolean>((r) => timer = setTimeout(() => r(false), graceMs)),
      ]);
      clearTimeout(timer);
      if (!exited) {
        try {
          process.kill("SIGKILL");
        } catch {
          // exited meanwhile
        }
        await process.status;
      }
    }));
  }
}

/**
 * Starts the autoloaded extensions (the list file plus --extension) and supervises them.
 * Returns undefined when there is nothing to start.
 */
export function startAutoload(options: AutoloadOptions = {}): ExtensionSupervisor | undefined {
  const log = options.log ?? ((m: string) => console.error(m));
  const allowUnsafe = options.allowUnsafe ?? flags.bool("allow_unsafe");
  const paths = readAutoloadList(options.autoloadPath ?? flags.string("extensions_autoload"), { allowUnsafe, log });
  const single = options.extension ?? flags.string("extension");
  if (single) {
    const reason = unsafeReason(single, true);
    if (reason) log(reason);
    else if (!paths.includes(single)) paths.push(single);
  }
  if (paths.length === 0) return undefined;
  const interval = options.interval ?? flags.string("extensions_interval");
  const verbose = options.verbose ?? (flags.has("verbose") && flags.bool("verbose"));
  const args = [
    ...(verbose ? ["--verbose"] : []),
    "--socket",
    options.socket ?? flags.string("extensions_socket"),
    "--timeout",
    options.timeout ?? flags.string("extensions_timeout"),
    "--interval",
    interval,
  ];
  return new ExtensionSupervisor(paths, args, options.checkMs ?? secondsToMs(interval), log);
}

/**
 * Waits for the extensions named by --extensions_require (or `names`) to register and answer;
 * rejects naming the missing ones after --extensions_timeout (osquery treats that as fatal).
 */
export async function waitForRequiredExtensions(manager: ExtensionManager, names?: string[]): Promise<void> {
  const wanted = names ?? flags.string("extensions_require").split(",").map((s) => s.trim()).filter(Boolean);
  if (wanted.length === 0) return;
  await manager.waitForExtensions(wanted);
}
