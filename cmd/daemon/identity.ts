/**
 * The host identifier in result lines, as `--host_identifier` selects it.
 *
 * @module
 */
import { flags } from "../../core/flags/flags.ts";
import { hostUuid, runtime } from "../../core/runtime/process.ts";
import type { Store } from "../../core/kv/store.ts";

const ephemeralId = crypto.randomUUID();

/** hostname (re-read each time), uuid, instance (per database), ephemeral (per process) or specified. */
export function hostIdentifier(_store?: Store): Promise<string> {
  switch (flags.string("host_identifier")) {
    case "uuid":
      return Promise.resolve(hostUuid());
    case "instance":
      return Promise.resolve(runtime.instanceId);
    case "ephemeral":
      return Promise.resolve(ephemeralId);
    case "specified": {
      const id = flags.string("specified_identifier");
      return Promise.resolve(id === "" ? Deno.hostname() : id);
    }
    default:
      return Promise.resolve(Deno.hostname());
  }
}
