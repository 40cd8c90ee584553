/**
 * The software tables: importing this module registers each of them.
 *
 * @module
 */
import "./deb_packages.ts";
