/**
 * `apparmor_profiles`: the AppArmor profiles loaded in the kernel, from securityfs.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { listDir, readAttr } from "./_lib.ts";

/** The `apparmor_profiles` rows under `root`; a profile missing a required file is skipped. */
export function apparmorRows(root = ""): Row[] {
  const rows: Row[] = [];
  const walk = (dir: string, parentPath: string) => {
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
      walk(`${profile}/profiles`, path);
    }
  };
  walk(`${root}/sys/kernel/security/apparmor/policy/profiles`, "");
  return rows;
}

export default registerTable(defineTable({
  name: "apparmor_profiles",
  description: "Loaded AppArmor profiles: policy path, name, attachment, enforcement mode and hash.",
  columns: [
    {
      name: "path",
      type: "TEXT",
      index: true,
      description: "Policy identifier as aa-status prints it (parent//child)",
    },
    { name: "name", type: "TEXT" },
    { name: "attach", type: "TEXT" },
    { name: "mode", type: "TEXT", description: "enforce, complain, kill or unconfined" },
    { name: "sha1", type: "TEXT", collate: "nocase" },
    { name: "sha256", type: "TEXT", collate: "nocase" },
  ],
  generate() {
    return apparmorRows();
  },
}));
