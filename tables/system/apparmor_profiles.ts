/**
 * `apparmor_profiles`: the AppArmor profiles loaded in the kernel, read from securityfs
 * (/sys/kernel/security/apparmor/policy/profiles), children nested under their parents as
 * aa-status names them.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { listDir, readAttr } from "./_lib.ts";

export default registerTable(defineTable({
  name: "apparmor_profiles",
  description: "Loaded AppArmor profiles: policy path, name, attachment, enforcement mode and hash.",
  columns: [
    {
      name: "path",
      type: "TEXT",
      index: true,
      description: "The policy's identifier as aa-status prints it (parent//child).",
    },
    { name: "name", type: "TEXT", description: "The profile's own name." },
    { name: "attach", type: "TEXT", description: "The executables the profile attaches to." },
    { name: "mode", type: "TEXT", description: "How the policy is applied: enforce, complain, kill or unconfined." },
    { name: "sha1", type: "TEXT", collate: "nocase", description: "SHA-1 of the policy (kernels before 6.8)." },
    { name: "sha256", type: "TEXT", collate: "nocase", description: "SHA-256 of the policy (kernels 6.8 and later)." },
  ],
  generate(ctx) {
    return apparmorRows(ctx.host.path("/sys/kernel/security/apparmor/policy/profiles"), "");
  },
}));

/** The rows for the profiles in `dir` (below `parentPath`); a profile missing a required file is skipped. */
function apparmorRows(dir: string, parentPath: string): Row[] {
  const rows: Row[] = [];
  for (const e of listDir(dir)) {
    if (!e.isDirectory) continue;
    const profile = `${dir}/${e.name}`;
    const name = readAttr(`${profile}/name`);
    const mode = readAttr(`${profile}/mode`);
    const attach = readAttr(`${profile}/attach`);
    // Kernels since 6.8 publish sha256; older ones sha1.
    const sha256 = readAttr(`${profile}/sha256`);
    const sha1 = sha256 === undefined ? readAttr(`${profile}/sha1`) : undefined;
    if (name === undefined || mode === undefined || attach === undefined) continue;
    if (sha256 === undefined && sha1 === undefined) continue;
    const path = parentPath ? `${parentPath}//${name}` : name;
    rows.push({ path, name, attach, mode, sha1: sha1 ?? "", sha256: sha256 ?? "" });
    rows.push(...apparmorRows(`${profile}/profiles`, path));
  }
  return rows;
}
