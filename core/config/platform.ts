/**
 * The filters a pack or query may carry — platform, minimum version, shard — decided as osquery
 * decides them.
 *
 * @module
 */
import { nodeCrypto } from "../runtime/node_builtins.ts";
import { OSQUERY_VERSION } from "../runtime/version.ts";

/** The running platform's name as osquery spells it. */
export function platformName(): string {
  return Deno.build.os === "darwin" ? "darwin" : Deno.build.os === "windows" ? "windows" : Deno.build.os;
}

/**
 * True when a `platform` value admits the running platform: empty, `null`, or containing `any`
 * or `all` admit all; `linux`, `ubuntu`, `centos` mean Linux; `posix` means Linux, macOS and
 * FreeBSD; otherwise the value must contain the platform's name.
 */
export function checkPlatform(platform: string | undefined, current = platformName()): boolean {
  if (platform === undefined || platform === "" || platform === "null") return true;
  if (platform.includes("any") || platform.includes("all")) return true;
  if (current === "linux" && ["linux", "ubuntu", "centos"].some((p) => platform.includes(p))) return true;
  if (["linux", "darwin", "freebsd"].includes(current) && platform.includes("posix")) return true;
  return platform.includes(current);
}

/** Platforms a `platform` value selects among the ones osquery builds for. */
export function platformsOf(platform: string | undefined): string[] {
  return ["linux", "darwin", "windows", "freebsd"].filter((p) => checkPlatform(platform, p));
}

/** True when `running` is at least `wanted` (dotted numbers; missing parts count as 0). */
export function versionAtLeast(wanted: string, running = OSQUERY_VERSION): boolean {
  if (wanted === "" || wanted === "null") return true;
  const a = wanted.split(/[.-]/).map((p) => parseInt(p, 10) || 0);
  const b = running.split(/[.-]/).map((p) => parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return y > x;
  }
  return true;
}

/** This machine's shard (0..100): the first byte of SHA-1(hostname), scaled to 100. */
export function machineShard(hostname = Deno.hostname()): number {
  const first = parseInt(nodeCrypto().createHash("sha1").update(hostname).digest("hex").slice(0, 2), 16);
  return Math.floor((first * 100) / 255);
}

/** True when a shard restriction admits this machine (0 = no restriction). */
export function checkShard(shard: number, hostname?: string): boolean {
  return !(shard > 0 && shard < machineShard(hostname));
}
