/**
 * A client of another core's extension manager, for `osq shell --connect SOCKET` and the
 * shell's `.connect` / `.disconnect`: queries run in the remote core through the manager's
 * `query` call; `getQueryColumns` first gives the result's column order and types (a Thrift
 * row is an unordered string map), which this client restores.
 *
 * ```ts
 * const remote = connectRemote("/var/osquery/osquery.em");
 * const { columns, rows } = remote.run("select pid, name from processes limit 2");
 * remote.close();
 * ```
 *
 * {@linkcode connectRemote} blocks (like local queries); {@linkcode openRemoteBackend} awaits
 * (the shell's `--connect` hook). Both use one connection and reopen a broken one once before a
 * call fails.
 *
 * @module
 */
import { SyncThriftClient, ThriftClient, ThriftTransportError } from "../thrift/client.ts";
import type { ExtensionResponse } from "../thrift/bindings.ts";
import type { ResultColumn } from "../engine.ts";
import { DEFAULT_LIMITS } from "../thrift/protocol.ts";

/** Raised when the remote core refuses a query (its message) or cannot be reached. */
export class RemoteQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RemoteQueryError";
  }
}

/** A result from the remote core: columns in order and rows as text (NULL arrives as ""). */
export interface RemoteResult {
  columns: ResultColumn[];
  /** Each row's values, in column order. */
  values: string[][];
  /** Each row as an object whose keys are in column order. */
  rows: Record<string, string>[];
}

/** A connection to a remote extension manager. */
export interface RemoteCore {
  /** The socket path. */
  readonly path: string;
  /** Runs SQL remotely; rows come back with the column order restored. */
  query(sql: string): Record<string, string>[];
  /** Runs SQL remotely, with its columns and rows as arrays. */
  run(sql: string): RemoteResult;
  /** The result columns of SQL (name and osquery type name), in order. */
  columns(sql: string): ResultColumn[];
  /** Checks the remote core answers. */
  ping(): boolean;
  /** Closes the connection. */
  close(): void;
}

/** Options for {@linkcode connectRemote}. */
export interface RemoteOptions {
  /** Thrift timeout in ms (default 300 s, osquery's --thrift_timeout). */
  timeoutMs?: number;
}

/** A {@linkcode RemoteQueryError} saying `what` failed and why. */
function remoteError(what: string, err: unknown): RemoteQueryError {
  return new RemoteQueryError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * Connects to the extension manager at `path` (osquery's or osq's). Throws
 * {@linkcode RemoteQueryError} when nothing answers there.
 */
export function connectRemote(path: string, options: RemoteOptions = {}): RemoteCore {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const open = () => {
    try {
      return SyncThriftClient.connect(path, { timeoutMs, limits: DEFAULT_LIMITS });
    } catch (err) {
      throw remoteError(`Cannot connect to the extension manager at ${path}`, err);
    }
  };
  let client: SyncThriftClient | undefined = open();
  const call = (method: "query" | "getQueryColumns", sql: string): ExtensionResponse => {
    for (let attempt = 0;; attempt++) {
      client ??= open();
      try {
        return client.invoke(method, { sql });
      } catch (err) {
        client.close();
        client = undefined;
        if (!(err instanceof ThriftTransportError) || attempt > 0) {
          throw remoteError(`Remote query failed at ${path}`, err);
        }
      }
    }
  };
  const columns = (sql: string): ResultColumn[] => {
    const answer = call("getQueryColumns", sql);
    if (answer.status.code !== 0) throw new RemoteQueryError(answer.status.message);
    return answer.response.flatMap((entry) => Object.entries(entry).map(([name, type]) => ({ name, type })));
  };
  const run = (sql: string): RemoteResult => {
    const cols = columns(sql);
    const answer = call("query", sql);
    if (answer.status.code !== 0) throw new RemoteQueryError(answer.status.message);
    const names = cols.map((c) => c.name);
    const values = answer.response.map((row) => names.map((n) => row[n] ?? ""));
    const rows = values.map((vals) => {
      const out: Record<string, string> = {};
      names.forEach((n, i) => {
        if (n === "__proto__") Object.defineProperty(out, n, { value: vals[i], enumerable: true, writable: true });
        else out[n] = vals[i];
      });
      return out;
    });
    return { columns: cols, values, rows };
  };
  return {
    path,
    query: (sql) => run(sql).rows,
    run,
    columns,
    ping() {
      try {
        client ??= open();
        return client.invoke("ping", {}).code === 0;
      } catch {
        client?.close();
        client = undefined;
        return false;
      }
    },
    close() {
      client?.close();
      client = undefined;
    },
  };
}

/** An asynchronous connection to a remote extension manager, in the shape the shell's `--connect` uses. */
export interface RemoteBackendConnection {
  /** The socket path. */
  readonly name: string;
  /** Runs SQL remotely: columns in order, rows as text (NULL arrives as ""). */
  query(sql: string): Promise<{ columns: string[]; rows: Record<string, string | null>[] }>;
  /** The result columns of SQL, in order. */
  columns(sql: string): Promise<ResultColumn[]>;
  /** Closes the connection. */
  close(): void;
}

/**
 * Opens an asynchronous connection to the extension manager at `path` (for the shell's
 * `--connect` / `.connect`: install it with the shell's remote-connector hook). The event loop
 * keeps running while the remote core works, so Ctrl-C stays responsive.
 */
export async function openRemoteBackend(
  path: string,
  options: RemoteOptions = {},
): Promise<RemoteBackendConnection> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const open = async () => {
    try {
      return await ThriftClient.connect(path, { timeoutMs, limits: DEFAULT_LIMITS });
    } catch (err) {
      throw remoteError(`Cannot connect to the extension manager at ${path}`, err);
    }
  };
  let client: ThriftClient | undefined = await open();
  const call = async (method: "query" | "getQueryColumns", sql: string): Promise<ExtensionResponse> => {
    for (let attempt = 0;; attempt++) {
      client ??= await open();
      try {
        return await client.invoke(method, { sql });
      } catch (err) {
        client.close();
        client = undefined;
        if (!(err instanceof ThriftTransportError) || attempt > 0) {
          throw remoteError(`Remote query failed at ${path}`, err);
        }
      }
    }
  };
  const columns = async (sql: string): Promise<ResultColumn[]> => {
    const answer = await call("getQueryColumns", sql);
    if (answer.status.code !== 0) throw new RemoteQueryError(answer.status.message);
    return answer.response.flatMap((entry) => Object.entries(entry).map(([name, type]) => ({ name, type })));
  };
  return {
    name: path,
    columns,
    async query(sql) {
      const names = (await columns(sql)).map((c) => c.name);
      const answer = await call("query", sql);
      if (answer.status.code !== 0) throw new RemoteQueryError(answer.status.message);
      const rows = answer.response.map((row) => {
        const out: Record<string, string | null> = {};
        for (const n of names) {
          const value = Object.hasOwn(row, n) ? row[n] : "";
          if (n === "__proto__") Object.defineProperty(out, n, { value, enumerable: true, writable: true });
          else out[n] = value;
        }
        return out;
      });
      return { columns: names, rows };
    },
    close() {
      client?.close();
      client = undefined;
    },
  };
}
