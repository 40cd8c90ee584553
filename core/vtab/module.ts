/**
 * The virtual-table module: one sqlite3_module whose callbacks are Deno.UnsafeCallbacks, serving
 * every registered table as an eponymous virtual table.
 *
 * - xBestIndex pushes usable constraints on index/required/additional columns (osquery's rules)
 *   and records the plan; `IN (...)` is asked for all at once (sqlite3_vtab_in).
 * - A required column without a usable constraint makes the plan unusable (SQLITE_CONSTRAINT);
 *   when no plan remains, the engine reports osquery's message for that table.
 * - xFilter builds a {@linkcode QueryContext} (constraints, used columns) and starts the generator;
 *   rows stream through xNext/xColumn without being collected first.
 * - Every callback catches what it throws and reports it through zErrMsg.
 *
 * @module
 */
import { cstr, SQLITE, sqlite, TextScratch, TRANSIENT } from "../sqlite/ffi.ts";
import { readValue, resultInteger, resultText, type SqlValue } from "../sqlite/values.ts";
import { type ColumnSpec, type Constraint, OP, QueryContext, type Row, type TableSpec } from "../table.ts";
import { declaredColumns, declareSchema } from "./schema.ts";
import { oncePerStatement } from "../sqlite/statement_scope.ts";
import {
  CellBatch,
  CellKind as Kind,
  CURSOR_BYTES,
  type NativeCursorCode,
  nativeCursorCode,
  parseInteger,
} from "./native_cursor.ts";

export { parseInteger };

/** Operators we push down; any other SQLite operator code is left to SQLite. */
const PUSHABLE_OPS = new Set<number>([
  OP.EQUALS,
  OP.GREATER_THAN,
  OP.LESS_THAN_OR_EQUALS,
  OP.LESS_THAN,
  OP.GREATER_THAN_OR_EQUALS,
  OP.MATCH,
  OP.LIKE,
  OP.GLOB,
  OP.REGEXP,
]);
const RANGE_OPS = new Set<number>([
  OP.GREATER_THAN,
  OP.LESS_THAN_OR_EQUALS,
  OP.LESS_THAN,
  OP.GREATER_THAN_OR_EQUALS,
]);
/** osquery's cost of a scan that pushes nothing (and of a plan missing a required column). */
const MAX_COST = 1_000_000;

/** A table as attached to one connection: spec plus precomputed column facts. */
interface Attached {
  spec: TableSpec;
  /** Declared columns, in declaration order (aliases appended). */
  columns: ColumnSpec[];
  /** For each declared column index, the row key to read (alias columns read their target). */
  keys: string[];
  kinds: Kind[];
  pushable: boolean[];
  optimized: boolean[];
  required: boolean[];
  hasRequired: boolean;
  /** Per declared column: UNSIGNED BIGINT. */
  unsigned: boolean[];
  /** Plans parsed from idxStr texts, for reuse (a cache: see {@linkcode PARSED_PLAN_CACHE}). */
  plans: Map<string, Plan>;
}

interface PlanTerm {
  column: string;
  op: number;
  in: boolean;
}

interface Plan {
  terms: PlanTerm[];
  used: Set<string> | undefined;
  /** Indexes of the declared columns the statement reads (all of them when unknown). */
  usedColumns: number[] | undefined;
  /** A term constrains a required column (always true for tables without one). */
  requiredSatisfied: boolean;
}

interface Cursor {
  table: Attached;
  keys: string[];
  kinds: Kind[];
  array: Row[] | undefined;
  iterator: Iterator<Row> | undefined;
  index: number;
  row: Row | undefined;
  rowid: number;
  /** The native cursor's batch (when the module runs the native cursor). */
  batch: CellBatch | undefined;
}

/** Options of a {@linkcode VirtualTableModule}. */
export interface ModuleOptions {
  /** Use the native cursor where it can run (default true); false keeps every callback in TypeScript. */
  native?: boolean;
  /** The cancellation flag to share (the engine's); default: a new one. */
  cancel?: Int32Array;
}

