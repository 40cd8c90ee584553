/**
 * rpm_package_files: the files each RPM package installs, with the owner, mode, size and SHA-256 digest
 * the package recorded, read through librpm's file-info iterator over FFI (the same librpm9 binding as
 * rpm_packages; a host without an RPM database returns no rows without loading it).
 *
 * @module
 */
import { defineTable, type Row, TableError } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { forEachRpmHeader, hasRpmDatabase, RPM_DB_PATHS, rpmLibrary } from "./rpm_packages.ts";
import { libc } from "../../core/host/libc.ts";
import { octalMode } from "../../core/host/statx.ts";

export default registerTable(defineTable({
  name: "rpm_package_files",
  description: "Files installed by RPM packages, with the owner, mode, size and digest the package recorded.",
  columns: [
    { name: "package", type: "TEXT", index: true, optimized: true, description: "The package that installs the file." },
    { name: "path", type: "TEXT", index: true, description: "The file's path." },
    { name: "username", type: "TEXT", description: "The owner the package gives the file." },
    { name: "groupname", type: "TEXT", description: "The group the package gives the file." },
    { name: "mode", type: "TEXT", description: "The permission bits the package gives the file, in octal." },
    { name: "size", type: "BIGINT", description: "The file's size in bytes, as packaged." },
    {
      name: "sha256",
      type: "TEXT",
      collate: "nocase",
      description: "The file's SHA-256 as packaged (empty: another digest).",
    },
  ],
  generate(ctx) {
    const dbpath = RPM_DB_PATHS.find((p) => hasRpmDatabase(ctx.host.path(p)));
    if (dbpath === undefined) return []; // Not an RPM system: librpm is never loaded.
    // An interrupted query (Ctrl-C, a time limit) stops between packages.
    const root = ctx.host.root || "/";
    const rows = readRpmPackageFiles(dbpath, root, ctx.equals("package"), ctx.isUsed("sha256"), () => ctx.cancelled);
    const paths = ctx.equals("path");
    return paths.length ? rows.filter((r) => paths.includes(String(r.path))) : rows;
  },
}));

const fileInfoSymbols = {
  headerGetString: { parameters: ["pointer", "i32"], result: "pointer" },
  rpmTagGetValue: { parameters: ["buffer"], result: "i32" },
  rpmfiNew: { parameters: ["pointer", "pointer", "i32", "u32"], result: "pointer" },
  rpmfiFree: { parameters: ["pointer"], result: "pointer" },
  rpmfiFC: { parameters: ["pointer"], result: "i32" },
  rpmfiNext: { parameters: ["pointer"], result: "i32" },
  rpmfiFN: { parameters: ["pointer"], result: "pointer" },
  rpmfiFUser: { parameters: ["pointer"], result: "pointer" },
  rpmfiFGroup: { parameters: ["pointer"], result: "pointer" },
  rpmfiFMode: { parameters: ["pointer"], result: "u16" },
  rpmfiFSize: { parameters: ["pointer"], result: "u64" },
  rpmfiFDigestHex: { parameters: ["pointer", "buffer"], result: "pointer" },
} as const;

/** PGPHASHALGO_SHA256: the only digest algorithm the sha256 column reports. */
const SHA256_ALGO = 8;
/** Packages claiming more files than this are skipped, as osquery does (a corrupt header, most likely). */
const MAX_FILES = 64 * 1024;

let fileInfo: Deno.DynamicLibrary<typeof fileInfoSymbols>["symbols"] | undefined;
let libcFree: ((p: Deno.PointerValue) => void) | undefined;

function cString(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${s}\0`);
}

function loadFileInfo() {
  // rpmLibrary() reads librpm's configuration once and names the package to install when it is missing.
  rpmLibrary();
  if (!fileInfo) {
    try {
      fileInfo = Deno.dlopen("librpm.so.9", fileInfoSymbols).symbols;
      libcFree = (p) => libc().free(p);
    } catch (e) {
      throw new TableError(
        `librpm lacks the file-info functions (${e instanceof Error ? e.message : e}): install librpm9 4.14 or later.`,
      );
    }
  }
  return fileInfo;
}

/**
 * Reads the file lists of the database at `dbpath` (inside `root`), optionally only for the named
 * packages. `stop` is polled once per package; once it says so the read ends with the rows so far.
 */
export function readRpmPackageFiles(
  dbpath: string,
  root = "/",
  names: string[] = [],
  withDigest = true,
  stop: () => boolean = () => false,
): Row[] {
  const lib = loadFileInfo();
  const tagName = lib.rpmTagGetValue(cString("NAME"));
  const tagBasenames = lib.rpmTagGetValue(cString("BASENAMES"));
  const rows: Row[] = [];
  const str = (p: Deno.PointerValue) => (p === null ? "" : Deno.UnsafePointerView.getCString(p));
  const algo = new Int32Array(1);
  forEachRpmHeader(dbpath, root, names, (ts, h) => {
    if (stop()) return false;
    const fi = lib.rpmfiNew(ts, h, tagBasenames, 0);
    if (fi === null) return true;
    try {
      const count = lib.rpmfiFC(fi);
      if (count <= 0 || count > MAX_FILES) return true;
      const pkg = str(lib.headerGetString(h, tagName));
      for (let i = 0; i < count && lib.rpmfiNext(fi) >= 0; i++) {
        let sha256: string | undefined;
        if (withDigest) {
          algo[0] = 0;
          const digest = lib.rpmfiFDigestHex(fi, new Uint8Array(algo.buffer));
          if (digest !== null) {
            if (algo[0] === SHA256_ALGO) sha256 = Deno.UnsafePointerView.getCString(digest);
            libcFree?.(digest);
          }
        }
        rows.push({
          package: pkg,
          path: str(lib.rpmfiFN(fi)),
          username: str(lib.rpmfiFUser(fi)),
          groupname: str(lib.rpmfiFGroup(fi)),
          mode: octalMode(lib.rpmfiFMode(fi)),
          size: Number(lib.rpmfiFSize(fi)),
          sha256: sha256 ?? "",
        });
      }
    } finally {
      lib.rpmfiFree(fi);
    }
    return true;
  });
  return rows;
}
