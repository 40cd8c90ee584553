/**
 * OpenSSL's libcrypto over Deno FFI, opened on first use: the EVP digests of files
 * ({@linkcode ./digest.ts}) and the X.509 calls the certificate tables need (parse DER, names, times, digests, extensions, key parameters) and the memory BIO that
 * OpenSSL's printers write into. osquery's certificate columns are these functions' output, so
 * binding them gives the same text byte for byte. Higher-level use goes through
 * {@linkcode ./x509.ts}.
 *
 * @module
 */

const symbols = {
  d2i_X509: { parameters: ["pointer", "buffer", "i64"], result: "pointer" },
  X509_free: { parameters: ["pointer"], result: "void" },
  X509_get_version: { parameters: ["pointer"], result: "i64" },
  X509_get_subject_name: { parameters: ["pointer"], result: "pointer" },
  X509_get_issuer_name: { parameters: ["pointer"], result: "pointer" },
  X509_get_serialNumber: { parameters: ["pointer"], result: "pointer" },
  X509_get0_notBefore: { parameters: ["pointer"], result: "pointer" },
  X509_get0_notAfter: { parameters: ["pointer"], result: "pointer" },
  X509_get_signature_nid: { parameters: ["pointer"], result: "i32" },
  X509_get0_signature: { parameters: ["buffer", "pointer", "pointer"], result: "void" },
  X509_get_X509_PUBKEY: { parameters: ["pointer"], result: "pointer" },
  X509_PUBKEY_get0_param: {
    parameters: ["buffer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  X509_get_pubkey: { parameters: ["pointer"], result: "pointer" },
  X509_check_ca: { parameters: ["pointer"], result: "i32" },
  X509_check_issued: { parameters: ["pointer", "pointer"], result: "i32" },
  X509_get_key_usage: { parameters: ["pointer"], result: "u32" },
  X509_get0_subject_key_id: { parameters: ["pointer"], result: "pointer" },
  X509_get0_authority_key_id: { parameters: ["pointer"], result: "pointer" },
  X509_digest: { parameters: ["pointer", "pointer", "buffer", "buffer"], result: "i32" },
  X509_get_ext_by_NID: { parameters: ["pointer", "i32", "i32"], result: "i32" },
  X509_get_ext: { parameters: ["pointer", "i32"], result: "pointer" },
  X509_EXTENSION_get_data: { parameters: ["pointer"], result: "pointer" },
  X509V3_EXT_print: { parameters: ["pointer", "pointer", "u64", "i32"], result: "i32" },
  X509_NAME_oneline: { parameters: ["pointer", "pointer", "i32"], result: "pointer" },
  X509_NAME_print_ex: { parameters: ["pointer", "pointer", "i32", "u64"], result: "i32" },
  X509_NAME_get_index_by_NID: { parameters: ["pointer", "i32", "i32"], result: "i32" },
  X509_NAME_get_entry: { parameters: ["pointer", "i32"], result: "pointer" },
  X509_NAME_ENTRY_get_data: { parameters: ["pointer"], result: "pointer" },
  PEM_write_bio_X509: { parameters: ["pointer", "pointer"], result: "i32" },
  ASN1_STRING_get0_data: { parameters: ["pointer"], result: "pointer" },
  ASN1_STRING_length: { parameters: ["pointer"], result: "i32" },
  ASN1_STRING_print: { parameters: ["pointer", "pointer"], result: "i32" },
  ASN1_STRING_to_UTF8: { parameters: ["buffer", "pointer"], result: "i32" },
  ASN1_TIME_print: { parameters: ["pointer", "pointer"], result: "i32" },
  ASN1_TIME_to_tm: { parameters: ["pointer", "buffer"], result: "i32" },
  ASN1_INTEGER_to_BN: { parameters: ["pointer", "pointer"], result: "pointer" },
  BN_bn2hex: { parameters: ["pointer"], result: "pointer" },
  BN_free: { parameters: ["pointer"], result: "void" },
  CRYPTO_free: { parameters: ["pointer", "pointer", "i32"], result: "void" },
  EVP_sha1: { parameters: [], result: "pointer" },
  // File digests (./digest.ts): a method fetched once, a context reused per stream.
  EVP_MD_fetch: { parameters: ["pointer", "buffer", "pointer"], result: "pointer" },
  EVP_MD_CTX_new: { parameters: [], result: "pointer" },
  EVP_DigestInit_ex2: { parameters: ["pointer", "pointer", "pointer"], result: "i32" },
  EVP_DigestUpdate: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
  EVP_DigestFinal_ex: { parameters: ["pointer", "buffer", "pointer"], result: "i32" },
  EVP_sha256: { parameters: [], result: "pointer" },
  EVP_PKEY_get_size: { parameters: ["pointer"], result: "i32" },
  EVP_PKEY_get0_EC_KEY: { parameters: ["pointer"], result: "pointer" },
  EVP_PKEY_free: { parameters: ["pointer"], result: "void" },
  EC_KEY_get0_group: { parameters: ["pointer"], result: "pointer" },
  EC_GROUP_get_curve_name: { parameters: ["pointer"], result: "i32" },
  OBJ_obj2nid: { parameters: ["pointer"], result: "i32" },
  OBJ_nid2ln: { parameters: ["i32"], result: "pointer" },
  OBJ_nid2sn: { parameters: ["i32"], result: "pointer" },
  BIO_s_mem: { parameters: [], result: "pointer" },
  BIO_new: { parameters: ["pointer"], result: "pointer" },
  BIO_free: { parameters: ["pointer"], result: "i32" },
  BIO_ctrl: { parameters: ["pointer", "i32", "i64", "buffer"], result: "i64" },
} as const satisfies Deno.ForeignLibraryInterface;

/** libcrypto's bound symbols. */
export type LibcryptoSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** Where libcrypto 3 is looked for, in order (the soname first, then Debian's multiarch paths). */
export const LIBCRYPTO_PATHS = [
  "libcrypto.so.3",
  "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
  "/usr/lib/aarch64-linux-gnu/libcrypto.so.3",
];

/** libcrypto could not be opened: names the package that provides it. */
export class LibcryptoUnavailableError extends Error {
  constructor(cause: string) {
    super(
      `libcrypto (OpenSSL 3) could not be loaded (libcrypto.so.3: ${cause}); install the Debian package libssl3 ` +
        `(libssl3t64 on Ubuntu 24.04, openssl-libs on RHEL/Fedora).`,
    );
    this.name = "LibcryptoUnavailableError";
  }
}

let loaded: LibcryptoSymbols | LibcryptoUnavailableError | undefined;

/** libcrypto's symbols, opened once; throws {@linkcode LibcryptoUnavailableError} when the library is missing. */
export function libcrypto(): LibcryptoSymbols {
  if (loaded === undefined) {
    let cause = "not found";
    for (const path of LIBCRYPTO_PATHS) {
      try {
        loaded = Deno.dlopen(path, symbols).symbols;
        break;
      } catch (e) {
        cause = e instanceof Error ? e.message : String(e);
      }
    }
    loaded ??= new LibcryptoUnavailableError(cause);
  }
  if (loaded instanceof LibcryptoUnavailableError) throw loaded;
  return loaded;
}

/** The NIDs (OpenSSL's object numbers, stable across releases) the certificate tables ask for. */
export const NID = {
  undef: 0,
  rsaEncryption: 6,
  dsa: 116,
  ecPublicKey: 408,
  commonName: 13,
  organizationName: 17,
  organizationalUnitName: 18,
  subjectKeyIdentifier: 82,
  keyUsage: 83,
  subjectAltName: 85,
  issuerAltName: 86,
  basicConstraints: 87,
  certificatePolicies: 89,
  authorityKeyIdentifier: 90,
  extKeyUsage: 126,
  infoAccess: 177,
  sinfoAccess: 398,
  nameConstraints: 666,
  policyMappings: 747,
  policyConstraints: 401,
} as const;

const BIO_CTRL_INFO = 3;

/** A C string at `pointer` (null for NULL). */
export function cString(pointer: Deno.PointerValue): string | null {
  return pointer === null ? null : Deno.UnsafePointerView.getCString(pointer);
}

/** Copies `length` bytes at `pointer`. */
export function bytesAt(pointer: Deno.PointerValue, length: number): Uint8Array {
  if (pointer === null || length <= 0) return new Uint8Array(0);
  return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, length).slice(0));
}

/** The bytes of an ASN1_STRING (OCTET STRING, BIT STRING, …), copied. */
export function asn1Bytes(lib: LibcryptoSymbols, string: Deno.PointerValue): Uint8Array {
  if (string === null) return new Uint8Array(0);
  return bytesAt(lib.ASN1_STRING_get0_data(string), lib.ASN1_STRING_length(string));
}

/** Frees memory OpenSSL allocated for the caller (OPENSSL_free). */
export function opensslFree(lib: LibcryptoSymbols, pointer: Deno.PointerValue): void {
  if (pointer !== null) lib.CRYPTO_free(pointer, null, 0);
}

const decoder = new TextDecoder();

/**
 * Runs `print` against a fresh memory BIO and returns what it wrote, or undefined when it
 * reported failure (a result of 0 or below). The BIO is freed either way.
 */
export function printToString(
  lib: LibcryptoSymbols,
  print: (bio: Deno.PointerObject) => number,
): string | undefined {
  const bio = lib.BIO_new(lib.BIO_s_mem());
  if (bio === null) return undefined;
  try {
    if (print(bio) <= 0) return undefined;
    const out = new BigUint64Array(1);
    const length = Number(lib.BIO_ctrl(bio, BIO_CTRL_INFO, 0n, out));
    const data = Deno.UnsafePointer.create(out[0]);
    return decoder.decode(bytesAt(data, length));
  } finally {
    lib.BIO_free(bio);
  }
}
