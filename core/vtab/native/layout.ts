/**
 * Byte offsets of core/vtab/native/cursor.c's Cursor and Cell structs as the C compiler lays them
 * out (LP64: the same on x86-64 and AArch64 Linux), written by scripts/build_native_cursor.ts.
 * Generated: edit cursor.c and rebuild.
 *
 * @module
 */

/** Sizes and field offsets, in bytes. */
export const LAYOUT = {
  cursorBytes: 72,
  api: 8,
  cells: 16,
  arena: 24,
  refill: 32,
  cancel: 40,
  row: 48,
  rows: 52,
  columns: 56,
  done: 60,
  rowid: 64,
  cellBytes: 16,
  cellValue: 8,
} as const;
