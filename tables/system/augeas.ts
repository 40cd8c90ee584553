/**
 * `augeas` (alias `configurations`): configuration files as Augeas trees, through libaugeas over FFI
 * (Debian's libaugeas0). As osquery: lenses come from --augeas_lenses only (no standard include path),
 * everything the lenses cover is loaded, and the query's `node` (= or LIKE) and `path` (= or LIKE, a file
 * path, matched with its whole subtree) constraints become one Augeas path expression. Augeas opens the
 * files itself, under the host's root (`ctx.host.root`). LIKE's `%%` is a
 * recursive wildcard (`/*` per level) and `%` a single-level one.
 *
 * @module
 */
import { defineTable, type QueryContext, type Row, TableError } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { defineFlag, flags } from "../../core/flags/flags.ts";
import { isDir } from "./_lib.ts";
import { libc } from "../../core/host/libc.ts";

export default registerTable(defineTable({
  name: "augeas",
  description: "Configuration files parsed into trees by Augeas lenses (libaugeas), one row per tree node.",
  aliases: ["configurations"],
  columns: [
    { name: "node", type: "TEXT", index: true, description: "The node's Augeas path, e.g. /files/etc/hosts/1/ipaddr." },
    { name: "value", type: "TEXT", description: "The node's value (empty for nodes that only group others)." },
    { name: "label", type: "TEXT", description: "The node's label: the last step of its path." },
    { name: "path", type: "TEXT", additional: true, description: "The configuration file the node was read from." },
  ],
  generate(ctx) {
    // Augeas reads the files itself: it is handed the host's root ("/" for this machine).
    return augeasRows(expressionFor(ctx), ctx.host.root || "/", lensDirectory());
  },
}));

/** osquery's default lens directory. */
const OSQUERY_LENSES = "/opt/osquery/share/osquery/lenses";
/** Debian's augeas-lenses package, used when osquery's directory is absent and the flag was left alone. */
const DEBIAN_LENSES = "/usr/share/augeas/lenses/dist";

defineFlag({
  name: "augeas_lenses",
  type: "string",
  default: OSQUERY_LENSES,
  description: "Directory of Augeas lens (.aug) files for the augeas table.",
});

const symbols = {
  aug_init: { parameters: ["buffer", "buffer", "u32"], result: "pointer" },
  aug_close: { parameters: ["pointer"], result: "void" },
  aug_load: { parameters: ["pointer"], result: "i32" },
  aug_error: { parameters: ["pointer"], result: "i32" },
  aug_error_message: { parameters: ["pointer"], result: "pointer" },
  aug_defvar: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  aug_match: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  aug_ns_attr: { parameters: ["pointer", "buffer", "i32", "buffer", "buffer", "buffer"], result: "i32" },
} as const;

// augeas.h flag bits.
const AUG_NO_STDINC = 1 << 3;
const AUG_SAVE_NOOP = 1 << 4;
const AUG_NO_LOAD = 1 << 5;
const AUG_NO_ERR_CLOSE = 1 << 8;

type AugeasSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];
let lib: { aug: AugeasSymbols; free: (p: Deno.PointerValue) => void } | undefined;

/** Loads libaugeas, or throws a TableError naming the package to install. */
export function augeasLibrary(soname = "libaugeas.so.0"): { aug: AugeasSymbols; free: (p: Deno.PointerValue) => void } {
  if (lib && soname === "libaugeas.so.0") return lib;
  let aug: AugeasSymbols;
  try {
    aug = Deno.dlopen(soname, symbols).symbols;
  } catch (e) {
    throw new TableError(
      `libaugeas is not available (${
        e instanceof Error ? e.message : e
      }): install the libaugeas0 package (Debian/Ubuntu) or augeas-libs (RHEL).`,
    );
  }
  const loaded = { aug, free: (p: Deno.PointerValue) => libc().free(p) };
  if (soname === "libaugeas.so.0") lib = loaded;
  return loaded;
}

const cString = (s: string) => new TextEncoder().encode(`${s}\0`);
const cText = (p: Deno.PointerValue) => (p === null ? undefined : Deno.UnsafePointerView.getCString(p));

/** One Augeas handle per (root, lens directory): the tree is loaded once and refreshed by aug_load per query. */
const handles = new Map<string, Deno.PointerObject>();

function handleFor(root: string, lenses: string): Deno.PointerObject {
  const key = `${root}\0${lenses}`;
  const cached = handles.get(key);
  if (cached) return cached;
  if (!isDir(lenses)) {
    throw new TableError(
      `The Augeas lens directory ${lenses} does not exist: install augeas-lenses or point --augeas_lenses at a lens directory.`,
    );
  }
  const { aug } = augeasLibrary();
  const h = aug.aug_init(
    cString(root),
    cString(lenses),
    AUG_NO_ERR_CLOSE | AUG_NO_LOAD | AUG_NO_STDINC | AUG_SAVE_NOOP,
  );
  if (h === null) throw new TableError("Augeas could not be initialised.");
  if (aug.aug_error(h) !== 0) {
    const message = cText(aug.aug_error_message(h)) ?? "unknown error";
    aug.aug_close(h);
    throw new TableError(`Augeas could not be initialised (${message}); check the lenses in ${lenses}.`);
  }
  handles.set(key, h);
  return h;
}

