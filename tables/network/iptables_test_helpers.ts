/**
 * Builds ip_tables blobs in the kernel's layout (struct ipt_entry, xt_entry_match,
 * xt_entry_target on x86-64) for the iptables tests. `deno run tables/network/iptables_test_helpers.ts`
 * rewrites the committed fixture under testdata/network/iptables/.
 *
 * @module
 */
import { parseIpv4 } from "./_lib.ts";

/** One rule (or chain head/tail/policy) to encode. */
export interface RuleSpec {
  src?: string;
  dst?: string;
  smsk?: string;
  dmsk?: string;
  iniface?: string;
  outiface?: string;
  inifaceMask?: number[];
  outifaceMask?: number[];
  proto?: number;
  invflags?: number;
  packets?: bigint;
  bytes?: bigint;
  /** Matches: name and data bytes. */
  matches?: { name: string; data: Uint8Array }[];
  /** A standard verdict (negative) or a jump: resolved later by chain name, or "next" for fall-through. */
  verdict?: number | { chain: string } | "next";
  /** An extension target's name and data. */
  target?: { name: string; data: Uint8Array };
  /** An error target (chain head or the final ERROR). */
  error?: string;
}

const align8 = (n: number) => (n + 7) & ~7;

function header(size: number, name: string): Uint8Array {
  const out = new Uint8Array(32);
  new DataView(out.buffer).setUint16(0, size, true);
  out.set(new TextEncoder().encode(name).subarray(0, 28), 2);
  return out;
}

function sized(length: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(length);
  out.set(data.subarray(0, length));
  return out;
}

/** tcp/udp match data: source and destination port ranges. */
export function portMatch(name: "tcp" | "udp", sport: [number, number], dport: [number, number]) {
  const data = new Uint8Array(name === "tcp" ? 12 : 10);
  const v = new DataView(data.buffer);
  [sport[0], sport[1], dport[0], dport[1]].forEach((p, i) => v.setUint16(i * 2, p, true));
  return { name, data };
}

/** Encodes a table: entries laid out in order; returns the blob and each entry's offset and size. */
export function buildBlob(rules: RuleSpec[], chainStarts: (offsets: number[]) => Map<string, number>): Uint8Array {
  const sizes = rules.map((r) => {
    const matches = (r.matches ?? []).reduce((n, m) => n + align8(32 + m.data.length), 0);
    const target = r.error !== undefined ? align8(32 + 30) : r.target ? align8(32 + r.target.data.length) : 40;
    return 112 + matches + target;
  });
  const offsets: number[] = [];
  sizes.reduce((at, size) => (offsets.push(at), at + size), 0);
  const starts = chainStarts(offsets);
  const blob = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  rules.forEach((r, i) => {
    const at = offsets[i];
    const v = new DataView(blob.buffer, at);
    const put = (text: string | undefined, offset: number) =>
      text && blob.set(new TextEncoder().encode(text).subarray(0, 15), at + offset);
    for (const [ip, offset] of [[r.src, 0], [r.dst, 4], [r.smsk, 8], [r.dmsk, 12]] as const) {
      if (ip) blob.set(parseIpv4(ip)!, at + offset);
    }
    put(r.iniface, 16);
    put(r.outiface, 32);
    if (r.inifaceMask) blob.set(r.inifaceMask, at + 48);
    if (r.outifaceMask) blob.set(r.outifaceMask, at + 64);
    v.setUint16(80, r.proto ?? 0, true);
    blob[at + 83] = r.invflags ?? 0;
    let cursor = 112;
    for (const m of r.matches ?? []) {
      const size = align8(32 + m.data.length);
      blob.set(header(size, m.name), at + cursor);
      blob.set(m.data, at + cursor + 32);
      cursor += size;
    }
    v.setUint16(88, cursor, true);
    v.setUint16(90, sizes[i], true);
    v.setBigUint64(96, r.packets ?? 0n, true);
    v.setBigUint64(104, r.bytes ?? 0n, true);
    if (r.error !== undefined) {
      blob.set(header(align8(62), "ERROR"), at + cursor);
      blob.set(sized(30, new TextEncoder().encode(r.error)), at + cursor + 32);
    } else if (r.target) {
      blob.set(header(align8(32 + r.target.data.length), r.target.name), at + cursor);
      blob.set(r.target.data, at + cursor + 32);
    } else {
      blob.set(header(40, ""), at + cursor);
      const verdict = r.verdict ?? -2;
      const value = typeof verdict === "number"
        ? verdict
        : verdict === "next"
        ? offsets[i] + sizes[i]
        : starts.get(verdict.chain)!;
      v.setInt32(cursor + 32, value, true);
    }
  });
  return blob;
}

