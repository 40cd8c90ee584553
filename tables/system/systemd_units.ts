/**
 * `systemd_units`: the units systemd has loaded, with their states and unit files, asked of the
 * running manager over D-Bus (see _systemd.ts).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { listSystemdUnits, type SystemdUnit } from "./_systemd.ts";

/** The table row for one unit. */
export function systemdUnitRow(u: SystemdUnit): Row {
  return {
    id: u.id,
    description: u.description,
    load_state: u.loadState,
    active_state: u.activeState,
    sub_state: u.subState,
    unit_file_state: u.unitFileState,
    following: u.following,
    object_path: u.objectPath,
    job_id: u.jobId,
    job_type: u.jobType,
    job_path: u.jobPath,
    fragment_path: u.fragmentPath,
    user: u.user,
    source_path: u.sourcePath,
  };
}

export default registerTable(defineTable({
  name: "systemd_units",
  description: "Units loaded by systemd: load, active and sub state, jobs, unit file and its state, user.",
  attributes: { strongly_typed_rows: true },
  columns: [
    { name: "id", type: "TEXT", description: "Unit name, e.g. ssh.service" },
    { name: "description", type: "TEXT" },
    { name: "load_state", type: "TEXT" },
    { name: "active_state", type: "TEXT" },
    { name: "sub_state", type: "TEXT" },
    { name: "unit_file_state", type: "TEXT", description: "enabled, disabled, static, masked, ..." },
    { name: "following", type: "TEXT" },
    { name: "object_path", type: "TEXT" },
    { name: "job_id", type: "BIGINT" },
    { name: "job_type", type: "TEXT" },
    { name: "job_path", type: "TEXT" },
    { name: "fragment_path", type: "TEXT" },
    { name: "user", type: "TEXT" },
    { name: "source_path", type: "TEXT" },
  ],
  generate(ctx) {
    // Properties cost four round trips per unit: fetch them only when the query reads them.
    const withProperties = ctx.isAnyUsed("unit_file_state", "fragment_path", "user", "source_path");
    return (listSystemdUnits(undefined, withProperties) ?? []).map(systemdUnitRow);
  },
}));
