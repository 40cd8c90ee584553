/**
 * osquery's reading of LIKE patterns on path columns, for every area: a pattern becomes a
 * filesystem walk, and the `=`/`IN`/LIKE constraints of a path column become one sorted stream
 * of paths (the file tables' `path`/`directory`, the carver's `path`).
 *
 * LIKE patterns are resolved as osquery resolves them: `%` becomes a glob `*` matching within one
 * path component (names starting with a dot are not matched, as glob(3) does), and a pattern that
 * ends in `%%` matches everything below that point, recursively (dot-files included, directory
 * symlinks followed once, at most 64 levels deep). `_` is a literal character for the walk; SQLite
 * re-checks every returned row against the LIKE afterwards. Directories the walk returns carry a
 * trailing slash, so `path LIKE '/etc/%'` reports `/etc/ssh/` for a directory, as osquery does.
 *
 * @module
 */
import type { QueryContext } from "../table.ts";
import { byteOrder, isDirectory, joinPath } from "./files.ts";
import { DT, listEntries, lstat, readDirectory } from "./statx.ts";

/** Which kinds of results a pattern resolution keeps. */
export const GLOB = { FILES: 1, FOLDERS: 2, ALL: 3 } as const;

/** Deepest recursion of a `%%` walk. */
const MAX_RECURSIVE_DEPTH = 64;

/** Expands `{a,b}` alternatives (glob's GLOB_BRACE), innermost-first, keeping order. */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "{") {
      if (depth === 0) open = i;
      depth++;
    } else if (c === "}" && depth > 0) {
      depth--;
      if (depth === 0) {
        const body = pattern.slice(open + 1, i);
        const alternatives: string[] = [];
        let level = 0;
        let start = 0;
        for (let j = 0; j < body.length; j++) {
          if (body[j] === "\\") j++;
          else if (body[j] === "{") level++;
          else if (body[j] === "}") level--;
          else if (body[j] === "," && level === 0) {
            alternatives.push(body.slice(start, j));
            start = j + 1;
          }
        }
        alternatives.push(body.slice(start));
        if (alternatives.length === 1) continue;
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        return alternatives.flatMap((alt) => expandBraces(head + alt + tail));
      }
    }
  }
  return [pattern];
}

function hasMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

function unescape(segment: string): string {
  return segment.replace(/\\(.)/g, "$1");
}

/** Compiles one glob path component into a regular expression (fnmatch with FNM_PERIOD). */
export function componentMatcher(segment: string): RegExp {
  let re = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === "\\" && i + 1 < segment.length) {
      re += escapeRegExp(segment[++i]);
    } else if (c === "*") {
      re += "[^/]*";
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const close = segment.indexOf("]", i + 2);
      if (close < 0) {
        re += "\\[";
        continue;
      }
      let body = segment.slice(i + 1, close);
      let negate = false;
      if (body.startsWith("!") || body.startsWith("^")) {
        negate = true;
        body = body.slice(1);
      }
      re += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else {
      re += escapeRegExp(c);
    }
  }
  return new RegExp(`^${re}$`, "s");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * glob(3) with GLOB_MARK | GLOB_BRACE | GLOB_TILDE: the paths matching `pattern`, sorted, with a
 * trailing slash on directories.
 */
export function glob(pattern: string): string[] {
  const out = new Set<string>();
  for (let alt of expandBraces(pattern)) {
    if (alt === "~" || alt.startsWith("~/")) alt = (Deno.env.get("HOME") ?? "") + alt.slice(1);
    for (const found of globOne(alt)) out.add(found);
  }
  return [...out].sort(byteOrder);
}

