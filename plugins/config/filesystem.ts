/**
 * The filesystem config plugin: `--config_path` plus `<config_path>.d/*.conf` (sorted, read
 * first), and pack files named by path or by a `*` glob in the `packs` section.
 *
 * @module
 */
import "../../core/config/flags.ts";
import { flags } from "../../core/flags/flags.ts";
import { ConfigError, type ConfigSource, MAX_CONFIG_SIZE, type PackFile } from "../../core/config/config.ts";
import { ConfigReadError, configReadMax, readConfigFile } from "../../core/config/read.ts";

/** Files a `*` pack glob reads at most, and their bytes in all. */
const MAX_GLOB_PACKS = 1000;
const MAX_GLOB_BYTES = 16 * 1024 * 1024;
import { GLOB, iterateLikePattern } from "../../core/host/glob.ts";
import { exists } from "../../core/host/files.ts";

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
  // A device named explicitly is read without blocking and within --read_max: osquery takes
  // --config_path=/dev/null as an empty config.
  if (info.isDirectory) {
    throw new ConfigError([{
      file: path,
      path: "(top level)",
      message: "The config path is not a file.",
      severity: "error",
    }]);
  }
  // As osquery: resolveFilePattern(<config_path>.d/%.conf, GLOB_FILES), regular files only.
  const files = [...iterateLikePattern(`${path}.d/%.conf`, GLOB.FILES)];
  files.push(path);
  const sources: ConfigSource[] = [];
  for (const file of files) {
    try {
      // Drop-ins come from a glob: regular files only (a FIFO there must not block the daemon).
      sources.push({ name: file, text: readConfigFile(file, { allowSpecial: file === path }) });
    } catch (err) {
      if (file === path) {
        throw new ConfigError([{
          file,
          path: "(top level)",
          message: `The config file cannot be read: ${(err as Error).message}.`,
          severity: "error",
        }]);
      }
      // An unreadable drop-in is skipped, as osquery does; one that is not a regular file or
      // too large is named (an empty source carries no config).
      if (err instanceof ConfigReadError) sources.push({ name: file, text: "", skipped: err.reason });
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
    // A glob such as /%% must not walk and read a whole filesystem: bounded count and bytes.
    const files: string[] = [];
    for (const file of iterateLikePattern(value, GLOB.FILES)) {
      if (files.length === MAX_GLOB_PACKS) {
        out.push({
          name: "*",
          path: value,
          text: "",
          skipped: `matches more than ${MAX_GLOB_PACKS} files; only the first ${MAX_GLOB_PACKS} found are read`,
        });
        break;
      }
      files.push(file);
    }
    let budget = MAX_GLOB_BYTES;
    for (const file of files.sort()) {
      const base = file.split("/").pop() ?? file;
      const dot = base.lastIndexOf(".");
      const stem = dot > 0 ? base.slice(0, dot) : base;
      try {
        if (budget <= 0) {
          throw new ConfigReadError(file, `is past the ${MAX_GLOB_BYTES >> 20} MiB a pack glob may read in all`);
        }
        // A pack far larger than a config may be (4 MiB after comments) need not be read whole.
        const text = readConfigFile(file, { readMax: Math.min(configReadMax(), budget, 2 * MAX_CONFIG_SIZE) });
        budget -= text.length;
        out.push({ name: stem, path: file, text });
      } catch (err) {
        // Skipped with a warning, as osquery warns and goes on: devices, FIFOs, /proc files
        // that block, files over --read_max, unreadable ones.
        const reason = err instanceof ConfigReadError ? err.reason : `cannot be read (${(err as Error).message})`;
        out.push({ name: stem, path: file, text: "", skipped: reason });
      }
    }
    return out;
  }
  try {
    return [{ name, path: value, text: readConfigFile(value) }];
  } catch (err) {
    const reason = err instanceof ConfigReadError ? err.reason : "is not a readable file";
    throw new Error(`The pack file ${value} ${reason}.`);
  }
}
