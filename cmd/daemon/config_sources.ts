/**
 * Where the daemon's config comes from by default: the files of --config_path, or the built-in
 * schedule when no config file exists.
 *
 * @module
 */
import { flags } from "../../core/flags/flags.ts";
import { readConfigSources } from "../../plugins/config/filesystem.ts";
import { BUILTIN_CONFIG } from "./paths.ts";

/** Config sources from --config_path; the built-in schedule when no config file exists. */
export function readSources(): Promise<{ name: string; text: string }[]> {
  const path = flags.string("config_path");
  try {
    Deno.statSync(path);
  } catch {
    return Promise.resolve([{ name: "built-in", text: BUILTIN_CONFIG }]);
  }
  return Promise.resolve(readConfigSources(path));
}
