/**
 * Where a table's output deliberately differs from what osquery 5's code prints, table by table,
 * with the reason. Everything not listed here is meant to match osquery exactly; a difference
 * found later is either fixed or added here. docs/tables.md is generated from this list and the
 * table specs (scripts/gen_table_docs.ts).
 *
 * @module
 */

/** One deliberate difference: what osq reports that osquery does not, and why. */
export interface Difference {
  /** What differs, osq's value against osquery's. */
  what: string;
  /** Why osq keeps its value (usually: osquery's is a defect users cannot rely on). */
  why: string;
}

/** The deliberate differences, by table name. */
export const DIFFERENCES: Readonly<Record<string, readonly Difference[]>> = {
  dns_resolvers: [
    {
      what: "An IPv6 `nameserver` is reported with its address; osquery reads glibc's IPv4-only " +
        "`nsaddr_list` and prints no usable address for it.",
      why: "Hosts with IPv6 resolvers would otherwise show resolvers nobody can identify.",
    },
    {
      what: "A `sortlist` row's `netmask` is a prefix length (`24`); osquery prints the raw 32-bit mask as an integer.",
      why: "Nameserver rows already carry a prefix length (`32`); the raw integer depends on byte order.",
    },
  ],
  etc_hosts: [
    {
      what: "A line whose first field is not an IP address (`not-an-address name`, `300.1.1.1 x`) gives no row; " +
        "osquery reports any non-comment line.",
      why: "The resolver ignores such lines, so they map nothing; an address-only line is still a row, as in osquery.",
    },
  ],
  file: [
    {
      what:
        "`btime` is the birth time from statx(2) where the filesystem records it; osquery always reports 0 on Linux.",
      why: "The kernel has reported birth times since Linux 4.11; 0 hides them.",
    },
  ],
  interface_details: [
    {
      what: "Byte, packet, error and drop counters are 64-bit (from /sys/class/net statistics); " +
        "osquery reads 32-bit `rtnl_link_stats` that wrap every 4 GiB.",
      why: "A wrapped counter makes rates and totals wrong on any busy link.",
    },
    {
      what:
        "`type` is the full ARPHRD type (loopback `772`, none `65534`); osquery truncates it to 8 bits (`4`, `254`).",
      why: "Truncated values collide with other link types.",
    },
  ],
  iptables: [
    {
      what: "A rule's `packets` and `bytes` are that rule's own counters; osquery copies the chain's policy counters " +
        "onto every rule row.",
      why: "Per-rule counters are what the columns describe; chain rows still carry the policy counters.",
    },
    {
      what: "`match` is `yes` only when the rule uses match extensions; osquery says `yes` for every rule.",
      why: "osquery's test (a non-zero target offset) is true for every rule, so its value says nothing.",
    },
  ],
  kernel_keys: [
    {
      what: "A key whose description has other than two words (an asymmetric key's " +
        '"Debian CA: X509.rsa 1a2b []") is a row with the description verbatim; osquery skips the key.',
      why: "Dropping keys hides exactly the certificates a key audit looks for. Two-word descriptions read as " +
        "osquery joins them (`.dns_resolver:empty`).",
    },
  ],
  mounts: [
    {
      what: "Block and inode counts are 64-bit; osquery narrows them to 32 bits.",
      why: "Filesystems over 16 TiB (4 KiB blocks) would report wrong sizes.",
    },
  ],
  opera_extensions: [
    {
      what: "The table exists; osquery 5 removed it in favour of `chrome_extensions` with `browser_type = 'opera'`.",
      why: "Packs written for osquery 4 keep working.",
    },
  ],
  pci_devices: [
    {
      what: "Devices are listed even when no pci.ids database is installed (names empty, ids present).",
      why: "Minimal hosts and containers have no pci.ids; the devices are still there.",
    },
  ],
  process_envs: [
    {
      what: "Every entry of /proc/<pid>/environ is read; osquery stops at an entry whose first byte is 0x80 or above " +
        "(a signed-char test), dropping it and every later variable.",
      why: "A variable named or valued in UTF-8 must not hide the rest of the environment.",
    },
  ],
  process_memory_map: [
    {
      what: "`path` is the whole mapped path, spaces included; osquery keeps only its first word.",
      why: "Paths with spaces (`/opt/My App/lib.so`) would be cut to a different file.",
    },
  ],
  python_packages: [
    {
      what: "A site directory's own distributions are listed (its `*.dist-info`, `*.egg-info`); osquery walks it " +
        "recursively and also reports copies vendored inside packages (e.g. `setuptools/_vendor/*.dist-info`).",
      why: "Vendored copies are not installed distributions; listing them inflates inventories.",
    },
  ],
  system_controls: [
    {
      what: "`WHERE name = ...` for a name neither in /proc/sys nor in a configuration file gives no row; osquery " +
        "returns a row of empty values for any name asked.",
      why: "A lookup then tells whether the sysctl exists. A name set only in sysctl.d still gives a row with its " +
        "`config_value`, as in osquery.",
    },
  ],
  users: [
    {
      what: "/etc/passwd lines of any length are read; osquery's 1024-byte buffer makes a longer line end the " +
        "listing (fgetpwent_r fails with ERANGE and every later user is missing).",
      why: "One long GECOS field must not hide the accounts after it. Otherwise lines are read as glibc reads them.",
    },
  ],
};
