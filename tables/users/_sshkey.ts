/**
 * Reads what `user_ssh_keys` reports about a private key file without OpenSSL: the PEM block is
 * located and its DER walked just far enough to learn the key's type, size, security strength and
 * curve, with the figures OpenSSL 3 gives for `EVP_PKEY_bits`, `EVP_PKEY_security_bits` and
 * `EVP_PKEY_get_group_name`. Encrypted PEM and OpenSSH-format keys are recognised from their
 * headers (their contents cannot be read without the passphrase / are not PEM), as osquery does.
 *
 * @module
 */

/** What is known about one private key. */
export interface PrivateKeyInfo {
  encrypted: boolean;
  /** rsa, dsa, dh, ec, hmac, cmac, or "" (other types, encrypted and OpenSSH keys). */
  keyType: string;
  keyGroupName: string;
  /** Bits of the key, -1 when unknown. */
  keyLength: number;
  /** Bits of security, -1 when unknown. */
  keySecurityBits: number;
}

const OPENSSH_HEADER = "-----BEGIN OPENSSH PRIVATE KEY-----";
/** base64 of "openssh-key-v1\0" + string "none": the start of every unencrypted OpenSSH key. */
const OPENSSH_UNENCRYPTED = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU";

interface Der {
  tag: number;
  /** Content bytes. */
  body: Uint8Array;
  /** Offset just past this element in the buffer it was read from. */
  end: number;
}

class DerError extends Error {
  constructor() {
    super("Malformed DER; skip this key.");
    this.name = "DerError";
  }
}

function readDer(buf: Uint8Array, at: number): Der {
  if (at + 2 > buf.length) throw new DerError();
  const tag = buf[at];
  let len = buf[at + 1];
  let off = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || off + n > buf.length) throw new DerError();
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[off + i];
    off += n;
  }
  if (off + len > buf.length) throw new DerError();
  return { tag, body: buf.subarray(off, off + len), end: off + len };
}

function children(seq: Der): Der[] {
  const out: Der[] = [];
  for (let at = 0; at < seq.body.length;) {
    const d = readDer(seq.body, at);
    out.push(d);
    at = d.end;
  }
  return out;
}

function expect(d: Der | undefined, tag: number): Der {
  if (!d || d.tag !== tag) throw new DerError();
  return d;
}

/** Bits in a DER INTEGER's magnitude (BN_num_bits). */
function integerBits(d: Der): number {
  const b = expect(d, 0x02).body;
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]));
}

function oidText(d: Der): string {
  const b = expect(d, 0x06).body;
  const parts: number[] = [];
  let value = 0;
  for (const byte of b) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (parts.length === 0) {
        parts.push(Math.min(2, Math.floor(value / 40)), value - Math.min(2, Math.floor(value / 40)) * 40);
      } else parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}

/** Named curves: OpenSSL's short name and the group order's bit length. */
const CURVES: Record<string, [string, number]> = {
  "1.2.840.10045.3.1.7": ["prime256v1", 256],
  "1.3.132.0.34": ["secp384r1", 384],
  "1.3.132.0.35": ["secp521r1", 521],
  "1.3.132.0.33": ["secp224r1", 224],
  "1.3.132.0.10": ["secp256k1", 256],
  "1.2.840.10045.3.1.1": ["prime192v1", 192],
  "1.3.36.3.3.2.8.1.1.7": ["brainpoolP256r1", 256],
  "1.3.36.3.3.2.8.1.1.11": ["brainpoolP384r1", 384],
  "1.3.36.3.3.2.8.1.1.13": ["brainpoolP512r1", 512],
  "1.2.156.10197.1.301": ["SM2", 256],
};

/** OpenSSL's strength for finite-field and factoring keys of `l` bits (BN_security_bits). */
export function finiteFieldSecurityBits(l: number, n = -1): number {
  let bits: number;
  if (l >= 15360) bits = 256;
  else if (l >= 7680) bits = 192;
  else if (l >= 3072) bits = 128;
  else if (l >= 2048) bits = 112;
  else if (l >= 1024) bits = 80;
  else return 0;
  if (n === -1) return bits;
  const half = Math.floor(n / 2);
  if (half < 80) return 0;
  return Math.min(half, bits);
}

/** OpenSSL 3's strength for an RSA modulus of `n` bits (SP 800-56B's estimate, multiples of 8). */
export function rsaSecurityBits(n: number): number {
  const common: Record<number, number> = {
    2048: 112,
    3072: 128,
    4096: 152,
    6144: 176,
    7680: 192,
    8192: 200,
    15360: 256,
  };
  if (common[n] !== undefined) return common[n];
  if (n >= 687737) return 1200;
  if (n < 8) return 0;
  const cap = n <= 7680 ? 192 : n <= 15360 ? 256 : 1200;
  const x = n * Math.LN2;
  const lx = Math.log(x);
  const y = Math.floor((1.923 * Math.cbrt(x * lx * lx) - 4.69) / Math.LN2);
  return Math.min((y + 4) & ~7, cap);
}

