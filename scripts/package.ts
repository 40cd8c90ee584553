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
 * packages depend on the host libraries osq binds over FFI ({@linkcode LIBRARY_PACKAGES}: the
 * ones core features need as Depends/Requires, those of single tables or plugins as
 * Recommends/Suggests) and conflict with osquery (same paths).
 *
 *   deno run -A scripts/package.ts [--out dist]
 *
 * @module
 */
import { OSQ_VERSION } from "../core/runtime/version.ts";
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

/** How much osq needs a host library. */
export type LibraryNeed =
  | "depends" // core features (the SQL engine, certificates, systemd units, regex functions, logs)
  | "recommends" // tables most hosts query (magic, yara, curl, augeas): installed by default by apt
  | "suggests"; // one table family or plugin (RPM databases, forensics, the Kafka logger)

/** A host library osq opens over FFI and the packages that ship it. */
export interface LibraryPackage {
  /** The shared objects osq opens (every soname named in the sources is listed by one entry). */
  sonames: string[];
  /** The Debian package; alternatives ("a | b") for releases that renamed it (Ubuntu 24.04's t64). */
  deb: string;
  /** The RHEL/Fedora package. */
  rpm: string;
  need: LibraryNeed;
  /** What uses it. */
  usedBy: string;
}

/** The libraries osq binds over FFI, and how the .deb and .rpm relate to their packages. */
export const LIBRARY_PACKAGES: readonly LibraryPackage[] = [
  { sonames: ["libc.so.6", "libc.so"], deb: "libc6 (>= 2.31)", rpm: "glibc", need: "depends", usedBy: "everything" },
  // dlopen/dlsym for calls through an address (core/runtime/tiered_ffi.ts): part of glibc.
  { sonames: ["libdl.so.2"], deb: "libc6 (>= 2.31)", rpm: "glibc", need: "depends", usedBy: "FFI calls by address" },
  {
    sonames: ["libsqlite3.so.0", "libsqlite3.so"],
    deb: "libsqlite3-0",
    rpm: "sqlite-libs",
    need: "depends",
    usedBy: "the SQL engine",
  },
  {
    sonames: ["libcrypto.so.3"],
    deb: "libssl3 | libssl3t64",
    rpm: "openssl-libs",
    need: "depends",
    usedBy: "certificates and hashing",
  },
  {
    sonames: ["libsystemd.so.0"],
    deb: "libsystemd0",
    rpm: "systemd-libs",
    need: "depends",
    usedBy: "systemd_units (sd-bus)",
  },
  {
    sonames: ["libpcre2-8.so.0", "libpcre2-8.so"],
    deb: "libpcre2-8-0",
    rpm: "pcre2",
    need: "depends",
    usedBy: "regex_match, regex_split",
  },
  { sonames: ["libzstd.so.1"], deb: "libzstd1", rpm: "libzstd", need: "depends", usedBy: "rotated log compression" },
  {
    sonames: ["libblkid.so.1", "libblkid.so"],
    deb: "libblkid1",
    rpm: "libblkid",
    need: "depends",
    usedBy: "block_devices",
  },
  {
    sonames: ["libcap.so.2", "libcap.so"],
    deb: "libcap2",
    rpm: "libcap",
    need: "depends",
    usedBy: "file capabilities",
  },
  {
    sonames: ["libmagic.so.1", "libmagic.so"],
    deb: "libmagic1 | libmagic1t64",
    rpm: "file-libs",
    need: "recommends",
    usedBy: "magic",
  },
  {
    sonames: ["libyara.so.9", "libyara.so.10", "libyara.so"],
    deb: "libyara9 | libyara10",
    rpm: "yara",
    need: "recommends",
    usedBy: "yara, yara_events",
  },
  {
    sonames: ["libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"],
    deb: "libcurl4 | libcurl4t64",
    rpm: "libcurl",
    need: "recommends",
    usedBy: "curl, curl_certificate",
  },
  { sonames: ["libaugeas.so.0"], deb: "libaugeas0", rpm: "augeas-libs", need: "recommends", usedBy: "augeas" },
  {
    sonames: ["librpm.so.9", "librpmio.so.9"],
    deb: "librpm9 | librpm9t64",
    rpm: "rpm-libs",
    need: "suggests",
    usedBy: "rpm_packages, rpm_package_files",
  },
  {
    sonames: ["libtsk.so.19", "libtsk.so"],
    deb: "libtsk19 | libtsk19t64",
    rpm: "sleuthkit-libs",
    need: "suggests",
    usedBy: "device_file, device_hash, device_partitions",
  },
  {
    sonames: ["librdkafka.so.1"],
    deb: "librdkafka1",
    rpm: "librdkafka",
    need: "suggests",
    usedBy: "kafka_producer logger",
  },
];

/** The packages of one need, comma-joined as a control or spec field wants them. */
export function relations(kind: "deb" | "rpm", need: LibraryNeed): string {
  // One relation per package, however many of its libraries osq opens (libc6 holds libc and libdl).
  return [...new Set(LIBRARY_PACKAGES.filter((l) => l.need === need).map((l) => l[kind]))].join(", ");
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

/** The .deb's DEBIAN/control. */
export function debControl(version: string, installedKiB: number): string {
  return `Package: osq
Version: ${version}
Architecture: amd64
Maintainer: osq developers <osq@localhost>
Installed-Size: ${installedKiB}
Depends: ${relations("deb", "depends")}
Recommends: ${relations("deb", "recommends")}
Suggests: ${relations("deb", "suggests")}
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

/** The .rpm's spec file (`staged`: the directory holding the layout). */
export function rpmSpec(version: string, layout: PackageEntry[], staged: string): string {
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
Requires: ${relations("rpm", "depends")}
Recommends: ${relations("rpm", "recommends")}
Suggests: ${relations("rpm", "suggests")}
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
