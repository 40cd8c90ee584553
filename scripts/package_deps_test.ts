/**
 * The packages' relations (scripts/package.ts): every library osq opens over FFI is named by the
 * .deb and the .rpm, the ones core features need as Depends/Requires, the others as
 * Recommends/Suggests. Runs without root or packaging tools (scripts/package_test.ts builds and
 * installs the real packages).
 */
import { assert, assertEquals } from "../testing/assert.ts";
import { debControl, LIBRARY_PACKAGES, packageLayout, rpmSpec } from "./package.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SONAME = /"(lib[A-Za-z0-9_+-]+\.so(?:\.\d+)*)"/g;

/** Every shared-object name a non-test module of osq's code names in a string literal. */
function sonamesInSources(): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(`${ROOT}${dir}`)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) walk(path);
      else if (e.isFile && e.name.endsWith(".ts") && !/_test\.ts$|_bench\.ts$/.test(e.name)) {
        for (const m of Deno.readTextFileSync(`${ROOT}${path}`).matchAll(SONAME)) found.set(m[1], path);
      }
    }
  };
  for (const dir of ["core", "tables", "plugins", "cmd", "sdk"]) walk(dir);
  return found;
}

/** The value of one `Field: value` line of a control file or spec. */
function field(text: string, name: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith(`${name}: `));
  return line === undefined ? [] : line.slice(name.length + 2).split(",").map((s) => s.trim());
}

Deno.test("packages: every library opened over FFI is named by the package relations", () => {
  const listed = new Set(LIBRARY_PACKAGES.flatMap((l) => l.sonames));
  const sonames = sonamesInSources();
  assert(sonames.size >= 10, `the scan found the FFI libraries: ${[...sonames.keys()]}`);
  const missing = [...sonames].filter(([name]) => !listed.has(name)).map(([name, path]) => `${name} (${path})`);
  assertEquals(missing, [], "add these to LIBRARY_PACKAGES in scripts/package.ts");
});

Deno.test("packages: the .deb depends on libc, SQLite, libssl3, libsystemd0 and libpcre2, recommends or suggests the rest", () => {
  const control = debControl("1.2.3", 100);
  const depends = field(control, "Depends");
  for (const p of ["libc6 (>= 2.31)", "libsqlite3-0", "libssl3 | libssl3t64", "libsystemd0", "libpcre2-8-0"]) {
    assert(depends.includes(p), `Depends lacks ${p}: ${depends}`);
  }
  const optional = [...field(control, "Recommends"), ...field(control, "Suggests")].join(", ");
  for (const p of ["libmagic1", "libyara9", "librpm9", "libcurl4", "libtsk19", "libaugeas0", "librdkafka1"]) {
    assert(optional.includes(p), `neither Recommends nor Suggests names ${p}: ${optional}`);
    assert(!depends.some((d) => d.includes(p)), `${p} is optional, not a dependency`);
  }
});

Deno.test("packages: the .rpm requires the same core libraries and recommends the optional ones", () => {
  const spec = rpmSpec("1.2.3", packageLayout("/nonexistent/osq"), "/nonexistent/staged");
  const requires = field(spec, "Requires");
  for (const p of ["glibc", "sqlite-libs", "openssl-libs", "systemd-libs", "pcre2"]) {
    assert(requires.includes(p), `Requires lacks ${p}: ${requires}`);
  }
  const optional = [...field(spec, "Recommends"), ...field(spec, "Suggests")];
  for (const p of ["file-libs", "yara", "rpm-libs", "libcurl", "sleuthkit-libs", "augeas-libs", "librdkafka"]) {
    assert(optional.includes(p), `neither Recommends nor Suggests names ${p}: ${optional}`);
  }
});