/**
 * The Augeas path expressions for an osquery input: a file path gets the `/files` prefix and, unless it already
 * ends in a wildcard, both itself and its whole subtree. A LIKE pattern becomes osquery's translation (`%%` a
 * recursive step, `%` a whole-step wildcard) when its wildcards stand for whole steps; otherwise (`/etc/ho%`),
 * since Augeas cannot match part of a label, it becomes the subtree of its literal directory prefix, and SQLite's
 * own LIKE check keeps the matching rows.
 */
export function patternsFor(input: string, isLike: boolean, isPath: boolean): string[] {
  let pattern = isPath ? `/files${input}` : input;
  if (isLike) {
    const steps = pattern.replaceAll("%%", "/*").split("/");
    const partial = steps.some((step) => /[%_]/.test(step) && step !== "%");
    if (partial) {
      const slash = pattern.lastIndexOf("/", pattern.search(/[%_]/));
      const dir = slash < 0 ? "" : pattern.slice(0, slash);
      return dir === "" || dir === "/files" ? ["/files//*"] : [dir, `${dir}//*`];
    }
    pattern = steps.join("/").replaceAll("%", "*");
  }
  // A file path stands for the file's whole tree: its node and everything below (osquery adds the subtree
  // only when the pattern does not already end in a wildcard; we add it to matched files too).
  if (isPath && !pattern.endsWith("//*") && (isLike || !pattern.endsWith("*"))) return [pattern, `${pattern}//*`];
  return [pattern];
}

/** The Augeas expression a query asks for (every file's tree when it names nothing). */
export function expressionFor(ctx: Pick<QueryContext, "equals" | "likes">): string {
  const patterns = new Set<string>(ctx.equals("node"));
  for (const node of ctx.likes("node")) if (node !== "") patternsFor(node, true, false).forEach((p) => patterns.add(p));
  for (const path of ctx.equals("path")) {
    if (path !== "") patternsFor(path, false, true).forEach((p) => patterns.add(p));
  }
  for (const path of ctx.likes("path")) if (path !== "") patternsFor(path, true, true).forEach((p) => patterns.add(p));
  return patterns.size === 0 ? "/files//*" : [...patterns].join("|");
}

/** The lens directory in effect: the flag, or Debian's lenses when the flag is at osquery's absent default. */
export function lensDirectory(): string {
  const configured = flags.string("augeas_lenses");
  if (configured === OSQUERY_LENSES && !isDir(OSQUERY_LENSES) && isDir(DEBIAN_LENSES)) return DEBIAN_LENSES;
  return configured;
}

/** Matches `expression` against the configuration files under `root`, parsed with the lenses in `lenses`. */
function augeasRows(expression: string, root: string, lenses: string): Row[] {
  const h = handleFor(root, lenses);
  const { aug, free } = augeasLibrary();
  if (aug.aug_load(h) !== 0) {
    throw new TableError(`Augeas could not load the configuration files: ${cText(aug.aug_error_message(h)) ?? "?"}.`);
  }
  const variable = cString("matches");
  // A malformed expression (from a LIKE pattern, say) matches nothing rather than failing the query.
  if (aug.aug_defvar(h, variable, cString(expression)) < 0) return [];
  const out = new BigUint64Array(1);
  const count = aug.aug_match(h, cString("$matches"), new Uint8Array(out.buffer));
  const array = Deno.UnsafePointer.create(out[0]);
  if (array === null) return [];
  const rows: Row[] = [];
  try {
    const view = new Deno.UnsafePointerView(array);
    const value = new BigUint64Array(1), label = new BigUint64Array(1), file = new BigUint64Array(1);
    for (let i = 0; i < count; i++) {
      const nodePtr = Deno.UnsafePointer.create(view.getBigUint64(i * 8));
      if (nodePtr === null) continue;
      const node = Deno.UnsafePointerView.getCString(nodePtr);
      free(nodePtr);
      value[0] = label[0] = file[0] = 0n;
      if (
        aug.aug_ns_attr(
          h,
          variable,
          i,
          new Uint8Array(value.buffer),
          new Uint8Array(label.buffer),
          new Uint8Array(file.buffer),
        ) < 0
      ) {
        continue;
      }
      const filePtr = Deno.UnsafePointer.create(file[0]);
      let path = "";
      if (filePtr !== null) {
        path = Deno.UnsafePointerView.getCString(filePtr).slice("/files".length);
        free(filePtr);
      } else if (node.startsWith("/files")) {
        path = node.slice("/files".length);
      }
      rows.push({
        node,
        value: cText(Deno.UnsafePointer.create(value[0])) ?? "",
        label: cText(Deno.UnsafePointer.create(label[0])) ?? "",
        path,
      });
    }
  } finally {
    free(array);
  }
  return rows;
}
