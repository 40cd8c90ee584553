import { assert } from "../../testing/assert.ts";
import { parseGroup, parsePasswd, parseShadow } from "../../core/host/accounts.ts";
import { parseUtmp } from "./_lib.ts";
import { privateKeyInfo } from "./_sshkey.ts";
import { historyRows } from "./shell_history.ts";
import { authorizedKeyRows } from "./authorized_keys.ts";
import { knownHostRows } from "./known_hosts.ts";
import { sshConfigRows } from "./ssh_configs.ts";
import { cronRows } from "./crontab.ts";

/** Deterministic pseudo-random bytes (xorshift), biased towards the separators parsers split on. */
function noise(seed: number, length: number): Uint8Array {
  let x = seed || 1;
  const out = new Uint8Array(length);
  const separators = [0x3a, 0x0a, 0x20, 0x09, 0x23, 0x2c, 0x40, 0x24, 0x5c, 0x2d];
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const r = x >>> 0;
    out[i] = r % 4 === 0 ? separators[(r >>> 8) % separators.length] : (r >>> 16) & 0xff;
  }
  return out;
}

Deno.test("parsers: random bytes never throw and yield only well-formed entries", () => {
  const decoder = new TextDecoder();
  for (let seed = 1; seed <= 200; seed++) {
    const bytes = noise(seed, 64 + seed * 7);
    const text = decoder.decode(bytes);
    for (const u of parsePasswd(text)) assert(Number.isInteger(u.uid) && u.uid >= 0 && u.uid <= 0xffffffff);
    for (const g of parseGroup(text)) assert(Number.isInteger(g.gid));
    for (const s of parseShadow(text)) assert(Number.isInteger(s.lastChange));
    parseUtmp(bytes);
    privateKeyInfo(text);
    privateKeyInfo(
      `-----BEGIN RSA PRIVATE KEY-----\n${btoa(String.fromCharCode(...bytes))}\n-----END RSA PRIVATE KEY-----\n`,
    );
    privateKeyInfo(
      `-----BEGIN PRIVATE KEY-----\nMIIB${btoa(String.fromCharCode(...bytes))}\n-----END PRIVATE KEY-----\n`,
    );
    historyRows(text, 1, "f");
    authorizedKeyRows(text, 1, "f");
    knownHostRows(text, 1, "f");
    sshConfigRows(text, 1, "f");
    cronRows(text, "f");
  }
});

Deno.test("user_ssh_keys: truncated DER inside a valid PEM frame is not a key", () => {
  // A PKCS#1 RSA key cut after its first bytes.
  assert(
    privateKeyInfo("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n") === undefined,
  );
  assert(privateKeyInfo("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2Vw\n-----END PRIVATE KEY-----\n") === undefined);
});
