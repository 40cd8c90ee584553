/**
 * The shell's side of extensions: osqueryi serves an extension manager on its own socket
 * (`~/.osquery/shell.em` unless `--extensions_socket` says otherwise) while the console is open,
 * starts `--extension` / autoloaded extensions, and installs the `--connect` / `.connect` hook.
 *
 * @module
 */
import type { Engine } from "../../core/engine.ts";
import { flags } from "../../core/flags/flags.ts";
import { runtime } from "../../core/runtime/process.ts";
import { type ExtensionManager, startExtensionManager } from "../../core/extensions/manager.ts";
import { type ExtensionSupervisor, startAutoload, waitForRequiredExtensions } from "../../core/extensions/autoload.ts";
import { shellExtensionsSocket } from "../../core/extensions/paths.ts";
import { openRemoteBackend } from "../../core/extensions/core_client.ts";
import { setRemoteConnector } from "./runner.ts";

setRemoteConnector((socket) => openRemoteBackend(socket));

/** The running extension machinery of a shell; stop it before the engine closes. */
export interface ShellExtensions {
  manager: ExtensionManager;
  supervisor: ExtensionSupervisor | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the manager (and the extensions to autoload) unless `--disable_extensions`.
 * A non-interactive shell keeps extensions off unless `--extension` or `--extensions_require` asks
 * for them, as osqueryi does. Throws when a required extension does not arrive in time.
 */
export async function startShellExtensions(
  engine: Engine,
  explicitlySet: readonly string[],
): Promise<ShellExtensions | undefined> {
  const managed = flags.string("extension") !== "" || flags.string("extensions_require") !== "";
  if (managed && !explicitlySet.includes("disable_extensions")) flags.set("disable_extensions", false, "runtime");
  if (flags.bool("disable_extensions")) return undefined;
  const socket = shellExtensionsSocket();
  if (socket !== flags.string("extensions_socket")) flags.set("extensions_socket", socket, "runtime");
  const manager = startExtensionManager(engine, { socket });
  runtime.extensionsActive = true;
  const supervisor = startAutoload({ socket });
  const stop = async () => {
    runtime.extensionsActive = false;
    // The supervisor first, as the daemon does: an extension sees the manager's socket close and
    // exits, which a supervisor not yet stopping reports as an unexpected exit.
    await supervisor?.stop();
    await manager.stop();
  };
  try {
    await waitForRequiredExtensions(manager);
  } catch (err) {
    await stop();
    throw err;
  }
  return { manager, supervisor, stop };
}
