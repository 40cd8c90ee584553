/**
 * Raw inotify records as the kernel writes them to the descriptor, for feeding the inotify
 * publisher (core/events/inotify.ts's `feed`) in tests.
 *
 * @module
 */

/** One `struct inotify_event` with its name, NUL-padded to a multiple of 16 bytes. */
export function inotifyRecord(wd: number, mask: number, name: string, cookie = 0): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  const len = Math.ceil((bytes.length + 1) / 16) * 16;
  const out = new Uint8Array(16 + len);
  const view = new DataView(out.buffer);
  view.setInt32(0, wd, true);
  view.setUint32(4, mask, true);
  view.setUint32(8, cookie, true);
  view.setUint32(12, len, true);
  out.set(bytes, 16);
  return out;
}
