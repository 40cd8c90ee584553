/**
 * osquery's path patterns, shared by the config (pack globs, `.d` files) and ATC tables.
 *
 * @module
 */

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
