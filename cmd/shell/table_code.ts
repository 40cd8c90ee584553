/**
 * What a statement naming built-in tables needs, in one round of module loading: the loaders of
 * the tables' modules and the engine's code that serves tables (core/engine_parts.ts). Imported
 * apart, they cost the processes query a second round (each dynamic import builds Deno's module
 * graph again): ~3 % more CPU instructions.
 *
 * @module
 */
import { installEngineParts } from "../../core/engine_core.ts";
import { ENGINE_PARTS } from "../../core/engine_parts.ts";

installEngineParts(ENGINE_PARTS);

export { loadTable, TABLE_ALIASES } from "../../tables/table_loaders.ts";
