import {
  AuditAssembler,
  parseAuditLogLine,
  recordFromNetlink,
  splitNetlinkMessages,
} from "../../core/events/audit_records.ts";
import { processEventRow } from "./_audit_rows.ts";
import { SYSCALLS } from "../../core/events/audit.ts";

const lines = Deno.readTextFileSync(new URL("../../testdata/events/audit_process.log", import.meta.url)).split("\n");
const data = Deno.readFileSync(new URL("../../testdata/events/audit_fim_netlink.bin", import.meta.url));
const datagrams: Uint8Array[] = [];
for (let pos = 0, v = new DataView(data.buffer); pos + 4 <= data.length;) {
  const n = v.getUint32(pos, true);
  datagrams.push(data.subarray(pos + 4, pos + 4 + n));
  pos += 4 + n;
}

Deno.bench(`audit: parse and assemble ${lines.length} log lines into process_events rows`, () => {
  const a = new AuditAssembler();
  for (const line of lines) {
    const r = parseAuditLogLine(line);
    if (r) { for (const e of a.push(r)) processEventRow(e, SYSCALLS, 0); }
  }
});

Deno.bench(`audit: split, parse and assemble ${datagrams.length} recorded netlink datagrams`, () => {
  const a = new AuditAssembler();
  for (const d of datagrams) {
    for (const m of splitNetlinkMessages(d)) {
      const r = recordFromNetlink(m);
      if (r) a.push(r);
    }
  }
});
