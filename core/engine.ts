/**
 * The engine (core/engine_core.ts) with the code that serves tables and osquery's SQL functions
 * loaded: importing this module makes every engine of the process able to run any statement at
 * once. The daemon, the extension manager, packs and tests use it; the shell imports
 * core/engine_core.ts and loads that code only when a statement may need it.
 *
 * @module
 */
import { installEngineParts } from "./engine_core.ts";
import { ENGINE_PARTS } from "./engine_parts.ts";

installEngineParts(ENGINE_PARTS);

export * from "./engine_core.ts";
