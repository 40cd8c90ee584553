/**
 * X.509 certificates for the tables that report them (certificates, curl_certificate,
 * secureboot_certificates), read by OpenSSL's libcrypto ({@linkcode ./libcrypto.ts}): osquery's
 * columns are libcrypto's output (`X509_NAME_oneline`, `X509_NAME_print_ex`, `X509V3_EXT_print`,
 * `ASN1_TIME_print`, `BN_bn2hex`, …), so asking libcrypto gives them exactly. What no library does
 * stays here: splitting a PEM bundle while skipping malformed blocks, and osquery's own names for
 * the key usage bits.
 *
 * A {@linkcode X509Certificate} holds libcrypto's parsed certificate; dispose of it (`using`) to
 * free it.
 *
 * @example Reading a certificate's names and fingerprint
 * ```ts ignore
 * import { pemCertificates, X509Certificate } from "./x509.ts";
 *
 * for (const der of pemCertificates(Deno.readTextFileSync("/etc/ssl/certs/ca-certificates.crt"))) {
 *   using cert = X509Certificate.parse(der);
 *   console.log(cert.subjectOneline(), cert.digest("sha1"));
 * }
 * ```
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { asn1Bytes, cString, libcrypto, type LibcryptoSymbols, NID, opensslFree, printToString } from "./libcrypto.ts";
import { hex } from "./hex.ts";

export { NID };

/** Bytes that are not a DER certificate libcrypto accepts; callers skip the certificate. */
export class CertificateParseError extends Error {
  constructor(length: number) {
    super(`not a DER X.509 certificate (${length} bytes): libcrypto's d2i_X509 rejected it; the entry is skipped`);
    this.name = "CertificateParseError";
  }
}

/** A certificate used after {@linkcode X509Certificate.free} (or the end of its `using` block). */
export class CertificateFreedError extends Error {
  constructor() {
    super("X509Certificate used after it was freed: read its fields inside the using block that parsed it");
    this.name = "CertificateFreedError";
  }
}

/** osquery's key usage names, in its order (by OpenSSL's ex_kusage bit value). */
const OSQUERY_KEY_USAGE: [number, string][] = [
  [0x0001, "Encipher Only"],
  [0x0002, "CRL Sign"],
  [0x0004, "Key Cert Sign"],
  [0x0008, "Key Agreement"],
  [0x0010, "Data Encipherment"],
  [0x0020, "Key Encipherment"],
  [0x0040, "Non Repudiation"],
  [0x0080, "Digital Signature"],
  [0x8000, "Decipher Only"],
];

/** The key usage bits (OpenSSL's ex_kusage values) as osquery names them, comma-separated; "" when absent. */
export function keyUsageText(bits: number | undefined): string {
  return bits === undefined ? "" : OSQUERY_KEY_USAGE.filter(([bit]) => (bits & bit) !== 0).map(([, n]) => n).join(", ");
}

