/**
 * Differential results as osquery computes and logs them. Rows travel as canonical text: a JSON
 * object with keys sorted, integers as integer literals, doubles as literals that always carry
 * a `.` or an exponent, strings as strings (control bytes escaped as osquery does). Equal rows
 * have equal text, so a diff is a multiset difference of strings, and the canonical text is
 * already the `--logger_numerics` rendering of a row.
 *
 * @module
 */

/** A typed cell as SQLite returned it. */
export type Cell = { int: number | bigint } | { real: number } | string;

/** The differential of two runs: canonical rows removed and added. */
export interface DiffResult {
  removed: string[];
  added: string[];
}

/** osquery escapes bytes below 0x20 as `\xHH` in result strings. */
export function escapeNonPrintable(text: string): string {
  // deno-lint-ignore no-control-regex
  if (!/[\x00-\x1f]/.test(text)) return text;
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f]/g, (c) => "\\x" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"));
}

/** A double as RapidJSON writes it (shortest round-trip text, `.0` on integral values). */
export function doubleLiteral(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "1e309" : x < 0 ? "-1e309" : "0.0";
  let s = String(x).replace("e+", "e");
  if (!/[.e]/.test(s)) s += ".0";
  return s;
}

/** A double as osquery's string rendering does: `%.15g`, then `.0` appended if no `.` appears. */
export function doubleString(x: number): string {
  let s: string;
  if (Number.isNaN(x)) s = "nan";
  else if (!Number.isFinite(x)) s = x > 0 ? "inf" : "-inf";
  else if (x === 0) s = Object.is(x, -0) ? "-0" : "0";
  else {
    const [mant, expText] = x.toExponential(14).split("e");
    const exp = Number(expText);
    if (exp < -4 || exp >= 15) {
      const m = mant.includes(".") ? mant.replace(/0+$/, "").replace(/\.$/, "") : mant;
      s = `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
    } else {
      s = x.toFixed(Math.max(0, 14 - exp));
      if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
    }
  }
  return s.includes(".") ? s : s + ".0";
}

/**
 * An encoder for rows of one statement: column order and key text are computed once, so each
 * row costs one pass over its cells.
 */
export function rowEncoder(names: readonly string[]): (cells: readonly Cell[]) => string {
  const { order, keys } = rowKeys(names);
  if (order.length === 0) return () => "{}";
  // One join per row gives a flat string: `+=` would leave a tree of concatenations (several
  // objects per cell) that costs ~5x the memory of the text and slows every hash of it.
  const parts: string[] = new Array(order.length * 2 + 1);
  parts[order.length * 2] = "}";
  return (cells) => {
    for (let k = 0; k < order.length; k++) {
      parts[2 * k] = keys[k];
      parts[2 * k + 1] = cellLiteral(cells[order[k]]);
    }
    return parts.join("");
  };
}

/**
 * The keys of a row of columns `names`, in the canonical text's order: `order` holds the column
 * each key takes (osquery rows are maps: the first column of a name wins), `keys` the text before
 * its value (`{"name":` first, `,"name":` after); `}` ends the row.
 */
export function rowKeys(names: readonly string[]): { order: number[]; keys: string[] } {
  const seen = new Set<string>();
  const order = names.map((_, i) => i).filter((i) => !seen.has(names[i]) && seen.add(names[i]) !== undefined)
    .sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
  return { order, keys: order.map((i, k) => (k === 0 ? "{" : ",") + JSON.stringify(names[i]) + ":") };
}

/**
 * Like {@linkcode rowEncoder}, for values already rendered as JSON literals (see
 * {@linkcode textLiteral}, {@linkcode doubleLiteral}; integers as their digits): the daemon's
 * query threads render each value straight from SQLite without a cell object per value.
 */
export function literalRowEncoder(names: readonly string[]): (literals: readonly string[]) => string {
  const { order, keys } = rowKeys(names);
  if (order.length === 0) return () => "{}";
  const parts: string[] = new Array(order.length * 2 + 1);
  parts[order.length * 2] = "}";
  return (literals) => {
    for (let k = 0; k < order.length; k++) {
      parts[2 * k] = keys[k];
      parts[2 * k + 1] = literals[order[k]];
    }
    return parts.join("");
  };
}

/** A text value as its canonical JSON literal (control bytes escaped as osquery does). */
export function textLiteral(text: string): string {
  return JSON.stringify(escapeNonPrintable(text));
}

/** Canonical text of one row given column names and typed cells. */
export function canonicalRow(names: readonly string[], cells: readonly Cell[]): string {
  return rowEncoder(names)(cells);
}

function cellLiteral(cell: Cell): string {
  if (typeof cell === "string") return JSON.stringify(escapeNonPrintable(cell));
  if ("int" in cell) return String(cell.int);
  return doubleLiteral(cell.real);
}

/**
 * Multiset difference: rows of `current` not matched in `previous` are added (in current
 * order), rows of `previous` left unmatched are removed.
 */
export function diffRows(previous: Iterable<string>, current: readonly string[]): DiffResult {
  const counts = new Map<string, number>();
  for (const row of previous) counts.set(row, (counts.get(row) ?? 0) + 1);
  const added: string[] = [];
  for (const row of current) {
    const n = counts.get(row);
    if (n === undefined) added.push(row);
    else if (n === 1) counts.delete(row);
    else counts.set(row, n - 1);
  }
  const removed: string[] = [];
  for (const [row, n] of counts) for (let i = 0; i < n; i++) removed.push(row);
  return { removed, added };
}

/**
 * A value of a row as osquery's typed rows hold it: integer, double or text (in that order). An
 * integer of up to 15 characters is held as a number (exact; it compares with a bigint as the
 * values do), a longer one as a bigint.
 */
type Typed = [0, bigint | number] | [1, number] | [2, string];

/**
 * A canonical row's cells in its key order (osquery's rows are maps: keys in string order, as the
 * canonical text has them), read from the text as far as a comparison needs them: canonical rows
 * hold only string keys, string values and number literals, and two rows of one query mostly
 * differ in their first cells (a JSON parse with a reviver cost ~7 µs a row; reading every
 * cell of every removed row was most of the daemon's time for a run that removed many).
 */
class TypedCells {
  readonly #text: string;
  readonly #cells: [string, Typed][] = [];
  #at = 1;

  constructor(text: string) {
    this.#text = text;
  }

  /** Cell `i`, or undefined past the last. */
  cell(i: number): [string, Typed] | undefined {
    const text = this.#text;
    const n = text.length;
    while (this.#cells.length <= i && this.#at < n - 1) {
      const key = stringAt(text, this.#at);
      let j = key.end + 1; // after the ':'
      let value: Typed;
      if (text.charCodeAt(j) === 34) {
        const literal = stringAt(text, j);
        value = [2, literal.value];
        j = literal.end;
      } else {
        const from = j;
        let real = false;
        for (let c = text.charCodeAt(j); j < n - 1 && c !== 44; c = text.charCodeAt(++j)) {
          if (c === 46 || c === 101 || c === 69) real = true; // '.', 'e', 'E'
        }
        const source = text.slice(from, j);
        value = real ? [1, Number(source)] : [0, source.length <= 15 ? Number(source) : BigInt(source)];
      }
      this.#cells.push([key.value, value]);
      this.#at = j + 1; // after the ',' (or the closing '}')
    }
    return this.#cells[i];
  }
}

/** The JSON string literal at `i` of `text`: its value, and where it ends (after its quote). */
function stringAt(text: string, i: number): { value: string; end: number } {
  let j = i + 1;
  let escaped = false;
  for (;;) {
    const c = text.charCodeAt(j);
    if (c === 92) {
      escaped = true;
      j += 2;
    } else if (c === 34 || Number.isNaN(c)) break;
    else j++;
  }
  const literal = text.slice(i, j + 1);
  return { value: escaped ? JSON.parse(literal) : literal.slice(1, -1), end: j + 1 };
}

function compareTyped(a: Typed, b: Typed): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/**
 * Canonical rows in the order osquery logs removed rows: the order of its multiset of typed
 * rows (maps compared key by key, then value: integers before doubles before text).
 */
export function osqueryRowOrder(rows: string[]): string[] {
  const typed = rows.map((row) => ({ row, cells: new TypedCells(row) }));
  typed.sort((x, y) => {
    for (let i = 0;; i++) {
      const a = x.cells.cell(i);
      const b = y.cells.cell(i);
      if (a === undefined || b === undefined) return (a === undefined ? 0 : 1) - (b === undefined ? 0 : 1);
      if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
      const d = compareTyped(a[1], b[1]);
      if (d !== 0) return d;
    }
  });
  return typed.map((t) => t.row);
}

/**
 * A canonical row rendered for the log: as is with numerics, else every value as a string
 * (integers as their digits, doubles as osquery's `%.15g` text). One pass over the text, no
 * parse: canonical rows hold only string keys, string values and number literals.
 */
export function renderRow(canonical: string, numerics: boolean): string {
  if (numerics) return canonical;
  let out = "";
  let copied = 0;
  const n = canonical.length;
  let i = 1;
  while (i < n) {
    const c = canonical.charCodeAt(i);
    if (c === 34) {
      i = afterString(canonical, i);
      continue;
    }
    if (c === 58 && canonical.charCodeAt(i + 1) !== 34) {
      // A number literal runs to the next "," or "}".
      const start = i + 1;
      let end = start;
      while (end < n && canonical.charCodeAt(end) !== 44 && canonical.charCodeAt(end) !== 125) end++;
      const literal = canonical.slice(start, end);
      out += canonical.slice(copied, start) + '"' +
        (/[.eE]/.test(literal) ? doubleString(Number(literal)) : literal) + '"';
      copied = i = end;
      continue;
    }
    i++;
  }
  return copied === 0 ? canonical : out + canonical.slice(copied);
}

/** The index after the JSON string starting at `i` (its opening quote). */
function afterString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i + 1;
  }
  return i;
}

/** asctime(gmtime(t)) without the newline, plus " UTC": `Mon May  2 22:27:32 2016 UTC`. */
export function calendarTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()} UTC`;
}

/** The fields every result line carries. */
export interface LogItem {
  name: string;
  hostIdentifier: string;
  unixTime: number;
  epoch: number;
  counter: number;
  numerics: boolean;
  /** Decorations (already strings), or empty. */
  decorations: Record<string, string>;
  decorationsTopLevel: boolean;
}

/** The fields every result line carries, in osquery's order (decorations nested or top level). */
export function legacyFields(item: LogItem): string {
  let out = `"name":${JSON.stringify(item.name)},"hostIdentifier":${JSON.stringify(item.hostIdentifier)},` +
    `"calendarTime":${JSON.stringify(calendarTime(item.unixTime))},"unixTime":${item.unixTime},` +
    `"epoch":${item.epoch},"counter":${item.counter},"numerics":${item.numerics}`;
  const keys = Object.keys(item.decorations);
  if (keys.length) {
    // osquery's decorations map is ordered by name.
    const pairs = keys.sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(item.decorations[k])}`).join(",");
    out += item.decorationsTopLevel ? `,${pairs}` : `,"decorations":{${pairs}}`;
  }
  return out;
}

/** Event-format lines: one per row, removed before added (nothing when there is no change). */
export function eventLines(item: LogItem, diff: DiffResult): string[] {
  const head = legacyFields(item);
  const lines: string[] = [];
  for (const row of diff.removed) {
    lines.push(`{${head},"columns":${renderRow(row, item.numerics)},"action":"removed"}`);
  }
  for (const row of diff.added) lines.push(`{${head},"columns":${renderRow(row, item.numerics)},"action":"added"}`);
  return lines;
}

/** Batch-format line: `{"diffResults":{"removed":[...],"added":[...]}, ...}`. */
export function batchLine(item: LogItem, diff: DiffResult): string {
  const render = (rows: string[]) => rows.map((r) => renderRow(r, item.numerics)).join(",");
  return `{"diffResults":{"removed":[${render(diff.removed)}],"added":[${render(diff.added)}]},${legacyFields(item)}}`;
}

/** Snapshot line(s): one batch line, or with `eventType` one event line per row (action "snapshot"). */
export function snapshotLines(item: LogItem, rows: string[], eventType: boolean): string[] {
  if (eventType) {
    const head = legacyFields(item);
    return rows.map((r) => `{${head},"columns":${renderRow(r, item.numerics)},"action":"snapshot"}`);
  }
  const body = rows.map((r) => renderRow(r, item.numerics)).join(",");
  return [`{"snapshot":[${body}],"action":"snapshot",${legacyFields(item)}}`];
}

/** What the previous run of a query left in the store. */
export interface QueryState {
  epoch: number;
  counter: number;
  sql: string;
}

/** The outcome of {@linkcode resultStep} or {@linkcode eventStep}: what to store and what to log. */
export interface Step {
  /** The counter the log lines carry. */
  counter: number;
  /** The state to store, or undefined when nothing changed. */
  state?: QueryState;
  /** Replace the stored rows with the current ones. */
  storeRows: boolean;
  /** Emit log lines for this run. */
  log: boolean;
  /** A status message osquery would log (new query, new epoch, changed SQL), if any. */
  note?: string;
  /** Every current row is logged as added (a first run, a new epoch, an event query's rows). */
  allAdded: boolean;
  /** Removed rows are logged. */
  logRemoved: boolean;
}

/** A {@linkcode Step} with the rows it logs. */
export interface ResultStep extends Step {
  diff: DiffResult;
}

function noteFor(name: string, previous: QueryState | undefined, epoch: number, sql: string): string | undefined {
  if (!previous) return `Storing initial results for new scheduled query: ${name}`;
  if (previous.epoch !== epoch) return `New Epoch ${epoch} for scheduled query ${name}`;
  if (previous.sql !== sql) return `Scheduled query has been updated: ${name}`;
  return undefined;
}

/**
 * osquery's differential step (`Query::addNewResults`) from the sizes of the diff against the
 * stored rows: the first run, or the first in a new epoch, logs every row as added with counter
 * 0; later runs log the diff and count up only when something changed. `reportRemoved = false`
 * drops removed rows from the log.
 */
export function resultStep(
  name: string,
  previous: QueryState | undefined,
  diff: { added: number; removed: number; rows: number },
  epoch: number,
  sql: string,
  reportRemoved: boolean,
): Step {
  const note = noteFor(name, previous, epoch, sql);
  const newEpoch = !previous || previous.epoch !== epoch;
  const changed = newEpoch || diff.added > 0 || diff.removed > 0;
  // The counter logged is 1 unless it was recomputed (osquery presets it so).
  let counter = 1;
  if (changed) counter = newEpoch ? 0 : previous!.counter + 1;
  const added = newEpoch ? diff.rows : diff.added;
  const removed = newEpoch || !reportRemoved ? 0 : diff.removed;
  const log = !(added === 0 && removed === 0 && counter !== 0);
  const state = changed
    ? { epoch, counter, sql }
    : note !== undefined
    ? { epoch, counter: previous!.counter, sql }
    : undefined;
  return { counter, state, storeRows: changed, log, note, allAdded: newEpoch, logRemoved: removed > 0 };
}

/** {@linkcode resultStep} over rows held as strings (the diff computed here). */
export function nextResults(
  name: string,
  previous: { state: QueryState; rows: Iterable<string> } | undefined,
  current: string[],
  epoch: number,
  sql: string,
  reportRemoved: boolean,
): ResultStep {
  const diff = previous ? diffRows(previous.rows, current) : { removed: [], added: current };
  const step = resultStep(
    name,
    previous?.state,
    { added: diff.added.length, removed: diff.removed.length, rows: current.length },
    epoch,
    sql,
    reportRemoved,
  );
  return {
    ...step,
    diff: step.allAdded
      ? { removed: [], added: current }
      : { removed: step.logRemoved ? diff.removed : [], added: diff.added },
  };
}

/**
 * osquery's step for event-table queries with `--events_optimize` (`Query::addNewEvents`): no
 * removed rows, every new row is added, and the counter starts at 1 in a new epoch (0 is kept
 * for results that hold every row). The run's rows are the events new to this query (its
 * event cursor); `rowsChanged` tells whether they differ from the stored ones.
 */
export function eventStep(
  name: string,
  previous: QueryState | undefined,
  added: number,
  rowsChanged: boolean,
  epoch: number,
  sql: string,
): Step {
  const newEpoch = !previous || previous.epoch !== epoch;
  const note = noteFor(name, previous, epoch, sql);
  const changed = newEpoch || rowsChanged;
  const counter = added ? (newEpoch ? 1 : previous!.counter + 1) : 1;
  const kept = previous?.counter ?? 0;
  const state = changed || note !== undefined
    ? { epoch, counter: added ? counter : newEpoch ? 0 : kept, sql }
    : undefined;
  return { counter, state, storeRows: changed, log: added > 0, note, allAdded: true, logRemoved: false };
}

/** {@linkcode eventStep} over rows held as strings: the rows not in the previous run's are new. */
export function nextEvents(
  name: string,
  previous: { state: QueryState; rows: Iterable<string> } | undefined,
  current: string[],
  epoch: number,
  sql: string,
): ResultStep {
  const newEpoch = !previous || previous.state.epoch !== epoch;
  const diff = newEpoch ? { removed: [], added: current } : diffRows(previous!.rows, current);
  const step = eventStep(
    name,
    previous?.state,
    diff.added.length,
    diff.added.length > 0 || diff.removed.length > 0,
    epoch,
    sql,
  );
  return { ...step, diff: { removed: [], added: diff.added } };
}