/**
 * Parsed plans kept for reuse, keyed by their text. Only a cache: the plan itself lives in the
 * statement (idxStr), so an evicted entry is parsed again, never lost.
 */
const PARSED_PLAN_CACHE = 4096;

/** Observes scans (for `--planner` and tests): the context each generator received. */
export type ScanObserver = (table: string, ctx: QueryContext) => void;

/**
 * The module bound to one connection. Construct it, then {@linkcode VirtualTableModule.attach}
 * each table; detach removes one (extension tables).
 */
export class VirtualTableModule {
  readonly #db: bigint;
  readonly #callbacks: { close(): void; pointer: Deno.PointerObject }[] = [];
  /**
   * Tables by module id: the spec until a statement first connects the table, then its prepared
   * form (column kinds, keys, plan cache), so attaching 150 tables costs a map entry each.
   */
  readonly #tablesById = new Map<number, { spec: TableSpec; prepared?: Attached }>();
  readonly #vtabs = new Map<bigint, Attached>();
  readonly #cursors = new Map<bigint, Cursor>();
  #nextTableId = 1;
  readonly #moduleStruct: bigint;
  readonly #scratch = new TextScratch();
  #lastCursorAddress = 0n;
  #lastCursor: Cursor | undefined;
  /** Optional observer of every scan. */
  observer: ScanObserver | undefined;
  /**
   * Cancellation flag shared with other threads: when element 0 is non-zero, scans stop with
   * "interrupted" (a Ctrl-C or a time limit sets it, alongside sqlite3_interrupt).
   */
  readonly cancel: Int32Array;

  /** The native cursor's code, when this module uses it (known once {@linkcode #arm} ran). */
  #native: NativeCursorCode | undefined;
  readonly #nativeWanted: boolean;
  #armed = false;
  #refill = 0n;

  constructor(db: bigint, options: ModuleOptions = {}) {
    this.#db = db;
    this.#nativeWanted = options.native !== false;
    this.cancel = options.cancel ?? new Int32Array(new SharedArrayBuffer(4));
    const s = sqlite();
    this.#moduleStruct = s.sqlite3_malloc(200);
    const mem = this.#memory(this.#moduleStruct, 200);
    mem.fill(0);
    const view = new DataView(mem.buffer, mem.byteOffset, 200);
    view.setInt32(0, 1, true); // iVersion
    // xCreate stays NULL: the tables are eponymous-only. Only xConnect is needed before a statement
    // names a table; the other callbacks and the native cursor are made then (see #arm), so a
    // command that reads no table (`select 1`) never builds them.
    this.#slot(16, this.#xConnect());
  }

