/**
 * `systemd_units`: the units systemd has loaded, with their states and unit files, asked of the
 * running manager over D-Bus (see _systemd.ts).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { hostSystemdUnits, type SystemdUnit } from "./_systemd.ts";

export default registerTable(defineTable({
  name: "systemd_units",
  description: "Units loaded by systemd: load, active and sub state, jobs, unit file and its state, user.",
  attributes: { strongly_typed_rows: true },
  columns: [
    { name: "id", type: "TEXT", description: "The unit's name, e.g. ssh.service." },
    { name: "description", type: "TEXT", description: "The unit's description." },
    {
      name: "load_state",
      type: "TEXT",
      description: "Whether the unit's definition loaded: loaded, not-found, masked, error.",
    },
    {
      name: "active_state",
      type: "TEXT",
      description: "The unit's overall state: active, inactive, failed, activating, ...",
    },
    { name: "sub_state", type: "TEXT", description: "The unit type's own finer state, e.g. running, exited, mounted." },
    {
      name: "unit_file_state",
      type: "TEXT",
      description: "Whether the unit file is enabled: enabled, disabled, static, masked, ...",
    },
    { name: "following", type: "TEXT", description: "The unit this one follows in state, if any." },
    { name: "object_path", type: "TEXT", description: "The unit's D-Bus object path." },
    { name: "job_id", type: "BIGINT", description: "The id of the job queued for the unit (0 none)." },
    { name: "job_type", type: "TEXT", description: "The kind of the queued job, e.g. start, stop." },
    { name: "job_path", type: "TEXT", description: "The queued job's D-Bus object path (/ when none)." },
    { name: "fragment_path", type: "TEXT", description: "The unit file the unit was loaded from." },
    { name: "user", type: "TEXT", description: "The user a service runs as (User=), if set." },
    { name: "source_path", type: "TEXT", description: "The file a generated unit was made from, e.g. /etc/fstab." },
  ],
  generate(ctx) {
    // Properties cost four round trips per unit: fetch them only when the query reads them.
    const withProperties = ctx.isAnyUsed("unit_file_state", "fragment_path", "user", "source_path");
    return (hostSystemdUnits(ctx.host, withProperties) ?? []).map(systemdUnitRow);
  },
}));

/** The table row for one unit. */
function systemdUnitRow(u: SystemdUnit): Row {
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
