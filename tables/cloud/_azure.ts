/**
 * Azure's Instance Metadata Service: the compute document at
 * `/metadata/instance/compute?api-version=2018-02-01`, asked for with the `Metadata: true` header.
 *
 * Like osquery, the service is only asked on a host that looks like Azure (the Linux guest agent's
 * /var/log/waagent.log exists); we also accept Azure's DMI chassis asset tag, which hosts without
 * the agent still carry, and an overridden metadata authority.
 *
 * @module
 */
import { exists, readText } from "../../core/host/files.ts";
import type { Host } from "../../core/host/host.ts";
import { authorityOverridden, type JsonObject, metadataBase, metadataRequest, parseObject } from "./_lib.ts";

/** The compute document's path, at the API version every Azure region serves. */
export const AZURE_COMPUTE_PATH = "/metadata/instance/compute?api-version=2018-02-01";
/** The chassis asset tag Azure sets on every VM. */
export const AZURE_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77";

function readTrimmed(path: string): string {
  return readText(path)?.trim() ?? "";
}

/** Whether `host` may be an Azure VM. */
export function looksLikeAzure(host: Host): boolean {
  return exists(host.path("/var/log/waagent.log")) ||
    readTrimmed(host.path("/sys/class/dmi/id/chassis_asset_tag")) === AZURE_ASSET_TAG;
}

/** The compute metadata document, or `undefined` when not on Azure or the service did not give it. */
export function azureCompute(host: Host): JsonObject | undefined {
  if (!authorityOverridden() && !looksLikeAzure(host)) return undefined;
  const answer = metadataRequest(metadataBase(), AZURE_COMPUTE_PATH, { headers: { Metadata: "true" } });
  if (answer === undefined || answer.status !== 200) return undefined;
  return parseObject(answer.text);
}