  /** Stores a callback's address at `offset` of the module struct and keeps the callback. */
  #slot(offset: number, cb: { close(): void; pointer: Deno.PointerObject }): void {
    this.#callbacks.push(cb);
    this.#structView().setBigUint64(offset, BigInt(Deno.UnsafePointer.value(cb.pointer)), true);
  }

  #structView(): DataView {
    return this.#view(this.#moduleStruct, 200);
  }

  /**
   * Fills in the module's callbacks after xConnect, on the first connect: SQLite keeps a pointer
   * to the struct and reads each slot when it calls it, and no other slot is called before the
   * first xConnect returns.
   */
  #arm(): void {
    if (this.#armed) return;
    this.#native = this.#nativeWanted ? nativeCursorCode() : undefined;
    this.#slot(24, this.#xBestIndex());
    this.#slot(32, this.#xDisconnect());
    this.#slot(48, this.#xOpen());
    this.#slot(56, this.#xClose());
    this.#slot(64, this.#xFilter());
    if (this.#native) {
      const view = this.#structView();
      view.setBigUint64(72, this.#native.next, true);
      view.setBigUint64(80, this.#native.eof, true);
      view.setBigUint64(88, this.#native.column, true);
      view.setBigUint64(96, this.#native.rowid, true);
      const refill = this.#xRefill();
      this.#callbacks.push(refill);
      this.#refill = BigInt(Deno.UnsafePointer.value(refill.pointer));
    } else {
      this.#slot(72, this.#xNext());
      this.#slot(80, this.#xEof());
      this.#slot(88, this.#xColumn());
      this.#slot(96, this.#xRowid());
    }
    // Only now: a failure above fails this xConnect (SQLite then calls no other slot) and the
    // next connect tries again, so SQLite never reaches a slot left empty.
    this.#armed = true;
  }

  /** Whether scans run through the native cursor. */
  get native(): boolean {
    this.#arm();
    return this.#native !== undefined;
  }

  /** Makes `spec` queryable on this connection under its name and aliases. */
  attach(spec: TableSpec): void {
    // The name and its aliases share one entry, so one prepared form.
    const entry: { spec: TableSpec; prepared?: Attached } = { spec };
    for (const name of [spec.name, ...(spec.aliases ?? [])]) {
      const id = this.#nextTableId++;
      this.#tablesById.set(id, entry);
      const rc = sqlite().sqlite3_create_module_v2(this.#db, cstr(name), this.#moduleStruct, BigInt(id), null);
      if (rc !== SQLITE.OK) throw new Error(`Cannot attach table ${name}: SQLite code ${rc}`);
    }
  }

  /** Removes a table from this connection (creating an empty module list entry, per SQLite). */
  detach(spec: TableSpec): void {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) {
      // Registering a module name with a NULL module removes it.
      sqlite().sqlite3_create_module_v2(this.#db, cstr(name), 0n, 0n, null);
    }
  }

  /** Releases callbacks; call after the connection is closed. */
  close(): void {
    for (const cb of this.#callbacks) cb.close();
    this.#callbacks.length = 0;
  }

  #memory(address: bigint, length: number): Uint8Array {
    const p = Deno.UnsafePointer.create(BigInt(address));
    if (p === null) throw new Error("Null pointer from SQLite");
    return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, length));
  }

  #view(address: bigint, length: number): DataView {
    const p = Deno.UnsafePointer.create(BigInt(address));
    if (p === null) throw new Error("Null pointer from SQLite");
    return new DataView(Deno.UnsafePointerView.getArrayBuffer(p, length));
  }

  /** Stores an error message in the vtab's zErrMsg (freed by SQLite). */
  #setError(vtab: bigint, message: string): void {
    const s = sqlite();
    const view = this.#view(vtab, 24);
    const old = view.getBigUint64(16, true);
    if (old !== 0n) s.sqlite3_free(old);
    const [bytes, n] = this.#scratch.encode(message);
    const mem = s.sqlite3_malloc(n + 1);
    if (mem === 0n) return;
    const dst = this.#memory(mem, n + 1);
    dst.set(bytes.subarray(0, n));
    dst[n] = 0;
    view.setBigUint64(16, BigInt(mem), true);
  }

  #errorOf(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
  }

  #xConnect() {
    return new Deno.UnsafeCallback(
      { parameters: ["usize", "usize", "i32", "usize", "usize", "usize"], result: "i32" } as const,
      (db, aux, _argc, _argv, ppVtab, _pzErr) => {
        try {
          const entry = this.#tablesById.get(Number(aux));
          if (!entry) return SQLITE.ERROR;
          const table = entry.prepared ??= prepareTable(entry.spec);
          this.#arm();
          const rc = sqlite().sqlite3_declare_vtab(db, cstr(declareSchema(table.spec)));
          if (rc !== SQLITE.OK) return rc;
          const vtab = sqlite().sqlite3_malloc(24);
          if (vtab === 0n) return SQLITE.NOMEM;
          this.#memory(vtab, 24).fill(0);
          this.#vtabs.set(BigInt(vtab), table);
          this.#view(ppVtab, 8).setBigUint64(0, BigInt(vtab), true);
          return SQLITE.OK;
        } catch {
          return SQLITE.ERROR;
        }
      },
    );
  }

  #xDisconnect() {
    return new Deno.UnsafeCallback({ parameters: ["usize"], result: "i32" } as const, (vtab) => {
      this.#vtabs.delete(BigInt(vtab));
      sqlite().sqlite3_free(vtab);
      return SQLITE.OK;
    });
  }

  #xBestIndex() {
    return new Deno.UnsafeCallback({ parameters: ["usize", "usize"], result: "i32" } as const, (vtab, info) => {
      try {
        const table = this.#vtabs.get(BigInt(vtab));
        if (!table) return SQLITE.ERROR;
        return this.#bestIndex(table, info);
      } catch (err) {
        this.#setError(vtab, this.#errorOf(err));
        return SQLITE.ERROR;
      }
    });
  }

  #bestIndex(table: Attached, info: bigint): number {
    const s = sqlite();
    const head = this.#view(info, 96);
    const nConstraint = head.getInt32(0, true);
    const aConstraint = head.getBigUint64(8, true);
    const aUsage = head.getBigUint64(32, true);
    const colUsed = head.getBigUint64(88, true);
    const cons = nConstraint ? this.#view(aConstraint, nConstraint * 12) : undefined;
    const usage = nConstraint ? this.#view(aUsage, nConstraint * 8) : undefined;
    const terms: PlanTerm[] = [];
    const termColumns: number[] = [];
    let requiredSatisfied = !table.hasRequired;
    for (let i = 0; i < nConstraint; i++) {
      const column = cons!.getInt32(i * 12, true);
      const op = cons!.getUint8(i * 12 + 4);
      const usable = cons!.getUint8(i * 12 + 5);
      if (!usable || column < 0 || column >= table.columns.length) continue;
      if (!table.pushable[column] || !PUSHABLE_OPS.has(op)) continue;
      if (RANGE_OPS.has(op) && table.kinds[column] === Kind.Text) continue;
      // IN on an optimized column reaches the generator once, with every value.
      let isIn = false;
      if (op === OP.EQUALS && table.optimized[column] && s.sqlite3_vtab_in(info, i, -1) !== 0) {
        s.sqlite3_vtab_in(info, i, 1);
        isIn = true;
      }
      terms.push({ column: table.keys[column], op, in: isIn });
      termColumns.push(column);
      usage!.setInt32(i * 8, terms.length, true);
      if (table.required[column]) requiredSatisfied = true;
    }
    // Used columns: bit i = column i; bit 63 stands for every column >= 63.
    let used: Set<string> | undefined = new Set<string>();
    let usedColumns: number[] | undefined = [];
    let usesRequired = false;
    if ((colUsed >> 63n) & 1n && table.columns.length > 63) {
      used = undefined;
      usedColumns = undefined;
      usesRequired = table.hasRequired;
    } else {
      for (let i = 0; i < table.columns.length && i < 63; i++) {
        if ((colUsed >> BigInt(i)) & 1n) {
          used.add(table.keys[i]);
          usedColumns.push(i);
          if (table.required[i]) usesRequired = true;
        }
      }
    }
    // The plan travels in idxStr, which SQLite keeps in the statement and frees with it
    // (needToFreeIdxStr): a plan lives exactly as long as the statement that uses it, however
    // many scans the statement plans.
    const text = encodePlan(termColumns, terms, usedColumns, requiredSatisfied);
    const [bytes, n] = this.#scratch.encode(text);
    const idxStr = s.sqlite3_malloc(n + 1);
    if (idxStr === 0n) return SQLITE.NOMEM;
    const dst = this.#memory(idxStr, n + 1);
    dst.set(bytes.subarray(0, n));
    dst[n] = 0;
    head.setInt32(40, 0, true);
    head.setBigUint64(48, BigInt(idxStr), true);
    head.setInt32(56, 1, true);
    // As osquery: a plan that pushes a term costs 1, a full scan (or one missing a required
    // column the query uses) the maximum, so SQLite puts such tables on the inner side of joins.
    const cost = usesRequired && !requiredSatisfied ? MAX_COST : terms.length ? 1 : MAX_COST;
    head.setFloat64(64, cost, true);
    return SQLITE.OK;
  }

  #xOpen() {
    return new Deno.UnsafeCallback({ parameters: ["usize", "usize"], result: "i32" } as const, (vtab, ppCursor) => {
      try {
        const table = this.#vtabs.get(BigInt(vtab));
        if (!table) return SQLITE.ERROR;
        const bytes = this.#native ? CURSOR_BYTES : 16;
        const cursor = sqlite().sqlite3_malloc(bytes);
        if (cursor === 0n) return SQLITE.NOMEM;
        this.#memory(cursor, bytes).fill(0);
        this.#view(cursor, 8).setBigUint64(0, BigInt(vtab), true);
        const batch = this.#native
          ? new CellBatch(BigInt(cursor), this.#native, this.#refill, this.cancel, table.keys, table.kinds, {
            unsigned: table.unsigned,
            onOutOfRange: (column, text) => reportOutOfRange(table, column, text),
          })
          : undefined;
        this.#cursors.set(BigInt(cursor), {
          table,
          keys: table.keys,
          kinds: table.kinds,
          array: undefined,
          iterator: undefined,
          index: 0,
          row: undefined,
          rowid: 0,
          batch,
        });
        this.#view(ppCursor, 8).setBigUint64(0, BigInt(cursor), true);
        return SQLITE.OK;
      } catch (err) {
        this.#setError(vtab, this.#errorOf(err));
        return SQLITE.ERROR;
      }
    });
  }

  #xClose() {
    return new Deno.UnsafeCallback({ parameters: ["usize"], result: "i32" } as const, (cursor) => {
      const key = BigInt(cursor);
      const state = this.#cursors.get(key);
      if (state?.iterator) {
        try {
          state.iterator.return?.();
        } catch {
          // A generator's cleanup failing must not fail the close.
        }
      }
      this.#cursors.delete(key);
      if (this.#lastCursorAddress === key) {
        this.#lastCursorAddress = 0n;
        this.#lastCursor = undefined;
      }
      sqlite().sqlite3_free(cursor);
      return SQLITE.OK;
    });
  }

  /**
   * The cursor at an address. xEof, xColumn and xNext are called for one cursor many times in a
   * row, so the last one found is kept (no Map lookup by BigInt per call); xClose forgets it.
   */
  #cursorAt(cursor: bigint): Cursor | undefined {
    if (cursor === this.#lastCursorAddress) return this.#lastCursor;
    const state = this.#cursors.get(cursor);
    if (state) {
      this.#lastCursorAddress = cursor;
      this.#lastCursor = state;
    }
    return state;
  }

  #vtabOf(cursor: bigint): bigint {
    return this.#view(cursor, 8).getBigUint64(0, true);
  }

  #xFilter() {
    return new Deno.UnsafeCallback(
      { parameters: ["usize", "i32", "usize", "i32", "usize"], result: "i32" } as const,
      (cursor, _idxNum, idxStr, argc, argv) => {
        const state = this.#cursors.get(cursor as bigint);
        if (!state) return SQLITE.ERROR;
        if (this.cancel[0] !== 0) {
          state.row = undefined;
          state.batch?.stop();
          this.#setError(this.#vtabOf(cursor), "interrupted");
          return SQLITE.INTERRUPT;
        }
        try {
          const plan = this.#planOf(state.table, idxStr as bigint);
          if (!plan.requiredSatisfied && state.table.hasRequired) {
            state.row = undefined;
            state.array = undefined;
            state.iterator = undefined;
            state.batch?.stop();
            this.#setError(
              this.#vtabOf(cursor),
              `Table ${state.table.spec.name} was queried without a required column in the WHERE clause`,
            );
            return SQLITE.CONSTRAINT;
          }
          const constraints = new Map<string, Constraint[]>();
          const args = argc ? this.#view(argv, argc * 8) : undefined;
          for (let i = 0; i < argc && i < plan.terms.length; i++) {
            const term = plan.terms[i];
            const valuePtr = args!.getBigUint64(i * 8, true);
            let list = constraints.get(term.column);
            if (!list) constraints.set(term.column, list = []);
            if (term.in) {
              for (const v of this.#inValues(valuePtr)) if (v !== null) list.push({ op: OP.EQUALS, value: v });
            } else {
              const value = readValue(valuePtr);
              if (value !== null) list.push({ op: term.op, value });
            }
          }
          const ctx = new QueryContext(state.table.spec.name, constraints, plan.used);
          this.observer?.(state.table.spec.name, ctx);
          if (state.iterator) state.iterator.return?.();
          const rows = state.table.spec.generate(ctx);
          state.index = 0;
          state.rowid = 0;
          if (state.batch) {
            state.array = undefined;
            state.iterator = undefined;
            const used = plan.usedColumns ?? state.table.columns.map((_, i) => i);
            if (Array.isArray(rows)) {
              let i = 0;
              state.batch.start(() => i < rows.length ? rows[i++] : undefined, used);
            } else {
              const iterator = state.iterator = rows[Symbol.iterator]();
              state.batch.start(() => {
                const next = iterator.next();
                return next.done ? undefined : next.value;
              }, used);
            }
            state.batch.refill();
          } else if (Array.isArray(rows)) {
            state.array = rows;
            state.iterator = undefined;
            state.row = rows[0];
          } else {
            state.array = undefined;
            state.iterator = rows[Symbol.iterator]();
            const first = state.iterator.next();
            state.row = first.done ? undefined : first.value;
          }
          return SQLITE.OK;
        } catch (err) {
          state.row = undefined;
          state.array = undefined;
          state.iterator = undefined;
          state.batch?.stop();
          this.#setError(this.#vtabOf(cursor), this.#errorOf(err));
          return SQLITE.ERROR;
        }
      },
    );
  }

  /** The plan xBestIndex stored in the statement's idxStr (parsed once per distinct text). */
  #planOf(table: Attached, idxStr: bigint): Plan {
    if (idxStr === 0n) throw new Error("The query plan is missing: prepare the statement again.");
    const text = Deno.UnsafePointerView.getCString(Deno.UnsafePointer.create(idxStr)!);
    let plan = table.plans.get(text);
    if (!plan) {
      plan = decodePlan(table, text);
      if (table.plans.size >= PARSED_PLAN_CACHE) table.plans.clear();
      table.plans.set(text, plan);
    }
    return plan;
  }

  /** The native cursor's way back: the next batch (or the cancellation) for the cursor at an address. */
  #xRefill() {
    return new Deno.UnsafeCallback({ parameters: ["usize"], result: "i32" } as const, (cursor) => {
      const state = this.#cursorAt(cursor as bigint);
      const batch = state?.batch;
      if (!batch) return SQLITE.ERROR;
      if (this.cancel[0] !== 0) {
        batch.stop();
        this.#setError(this.#vtabOf(cursor), "interrupted");
        return SQLITE.INTERRUPT;
      }
      try {
        batch.refill();
        return SQLITE.OK;
      } catch (err) {
        this.#setError(this.#vtabOf(cursor), this.#errorOf(err));
        return SQLITE.ERROR;
      }
    });
  }

  *#inValues(list: bigint): Generator<SqlValue> {
    const s = sqlite();
    const out = new BigUint64Array(1);
    const outBytes = new Uint8Array(out.buffer);
    let rc = s.sqlite3_vtab_in_first(list, outBytes);
    while (rc === SQLITE.OK && out[0] !== 0n) {
      yield readValue(out[0]);
      rc = s.sqlite3_vtab_in_next(list, outBytes);
    }
    if (rc !== SQLITE.OK && rc !== SQLITE.DONE) throw new Error(`Cannot read IN list: SQLite code ${rc}`);
  }

  #xNext() {
    return new Deno.UnsafeCallback({ parameters: ["usize"], result: "i32" } as const, (cursor) => {
      const state = this.#cursorAt(cursor as bigint);
      if (!state) return SQLITE.ERROR;
      if (this.cancel[0] !== 0) {
        state.row = undefined;
        this.#setError(this.#vtabOf(cursor), "interrupted");
        return SQLITE.INTERRUPT;
      }
      try {
        state.rowid++;
        if (state.array) {
          state.row = state.array[++state.index];
        } else if (state.iterator) {
          const next = state.iterator.next();
          state.row = next.done ? undefined : next.value;
        } else state.row = undefined;
        return SQLITE.OK;
      } catch (err) {
        state.row = undefined;
        this.#setError(this.#vtabOf(cursor), this.#errorOf(err));
        return SQLITE.ERROR;
      }
    });
  }

  #xEof() {
    return new Deno.UnsafeCallback({ parameters: ["usize"], result: "i32" } as const, (cursor) => {
      const state = this.#cursorAt(cursor as bigint);
      return state?.row === undefined ? 1 : 0;
    });
  }

  #xColumn() {
    const s = sqlite();
    const scratch = new TextScratch();
    return new Deno.UnsafeCallback(
      { parameters: ["usize", "usize", "i32"], result: "i32" } as const,
      (cursor, ctx, i) => {
        const state = this.#cursorAt(cursor as bigint);
        const row = state?.row;
        if (row === undefined) {
          s.sqlite3_result_null(ctx);
          return SQLITE.OK;
        }
        const value = row[state!.keys[i]];
        if (value === null || value === undefined) {
          // osquery's rule for every table: its row is a string map whose lookup creates a missing
          // entry as "", so an unset TEXT or BLOB column reads as "" while numeric ones are NULL.
          const kind = state!.kinds[i];
          if (kind === Kind.Text || kind === Kind.Blob) resultText(ctx, "");
          else s.sqlite3_result_null(ctx);
          return SQLITE.OK;
        }
        switch (state!.kinds[i]) {
          case Kind.Integer:
            if (typeof value === "number") {
              if ((value | 0) === value) s.sqlite3_result_int(ctx, value);
              else resultInteger(ctx, value);
            } else if (typeof value === "bigint") resultInteger(ctx, value);
            else if (typeof value === "boolean") s.sqlite3_result_int(ctx, value ? 1 : 0);
            else {
              const n = typeof value === "string"
                ? parseInteger(value, state!.table.unsigned[i], () => reportOutOfRange(state!.table, i, value))
                : undefined;
              if (n === undefined) s.sqlite3_result_null(ctx);
              else resultInteger(ctx, n);
            }
            return SQLITE.OK;
          case Kind.Double: {
            const n = typeof value === "number" ? value : Number(typeof value === "string" ? value.trim() : value);
            if (typeof value === "string" && value.trim() === "" || !Number.isFinite(n)) s.sqlite3_result_null(ctx);
            else s.sqlite3_result_double(ctx, n);
            return SQLITE.OK;
          }
          case Kind.Blob:
            if (value instanceof Uint8Array) {
              // A zero-length buffer would reach SQLite as a NULL pointer (a NULL result).
              if (value.length === 0) {
                s.sqlite3_result_zeroblob(ctx, 0);
                return SQLITE.OK;
              }
              const copy = new Uint8Array(new ArrayBuffer(value.length));
              copy.set(value);
              s.sqlite3_result_blob(ctx, copy, copy.length, TRANSIENT);
              return SQLITE.OK;
            }
            resultText(ctx, String(value));
            return SQLITE.OK;
          default: {
            const text = typeof value === "string"
              ? value
              : value instanceof Uint8Array
              ? new TextDecoder().decode(value)
              : String(value);
            const n = scratch.encodeLength(text);
            s.sqlite3_result_text(ctx, scratch.buffer, n, TRANSIENT);
            return SQLITE.OK;
          }
        }
      },
    );
  }

  #xRowid() {
    return new Deno.UnsafeCallback({ parameters: ["usize", "usize"], result: "i32" } as const, (cursor, out) => {
      const state = this.#cursors.get(cursor as bigint);
      this.#view(out, 8).setBigInt64(0, BigInt(state?.rowid ?? 0), true);
      return SQLITE.OK;
    });
  }
}