/** The fixture "filter" table: INPUT/FORWARD/OUTPUT with rules, two user chains. */
export function fixtureFilterTable(): { info: Uint8Array; blob: Uint8Array } {
  const rules: RuleSpec[] = [
    // INPUT (entries 0-4; 4 is the policy)
    { iniface: "lo", inifaceMask: [255, 255, 255], packets: 5n, bytes: 500n, verdict: -2 },
    {
      src: "10.0.0.0",
      smsk: "255.0.0.0",
      proto: 6,
      matches: [portMatch("tcp", [0, 65535], [22, 22])],
      packets: 7n,
      bytes: 700n,
      verdict: -2,
    },
    {
      iniface: "eth0",
      inifaceMask: [255, 255, 255, 255, 255],
      proto: 17,
      invflags: 0x01,
      matches: [portMatch("udp", [53, 53], [0, 65535])],
      target: { name: "LOG", data: new Uint8Array(40) },
    },
    { verdict: { chain: "osq-chain" } },
    { verdict: -1, packets: 10n, bytes: 1000n },
    // FORWARD (entry 5 is its policy)
    { verdict: -2, packets: 1n, bytes: 2n },
    // OUTPUT (6 rule, 7 policy)
    {
      dst: "192.0.2.1",
      dmsk: "255.255.255.255",
      outiface: "wlan",
      outifaceMask: [255, 255, 255, 255],
      invflags: 0x02 | 0x10,
      target: { name: "REJECT", data: new Uint8Array(4) },
    },
    { verdict: -2, packets: 3n, bytes: 4n },
    // user chain osq-chain (head 8, rules 9-10, tail 11)
    { error: "osq-chain" },
    { proto: 6, invflags: 0x40, verdict: -5 },
    { src: "1.2.3.4", smsk: "255.255.255.255", verdict: "next" },
    { verdict: -5 },
    // user chain a-first (head 12, tail 13): empty
    { error: "a-first" },
    { verdict: -5 },
    // end of table
    { error: "ERROR" },
  ];
  const blob = buildBlob(rules, (offsets) => new Map([["osq-chain", offsets[9]], ["a-first", offsets[13]]]));
  const offsets: number[] = [];
  for (let at = 0; at < blob.length; at += new DataView(blob.buffer, at).getUint16(90, true)) offsets.push(at);
  const info = new Uint8Array(84);
  const v = new DataView(info.buffer);
  info.set(new TextEncoder().encode("filter"));
  v.setUint32(32, 0b01110, true);
  const hooks: [number, number, number][] = [[1, 0, 4], [2, 5, 5], [3, 6, 7]];
  for (const [hook, start, policy] of hooks) {
    v.setUint32(36 + hook * 4, offsets[start], true);
    v.setUint32(56 + hook * 4, offsets[policy], true);
  }
  v.setUint32(76, rules.length, true);
  v.setUint32(80, blob.length, true);
  return { info, blob };
}

if (import.meta.main) {
  const dir = new URL("../../testdata/network/iptables/", import.meta.url);
  Deno.mkdirSync(dir, { recursive: true });
  const { info, blob } = fixtureFilterTable();
  Deno.writeFileSync(new URL("filter.info", dir), info);
  Deno.writeFileSync(new URL("filter.entries", dir), blob);
}