/** OpenSSL's strength for an elliptic curve whose order has `bits` bits. */
function ecSecurityBits(bits: number): number {
  if (bits >= 512) return 256;
  if (bits >= 384) return 192;
  if (bits >= 256) return 128;
  if (bits >= 224) return 112;
  if (bits >= 160) return 80;
  return Math.floor(bits / 2);
}

function plain(keyType: string, keyLength: number, keySecurityBits: number, keyGroupName = ""): PrivateKeyInfo {
  return { encrypted: false, keyType, keyGroupName, keyLength, keySecurityBits };
}

function rsaInfo(seq: Der): PrivateKeyInfo {
  const f = children(expect(seq, 0x30));
  const bits = integerBits(f[1]);
  return plain("rsa", bits, rsaSecurityBits(bits));
}

function dsaInfo(p: Der, q: Der): PrivateKeyInfo {
  const l = integerBits(p);
  return plain("dsa", l, finiteFieldSecurityBits(l, integerBits(q)));
}

function ecInfo(curveOid: string): PrivateKeyInfo {
  const curve = CURVES[curveOid];
  if (!curve) return plain("ec", -1, -1);
  return plain("ec", curve[1], ecSecurityBits(curve[1]), curve[0]);
}

function pkcs8Info(seq: Der): PrivateKeyInfo | undefined {
  const f = children(expect(seq, 0x30));
  const alg = children(expect(f[1], 0x30));
  const oid = oidText(alg[0]);
  const inner = expect(f[2], 0x04).body;
  switch (oid) {
    case "1.2.840.113549.1.1.1": // rsaEncryption
      return rsaInfo(readDer(inner, 0));
    case "1.2.840.113549.1.1.10": { // RSASSA-PSS: not a type osquery names
      const bits = integerBits(children(expect(readDer(inner, 0), 0x30))[1]);
      return plain("", bits, rsaSecurityBits(bits));
    }
    case "1.2.840.10040.4.1": { // dsa
      const params = children(expect(alg[1], 0x30));
      return dsaInfo(params[0], params[1]);
    }
    case "1.2.840.10045.2.1": // id-ecPublicKey
      return ecInfo(alg[1]?.tag === 0x06 ? oidText(alg[1]) : "");
    case "1.2.840.113549.1.3.1": // dhKeyAgreement
    case "1.2.840.10046.2.1": { // dhpublicnumber (X9.42)
      const params = children(expect(alg[1], 0x30));
      const l = integerBits(params[0]);
      return plain("dh", l, finiteFieldSecurityBits(l));
    }
    case "1.3.101.112": // Ed25519
      return plain("", 256, 128);
    case "1.3.101.113": // Ed448
      return plain("", 456, 224);
    case "1.3.101.110": // X25519
      return plain("", 253, 128);
    case "1.3.101.111": // X448
      return plain("", 448, 224);
    default:
      return undefined;
  }
}

function base64Bytes(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.fromBase64(text.replace(/\s+/g, ""));
  } catch {
    return undefined;
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * What `content` holds as a private key, or undefined when it is not one (public keys, configs,
 * known_hosts, corrupt PEM): the rule by which osquery reports a file in ~/.ssh or not.
 */
export function privateKeyInfo(content: string): PrivateKeyInfo | undefined {
  for (const m of content.matchAll(PEM_BLOCK)) {
    const label = m[1];
    if (!/(^| )PRIVATE KEY$/.test(label) || label === "OPENSSH PRIVATE KEY") continue;
    const body = m[2];
    const encrypted = label === "ENCRYPTED PRIVATE KEY" || /^Proc-Type:\s*4,\s*ENCRYPTED/m.test(body);
    if (encrypted) return { encrypted: true, keyType: "", keyGroupName: "", keyLength: -1, keySecurityBits: -1 };
    const der = base64Bytes(body.replace(/^[A-Za-z-]+:.*$/gm, ""));
    if (!der) continue;
    try {
      const top = readDer(der, 0);
      let info: PrivateKeyInfo | undefined;
      if (label === "RSA PRIVATE KEY") info = rsaInfo(top);
      else if (label === "DSA PRIVATE KEY") {
        const f = children(expect(top, 0x30));
        info = dsaInfo(f[1], f[2]);
      } else if (label === "EC PRIVATE KEY") {
        const f = children(expect(top, 0x30));
        const params = f.find((d) => d.tag === 0xa0);
        info = ecInfo(params ? oidText(readDer(params.body, 0)) : "");
      } else if (label === "PRIVATE KEY") info = pkcs8Info(top);
      if (info) return info;
    } catch {
      // Malformed DER: try the next block, as OpenSSL's PEM reader would.
    }
  }
  if (content.startsWith(OPENSSH_HEADER)) {
    const after = content.slice(OPENSSH_HEADER.length + 1, OPENSSH_HEADER.length + 1 + OPENSSH_UNENCRYPTED.length);
    return {
      encrypted: after !== OPENSSH_UNENCRYPTED,
      keyType: "",
      keyGroupName: "",
      keyLength: -1,
      keySecurityBits: -1,
    };
  }
  return undefined;
}
