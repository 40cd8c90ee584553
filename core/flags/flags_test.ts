import { closest, editDistance, FlagError, Flags, unknownFlagMessage } from "./flags.ts";
import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";

function registry(): Flags {
  const f = new Flags();
  f.define({ name: "json", type: "bool", default: false, description: "JSON output" });
  f.define({ name: "header", type: "bool", default: true, description: "Headers" });
  f.define({ name: "separator", type: "string", default: "|", description: "Separator" });
  f.define({ name: "A", type: "string", default: "", description: "Select all" });
  f.define({ name: "events_max", type: "uint64", default: 50000, description: "Max events" });
  f.define({ name: "watchdog_level", type: "int32", default: 0, description: "Level" });
  f.define({
    name: "logger_path",
    type: "string",
    default: "/var/log/osquery",
    description: "Logs",
    aliases: ["osquery_log_dir"],
  });
  return f;
}

Deno.test("flags: --flag=value, --flag value and -flag value all set a flag", () => {
  const f = registry();
  const parsed = f.parse(["--separator=,", "--events_max", "10", "-A", "processes", "select 1"]);
  assertEquals(f.string("separator"), ",");
  assertEquals(f.number("events_max"), 10);
  assertEquals(f.string("A"), "processes");
  assertEquals(parsed.positionals, ["select 1"]);
  assertEquals(parsed.set, ["separator", "events_max", "A"]);
  assertEquals(f.source("separator"), "cli");
});

Deno.test("flags: a bare boolean is true, --noflag is false, and a boolean never takes the next argument", () => {
  const f = registry();
  const parsed = f.parse(["--json", "--noheader", "select 1"]);
  assert(f.bool("json"));
  assert(!f.bool("header"));
  assertEquals(parsed.positionals, ["select 1"]);
  f.parse(["--json=false", "--header=1"]);
  assert(!f.bool("json"));
  assert(f.bool("header"));
});

Deno.test("flags: flags may follow positionals; -- ends flag parsing", () => {
  const f = registry();
  const parsed = f.parse(["select 1", "--json", "--", "--header"]);
  assert(f.bool("json"));
  assertEquals(parsed.positionals, ["select 1", "--header"]);
});

Deno.test("flags: an unknown flag names the closest known one", () => {
  const f = registry();
  const err = assertThrows(() => f.parse(["--jsno"]), FlagError);
  assertEquals(err.message, "Unknown flag --jsno: did you mean --json?");
  const far = assertThrows(() => f.parse(["--qqqqqqqqqq"]), FlagError);
  assertEquals(far.message, "Unknown flag --qqqqqqqqqq: see --help for the flags.");
  assertThrows(() => f.parse(["--noseparator"]), FlagError, "did you mean --separator?");
});

Deno.test("flags: malformed values are errors that say what is expected", () => {
  const f = registry();
  assertThrows(() => f.parse(["--header=maybe"]), FlagError, "expects true or false, not 'maybe'");
  assertThrows(() => f.parse(["--events_max=-1"]), FlagError, "non-negative");
  assertThrows(() => f.parse(["--events_max=ten"]), FlagError, "expects an integer");
  assertThrows(() => f.parse(["--watchdog_level=9999999999"]), FlagError, "out of range");
  assertThrows(() => f.parse(["--separator"]), FlagError, "needs a value");
  assertThrows(() => f.parse(["--nojson=1"]), FlagError, "takes no value");
});

Deno.test("flags: aliases set the flag they stand for", () => {
  const f = registry();
  f.parse(["--osquery_log_dir=/tmp/logs"]);
  assertEquals(f.string("logger_path"), "/tmp/logs");
});

Deno.test("flags: --flagfile reads one flag per line, skipping blanks and comments, and reports the line of a bad one", () => {
  const f = registry();
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/good`, "# osquery flags\n\n--json\n--separator=;\n  --events_max 7\n--noheader\n");
  f.parse(["--flagfile", `${dir}/good`]);
  assert(f.bool("json"));
  assertEquals(f.string("separator"), ";");
  assertEquals(f.number("events_max"), 7);
  assert(!f.bool("header"));
  assertEquals(f.source("json"), "flagfile");
  Deno.writeTextFileSync(`${dir}/bad`, "--json\n--jsn\n");
  assertThrows(
    () => f.parse([`--flagfile=${dir}/bad`]),
    FlagError,
    `${dir}/bad:2: Unknown flag --jsn: did you mean --json?`,
  );
  assertThrows(() => f.parse([`--flagfile=${dir}/absent`]), FlagError, "no such file");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("flags: the default flagfile is read only when no --flagfile is given", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/default`, "--json\n");
  Deno.writeTextFileSync(`${dir}/other`, "--separator=x\n");
  const a = registry();
  a.parse([], { defaultFlagfile: `${dir}/default` });
  assert(a.bool("json"));
  const b = registry();
  b.parse([`--flagfile=${dir}/other`], { defaultFlagfile: `${dir}/default` });
  assert(!b.bool("json"));
  assertEquals(b.string("separator"), "x");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("flags: defining a name twice keeps the first declaration; reset restores defaults", () => {
  const f = registry();
  f.define({ name: "json", type: "string", default: "x", description: "again" });
  assertEquals(f.spec("json").type, "bool");
  f.parse(["--json"]);
  f.reset();
  assert(!f.bool("json"));
  assert(f.isDefault("json"));
});

Deno.test("flags: help lists visible flags with defaults; all() is sorted", () => {
  const f = registry();
  const help = f.help();
  assert(help.includes("--separator VALUE"), help);
  assert(help.includes("(default: |)"), help);
  assertEquals(f.all().map((x) => x.spec.name), [...f.names()]);
});

Deno.test("flags: closest and edit distance", () => {
  assertEquals(editDistance("kitten", "sitting"), 3);
  assertEquals(closest("procesess", ["processes", "process_envs"]), "processes");
  assertEquals(closest("zzzz", ["processes"]), undefined);
  assertEquals(unknownFlagMessage("verbos", ["verbose"]), "Unknown flag --verbos: did you mean --verbose?");
});