/**
 * A plan as text: `R;T;U` — R is 1 when a required column is constrained, T the pushed terms as
 * `column,op,in` joined by `|`, U the used column indexes joined by `,` (or `*` for all).
 */
function encodePlan(
  termColumns: number[],
  terms: PlanTerm[],
  usedColumns: number[] | undefined,
  requiredSatisfied: boolean,
): string {
  const t = terms.map((term, i) => `${termColumns[i]},${term.op},${term.in ? 1 : 0}`).join("|");
  return `${requiredSatisfied ? 1 : 0};${t};${usedColumns ? usedColumns.join(",") : "*"}`;
}

function decodePlan(table: Attached, text: string): Plan {
  const [required, t, u] = text.split(";");
  const columnAt = (i: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= table.keys.length) {
      throw new Error(`The query plan names no column ${i} of ${table.spec.name}: prepare the statement again.`);
    }
    return i;
  };
  const terms: PlanTerm[] = t === "" ? [] : t.split("|").map((part) => {
    const [column, op, isIn] = part.split(",").map(Number);
    return { column: table.keys[columnAt(column)], op, in: isIn === 1 };
  });
  const usedColumns = u === "*" || u === undefined
    ? undefined
    : u === ""
    ? []
    : u.split(",").map((c) => columnAt(Number(c)));
  const used = usedColumns ? new Set(usedColumns.map((i) => table.keys[i])) : undefined;
  return { terms, used, usedColumns, requiredSatisfied: required === "1" };
}