function globOne(pattern: string): string[] {
  const absolute = pattern.startsWith("/");
  const trailingSlash = pattern.length > 1 && pattern.endsWith("/");
  const segments = pattern.split("/").filter((s) => s !== "");
  let current: string[] = [absolute ? "/" : ""];
  for (const segment of segments) {
    const next: string[] = [];
    if (!hasMagic(segment)) {
      const name = unescape(segment);
      for (const base of current) next.push(base === "" ? name : joinPath(base, name));
    } else {
      const matcher = componentMatcher(segment);
      const explicitDot = segment.startsWith(".");
      for (const base of current) {
        for (const entry of listEntries(base === "" ? "." : base)) {
          if (entry.name.startsWith(".") && !explicitDot) continue;
          if (matcher.test(entry.name)) next.push(base === "" ? entry.name : joinPath(base, entry.name));
        }
      }
    }
    current = next;
    if (current.length === 0) return [];
  }
  const out: string[] = [];
  for (const path of current) {
    if (path === "") continue;
    const link = lstat(path);
    if (!link) continue;
    const dir = link.type === "directory" || (link.type === "symlink" && isDirectory(path));
    if (trailingSlash && !dir) continue;
    out.push(dir && !path.endsWith("/") ? `${path}/` : path);
  }
  return out;
}

/** One directory level of a `%%` walk: its entries, sorted, and the next one to visit. */
interface WalkLevel {
  /** Entry paths; a directory's ends with "/" (no name contains one). */
  paths: string[];
  next: number;
}

/**
 * The entries of `dir` for the walk, sorted by byte order of their path (directories with their
 * trailing slash), or undefined when the directory was visited already (a symlink loop). The
 * type getdents gives decides which entries are directories; only symlinks and entries of an
 * unknown type are stat'ed for it.
 */
function walkLevel(dir: string, visited: Set<string>): WalkLevel | undefined {
  const self = lstat(dir);
  if (!self) return undefined;
  const id = `${self.dev}:${self.ino}`;
  if (visited.has(id)) return undefined;
  visited.add(id);
  if (self.type !== "directory" && !isDirectory(dir)) return undefined;
  const listing = readDirectory(dir);
  if (!listing) return undefined;
  const { names, types } = listing;
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  for (let i = 0; i < names.length; i++) {
    const type = types[i];
    if (type === DT.DIR || ((type === DT.LNK || type === DT.UNKNOWN) && isDirectory(prefix + names[i]))) {
      names[i] += "/";
    }
  }
  // Sorting the names sorts the paths (one prefix). The default order compares UTF-16 code
  // units, as byteOrder does, without a comparator call.
  names.sort();
  for (let i = 0; i < names.length; i++) names[i] = prefix + names[i];
  return { paths: names, next: 0 };
}

/**
 * Every entry below `dir` (depth-first, directories with a trailing slash) that `limits` keeps,
 * as osquery's `%%` walk, in byte order: each directory's entries are sorted and a directory's
 * subtree follows it, which is the order of the whole sorted list (a `/` sorts right after the
 * names it ends), so the walk streams in the order osquery's std::set gives without holding more
 * than the directories on the current branch. `visited` (device and inode of each directory seen)
 * cuts symlink loops.
 */
function* walk(dir: string, visited: Set<string>, stop: () => boolean, limits: number): Generator<string> {
  const files = (limits & GLOB.FILES) !== 0;
  const folders = (limits & GLOB.FOLDERS) !== 0;
  const stack: WalkLevel[] = [];
  const first = walkLevel(dir, visited);
  if (first) stack.push(first);
  while (stack.length > 0) {
    // A walk of / takes seconds: an interrupted query stops it here, between entries.
    if (stop()) return;
    const level = stack[stack.length - 1];
    if (level.next >= level.paths.length) {
      stack.pop();
      continue;
    }
    const path = level.paths[level.next++];
    if (path.charCodeAt(path.length - 1) !== 47) {
      if (files) yield path;
      continue;
    }
    if (folders) yield path;
    if (stack.length < MAX_RECURSIVE_DEPTH) {
      const below = walkLevel(path, visited);
      if (below) stack.push(below);
    }
  }
}

