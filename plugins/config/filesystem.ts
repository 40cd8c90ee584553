/**
 * The filesystem config plugin: `--config_path` plus `<config_path>.d/*.conf` (sorted, read
 * first), and pack files named by path or by a `*` glob in the `packs` section.
 *
 * @module
 */
import "../../core/config/flags.ts";
import { flags } from "../../core/flags.ts";
import { ConfigError, type ConfigSource, type PackFile } from "../../core/config/config.ts";

/** Reads the config sources from `path` (default `--config_path`). */
export function readConfigSources(path = flags.string("config_path")): ConfigSource[] {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    throw new ConfigError([{
      file: path,
      path: "(top level)",
      message: `The config file does not exist; create it or point --config_path at one.`,
      severity: "error",
    }]);
  }
  if (!info.isFile) {
    throw new ConfigError([{
      file: path,
      path: "(top level)",
      message: "The config path is not a file.",
      severity: "error",
    }]);
  }
  const files = [...globPaths(`${path}.d/*.conf`)].sort();
  files.push(path);
  const sources: ConfigSource[] = [];
  for (const file of files) {
    try {
      sources.push({ name: file, text: Deno.readTextFileSync(file) });
    } catch (err) {
      if (file === path) {
        throw new ConfigError([{
          file,
          path: "(top level)",
          message: `The config file cannot be read: ${(err as Error).message}.`,
          severity: "error",
        }]);
      }
      // An unreadable drop-in is skipped, as osquery does.
    }
  }
  return sources;
}

/**
 * Resolves a `packs` entry: a path to one pack file, or for name `*` a glob of many (named by
 * stem). A relative path that does not exist from the working directory is taken relative to
 * the directory of the config file that names it.
 */
export function resolvePack(name: string, value: string, source = ""): PackFile[] {
  if (!value.startsWith("/") && source.includes("/")) {
    const local = source.slice(0, source.lastIndexOf("/") + 1) + value;
    if (!exists(value) && (name === "*" ? true : exists(local))) value = local;
  }
  if (name === "*") {
    const out: PackFile[] = [];
    for (const file of [...globPaths(value)].sort()) {
      try {
        const base = file.split("/").pop() ?? file;
        const dot = base.lastIndexOf(".");
        out.push({ name: dot > 0 ? base.slice(0, dot) : base, path: file, text: Deno.readTextFileSync(file) });
      } catch {
        // Unreadable pack files are skipped (osquery warns and goes on).
      }
    }
    return out;
  }
  try {
    if (!Deno.statSync(value).isFile) throw new Error("not a file");
    return [{ name, path: value, text: Deno.readTextFileSync(value) }];
  } catch {
    throw new Error(`The pack file ${value} is not a readable file.`);
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Expands a path pattern: `*` and `%` match within one path component, `?` one character;
 * a last component of `%%` or `**` matches everything below recursively.
 */
export function* globPaths(pattern: string): Generator<string> {
  const absolute = pattern.startsWith("/");
  const parts = pattern.split("/").filter((p) => p !== "");
  yield* walk(absolute ? "/" : ".", parts, absolute);
}

function componentRegex(part: string): RegExp {
  let re = "";
  for (const ch of part) {
    if (ch === "*" || ch === "%") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

function join(dir: string, name: string, absolute: boolean): string {
  if (dir === "/") return `/${name}`;
  if (dir === "." && !absolute) return name;
  return `${dir}/${name}`;
}

function* walk(dir: string, parts: string[], absolute: boolean): Generator<string> {
  if (parts.length === 0) {
    yield dir;
    return;
  }
  const [head, ...rest] = parts;
  if (rest.length === 0 && (head === "%%" || head === "**")) {
    yield* recurse(dir, absolute);
    return;
  }
  if (!/[*%?]/.test(head)) {
    const next = join(dir, head, absolute);
    try {
      Deno.statSync(next);
    } catch {
      return;
    }
    yield* walk(next, rest, absolute);
    return;
  }
  const re = componentRegex(head);
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith(".") && !head.startsWith(".")) continue;
    if (!re.test(e.name)) continue;
    const next = join(dir, e.name, absolute);
    if (rest.length > 0) {
      let isDir = e.isDirectory;
      if (e.isSymlink) {
        try {
          isDir = Deno.statSync(next).isDirectory;
        } catch {
          isDir = false;
        }
      }
      if (!isDir) continue;
    }
    yield* walk(next, rest, absolute);
  }
}

function* recurse(dir: string, absolute: boolean): Generator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries) {
    const next = join(dir, e.name, absolute);
    if (e.isDirectory) yield* recurse(next, absolute);
    else yield next;
  }
}
