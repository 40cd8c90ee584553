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
  const seen = new Set<string>();
  // osquery rows are maps: one value per column name (the first column of a name wins here).
  const order = names.map((_, i) => i).filter((i) => !seen.has(names[i]) && seen.add(names[i]) !== undefined)
    .sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
  const keys = order.map((i, k) => (k === 0 ? "{" : ",") + JSON.stringify(names[i]) + ":");
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
 * Like {@linkcode rowEncoder}, for values already rendered as JSON literals (see
 * {@linkcode textLiteral}, {@linkcode doubleLiteral}; integers as their digits): the daemon's
 * query threads render each value straight from SQLite without a cell object per value.
 */
export function literalRowEncoder(names: readonly string[]): (literals: readonly string[]) => string {
  const seen = new Set<string>();
  const order = names.map((_, i) => i).filter((i) => !seen.has(names[i]) && seen.add(names[i]) !== undefined)
    .sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
  if (order.length === 0) return () => "{}";
  const keys = order.map((i, k) => (k === 0 ? "{" : ",") + JSON.stringify(names[i]) + ":");
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
 * Rows with a sorted index for {@linkcode diffIndexed}: row numbers ordered by (hash of the row,
 * row number), and the hashes in that order: 8 bytes a row.
 */
export interface IndexedRows {
  rows: readonly string[];
  hashes: Uint32Array;
  order: Uint32Array;
}

const INDEX_BITS = 2 ** 21;

/** FNV-1a over the UTF-16 code units of `text` (32 bits). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Indexes rows for {@linkcode diffIndexed} (one native sort of hash * 2^21 + row number), in
 * place of the map of row texts a multiset difference otherwise builds. Undefined past 2^21
 * rows (the sort key must hold the row number exactly); diff those with {@linkcode diffRows}.
 */
export function indexRows(rows: readonly string[]): IndexedRows | undefined {
  if (rows.length >= INDEX_BITS) return undefined;
  const keys = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) keys[i] = hash32(rows[i]) * INDEX_BITS + i;
  keys.sort();
  const hashes = new Uint32Array(rows.length);
  const order = new Uint32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const h = Math.floor(keys[i] / INDEX_BITS);
    hashes[i] = h;
    order[i] = keys[i] - h * INDEX_BITS;
  }
  return { rows, hashes, order };
}

/**
 * The multiset difference {@linkcode diffRows} computes (same rows, same order), by walking two
 * sorted indexes: rows are compared as text only where their hashes meet, so no map of every
 * row is built. Added rows come in current order; removed rows in the order of the first
 * occurrence of their text in `previous` (a map's insertion order, as diffRows gives them).
 */
export function diffIndexed(previous: IndexedRows, current: IndexedRows): DiffResult {
  const ph = previous.hashes;
  const po = previous.order;
  const ch = current.hashes;
  const co = current.order;
  const prevRows = previous.rows;
  const curRows = current.rows;
  const added: number[] = [];
  // Removed instances as (first occurrence of the text) * 2^21 + row number: sorting groups them.
  const removed: number[] = [];
  const np = ph.length;
  const nc = ch.length;
  let i = 0;
  let j = 0;
  while (i < np && j < nc) {
    const hp = ph[i];
    const hc = ch[j];
    if (hp < hc && (i + 1 >= np || ph[i + 1] !== hp)) {
      removed.push(po[i] * INDEX_BITS + po[i]);
      i++;
    } else if (hc < hp && (j + 1 >= nc || ch[j + 1] !== hc)) {
      added.push(co[j]);
      j++;
    } else if (hp === hc && (i + 1 >= np || ph[i + 1] !== hp) && (j + 1 >= nc || ch[j + 1] !== hc)) {
      // One row each side, the common case: equal text or a change.
      if (prevRows[po[i]] !== curRows[co[j]]) {
        removed.push(po[i] * INDEX_BITS + po[i]);
        added.push(co[j]);
      }
      i++;
      j++;
    } else {
      const h = hp < hc ? hp : hc;
      let i2 = i;
      while (i2 < np && ph[i2] === h) i2++;
      let j2 = j;
      while (j2 < nc && ch[j2] === h) j2++;
      matchRun(prevRows, po, i, i2, curRows, co, j, j2, added, removed);
      i = i2;
      j = j2;
    }
  }
  for (; i < np; i++) {
    // What is left of previous may hold runs of duplicates: group them by first occurrence.
    let i2 = i + 1;
    while (i2 < np && ph[i2] === ph[i]) i2++;
    if (i2 - i === 1) removed.push(po[i] * INDEX_BITS + po[i]);
    else matchRun(prevRows, po, i, i2, curRows, co, 0, 0, added, removed);
    i = i2 - 1;
  }
  for (; j < nc; j++) added.push(co[j]);
  const addedSorted = Float64Array.from(added).sort();
  const removedSorted = Float64Array.from(removed).sort();
  const outAdded: string[] = new Array(addedSorted.length);
  for (let k = 0; k < addedSorted.length; k++) outAdded[k] = curRows[addedSorted[k]];
  const outRemoved: string[] = new Array(removedSorted.length);
  for (let k = 0; k < removedSorted.length; k++) outRemoved[k] = prevRows[removedSorted[k] % INDEX_BITS];
  return { removed: outRemoved, added: outAdded };
}

