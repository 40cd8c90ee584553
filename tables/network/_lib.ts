/**
 * Parsing shared by the network tables: whitespace splitting as osquery does it, netdb lines, and IP
 * address parsing (formatting, needed by the processes area too, is core/host/inet.ts).
 *
 * @module
 */

/** Splits `text` on runs of spaces and tabs, dropping empty pieces (osquery's `split(line)`). */
export function splitFields(text: string): string[] {
  return text.split(/[ \t\r\v\f]+/).filter((f) => f.length > 0);
}

/** One entry line of a netdb file (/etc/protocols, /etc/services): its fields and trailing comment. */
export interface NetdbLine {
  /** The whitespace-separated fields before the first `#`. */
  fields: string[];
  /** The comment parts after each `#`, trimmed, empty ones dropped, joined with " # "; undefined when none. */
  comment?: string;
}

/** The entry lines of a netdb file's text: empty lines and lines starting with `#` are skipped. */
export function netdbLines(text: string): NetdbLine[] {
  const out: NetdbLine[] = [];
  for (const line of text.split("\n")) {
    if (line.length === 0 || line.startsWith("#")) continue;
    const [body, ...commentParts] = line.split("#");
    const comment = commentParts.map((p) => p.trim()).filter((p) => p.length > 0);
    out.push({ fields: splitFields(body), comment: comment.length > 0 ? comment.join(" # ") : undefined });
  }
  return out;
}

/** Formats bytes as lowercase hex pairs joined by `separator`. */
export function toHex(bytes: Uint8Array, separator = "", upper = false): string {
  const parts: string[] = [];
  for (const b of bytes) parts.push(b.toString(16).padStart(2, "0"));
  const text = parts.join(separator);
  return upper ? text.toUpperCase() : text;
}

/** Counts the leading one-bits of a netmask (per byte, stopping at each byte's first zero, as osquery). */
export function prefixLength(mask: Uint8Array): number {
  let bits = 0;
  for (const byte of mask) {
    for (let i = 7; i >= 0; i--) {
      if ((byte & (1 << i)) === 0) break;
      bits++;
    }
  }
  return bits;
}

/** Parses dotted-quad IPv4 text into 4 bytes, or undefined. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return undefined;
    const n = Number(parts[i]);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** Parses IPv6 text (optionally with an embedded dotted quad and a `%scope`) into 16 bytes, or undefined. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const address = text.split("%")[0];
  if (address.length === 0 || !/^[0-9a-fA-F:.]+$/.test(address)) return undefined;
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const words = [...head, ...new Array(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 0xff;
  });
  return bytes;
}

/** True when `text` is an IPv4 or IPv6 address. */
export function isIpAddress(text: string): boolean {
  return parseIpv4(text) !== undefined || parseIpv6(text) !== undefined;
}
