/**
 * A JSON reader for configs and packs that remembers where every value sits. `JSON.parse`
 * keeps the last of duplicate keys and reports errors by offset only; osquery (RapidJSON)
 * keeps every member in order, so the first of duplicate query names wins. This reader keeps
 * members as ordered lists, records each value's line and column, and enforces a depth limit.
 *
 * @module
 */

/** A JSON value with its members in source order (duplicates kept). */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object: ordered members; `get` returns the first member of a name. */
export class JsonObject {
  /** Members in source order. */
  readonly members: [string, JsonValue][] = [];

  /** The first member named `key`. */
  get(key: string): JsonValue | undefined {
    for (const [k, v] of this.members) if (k === key) return v;
    return undefined;
  }

  /** True when a member named `key` exists. */
  has(key: string): boolean {
    return this.members.some(([k]) => k === key);
  }

  /** Member names in order (duplicates included). */
  keys(): string[] {
    return this.members.map(([k]) => k);
  }
}

/** Where a value starts: 1-based line and column in the text given to the parser. */
export interface JsonLocation {
  line: number;
  column: number;
}

/** Raised for malformed JSON: the message says what was expected and where. */
export class JsonSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

/** The parse result: the value and the location of each value by its JSON path. */
export interface ParsedJson {
  value: JsonValue;
  /** Locations of the values at each path (see {@linkcode jsonPath}), in order (duplicate keys give several). */
  locations: Map<string, JsonLocation[]>;
  /** Deepest nesting of objects/arrays (a scalar document has depth 0). */
  depth: number;
}

/** Formats a JSON path from its parts: `schedule.my_query.interval`, `packs["a.b"]`, `discovery[0]`. */
export function jsonPath(parts: readonly (string | number)[]): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "number") out += `[${p}]`;
    else if (/^[A-Za-z0-9_*][A-Za-z0-9_\-*]*$/.test(p)) out += out === "" ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out === "" ? "(top level)" : out;
}

/** Parses JSON text; throws {@linkcode JsonSyntaxError} (with line/column) on malformed input. */
export function parseJson(text: string, maxDepth = Infinity): ParsedJson {
  const locations = new Map<string, JsonLocation[]>();
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  let maxSeen = 0;

  const fail = (what: string): never => {
    const found = pos >= text.length ? "the end of the text" : `'${text[pos]}'`;
    throw new JsonSyntaxError(`${what}, found ${found}`, line, pos - lineStart + 1);
  };
  const skipSpace = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 10) {
        line++;
        lineStart = ++pos;
      } else if (c === 32 || c === 9 || c === 13) pos++;
      else break;
    }
  };
  const here = (): JsonLocation => ({ line, column: pos - lineStart + 1 });

  const parseString = (): string => {
    // pos is at the opening quote
    pos++;
    let out = "";
    let chunk = pos;
    while (true) {
      if (pos >= text.length) fail("Expected a closing '\"' for the string");
      const c = text.charCodeAt(pos);
      if (c === 34) {
        out += text.slice(chunk, pos);
        pos++;
        return out;
      }
      if (c === 92) {
        out += text.slice(chunk, pos);
        const e = text[pos + 1];
        const simple: Record<string, string> = {
          '"': '"',
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "\t",
        };
        if (e in simple) {
          out += simple[e];
          pos += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
        } else {
          pos++;
          fail("Expected a valid escape sequence");
        }
        chunk = pos;
        continue;
      }
      if (c < 0x20) fail("Expected the string to continue (control characters must be escaped)");
      pos++;
    }
  };

  const parseValue = (path: (string | number)[], depth: number): JsonValue => {
    skipSpace();
    const key = jsonPath(path);
    const seen = locations.get(key);
    if (seen) seen.push(here());
    else locations.set(key, [here()]);
    const c = text[pos];
    if (c === "{" || c === "[") {
      if (depth + 1 > maxSeen) maxSeen = depth + 1;
      if (depth + 1 > maxDepth) {
        throw new JsonSyntaxError(`Nesting deeper than ${maxDepth} levels`, line, pos - lineStart + 1);
      }
    }
    if (c === "{") {
      pos++;
      const obj = new JsonObject();
      skipSpace();
      if (text[pos] === "}") {
        pos++;
        return obj;
      }
      while (true) {
        skipSpace();
        if (text[pos] !== '"') fail("Expected a member name in double quotes");
        const name = parseString();
        skipSpace();
        if (text[pos] !== ":") fail(`Expected ':' after the member name "${name}"`);
        pos++;
        obj.members.push([name, parseValue([...path, name], depth + 1)]);
        skipSpace();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "}") {
          pos++;
          return obj;
        }
        fail("Expected ',' or '}' after an object member");
      }
    }
    if (c === "[") {
      pos++;
      const arr: JsonValue[] = [];
      skipSpace();
      if (text[pos] === "]") {
        pos++;
        return arr;
      }
      while (true) {
        arr.push(parseValue([...path, arr.length], depth + 1));
        skipSpace();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "]") {
          pos++;
          return arr;
        }
        fail("Expected ',' or ']' after an array element");
      }
    }
    if (c === '"') return parseString();
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos, pos + 64));
    if (m && m[0].length > 0) {
      pos += m[0].length;
      return Number(m[0]);
    }
    for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    return fail("Expected a value (object, array, string, number, true, false or null)");
  };

  const value = parseValue([], 0);
  skipSpace();
  if (pos < text.length) fail("Expected the end of the document after the top-level value");
  return { value, locations, depth: maxSeen };
}

/** Converts to plain JavaScript (objects keep the first of duplicate keys). */
export function toPlain(value: JsonValue): unknown {
  if (value instanceof JsonObject) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value.members) if (!Object.hasOwn(out, k)) out[k] = toPlain(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}

/** A short name for a value's JSON type, for messages. */
export function jsonType(value: JsonValue | undefined): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (value instanceof JsonObject) return "an object";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return "a number";
  return "a boolean";
}
