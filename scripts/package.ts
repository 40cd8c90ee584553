/**
 * `deno task package`: builds `dist/osq_<version>_amd64.deb` (dpkg-deb) and
 * `dist/osq-<version>.x86_64.rpm` (rpmbuild) from the one-file executable (built first when
 * missing, scripts/build.ts), laid out as osquery's own packages are:
 *
 *   /opt/osquery/bin/osq                      the executable
 *   /opt/osquery/bin/osqueryd, osqueryi       -> osq (the name picks the face)
 *   /usr/bin/osq, osqueryd, osqueryi          -> /opt/osquery/bin/...
 *   /usr/lib/systemd/system/osqueryd.service  scripts/osq.service
 *   /opt/osquery/share/osquery/osquery.example.conf
 *   /etc/osquery/, /var/osquery/, /var/log/osquery/
 *
 * Neither package strips or rewrites the executable (its payload follows the ELF image). The
 * packages depend on libsqlite3 (SQLite is the host's, over FFI) and conflict with osquery
 * (same paths).
 *
 *   deno run -A scripts/package.ts [--out dist]
 *
 * @module
 */
import { OSQ_VERSION } from "../core/version.ts";
import { build } from "./build.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/** Raised when a packaging step fails; the message names the tool and what to install. */
export class PackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PackageError";
  }
}

/** One entry of the package's file tree. */
export interface PackageEntry {
  path: string;
  kind: "file" | "dir" | "link";
  /** Source file (file) or link target (link). */
  source?: string;
  mode?: number;
}

/** The files the packages install (the same list for the .deb and the .rpm). */
export function packageLayout(executable: string): PackageEntry[] {
  return [
    { path: "/opt/osquery/bin/osq", kind: "file", source: executable, mode: 0o755 },
    { path: "/opt/osquery/bin/osqueryd", kind: "link", source: "osq" },
    { path: "/opt/osquery/bin/osqueryi", kind: "link", source: "osq" },
    { path: "/usr/bin/osq", kind: "link", source: "/opt/osquery/bin/osq" },
    { path: "/usr/bin/osqueryd", kind: "link", source: "/opt/osquery/bin/osqueryd" },
    { path: "/usr/bin/osqueryi", kind: "link", source: "/opt/osquery/bin/osqueryi" },
    {
      path: "/usr/lib/systemd/system/osqueryd.service",
      kind: "file",
      source: `${ROOT}scripts/osq.service`,
      mode: 0o644,
    },
    {
      path: "/opt/osquery/share/osquery/osquery.example.conf",
      kind: "file",
      source: `${ROOT}packaging/osquery.example.conf`,
      mode: 0o644,
    },
    { path: "/etc/osquery", kind: "dir", mode: 0o755 },
    { path: "/var/osquery", kind: "dir", mode: 0o700 },
    { path: "/var/log/osquery", kind: "dir", mode: 0o750 },
  ];
}

function run(program: string, args: string[], what: string, hint: string): string {
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).outputSync();
  } catch (err) {
    throw new PackageError(`${what}: cannot run ${program} (${hint}): ${err instanceof Error ? err.message : err}`);
  }
  if (!out.success) {
    throw new PackageError(`${what} failed:\n${decoder.decode(out.stderr)}${decoder.decode(out.stdout)}`);
  }
  return decoder.decode(out.stdout);
}

