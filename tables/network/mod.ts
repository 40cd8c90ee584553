/**
 * The network tables: importing this module registers each of them.
 *
 * @module
 */
