/**
 * /proc/<pid>/maps: the mapped regions of a process, and what they tell about its executable
 * (whether the file the kernel marks " (deleted)" is really gone).
 *
 * @module
 */
import { exists, readText } from "../../core/host/files.ts";
import { isBlank, parseDecimal, parseHex, trimAscii } from "../../core/host/text.ts";

/** One line of /proc/<pid>/maps. */
export interface MapEntry {
  /** First address, hex without 0x. */
  start: string;
  /** Address past the end, hex without 0x. */
  end: string;
  /** rwxp/rwxs flags. */
  permissions: string;
  /** Offset into the mapped file (-1 when malformed). */
  offset: number;
  /** major:minor of the file's device. */
  device: string;
  /** The file's inode (0 for anonymous and pseudo regions). */
  inode: number;
  /** The file or pseudo region ([heap], [stack]); "" for anonymous memory. */
  path: string;
}

/** Parses /proc/<pid>/maps, skipping malformed lines. */
export function parseMaps(content: string): MapEntry[] {
  const out: MapEntry[] = [];
  const f: string[] = ["", "", "", "", ""];
  let lineStart = 0;
  while (lineStart < content.length) {
    let lineEnd = content.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = content.length;
    // address perms offset dev inode [path...]: five blank-separated fields, then the path
    // (which may itself hold spaces) up to the end of the line.
    let pos = lineStart;
    let n = 0;
    for (; n < 5; n++) {
      while (pos < lineEnd && isBlank(content.charCodeAt(pos))) pos++;
      if (pos === lineEnd) break;
      const start = pos;
      while (pos < lineEnd && !isBlank(content.charCodeAt(pos))) pos++;
      f[n] = content.slice(start, pos);
    }
    lineStart = lineEnd + 1;
    if (n < 5) continue;
    const dash = f[0].indexOf("-");
    if (dash <= 0 || dash === f[0].length - 1) continue;
    const inode = parseDecimal(f[4]);
    if (inode === undefined) continue;
    out.push({
      start: f[0].slice(0, dash),
      end: f[0].slice(dash + 1),
      permissions: f[1],
      offset: parseHex(f[2]) ?? -1,
      device: f[3],
      inode,
      path: pos < lineEnd ? trimAscii(content.slice(pos, lineEnd)) : "",
    });
  }
  return out;
}

/**
 * Whether the process's executable is on disk, as osquery's tri-state: 1 yes, 0 no, -1 unknown.
 * Also returns the path with a kernel " (deleted)" marker removed when the file is really gone.
 * `exe` is the link's text, `file` where that path is found from here (under the host's root),
 * `mapsPath` the process's maps file.
 */
export function onDisk(exe: string, file: string, mapsPath: string): { path: string; onDisk: number } {
  if (exe === "") return { path: exe, onDisk: -1 };
  const deleted = " (deleted)";
  if (!exe.endsWith(deleted)) return { path: exe, onDisk: exists(file) ? 1 : 0 };
  const stripped = exe.slice(0, -deleted.length);
  if (!exists(file)) return { path: stripped, onDisk: 0 };
  // A file really named "... (deleted)" exists: it is ours only if its inode is the mapped one.
  const maps = readText(mapsPath);
  if (maps === undefined) return { path: exe, onDisk: -1 };
  let inode: string | undefined;
  for (const entry of parseMaps(maps)) {
    if (entry.path.startsWith(exe)) {
      inode = String(entry.inode);
      break;
    }
  }
  if (inode === undefined) return { path: exe, onDisk: -1 };
  try {
    const st = Deno.statSync(file);
    if (String(st.ino) === inode) return { path: exe, onDisk: 1 };
  } catch {
    return { path: exe, onDisk: -1 };
  }
  return { path: stripped, onDisk: 0 };
}
