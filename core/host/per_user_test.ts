import { assertEquals } from "../../testing/assert.ts";
import { OP, QueryContext } from "../table.ts";
import { fixtureHost, type NameService } from "./host.ts";
import { readUserFiles, usersFromContext, usersInNamespaces } from "./per_user.ts";

const PASSWD = [
  "root:x:0:0:root:/root:/bin/sh",
  "+nisuser::::::",
  "alice:x:1000:1000::/home/alice:/bin/sh",
  "alice2:x:1000:1000::/home/alice:/bin/sh",
  "alt:x:1000:1000::/home/alt:/bin/sh",
  "bob:x:1001:1001::/home/bob:/bin/sh",
  "",
].join("\n");

/** A fixture tree with the passwd above and one file in alice's and bob's homes. */
function tree(): string {
  const root = Deno.makeTempDirSync();
  Deno.mkdirSync(`${root}/etc`);
  Deno.writeTextFileSync(`${root}/etc/passwd`, PASSWD);
  for (const home of ["home/alice", "home/bob"]) {
    Deno.mkdirSync(`${root}/${home}`, { recursive: true });
    Deno.writeTextFileSync(`${root}/${home}/.note`, home);
  }
  return root;
}

function uidContext(...uids: number[]): QueryContext {
  return new QueryContext("t", new Map([["uid", uids.map((value) => ({ op: OP.EQUALS, value }))]]));
}

Deno.test("usersFromContext: without a uid constraint, the first entry of the uid osq runs as", () => {
  const root = tree();
  try {
    const ctx = new QueryContext("t");
    ctx.host = fixtureHost(root, { uid: 1000 });
    assertEquals(usersFromContext(ctx).map((u) => u.username), ["alice"]);
    ctx.host = fixtureHost(root, { uid: 4242 });
    assertEquals(usersFromContext(ctx), []);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("usersFromContext: uid IN (...) in query order, once per (uid, home), NIS lines left out", () => {
  const root = tree();
  try {
    const ctx = uidContext(1001, 1000, 0);
    ctx.host = fixtureHost(root);
    assertEquals(usersFromContext(ctx).map((u) => u.username), ["bob", "alice", "alt", "root"]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("usersFromContext: a uid missing from passwd is asked of the name service", () => {
  const root = tree();
  try {
    const ldap = { username: "ldap", password: "*", uid: 5000, gid: 5000, gecos: "", directory: "/l", shell: "" };
    const nameService = { byUid: (uid: number) => uid === 5000 ? ldap : undefined } as NameService;
    const ctx = uidContext(5000, 1001, 5001);
    ctx.host = fixtureHost(root, { nameService });
    assertEquals(usersFromContext(ctx).map((u) => u.username), ["ldap", "bob"]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("readUserFiles: the readable file of each user, reported under the home directory", () => {
  const root = tree();
  try {
    const ctx = uidContext(0, 1000, 1001);
    ctx.host = fixtureHost(root);
    assertEquals([...readUserFiles(ctx, ".note")].map((f) => [f.user.username, f.path, f.text]), [
      ["alice", "/home/alice/.note", "home/alice"],
      ["bob", "/home/bob/.note", "home/bob"],
    ]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("usersInNamespaces: a process's users come from its own root's passwd", () => {
  const root = tree();
  try {
    Deno.mkdirSync(`${root}/proc/77/ns`, { recursive: true });
    Deno.symlinkSync("mnt:[4026532000]", `${root}/proc/77/ns/mnt`);
    Deno.mkdirSync(`${root}/proc/77/root/etc`, { recursive: true });
    Deno.writeTextFileSync(`${root}/proc/77/root/etc/passwd`, "app:x:0:0::/srv/app:/bin/sh\n");
    const ctx = new QueryContext("t", new Map([["pid_with_namespace", [{ op: OP.EQUALS, value: 77 }]]]));
    ctx.host = fixtureHost(root);
    assertEquals([...usersInNamespaces(ctx)].map((u) => [u.user.username, u.view.pid, u.view.mountNamespaceId]), [
      ["app", 77, "4026532000"],
    ]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
