/**
 * An SDK extension offering the three plugin kinds a daemon can be driven by:
 *
 * - config `sdk_config`: a schedule with `sdk_numbers` (`select 7 as seven`, every second);
 * - logger `sdk_logger`: appends result lines to $OSQ_PLUGIN_DIR/results.log and status lines
 *   (JSON) to $OSQ_PLUGIN_DIR/status.log;
 * - distributed `sdk_distributed`: hands out `select 6 * 7 as answer` once (id "q1"), then
 *   nothing, and appends what writeResults gets to $OSQ_PLUGIN_DIR/distributed.log.
 */
import { configPlugin, defineExtension, distributedPlugin, loggerPlugin } from "osq/sdk";

const dir = Deno.env.get("OSQ_PLUGIN_DIR") ?? ".";
const append = (file: string, line: string) => Deno.writeTextFileSync(`${dir}/${file}`, line + "\n", { append: true });
let handedOut = false;

export default defineExtension({
  name: "sdk_plugins",
  version: "1.0.0",
  plugins: [
    configPlugin("sdk_config", {
      genConfig: () => ({
        main: JSON.stringify({ schedule: { sdk_numbers: { query: "select 7 as seven", interval: 1 } } }),
      }),
    }),
    loggerPlugin("sdk_logger", {
      logString: (line) => append("results.log", line),
      logStatus: (entries) => {
        for (const e of entries) append("status.log", JSON.stringify(e));
      },
    }),
    distributedPlugin("sdk_distributed", {
      getQueries() {
        if (handedOut) return { queries: {} };
        handedOut = true;
        return { queries: { q1: "select 6 * 7 as answer" } };
      },
      writeResults: (results) => append("distributed.log", results),
    }),
  ],
});