/** One status line per statement and column: an integer out of 64-bit range read as NULL. */
function reportOutOfRange(table: Attached, column: number, text: string): void {
  const name = table.columns[column]?.name ?? String(column);
  if (!oncePerStatement(`integer range: ${table.spec.name}.${name}`)) return;
  const shown = text.length > 40 ? text.slice(0, 40) + "..." : text;
  console.error(
    `W Table ${table.spec.name} column ${name}: ${shown} is outside the 64-bit ${table.columns[column]?.type} range; ` +
      "it reads as NULL",
  );
}

function kindOf(type: ColumnSpec["type"]): Kind {
  switch (type) {
    case "INTEGER":
    case "BIGINT":
    case "UNSIGNED_BIGINT":
      return Kind.Integer;
    case "DOUBLE":
      return Kind.Double;
    case "BLOB":
      return Kind.Blob;
    default:
      return Kind.Text;
  }
}

function prepareTable(spec: TableSpec): Attached {
  const declared = declaredColumns(spec);
  const columns = declared.map((d) => d.column);
  return {
    spec,
    columns,
    keys: declared.map((d) => d.key),
    kinds: columns.map((c) => kindOf(c.type)),
    pushable: columns.map((c) => Boolean(spec.pushAllColumns || c.index || c.required || c.additional)),
    optimized: columns.map((c) => Boolean(c.optimized)),
    required: columns.map((c) => Boolean(c.required)),
    hasRequired: columns.some((c) => c.required),
    unsigned: columns.map((c) => c.type === "UNSIGNED_BIGINT"),
    plans: new Map(),
  };
}
