/**
 * Types of result columns that are expressions, inferred from the statement's bytecode.
 *
 * SQLite declares a type only for columns read straight from a table; `count(*)`, `1 + pid` or
 * `name || 'x'` have none. osquery answers `.types` and the extension API's getQueryColumns for
 * such columns by reading `EXPLAIN <query>`: opcodes that load a constant, do arithmetic or
 * compare set the type of the register they write, `Copy` moves types between registers,
 * `Cast` sets the cast's type, and at each `ResultRow` the registers it outputs give their
 * types to the columns (a column keeps its declared type unless its register got one). This
 * module makes the same inference, so both report what osquery reports.
 *
 * @module
 */

/** One instruction of `EXPLAIN <query>` (the fields the inference reads). */
export interface Instruction {
  opcode: string;
  p1: number;
  p2: number;
  p3: number;
}

/** Which operand names the register an opcode writes, and the type it gives that register. */
const TYPED_OPCODES: Record<string, ["p2" | "p3", string]> = {
  Concat: ["p3", "TEXT"],
  AggStep: ["p3", "BIGINT"],
  AggStep0: ["p3", "BIGINT"],
  Integer: ["p2", "INTEGER"],
  Int64: ["p2", "BIGINT"],
  String: ["p2", "TEXT"],
  String8: ["p2", "TEXT"],
  Or: ["p3", "INTEGER"],
  And: ["p3", "INTEGER"],
};
// Arithmetic is reported as BIGINT (the widest integer), comparisons as INTEGER booleans.
for (const op of ["BitAnd", "BitOr", "ShiftLeft", "ShiftRight", "Add", "Subtract", "Multiply", "Divide", "Remainder"]) {
  TYPED_OPCODES[op] = ["p3", "BIGINT"];
}
for (const op of ["Not", "IsNull", "NotNull", "Ne", "Eq", "Gt", "Le", "Lt", "Ge", "IfNeg", "IfNotZero"]) {
  TYPED_OPCODES[op] = ["p2", "INTEGER"];
}

/** SQLite's affinity letters in a `Cast` instruction's P2. */
const CAST_TYPES: Record<number, string> = {
  0x41: "BLOB", // 'A'
  0x42: "TEXT", // 'B'
  0x43: "UNKNOWN", // 'C': NUMERIC has no osquery type
  0x44: "BIGINT", // 'D'
  0x45: "DOUBLE", // 'E'
};

/**
 * Applies the types the program implies to `types` (one per result column, in order) and
 * returns the new list.
 */
export function inferColumnTypes(program: readonly Instruction[], types: readonly string[]): string[] {
  const out = [...types];
  const registers = new Map<number, string>();
  for (const ins of program) {
    if (ins.opcode === "ResultRow") {
      for (const [register, type] of registers) {
        const column = register - ins.p1;
        if (column >= 0 && column < out.length) out[column] = type;
      }
    }
    if (ins.opcode === "Copy") {
      // Copies registers P1..P1+P3 to P2..P2+P3; the types move with them.
      for (let i = 0; i <= ins.p3; i++) {
        const type = registers.get(ins.p1 + i);
        if (type !== undefined) {
          registers.set(ins.p2 + i, type);
          registers.delete(ins.p1 + i);
        }
      }
    } else if (ins.opcode === "Cast") {
      registers.set(ins.p1, CAST_TYPES[ins.p2] ?? "UNKNOWN");
    }
    const typed = TYPED_OPCODES[ins.opcode];
    if (typed) registers.set(ins[typed[0]], typed[1]);
  }
  return out;
}