/** Splits PEM text into the DER of each CERTIFICATE block (other blocks and bad base64 are skipped). */
export function pemCertificates(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN (X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (X509 |TRUSTED )?CERTIFICATE-----/g;
  for (const m of text.matchAll(re)) {
    const body = m[2].replace(/[\r\n\t ]/g, "");
    if (body.length === 0 || body.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) continue;
    out.push(new Uint8Array(Buffer.from(body, "base64"))); // a copy: Buffer.from may slice a shared pool
  }
  return out;
}

const utf8 = new TextDecoder();

/** `X509_NAME_print_ex` flags: XN_FLAG_ONELINE (`C = US, O = "x, y", CN = z`, bytes above 0x7f as `\XX`). */
const XN_FLAG_ONELINE = 0x82031fn;
const UINT32_MAX = 0xffffffff;

/** Which name of the certificate. */
export type NameKind = "subject" | "issuer";

/** A certificate parsed by libcrypto. Free it with `using` (or {@linkcode X509Certificate.free}). */
export class X509Certificate implements Disposable {
  #lib: LibcryptoSymbols;
  #x509: Deno.PointerObject | null;
  /** The DER bytes it was parsed from (only the certificate, without trailing bytes). */
  readonly der: Uint8Array;

  private constructor(lib: LibcryptoSymbols, x509: Deno.PointerObject, der: Uint8Array) {
    this.#lib = lib;
    this.#x509 = x509;
    this.der = der;
  }

  /**
   * Parses the DER certificate at the start of `der` (trailing bytes, such as a signature list's
   * padding, are ignored). Throws {@linkcode CertificateParseError} when libcrypto rejects it, and
   * LibcryptoUnavailableError when libcrypto is missing.
   */
  static parse(der: Uint8Array): X509Certificate {
    const lib = libcrypto();
    if (der.byteLength === 0) throw new CertificateParseError(0);
    const input = new Uint8Array(der); // libcrypto reads from a buffer this call owns
    const start = Deno.UnsafePointer.value(Deno.UnsafePointer.of(input));
    const cursor = new BigUint64Array([BigInt(start)]);
    const x509 = lib.d2i_X509(null, cursor, BigInt(input.byteLength));
    if (x509 === null) throw new CertificateParseError(der.byteLength);
    const used = Number(cursor[0] - BigInt(start));
    return new X509Certificate(lib, x509, input.subarray(0, used));
  }

  /** Like {@linkcode X509Certificate.parse}, but undefined for bytes that are not a certificate. */
  static tryParse(der: Uint8Array): X509Certificate | undefined {
    try {
      return X509Certificate.parse(der);
    } catch (e) {
      if (e instanceof CertificateParseError) return undefined;
      throw e;
    }
  }

  #cert(): Deno.PointerObject {
    if (this.#x509 === null) throw new CertificateFreedError();
    return this.#x509;
  }

  /** Frees libcrypto's certificate; later calls throw. */
  free(): void {
    if (this.#x509 !== null) this.#lib.X509_free(this.#x509);
    this.#x509 = null;
  }

  [Symbol.dispose](): void {
    this.free();
  }

  #name(kind: NameKind): Deno.PointerValue {
    const x = this.#cert();
    return kind === "subject" ? this.#lib.X509_get_subject_name(x) : this.#lib.X509_get_issuer_name(x);
  }

  /** The X.509 version as osquery reports it: 1, 2 or 3 (`X509_get_version` + 1). */
  get version(): number {
    return Number(this.#lib.X509_get_version(this.#cert())) + 1;
  }

  /** The name in `X509_NAME_oneline`'s form: `/C=US/O=x/CN=y`. */
  nameOneline(kind: NameKind): string {
    const lib = this.#lib;
    const text = lib.X509_NAME_oneline(this.#name(kind), null, 0);
    try {
      return cString(text) ?? "";
    } finally {
      opensslFree(lib, text);
    }
  }

  /** The name as `X509_NAME_print_ex(..., XN_FLAG_ONELINE)` writes it: `C = US, O = "x, y", CN = z`. */
  nameText(kind: NameKind): string {
    const name = this.#name(kind);
    return printToString(this.#lib, (bio) => this.#lib.X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE) + 1) ?? "";
  }

  /** The first value of attribute `nid` (e.g. {@linkcode NID.commonName}) in UTF-8, or undefined when absent. */
  nameEntry(kind: NameKind, nid: number): string | undefined {
    const lib = this.#lib;
    const name = this.#name(kind);
    const index = lib.X509_NAME_get_index_by_NID(name, nid, -1);
    if (index < 0) return undefined;
    const data = lib.X509_NAME_ENTRY_get_data(lib.X509_NAME_get_entry(name, index));
    const out = new BigUint64Array(1);
    const length = lib.ASN1_STRING_to_UTF8(out, data);
    if (length < 0) return undefined;
    const pointer = Deno.UnsafePointer.create(out[0]);
    try {
      return length === 0 ? "" : utf8.decode(Deno.UnsafePointerView.getArrayBuffer(pointer!, length));
    } finally {
      opensslFree(lib, pointer);
    }
  }

  #time(which: "notBefore" | "notAfter"): Deno.PointerValue {
    const x = this.#cert();
    return which === "notBefore" ? this.#lib.X509_get0_notBefore(x) : this.#lib.X509_get0_notAfter(x);
  }

  /** Start or end of validity in Unix seconds (undefined when libcrypto cannot read the time). */
  validity(which: "notBefore" | "notAfter"): number | undefined {
    const tm = new Int32Array(14); // struct tm: nine ints, then tm_gmtoff and tm_zone
    if (this.#lib.ASN1_TIME_to_tm(this.#time(which), tm) !== 1) return undefined;
    return Date.UTC(tm[5] + 1900, tm[4], tm[3], tm[2], tm[1], tm[0]) / 1000;
  }

  /** Start or end of validity as `ASN1_TIME_print` writes it: `Jan  1 00:00:00 2024 GMT`. */
  validityText(which: "notBefore" | "notAfter"): string | undefined {
    const time = this.#time(which);
    return printToString(this.#lib, (bio) => this.#lib.ASN1_TIME_print(bio, time));
  }

  /** The signature algorithm's long name (`sha256WithRSAEncryption`), or undefined when OpenSSL does not know it. */
  signatureLongName(): string | undefined {
    const nid = this.#lib.X509_get_signature_nid(this.#cert());
    return nid === NID.undef ? undefined : cString(this.#lib.OBJ_nid2ln(nid)) ?? undefined;
  }

  /** The signature algorithm's short name (`RSA-SHA256`), or undefined when OpenSSL does not know it. */
  signatureShortName(): string | undefined {
    const nid = this.#lib.X509_get_signature_nid(this.#cert());
    return nid === NID.undef ? undefined : cString(this.#lib.OBJ_nid2sn(nid)) ?? undefined;
  }

  /** The signature's bytes. */
  signature(): Uint8Array {
    const out = new BigUint64Array(1);
    this.#lib.X509_get0_signature(out, null, this.#cert());
    return asn1Bytes(this.#lib, Deno.UnsafePointer.create(out[0]));
  }

  #keyNid(): number {
    const lib = this.#lib;
    const pub = lib.X509_get_X509_PUBKEY(this.#cert());
    if (pub === null) return NID.undef;
    const algorithm = new BigUint64Array(1);
    if (lib.X509_PUBKEY_get0_param(algorithm, null, null, null, pub) === 0) return NID.undef;
    return algorithm[0] === 0n ? NID.undef : lib.OBJ_obj2nid(Deno.UnsafePointer.create(algorithm[0]));
  }

  /** The public key algorithm's long name (`rsaEncryption`, `id-ecPublicKey`), or undefined. */
  keyAlgorithm(): string | undefined {
    const nid = this.#keyNid();
    return nid === NID.undef ? undefined : cString(this.#lib.OBJ_nid2ln(nid)) ?? undefined;
  }

  /** RSA/DSA: `EVP_PKEY_size` × 8; EC: the curve's name; undefined for other keys or keys libcrypto cannot load. */
  keyStrength(): string | undefined {
    const lib = this.#lib;
    const nid = this.#keyNid();
    if (nid !== NID.rsaEncryption && nid !== NID.dsa && nid !== NID.ecPublicKey) return undefined;
    const key = lib.X509_get_pubkey(this.#cert());
    if (key === null) return undefined;
    try {
      if (nid !== NID.ecPublicKey) {
        const size = lib.EVP_PKEY_get_size(key);
        return size === 0 ? undefined : String(size * 8);
      }
      const ec = lib.EVP_PKEY_get0_EC_KEY(key);
      const group = ec === null ? null : lib.EC_KEY_get0_group(ec);
      const curve = group === null ? NID.undef : lib.EC_GROUP_get_curve_name(group);
      return curve === NID.undef ? undefined : cString(lib.OBJ_nid2ln(curve)) ?? undefined;
    } finally {
      lib.EVP_PKEY_free(key);
    }
  }

  /** `X509_get_key_usage`: the keyUsage bits (ex_kusage), or undefined when the extension is absent. */
  keyUsage(): number | undefined {
    const bits = this.#lib.X509_get_key_usage(this.#cert());
    return bits === UINT32_MAX ? undefined : bits;
  }

  /** `X509_check_ca(cert) > 0`. */
  isCa(): boolean {
    return this.#lib.X509_check_ca(this.#cert()) > 0;
  }

  /** `X509_check_issued(cert, cert) == X509_V_OK`. */
  isSelfSigned(): boolean {
    const x = this.#cert();
    return this.#lib.X509_check_issued(x, x) === 0;
  }

  /** The subject key identifier's bytes, if present. */
  subjectKeyId(): Uint8Array | undefined {
    const id = this.#lib.X509_get0_subject_key_id(this.#cert());
    return id === null ? undefined : asn1Bytes(this.#lib, id);
  }

  /** The authority key identifier's key id bytes, if present. */
  authorityKeyId(): Uint8Array | undefined {
    const id = this.#lib.X509_get0_authority_key_id(this.#cert());
    return id === null ? undefined : asn1Bytes(this.#lib, id);
  }

  /** `X509_digest` of the certificate, lowercase hex. */
  digest(algorithm: "sha1" | "sha256"): string {
    const lib = this.#lib;
    const md = algorithm === "sha1" ? lib.EVP_sha1() : lib.EVP_sha256();
    const out = new Uint8Array(64);
    const length = new Uint32Array(1);
    if (lib.X509_digest(this.#cert(), md, out, length) !== 1) return "";
    return hex(out.subarray(0, length[0]));
  }

  /** The serial number as `BN_bn2hex` prints it (uppercase, whole bytes, `-` when negative). */
  serialHex(): string {
    const lib = this.#lib;
    const bn = lib.ASN1_INTEGER_to_BN(lib.X509_get_serialNumber(this.#cert()), null);
    if (bn === null) return "";
    const text = lib.BN_bn2hex(bn);
    try {
      return cString(text) ?? "";
    } finally {
      opensslFree(lib, text);
      lib.BN_free(bn);
    }
  }

  /**
   * Extension `nid` as `X509V3_EXT_print` writes it (its raw value via `ASN1_STRING_print` when
   * OpenSSL has no printer for it), with the trailing newline dropped and inner newlines as `;`
   * (osquery's form); "" when the certificate lacks it.
   */
  extensionText(nid: number): string {
    const lib = this.#lib;
    const x = this.#cert();
    const index = lib.X509_get_ext_by_NID(x, nid, -1);
    if (index < 0) return "";
    const ext = lib.X509_get_ext(x, index);
    const text = printToString(lib, (bio) => lib.X509V3_EXT_print(bio, ext, 0n, 0)) ??
      printToString(lib, (bio) => lib.ASN1_STRING_print(bio, lib.X509_EXTENSION_get_data(ext))) ?? "";
    return text.replace(/[\r\n]$/, "").replaceAll("\n", ";");
  }

  /** The certificate as PEM text, as `PEM_write_bio_X509` writes it. */
  pem(): string {
    const x = this.#cert();
    return printToString(this.#lib, (bio) => this.#lib.PEM_write_bio_X509(bio, x)) ?? "";
  }
}
