import { assertEquals } from "../../testing/assert.ts";
import aptSourcesTable, { cacheFileName, parseAptSourceLine, parseDeb822Block } from "./apt_sources.ts";
import yumSourcesTable from "./yum_sources.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

/** testdata/software/root: /etc/apt, /var/lib/apt/lists and /etc/yum.repos.d (no /etc/yum.conf). */
const ROOT = fixtureHost(testdata("software", "root"));

Deno.test("apt_sources: one-line and deb822 sources with a fetched Release file become rows", () => {
  const e = tableEngine([aptSourcesTable], ROOT);
  const rows = e.query("select name, base_uri, source from apt_sources order by name");
  assertEquals(rows, [
    {
      name: "deb.debian.org/debian bookworm",
      base_uri: "http://deb.debian.org/debian",
      source: "/etc/apt/sources.list",
    },
    {
      name: "flat.example.net/repo ./",
      base_uri: "https://flat.example.net/repo",
      source: "/etc/apt/sources.list.d/flat.list",
    },
    {
      name: "repo.example.com/apt stable",
      base_uri: "https://repo.example.com/apt",
      source: "/etc/apt/sources.list",
    },
    {
      name: "security.debian.org/debian-security bookworm-security",
      base_uri: "http://security.debian.org/debian-security",
      source: "/etc/apt/sources.list.d/security.sources",
    },
  ]);
});

Deno.test("apt_sources: Release fields fill release, version, maintainer, components, architectures", () => {
  const e = tableEngine([aptSourcesTable], ROOT);
  const [row] = e.query(
    "select release, version, maintainer, components, architectures from apt_sources where name = 'deb.debian.org/debian bookworm'",
  );
  assertEquals(row, {
    release: "bookworm",
    version: "12.5",
    maintainer: "Debian",
    components: "main contrib non-free-firmware non-free",
    architectures: "all amd64 arm64 armel armhf i386 mips64el mipsel ppc64el s390x",
  });
});

Deno.test("apt_sources: line parser skips deb-src, comments and lines without a scheme or suite", () => {
  assertEquals(parseAptSourceLine("deb-src http://a.example/debian bookworm main"), undefined);
  assertEquals(parseAptSourceLine("deb-src http://a.example/deb bookworm main"), undefined);
  assertEquals(parseAptSourceLine("  deb\thttp://a.example/debian bookworm")?.name, "a.example/debian bookworm");
  assertEquals(parseAptSourceLine("# deb http://a.example/debian bookworm main"), undefined);
  assertEquals(parseAptSourceLine("deb a.example/debian bookworm main"), undefined);
  assertEquals(parseAptSourceLine("deb http://a.example/debian/"), undefined);
  assertEquals(
    parseAptSourceLine("deb [arch=amd64 trusted=yes] http://a.example/x/ sid main")?.name,
    "a.example/x sid",
  );
  assertEquals(
    cacheFileName(parseAptSourceLine("deb http://a.example/debian sid main")!.cacheParts),
    "a.example_debian_dists_sid",
  );
});

Deno.test("apt_sources: deb822 blocks expand URIs × Suites and honour Types and Enabled", () => {
  const block = "Types: deb\nURIs: http://a.example/d/ https://b.example/e\nSuites: one two\n";
  assertEquals(parseDeb822Block(block).map((s) => s.name), [
    "a.example/d one",
    "a.example/d two",
    "b.example/e one",
    "b.example/e two",
  ]);
  assertEquals(parseDeb822Block("Types: deb-src\nURIs: http://a.example/\nSuites: x"), []);
  assertEquals(parseDeb822Block("Types: deb\nURIs: http://a.example/\nSuites: x\nEnabled: no"), []);
  assertEquals(parseDeb822Block("Types: deb\nSuites: x"), []);
});

Deno.test("apt_sources: a host without /etc/apt yields zero rows", () => {
  const e = tableEngine([aptSourcesTable], fixtureHost("/nonexistent"));
  assertEquals(e.query("select * from apt_sources"), []);
});

Deno.test("yum_sources: sections of .repo files become rows; [main] and unreported keys are left out", () => {
  const e = tableEngine([yumSourcesTable], ROOT);
  const rows = e.query("select * from yum_sources order by name");
  assertEquals(rows, [
    {
      name: "Fedora $releasever - $basearch",
      source: "/etc/yum.repos.d/fedora.repo",
      baseurl: "",
      mirrorlist: "",
      metalink: "https://mirrors.fedoraproject.org/metalink?repo=fedora-$releasever&arch=$basearch",
      enabled: "1",
      gpgcheck: "1",
      gpgkey:
        "file:///etc/pki/rpm-gpg/RPM-GPG-KEY-fedora-$releasever-$basearch file:///etc/pki/rpm-gpg/RPM-GPG-KEY-fedora-extra",
    },
    {
      name: "Fedora $releasever - $basearch - Debug",
      source: "/etc/yum.repos.d/fedora.repo",
      baseurl: "",
      mirrorlist: "https://mirrors.example/mirrorlist?repo=fedora-debug-$releasever",
      metalink: "",
      enabled: "0",
      gpgcheck: "",
      gpgkey: "",
    },
  ]);
});

Deno.test("yum_sources: yum.conf's own repositories are listed and its reposdir is followed", () => {
  // testdata/software/yum_conf: /etc/yum.conf defines a repository and sets reposdir=/etc/yum/other.d.
  const e = tableEngine([yumSourcesTable], fixtureHost(testdata("software", "yum_conf")));
  const conf = "/etc/yum.conf";
  const rows = e.query("select name, source, baseurl from yum_sources order by source, name");
  const other = "/etc/yum/other.d/other.repo";
  assertEquals(rows.map((r) => r.source).sort(), [conf, other, other].sort());
  assertEquals(rows.find((r) => r.source === conf), {
    name: "Repository in yum.conf",
    source: conf,
    baseurl: "http://conf.example.com/",
  });
});

Deno.test("yum_sources: a file with duplicate sections is skipped, not an error", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/etc/yum.repos.d`, { recursive: true });
    Deno.copyFileSync(
      testdata("software", "root", "etc", "yum.repos.d", "broken.repo"),
      `${dir}/etc/yum.repos.d/broken.repo`,
    );
    assertEquals(tableEngine([yumSourcesTable], fixtureHost(dir)).query("select * from yum_sources"), []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
