/**
 * What the running extension manager (if any) exposes to tables: its socket and the extensions
 * registered with it. The manager publishes itself here; `osquery_extensions` reads it.
 *
 * @module
 */
import type { InternalExtensionInfo } from "../thrift/bindings.ts";

/** One registered extension, as tables see it. */
export interface ExtensionRecord {
  uuid: bigint;
  info: InternalExtensionInfo;
  /** The extension's own socket (`<manager socket>.<uuid>`). */
  socket: string;
}

/** A manager as tables see it. */
export interface ManagerView {
  /** The manager's socket path. */
  readonly path: string;
  /** Registered, live extensions, by uuid. */
  records(): ExtensionRecord[];
}

let active: ManagerView | undefined;

/** Publishes (or clears) the running manager. */
export function setActiveManager(view: ManagerView | undefined): void {
  active = view;
}

/** The running manager, if one is serving. */
export function activeManager(): ManagerView | undefined {
  return active;
}
