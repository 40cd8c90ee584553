/**
 * Proxy tables: an extension's table as a virtual table of the core. The generator runs inside
 * SQLite's callbacks, so it talks to the extension with a synchronous Thrift client: as osquery
 * does, it checks the extension's socket exists, pings it on one connection, then sends
 * `call("table", name, {"action":"generate","context":...})` on a new one.
 *
 * While that call blocks, the core's event loop does not run; the client's wait serves the
 * extension manager inline instead (core/thrift/inline_server.ts), so an extension may query the
 * core while it answers, as osquery's example extension does. Such a query may scan another
 * extension table (or the same one) and nest another call: at most
 * {@linkcode MAX_NESTED_EXTENSION_CALLS} nest, the next fails with
 * {@linkcode ExtensionNestingError}, so a table that queries itself ends with that error.
 *
 * @module
 */
import { SyncThriftClient } from "../thrift/client.ts";
import type { ExtensionResponse, PluginRequest, PluginResponse } from "../thrift/bindings.ts";
import type { ProtocolLimits } from "../thrift/protocol.ts";
import { type Row, TableError, type TableSpec } from "../table.ts";
import { contextToJson } from "./context.ts";
import { parseTableRoutes } from "./routes.ts";

/** How to reach an extension synchronously. */
export interface SyncTarget {
  /** The extension's name (for messages). */
  name: string;
  /** The extension's socket. */
  socket: string;
  timeoutMs: number;
  limits: ProtocolLimits;
}

/** How many extension calls may nest (a generate querying the core, which calls an extension again). */
export const MAX_NESTED_EXTENSION_CALLS = 8;

/** Raised when extension calls nest deeper than {@linkcode MAX_NESTED_EXTENSION_CALLS}. */
export class ExtensionNestingError extends TableError {
  constructor(extension: string, registry: string, item: string) {
    super(
      `Extension ${extension}'s ${registry} ${item} is called ${MAX_NESTED_EXTENSION_CALLS + 1} calls deep ` +
        `(an extension answering a call queries the core, which calls an extension again): ` +
        `osq stops at ${MAX_NESTED_EXTENSION_CALLS}; make the extension's query not scan the table it is generating`,
    );
    this.name = "ExtensionNestingError";
  }
}

let nested = 0;

/** Pings then calls a plugin of an extension, blocking; throws TableError when unreachable. */
export function callExtensionSync(
  target: SyncTarget,
  registry: string,
  item: string,
  request: PluginRequest,
): ExtensionResponse {
  if (nested >= MAX_NESTED_EXTENSION_CALLS) throw new ExtensionNestingError(target.name, registry, item);
  nested++;
  try {
    return callOnce(target, registry, item, request);
  } finally {
    nested--;
  }
}

function callOnce(target: SyncTarget, registry: string, item: string, request: PluginRequest): ExtensionResponse {
  try {
    Deno.lstatSync(target.socket);
  } catch {
    throw new TableError(`Extension ${target.name} is gone: its socket ${target.socket} does not exist`);
  }
  try {
    using pinger = SyncThriftClient.connect(target.socket, {
      timeoutMs: Math.min(target.timeoutMs, 10_000),
      limits: target.limits,
    });
    const pong = pinger.invoke("ping", {});
    if (pong.code !== 0) throw new Error(`ping answered code ${pong.code}`);
  } catch (err) {
    throw new TableError(
      `Extension ${target.name} is not responding: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  try {
    using client = SyncThriftClient.connect(target.socket, { timeoutMs: target.timeoutMs, limits: target.limits });
    return client.invoke("call", { registry, item, request });
  } catch (err) {
    throw new TableError(
      `Extension ${target.name} failed ${registry} ${item}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Builds the core-side spec of an extension's table from its route info. */
export function proxyTable(
  name: string,
  routes: PluginResponse,
  target: SyncTarget,
  defaultIndex: boolean,
): TableSpec {
  const parsed = parseTableRoutes(routes, defaultIndex);
  const spec: TableSpec = {
    name,
    description: `Provided by the extension ${target.name}.`,
    columns: parsed.columns,
    aliases: parsed.aliases.length ? parsed.aliases : undefined,
    attributes: parsed.attributes,
    generate(ctx): Row[] {
      const answer = callExtensionSync(target, "table", name, {
        action: "generate",
        context: contextToJson(spec, ctx),
      });
      if (answer.status.code !== 0) {
        throw new TableError(answer.status.message || `Extension table ${name} failed (code ${answer.status.code})`);
      }
      return answer.response;
    },
  };
  return spec;
}
