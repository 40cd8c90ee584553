import { assertEquals } from "../testing/assert.ts";
import { unknownCommandMessage } from "./suggest.ts";

Deno.test("osq <typo>: the closest command is suggested", () => {
  assertEquals(
    unknownCommandMessage("shel"),
    "osq: unknown command 'shel': did you mean 'osq shell'? Commands: shell, daemon, extension, pack, version.",
  );
  assertEquals(unknownCommandMessage("deamon").includes("did you mean 'osq daemon'?"), true);
  assertEquals(unknownCommandMessage("osqueryi").includes("did you mean 'osq shell'?"), true);
  assertEquals(
    unknownCommandMessage("frobnicate"),
    "osq: unknown command 'frobnicate'. Commands: shell, daemon, extension, pack, version.",
  );
});

Deno.test("osq --<flag typo>: the closest flag with the command it belongs to", () => {
  assertEquals(
    unknownCommandMessage("--jsn"),
    "osq: unknown command '--jsn': did you mean the flag --json? Flags follow the command: osq shell --json",
  );
  assertEquals(
    unknownCommandMessage("--config_pth=/etc/osquery/osquery.conf"),
    "osq: unknown command '--config_pth=/etc/osquery/osquery.conf': did you mean the flag --config_path? " +
      "Flags follow the command: osq daemon --config_path",
  );
  // A real flag before the command: say where it goes.
  assertEquals(unknownCommandMessage("--json"), "osq: '--json' is a flag. Flags follow the command: osq shell --json");
  assertEquals(unknownCommandMessage("--noheader").endsWith("osq shell --noheader"), true);
  assertEquals(unknownCommandMessage("--zzzzzzzzzzzzzzzz").includes("unknown command '--zzzzzzzzzzzzzzzz'."), true);
});
