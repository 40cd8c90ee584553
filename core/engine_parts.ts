/**
 * The engine's code for serving tables and osquery's SQL functions, as one value: core/engine.ts
 * installs it when imported; the shell loads this module (`loadEngineParts()` of
 * core/engine_core.ts) only when a statement may need it.
 *
 * @module
 */
import type { EngineParts } from "./engine_core.ts";
import { VirtualTableModule } from "./vtab/module.ts";
import { registerSqlFunctions } from "./sql/functions.ts";

/** The virtual-table module and osquery's functions. */
export const ENGINE_PARTS: EngineParts = { VirtualTableModule, registerSqlFunctions };