/**
 * Streams the paths a SQL LIKE pattern names, as osquery's `resolveFilePattern` (without
 * canonicalising), in byte order, one at a time: a `%%` walk never holds the paths it returned.
 * With a `root`, the walk happens under it and the paths come back as seen from inside it.
 * `stop` is polled during a `%%` walk; once it returns true the walk ends with what it found.
 */
export function* iterateLikePattern(
  like: string,
  limits: number,
  cwd = Deno.cwd(),
  root = "",
  stop: () => boolean = () => false,
): Generator<string> {
  let pattern = like.replaceAll("%", "*");
  if (!pattern.startsWith("/") && !pattern.startsWith("~")) pattern = joinPath(cwd, pattern);
  if (root !== "") {
    if (!pattern.startsWith("/")) return;
    for (const p of iterateLikePattern(root + pattern.replaceAll("*", "%"), limits, cwd, "", stop)) {
      if (p.startsWith(`${root}/`)) yield p.slice(root.length);
    }
    return;
  }
  const keep = (p: string) => p.endsWith("/") ? (limits & GLOB.FOLDERS) !== 0 : (limits & GLOB.FILES) !== 0;
  if (!pattern.endsWith("**")) {
    for (const p of glob(pattern)) if (keep(p)) yield p;
    return;
  }
  const visited = new Set<string>();
  for (const base of glob(pattern.slice(0, -1))) {
    if (keep(base)) yield base;
    if (!isDirectory(base)) continue;
    yield* walk(base, visited, stop, limits);
  }
}

/**
 * The paths a SQL LIKE pattern names, as a list (see {@linkcode iterateLikePattern}, which
 * streams them).
 */
export function resolveLikePattern(
  like: string,
  limits: number,
  cwd = Deno.cwd(),
  root = "",
  stop: () => boolean = () => false,
): string[] {
  return [...iterateLikePattern(like, limits, cwd, root, stop)];
}

/** Merges sorted streams into one sorted stream without repeats. */
function* mergeSorted(streams: Iterator<string>[]): Generator<string> {
  const heads: { value: string; it: Iterator<string> }[] = [];
  for (const it of streams) {
    const r = it.next();
    if (!r.done) heads.push({ value: r.value, it });
  }
  let last: string | undefined;
  while (heads.length > 0) {
    let min = 0;
    for (let i = 1; i < heads.length; i++) if (byteOrder(heads[i].value, heads[min].value) < 0) min = i;
    const head = heads[min];
    if (head.value !== last) yield last = head.value;
    const r = head.it.next();
    if (r.done) heads.splice(min, 1);
    else head.value = r.value;
  }
}

/**
 * Streams the distinct values of `column` the scan must cover: its `=`/`IN` values, plus every
 * path its LIKE patterns resolve to (kept to `limits`, walked under `root`), in the order
 * osquery's std::set gives them. Each source is sorted already, so they are merged as they
 * stream: memory does not grow with the number of paths. An interrupted query ends the walks
 * early (the engine then stops the scan).
 */
export function iterateConstrainedPaths(
  ctx: QueryContext,
  column: string,
  limits: number,
  root = "",
): Iterable<string> {
  const equals = ctx.equals(column).sort(byteOrder);
  const likes = ctx.likes(column);
  if (likes.length === 0) return equals;
  const cwd = Deno.cwd();
  const streams: IterableIterator<string>[] = likes.map((like) =>
    iterateLikePattern(like, limits, cwd, root, () => ctx.cancelled)
  );
  if (equals.length > 0) streams.push(equals.values());
  return streams.length === 1 ? streams[0] : mergeSorted(streams);
}

/**
 * The distinct values of `column` the scan must cover, as a list (see
 * {@linkcode iterateConstrainedPaths}, which streams them).
 */
export function constrainedPaths(ctx: QueryContext, column: string, limits: number, root = ""): string[] {
  return [...iterateConstrainedPaths(ctx, column, limits, root)];
}
