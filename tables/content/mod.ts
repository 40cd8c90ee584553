/**
 * The content tables: importing this module registers each of them.
 *
 * @module
 */
import "./magic.ts";