/** Writes the layout under `root` (a staging directory). */
function stage(root: string, layout: PackageEntry[]): void {
  for (const e of layout) {
    const target = `${root}${e.path}`;
    Deno.mkdirSync(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    if (e.kind === "dir") {
      Deno.mkdirSync(target, { recursive: true });
      Deno.chmodSync(target, e.mode ?? 0o755);
    } else if (e.kind === "link") {
      Deno.symlinkSync(e.source!, target);
    } else {
      Deno.copyFileSync(e.source!, target);
      Deno.chmodSync(target, e.mode ?? 0o644);
    }
  }
}

function debControl(version: string, installedKiB: number): string {
  return `Package: osq
Version: ${version}
Architecture: amd64
Maintainer: osq developers <osq@localhost>
Installed-Size: ${installedKiB}
Depends: libc6 (>= 2.31), libsqlite3-0
Conflicts: osquery
Replaces: osquery
Section: admin
Priority: optional
Homepage: https://osquery.io/
Description: osquery rebuilt in TypeScript: the host as a relational database
 osq answers SQL about processes, sockets, packages, users and files with
 osquery's tables, flags, configs, logs and extension protocol: osqueryi (the
 shell) and osqueryd (the daemon, osqueryd.service) in one executable.
`;
}

/** Builds the .deb into `outDir`; returns its path. */
export function buildDeb(executable: string, outDir: string, version = OSQ_VERSION): string {
  const root = Deno.makeTempDirSync({ prefix: "osq_deb_" });
  try {
    const layout = packageLayout(executable);
    stage(root, layout);
    Deno.chmodSync(root, 0o755); // the package's "./" entry: a private temp dir's 0700 would be installed as /
    Deno.mkdirSync(`${root}/DEBIAN`);
    const kib = Math.ceil(
      layout.reduce((n, e) => n + (e.kind === "file" ? Deno.statSync(e.source!).size : 0), 0) / 1024,
    );
    Deno.writeTextFileSync(`${root}/DEBIAN/control`, debControl(version, kib));
    for (const script of ["postinst", "prerm", "postrm"]) {
      Deno.copyFileSync(`${ROOT}packaging/${script}`, `${root}/DEBIAN/${script}`);
      Deno.chmodSync(`${root}/DEBIAN/${script}`, 0o755);
    }
    const out = `${outDir}/osq_${version}_amd64.deb`;
    run(
      "dpkg-deb",
      ["--root-owner-group", "-Zgzip", "-z6", "--build", root, out],
      "dpkg-deb",
      "apt-get install dpkg-dev",
    );
    return out;
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

function rpmSpec(version: string, layout: PackageEntry[], staged: string): string {
  const script = (name: string) => Deno.readTextFileSync(`${ROOT}packaging/${name}`);
  const files = layout.map((e) => {
    if (e.kind === "dir") return `%dir %attr(${(e.mode ?? 0o755).toString(8)},root,root) ${e.path}`;
    if (e.kind === "link") return e.path;
    if (e.path.endsWith(".service")) return `%attr(0644,root,root) ${e.path}`;
    return `%attr(${(e.mode ?? 0o644).toString(8)},root,root) ${e.path}`;
  });
  return `# Generated by scripts/package.ts
%global debug_package %{nil}
%global __os_install_post %{nil}
%global __strip /bin/true
%global _build_id_links none
Name: osq
Version: ${version}
Release: 1
Summary: osquery rebuilt in TypeScript: the host as a relational database
License: MIT
URL: https://osquery.io/
Requires: glibc, sqlite-libs
Conflicts: osquery
AutoReqProv: no

%description
osq answers SQL about processes, sockets, packages, users and files with osquery's
tables, flags, configs, logs and extension protocol: osqueryi (the shell) and osqueryd
(the daemon, osqueryd.service) in one executable.

%install
cp -a ${staged}/. %{buildroot}/

%post
${script("postinst")}
%preun
${script("prerm")}
%postun
${script("postrm")}
%files
${files.join("\n")}
`;
}

/** Builds the .rpm into `outDir`; returns its path. */
export function buildRpm(executable: string, outDir: string, version = OSQ_VERSION): string {
  const top = Deno.makeTempDirSync({ prefix: "osq_rpm_" });
  try {
    const layout = packageLayout(executable);
    const staged = `${top}/staged`;
    stage(staged, layout);
    for (const d of ["SPECS", "RPMS", "BUILD", "BUILDROOT", "SOURCES", "SRPMS"]) Deno.mkdirSync(`${top}/${d}`);
    Deno.writeTextFileSync(`${top}/SPECS/osq.spec`, rpmSpec(version, layout, staged));
    run(
      "rpmbuild",
      [
        "-bb",
        "--quiet",
        "--target",
        "x86_64",
        "--define",
        `_topdir ${top}`,
        "--define",
        "_binary_payload w6.gzdio",
        `${top}/SPECS/osq.spec`,
      ],
      "rpmbuild",
      "apt-get install rpm",
    );
    const built = `${top}/RPMS/x86_64/osq-${version}-1.x86_64.rpm`;
    const out = `${outDir}/osq-${version}.x86_64.rpm`;
    Deno.copyFileSync(built, out);
    return out;
  } finally {
    Deno.removeSync(top, { recursive: true });
  }
}

/** Builds both packages; returns their paths. */
export async function buildPackages(outDir = `${ROOT}dist`): Promise<{ deb: string; rpm: string }> {
  const executable = `${ROOT}dist/osq`;
  try {
    Deno.statSync(executable);
  } catch {
    await build(executable);
  }
  Deno.mkdirSync(outDir, { recursive: true });
  const deb = buildDeb(executable, outDir);
  const rpm = buildRpm(executable, outDir);
  return { deb, rpm };
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--out");
  try {
    const { deb, rpm } = await buildPackages(i >= 0 ? Deno.args[i + 1] : undefined);
    console.log(`osq package: ${deb}\nosq package: ${rpm}`);
  } catch (err) {
    if (!(err instanceof PackageError)) throw err;
    console.error(`osq package: ${err.message}`);
    Deno.exit(1);
  }
}
