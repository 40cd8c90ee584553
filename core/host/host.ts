/**
 * The host a table reads: where its files are (a root prefix), which uid osq runs as, and the
 * name service. A generator reaches all three through `ctx.host` ({@linkcode QueryContext.host}),
 * so a table has one source of data and tests have one way to give it theirs: an engine built
 * with `host: fixtureHost("testdata/<area>/root")` serves every table from that tree.
 *
 * The live host is the default. Kernel interfaces that are not files (netlink, ioctl, syscalls)
 * always read this machine; tables built on them are checked against its native tools instead.
 *
 * @example A fixture tree in place of /
 * ```ts
 * import { fixtureHost, liveHost } from "./host.ts";
 *
 * const host = fixtureHost("/srv/fixture", { uid: 1000 });
 * if (host.path("/etc/passwd") !== "/srv/fixture/etc/passwd") throw new Error("unexpected path");
 * if (host.currentUid() !== 1000 || host.nameService !== undefined) throw new Error("unexpected host");
 * if (liveHost.path("/etc/passwd") !== "/etc/passwd") throw new Error("the live host reads / itself");
 * ```
 *
 * @module
 */
import type { GroupEntry, PasswdEntry } from "./accounts.ts";
import { nssGroupByGid, nssGroupList, nssGroups, nssUserByName, nssUserByUid, nssUsers } from "./nss.ts";

/** The C library's name service (files, LDAP, SSSD, ...): accounts beyond the local files. */
export interface NameService {
  /** Every user the name service knows. */
  all(): PasswdEntry[];
  /** getpwuid(3). */
  byUid(uid: number): PasswdEntry | undefined;
  /** getpwnam(3). */
  byName(name: string): PasswdEntry | undefined;
  /** Every group the name service knows. */
  groups(): GroupEntry[];
  /** getgrgid(3). */
  groupByGid(gid: number): GroupEntry | undefined;
  /** getgrouplist(3) for a user; undefined when the call fails. */
  groupList(name: string, gid: number): number[] | undefined;
}

/** Where a table's data comes from. */
export interface Host {
  /** Prefix of every absolute path a table reads ("" is this machine's own root). */
  readonly root: string;
  /** `absolute` (a path as the host sees it, e.g. `/etc/passwd`) under {@linkcode Host.root}. */
  path(absolute: string): string;
  /** The uid osq runs as: the user per-user tables report when a query names none. */
  currentUid(): number;
  /**
   * The name service, for `include_remote = 1`, group membership and owner names. Absent on a
   * fixture tree, where the files under the root answer instead.
   */
  readonly nameService?: NameService;
}

/** The C library's name service of this machine. */
export const liveNameService: NameService = {
  all: nssUsers,
  byUid: nssUserByUid,
  byName: nssUserByName,
  groups: nssGroups,
  groupByGid: nssGroupByGid,
  groupList: nssGroupList,
};

/** This machine: its own root, the process's uid and the C library's name service. */
export const liveHost: Host = {
  root: "",
  path: (absolute) => absolute,
  currentUid: () => Deno.uid() ?? 0,
  nameService: liveNameService,
};

/** Options of {@linkcode fixtureHost}. */
export interface FixtureHostOptions {
  /** The uid osq runs as on the fixture (default 0). */
  uid?: number;
  /** A name service for the fixture (default none: the files under the root answer). */
  nameService?: NameService;
}

/** A host whose files live under `root` (a fixture tree or another mount namespace's root). */
export function fixtureHost(root: string, options: FixtureHostOptions = {}): Host {
  const prefix = root.replace(/\/+$/, "");
  const uid = options.uid ?? 0;
  return {
    root: prefix,
    path: (absolute) => prefix + (absolute.startsWith("/") ? absolute : `/${absolute}`),
    currentUid: () => uid,
    nameService: options.nameService,
  };
}
