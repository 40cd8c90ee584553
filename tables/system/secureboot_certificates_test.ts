// Tests for secureboot_certificates over efivarfs variables built from the DER certificates in
// testdata/system/efi_certs (made with openssl: a CA, a leaf it signed, and a self-signed platform key).
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import secureBootCertificates, { eslCertificates } from "./secureboot_certificates.ts";
import { fixture, generated } from "./system_test_helpers.ts";

const X509 = "a5c059a1-94e4-4aa7-87b5-ab155c2bf072";
const SHA256 = "c1c41626-504c-4092-aca9-41f936934328";
const DB_GUID = "d719b2cb-3d3a-4596-a3bc-dad00e67656f";
const GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

/** A GUID in EFI's byte order (first three fields little-endian). */
function guidBytes(guid: string): number[] {
  const hex = guid.replaceAll("-", "");
  const b = Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  return [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.slice(8)];
}

/** One EFI_SIGNATURE_LIST holding `entries` (each prefixed with an owner GUID). */
function signatureList(type: string, entries: Uint8Array[]): number[] {
  const size = 16 + Math.max(...entries.map((e) => e.length));
  const le = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
  const out = [...guidBytes(type), ...le(28 + size * entries.length), ...le(0), ...le(size)];
  for (const e of entries) {
    const padded = new Uint8Array(size - 16);
    padded.set(e);
    out.push(...guidBytes("77fa9abd-0359-4d32-bd60-28f4e78f784b"), ...padded);
  }
  return out;
}

/** An efivarfs file: the attribute word, then the lists. */
function variable(...lists: number[][]): Uint8Array {
  return new Uint8Array([0x27, 0, 0, 0, ...lists.flat()]);
}

const der = (name: string) => Deno.readFileSync(`${fixture("efi_certs")}/${name}.der`);

function efiRoot(): string {
  const root = Deno.makeTempDirSync();
  const dir = `${root}/sys/firmware/efi/efivars`;
  Deno.mkdirSync(dir, { recursive: true });
  const hash = new Uint8Array(32).fill(0xab);
  // db: a hash list (skipped), the CA, then a list whose size runs past the end (ends the walk).
  const truncated = signatureList(X509, [der("leaf")]).slice(0, 60);
  Deno.writeFileSync(
    `${dir}/db-${DB_GUID}`,
    variable(signatureList(SHA256, [hash]), signatureList(X509, [der("ca")]), truncated),
  );
  // dbx: the revoked leaf beside revoked hashes.
  Deno.writeFileSync(
    `${dir}/dbx-${DB_GUID}`,
    variable(signatureList(SHA256, [hash, hash]), signatureList(X509, [der("leaf")])),
  );
  Deno.writeFileSync(`${dir}/PK-${GLOBAL}`, variable(signatureList(X509, [der("pk")])));
  // KEK holding something that is not a certificate: skipped.
  Deno.writeFileSync(`${dir}/KEK-${GLOBAL}`, variable(signatureList(X509, [new Uint8Array([0x30, 0x03, 1, 2, 3])])));
  Deno.writeFileSync(`${dir}/dbDefault-${GLOBAL}`, variable(signatureList(X509, [der("pk")])));
  return root;
}

Deno.test("secureboot_certificates: certificates from db, dbx (revoked) and PK with names, dates, ids and algorithms", () => {
  const root = efiRoot();
  try {
    const rows = generated(secureBootCertificates, root);
    assertEquals(rows.map((r) => [r.common_name, r.revoked, r.path]), [
      ["Osq Test UEFI CA 2023", 0, `/sys/firmware/efi/efivars/db-${DB_GUID}`],
      ["Osq Test Windows Production PCA", 1, `/sys/firmware/efi/efivars/dbx-${DB_GUID}`],
      ["Osq Test Platform Key", 0, `/sys/firmware/efi/efivars/PK-${GLOBAL}`],
    ]);
    assertEquals(rows[0], {
      common_name: "Osq Test UEFI CA 2023",
      subject: "/C=US/O=Osq Test Corporation/CN=Osq Test UEFI CA 2023",
      issuer: "/C=US/O=Osq Test Corporation/CN=Osq Test UEFI CA 2023",
      not_valid_before: 1795468177,
      not_valid_after: 2268508177,
      sha1: "94b8e072eeaaf87bdb91ff323548848f56a7ba84",
      serial: "61D8A1",
      revoked: 0,
      path: `/sys/firmware/efi/efivars/db-${DB_GUID}`,
      is_ca: 1,
      self_signed: 1,
      key_usage: "CRL Sign, Key Cert Sign, Digital Signature",
      authority_key_id: "",
      subject_key_id: "ba8826bad757b8bdc6c4eba54839a16c4a106a6c",
      signing_algorithm: "sha256WithRSAEncryption",
      key_algorithm: "rsaEncryption",
      key_strength: "2048",
    });
    const leaf = rows[1];
    assertEquals(
      [leaf.issuer, leaf.is_ca, leaf.self_signed, leaf.authority_key_id, leaf.key_algorithm, leaf.serial, leaf.sha1],
      [
        "/C=US/O=Osq Test Corporation/CN=Osq Test UEFI CA 2023",
        0,
        0,
        "ba8826bad757b8bdc6c4eba54839a16c4a106a6c",
        "id-ecPublicKey",
        "0A",
        "f4e460b0a3d3611eda47e38ccb6992d40dfb3601",
      ],
    );
    assertEquals(generated(secureBootCertificates, root, { used: ["serial"] })[0].sha1, "");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("secureboot_certificates: short, zero-sized and oversized lists are skipped without error", () => {
  assertEquals(eslCertificates(new Uint8Array([7, 0, 0, 0])), []);
  const zero = new Uint8Array(4 + 28);
  assertEquals(eslCertificates(zero), []);
  const huge = variable(signatureList(X509, [der("ca")]));
  new DataView(huge.buffer).setUint32(4 + 16, 0xfffffff0, true);
  assertEquals(eslCertificates(huge), []);
  // A signature size no larger than the owner GUID holds no certificate.
  const tiny = variable(signatureList(X509, [der("ca")]));
  new DataView(tiny.buffer).setUint32(4 + 24, 16, true);
  assertEquals(eslCertificates(tiny), []);
});

Deno.test("secureboot_certificates: BIOS hosts and hosts without efivarfs give no rows; the live query runs", () => {
  assertEquals(generated(secureBootCertificates, fixture("broken")), []);
  const live = new Engine().query("SELECT common_name, revoked FROM secureboot_certificates");
  assert(live.every((r) => r.revoked === 0 || r.revoked === 1));
});
