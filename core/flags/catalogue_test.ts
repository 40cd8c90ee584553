import { FlagError, Flags, flags as processFlags } from "./flags.ts";
import { ignoredFlagsMessage, newlyIgnoredFlags } from "./catalogue.ts";
import { OSQUERY_FLAG_ALIASES, OSQUERY_FLAGS, OSQUERY_FLAGS_VERSION } from "./catalogue_data.ts";
import { OSQUERY_VERSION } from "../runtime/version.ts";
import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";

interface ReferenceFlag {
  name: string;
  type: string;
  default: string | number | boolean | null;
  kind: string;
  platforms: string[];
}

const reference = JSON.parse(
  await Deno.readTextFile(new URL("../../testdata/reference/osquery_flags.json", import.meta.url)),
) as { osquery_version: string; flags: ReferenceFlag[]; aliases: { alias: string; target: string }[] };

Deno.test("flags catalogue: the module holds exactly the flags generated from osquery's source in testdata", () => {
  assertEquals(OSQUERY_FLAGS_VERSION, reference.osquery_version);
  assertEquals(OSQUERY_FLAGS_VERSION, OSQUERY_VERSION);
  const all = ["darwin", "freebsd", "linux", "windows"];
  const fromModule = OSQUERY_FLAGS.map((f) => ({
    name: f.name,
    type: f.type,
    default: f.default,
    kind: f.kind,
    platforms: f.platforms ? [...f.platforms] : all,
  }));
  const fromReference = reference.flags.map((f) => ({
    name: f.name,
    type: f.type,
    default: f.default,
    kind: f.kind,
    platforms: f.platforms,
  }));
  assertEquals(fromModule, fromReference);
  assertEquals(OSQUERY_FLAG_ALIASES.map((a) => [a.alias, a.target]), reference.aliases.map((a) => [a.alias, a.target]));
  // osquery 5.23 defines well over 250 flags; a broken generator would find far fewer.
  assert(reference.flags.length > 250, `only ${reference.flags.length} flags in the reference`);
});

Deno.test("flags catalogue: the process-wide registry accepts every osquery flag and alias at its default", () => {
  for (const flag of reference.flags) {
    assert(processFlags.has(flag.name), `--${flag.name} is not accepted`);
    assertEquals(processFlags.spec(flag.name).type === "bool", flag.type === "bool", `--${flag.name} changed kind`);
  }
  for (const { alias } of reference.aliases) assert(processFlags.has(alias), `alias --${alias} is not accepted`);
});

Deno.test("flags catalogue: a flag osq does not act on is accepted, typed, and reported as ignored once set", () => {
  const f = new Flags();
  f.define({ name: "verbose", type: "bool", default: false, description: "Log more" });
  f.loadCatalogue([
    { name: "utc", type: "bool", default: true, kind: "FLAG" },
    { name: "table_delay", type: "uint64", default: 0, kind: "HIDDEN_FLAG" },
    { name: "verbose", type: "bool", default: false, kind: "FLAG" },
  ], [{ alias: "td", target: "table_delay" }]);
  assertEquals(f.ignoredInUse(), []);
  f.parse(["--utc=false", "--td=20", "--verbose"]);
  assertEquals(f.get("table_delay"), 20);
  assertEquals(f.ignoredInUse(), ["table_delay", "utc"]);
  assertEquals(f.spec("verbose").kind, "FLAG");
  assert(!f.spec("verbose").ignored);
  assertThrows(() => f.parse(["--table_delay=soon"]), FlagError, "expects an integer");
  // A flag osquery does not have is still an error naming the closest flag.
  assertThrows(() => f.parse(["--utcc"]), FlagError, "Unknown flag --utcc: did you mean --utc?");
  // Hidden flags stay out of --help; ignored ones say so there.
  assert(!f.help().includes("table_delay"));
  assert(f.help().includes("osquery flag osq accepts and ignores"));
});

Deno.test("flags catalogue: a module declaring a catalogued flag takes it over, keeping a value already set", () => {
  const f = new Flags();
  f.loadCatalogue([{ name: "docker_socket", type: "string", default: "/var/run/docker.sock", kind: "FLAG" }]);
  f.parse(["--docker_socket=/tmp/d.sock"]);
  assertEquals(f.ignoredInUse(), ["docker_socket"]);
  const spec = f.define({ name: "docker_socket", type: "string", default: "/var/run/docker.sock", description: "D" });
  assertEquals(spec.description, "D");
  assertEquals(spec.kind, "FLAG");
  assertEquals(f.string("docker_socket"), "/tmp/d.sock");
  assertEquals(f.source("docker_socket"), "cli");
  assertEquals(f.ignoredInUse(), []);
});

Deno.test("flags catalogue: each ignored flag a user sets is reported once; osq's own settings are not", () => {
  const f = new Flags();
  f.loadCatalogue([
    { name: "utc", type: "bool", default: true, kind: "FLAG" },
    { name: "table_delay", type: "uint64", default: 0, kind: "HIDDEN_FLAG" },
    { name: "disable_watchdog", type: "bool", default: false, kind: "CLI_FLAG" },
  ]);
  f.set("disable_watchdog", true, "runtime");
  assertEquals(newlyIgnoredFlags(f), []);
  f.parse(["--utc"]);
  assertEquals(newlyIgnoredFlags(f), ["utc"]);
  assertEquals(newlyIgnoredFlags(f), []);
  f.set("table_delay", "5", "config");
  assertEquals(newlyIgnoredFlags(f), ["table_delay"]);
  assertEquals(
    ignoredFlagsMessage(["table_delay", "utc"]),
    "osquery flags osq accepts but does not act on (ignored): --table_delay, --utc",
  );
});

Deno.test("flags catalogue: an entry becomes a flag when first named; a later module declaration still takes osquery's kind and aliases", () => {
  const f = new Flags();
  f.loadCatalogue([
    { name: "extensions_interval", type: "int32", default: 3, kind: "CLI_FLAG", platforms: ["linux"] },
    { name: "utc", type: "bool", default: true, kind: "FLAG" },
  ], [{ alias: "interval", target: "extensions_interval" }]);
  // Nothing declared yet, but every name (alias too) is known and typed.
  assertEquals(f.ignoredInUse(), []);
  assert(f.has("interval") && f.has("utc") && !f.has("nothing"));
  f.parse(["--interval=7"]);
  assertEquals(f.number("extensions_interval"), 7);
  const spec = f.define({ name: "extensions_interval", type: "int32", default: 3, description: "Seconds" });
  assertEquals(spec.cliOnly, true);
  assertEquals(spec.platforms, ["linux"]);
  assertEquals(spec.aliases, ["interval"]);
  assertEquals(f.number("interval"), 7);
  // A module declaring a catalogued flag no lookup named yet gets the same merge.
  const utc = f.define({ name: "utc", type: "bool", default: true, description: "UTC" });
  assertEquals([utc.kind, utc.ignored], ["FLAG", undefined]);
  assertEquals(f.names(), ["extensions_interval", "utc"]);
});
