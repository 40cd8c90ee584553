/**
 * The udev publisher: device events from the kernel's uevent netlink socket. When udevd runs
 * (`/run/udev/control` exists) it listens to udevd's group, whose messages carry the hardware
 * database properties (vendor and model names); otherwise to the kernel's own group.
 *
 * @module
 */
import { libc, MSG_DONTWAIT, openNetlinkSocket, ReadableWaiter, SOCK_DGRAM } from "../host/libc.ts";
import type { EventPublisher } from "./system.ts";

const NETLINK_KOBJECT_UEVENT = 15;
const KERNEL_GROUP = 1;
const UDEV_GROUP = 2;
const UDEV_MAGIC = 0xfeedcafe;

/** One device event: its properties (ACTION, DEVPATH, DEVTYPE, DEVNAME, DRIVER, ID_*, ...). */
export type UeventProperties = Map<string, string>;

const decoder = new TextDecoder();

function splitProperties(bytes: Uint8Array, into: UeventProperties): void {
  for (const item of decoder.decode(bytes).split("\0")) {
    const eq = item.indexOf("=");
    if (eq > 0) into.set(item.slice(0, eq), item.slice(eq + 1));
  }
}

/**
 * Parses a uevent datagram: either udevd's (`libudev\0` header, then KEY=VALUE properties) or the
 * kernel's (`ACTION@DEVPATH\0KEY=VALUE\0...`). Returns undefined for anything else.
 */
export function parseUevent(message: Uint8Array): UeventProperties | undefined {
  const props: UeventProperties = new Map();
  if (message.length >= 40 && decoder.decode(message.subarray(0, 8)) === "libudev\0") {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    if (view.getUint32(8, false) !== UDEV_MAGIC) return undefined;
    const offset = view.getUint32(16, true);
    const length = view.getUint32(20, true);
    if (offset + length > message.length || offset < 24) return undefined;
    splitProperties(message.subarray(offset, offset + length), props);
  } else {
    const nul = message.indexOf(0);
    const head = decoder.decode(nul < 0 ? message : message.subarray(0, nul));
    if (!head.includes("@")) return undefined;
    splitProperties(message.subarray(nul + 1), props);
  }
  return props.has("ACTION") ? props : undefined;
}

/** Reads device events and hands each to the listeners. */
export class UdevPublisher implements EventPublisher {
  readonly name = "udev";
  readonly #listeners: ((event: UeventProperties) => void)[] = [];
  #fd = -1;
  #running = false;
  #loop: Promise<void> | undefined;
  #waiter: ReadableWaiter | undefined;
  refreshes = 0;

  /** Adds a listener called with every parsed event. */
  listen(listener: (event: UeventProperties) => void): void {
    this.#listeners.push(listener);
  }

  get active(): boolean {
    return this.#running;
  }

  /** Dispatches one raw datagram (also used by tests). */
  dispatch(message: Uint8Array): void {
    const event = parseUevent(message);
    if (!event) return;
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (err) {
        console.error(`W udev subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  start(): Promise<void> {
    let group = KERNEL_GROUP;
    try {
      Deno.statSync("/run/udev/control");
      group = UDEV_GROUP;
    } catch {
      // No udevd: raw kernel events.
    }
    let fd: number;
    try {
      fd = openNetlinkSocket(NETLINK_KOBJECT_UEVENT, SOCK_DGRAM, group, "the uevent socket");
    } catch (err) {
      return Promise.reject(err);
    }
    this.#fd = fd;
    this.#running = true;
    this.refreshes++;
    this.#loop = this.#read();
    return Promise.resolve();
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(new ArrayBuffer(1 << 16));
    // Wakes only for a uevent or stop(): an idle daemon polls nothing.
    const waiter = this.#waiter = new ReadableWaiter(this.#fd);
    while (this.#running) {
      if (!await waiter.wait()) continue;
      const n = Number(libc().recv(this.#fd, buf, BigInt(buf.length), MSG_DONTWAIT));
      if (n > 0) this.dispatch(buf.slice(0, n));
    }
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#waiter?.wake();
    await this.#loop;
    this.#waiter?.close();
    this.#waiter = undefined;
    libc().close(this.#fd);
    this.#fd = -1;
  }
}
