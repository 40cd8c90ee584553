/**
 * The server side of one Thrift call, shared by the async {@linkcode ThriftServer} and the inline
 * server that answers while the thread is blocked: read the CALL (or ONEWAY) message, find the
 * handler's method, and encode its reply, the "Invalid method name" exception for a method the
 * handler lacks, or the "Internal error processing" exception when the method throws. Running
 * the method (awaited or not) and logging its failure stay with each server.
 *
 * @module
 */
import {
  ApplicationErrorType,
  type ArgsOf,
  decodeArgs,
  encodeApplicationError,
  encodeReply,
  isMethodName,
  type MethodName,
  METHODS,
  openMessage,
  type ResultOf,
} from "./bindings.ts";
import { MessageType, type ProtocolLimits, ThriftProtocolError } from "./protocol.ts";

/** Method implementations by name, as a server's handler holds them (sync or async). */
export type MethodTable = { [M in MethodName]?: (args: ArgsOf<M>) => unknown };

/** A call whose method the handler has: run it, then encode what it gave or why it failed. */
export interface OpenCall {
  /** The method's name. */
  name: MethodName;
  /** Calls the handler's method with the decoded arguments; its result or promise. */
  run(): unknown;
  /** The REPLY carrying `result` (undefined for a oneway call). */
  reply(result: unknown): Uint8Array<ArrayBuffer> | undefined;
  /** The exception for a method that threw with `text` (undefined for a oneway call). */
  fail(text: string): Uint8Array<ArrayBuffer> | undefined;
}

/**
 * Opens the call in `bytes` for `handler`: an {@linkcode OpenCall}, or `{ answer }` when there is
 * nothing to run (the method is unknown or not offered; `answer` is undefined for a oneway call).
 * Throws {@linkcode ThriftProtocolError} for a message that is not a call.
 */
export function openCall(
  bytes: Uint8Array,
  limits: ProtocolLimits,
  handler: MethodTable,
): OpenCall | { answer: Uint8Array<ArrayBuffer> | undefined } {
  const message = openMessage(bytes, limits);
  if (message.type !== MessageType.CALL && message.type !== MessageType.ONEWAY) {
    throw new ThriftProtocolError(`Expected a call, got message type ${message.type}`);
  }
  const oneway = message.type === MessageType.ONEWAY;
  const name = message.name;
  const impl = isMethodName(name) ? handler[name] : undefined;
  if (!isMethodName(name) || !impl) {
    // The body was already validated by the scanner; it is simply not read.
    return {
      answer: oneway ? undefined : encodeApplicationError(
        name,
        message.seqid,
        `Invalid method name: '${name}'`,
        ApplicationErrorType.UNKNOWN_METHOD,
      ),
    };
  }
  const args = decodeArgs(name, message.reader);
  return {
    name,
    run: () => (impl as (a: typeof args) => unknown)(args),
    reply: (result) =>
      oneway
        ? undefined
        : encodeReply(name, message.seqid, result as ResultOf<typeof name>, METHODS[name].result ? 4096 : 64),
    fail: (text) =>
      oneway ? undefined : encodeApplicationError(
        name,
        message.seqid,
        `Internal error processing ${name}: ${text}`,
        ApplicationErrorType.INTERNAL_ERROR,
      ),
  };
}