/** Matches a run of equal hashes by text (duplicates, or a rare collision of different rows). */
function matchRun(
  prevRows: readonly string[],
  po: Uint32Array,
  i: number,
  i2: number,
  curRows: readonly string[],
  co: Uint32Array,
  j: number,
  j2: number,
  added: number[],
  removed: number[],
): void {
  // Previous row numbers of the run by text, ascending (the index orders them so).
  const byText = new Map<string, number[]>();
  for (let k = i; k < i2; k++) {
    const text = prevRows[po[k]];
    const list = byText.get(text);
    if (list) list.push(po[k]);
    else byText.set(text, [po[k]]);
  }
  const taken = new Map<string, number>();
  // Current rows of the run, in current order, each take an unmatched previous row of its text.
  for (let k = j; k < j2; k++) {
    const text = curRows[co[k]];
    const list = byText.get(text);
    const n = taken.get(text) ?? 0;
    if (list && n < list.length) taken.set(text, n + 1);
    else added.push(co[k]);
  }
  for (const [text, list] of byText) {
    for (let k = taken.get(text) ?? 0; k < list.length; k++) removed.push(list[0] * INDEX_BITS + list[k]);
  }
}

/** A canonical row rendered for the log: as is with numerics, else every value as a string. */
export function renderRow(canonical: string, numerics: boolean): string {
  if (numerics) return canonical;
  const obj = JSON.parse(canonical, (_key, value, context?: { source?: string }) => {
    if (typeof value !== "number") return value;
    const source = context?.source ?? String(value);
    return /[.eE]/.test(source) ? doubleString(Number(source)) : source;
  });
  return JSON.stringify(obj);
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

function legacyFields(item: LogItem): string {
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

/** The outcome of {@linkcode nextResults}: what to store and what to log. */
export interface ResultStep {
  diff: DiffResult;
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
}

/**
 * osquery's differential step (`Query::addNewResults`): the first run, or the first in a new
 * epoch, logs every row as added with counter 0; later runs log the diff and count up only
 * when something changed. `reportRemoved = false` drops removed rows from the log.
 * `knownDiff`, when given, is the diff of `current` against `previous.rows` already computed
 * (by the query thread, which keeps the previous rows); it is used unless the epoch is new.
 */
export function nextResults(
  name: string,
  previous: { state: QueryState; rows: Iterable<string> } | undefined,
  current: string[],
  epoch: number,
  sql: string,
  reportRemoved: boolean,
  knownDiff?: DiffResult,
): ResultStep {
  let note: string | undefined;
  let newEpoch = false;
  if (!previous) {
    newEpoch = true;
    note = `Storing initial results for new scheduled query: ${name}`;
  } else if (previous.state.epoch !== epoch) {
    newEpoch = true;
    note = `New Epoch ${epoch} for scheduled query ${name}`;
  } else if (previous.state.sql !== sql) {
    note = `Scheduled query has been updated: ${name}`;
  }
  let diff: DiffResult;
  let changed: boolean;
  if (!newEpoch) {
    diff = knownDiff ?? diffRows(previous!.rows, current);
    changed = diff.added.length > 0 || diff.removed.length > 0;
  } else {
    diff = { removed: [], added: current };
    changed = true;
  }
  // The counter logged is 1 unless it was recomputed (osquery presets it so).
  let counter = 1;
  if (changed) counter = newEpoch ? 0 : previous!.state.counter + 1;
  if (!reportRemoved) diff = { removed: [], added: diff.added };
  const log = !(diff.added.length === 0 && diff.removed.length === 0 && counter !== 0);
  const state = changed
    ? { epoch, counter, sql }
    : note !== undefined
    ? { epoch, counter: previous!.state.counter, sql }
    : undefined;
  return { diff, counter, state, storeRows: changed, log, note };
}

/**
 * osquery's step for event-table queries with `--events_optimize` (`Query::addNewEvents`): no
 * removed rows, every new row is added, and the counter starts at 1 in a new epoch (0 is kept
 * for results that hold every row). osquery's event store hands a scheduled query only events
 * newer than its last run; osq gets the same effect from a multiset diff against the previous
 * run's rows, keeping only the additions.
 */
export function nextEvents(
  name: string,
  previous: { state: QueryState; rows: Iterable<string> } | undefined,
  current: string[],
  epoch: number,
  sql: string,
): ResultStep {
  const newEpoch = !previous || previous.state.epoch !== epoch;
  const note = !previous
    ? `Storing initial results for new scheduled query: ${name}`
    : newEpoch
    ? `New Epoch ${epoch} for scheduled query ${name}`
    : previous.state.sql !== sql
    ? `Scheduled query has been updated: ${name}`
    : undefined;
  const added = newEpoch ? current : diffRows(previous!.rows, current).added;
  const rowsChanged = newEpoch || added.length > 0 ||
    (previous !== undefined && countOf(previous.rows) !== current.length);
  const counter = added.length ? (newEpoch ? 1 : previous!.state.counter + 1) : 1;
  const kept = previous?.state.counter ?? 0;
  const state = rowsChanged || note !== undefined
    ? { epoch, counter: added.length ? counter : newEpoch ? 0 : kept, sql }
    : undefined;
  return { diff: { removed: [], added }, counter, state, storeRows: rowsChanged, log: added.length > 0, note };
}

function countOf(rows: Iterable<string>): number {
  if (Array.isArray(rows)) return rows.length;
  let n = 0;
  for (const _ of rows) n++;
  return n;
}
