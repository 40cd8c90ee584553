/**
 * `lxd_certificates`: the client certificates the local LXD server trusts, from its API.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isObject, listing, lxdMetadata, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_certificates",
  description: "Client certificates LXD trusts, with their type and SHA-256 fingerprint.",
  columns: [
    { name: "name", type: "TEXT", description: "The name the certificate was added under." },
    { name: "type", type: "TEXT", description: "What the certificate is trusted for (e.g. client)." },
    {
      name: "fingerprint",
      type: "TEXT",
      collate: "nocase",
      description: "SHA-256 fingerprint of the certificate, in hex.",
    },
    { name: "certificate", type: "TEXT", description: "The certificate itself, PEM-encoded." },
  ],
  generate() {
    return listing("/1.0/certificates").map((url) => lxdMetadata(url)).filter(isObject).map((cert) => ({
      name: text(cert, "name"),
      type: text(cert, "type"),
      fingerprint: text(cert, "fingerprint"),
      certificate: text(cert, "certificate"),
    }));
  },
}));
