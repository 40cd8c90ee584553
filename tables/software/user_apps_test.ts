import { assert, assertEquals } from "../../testing/assert.ts";
import chromeExtensionsTable from "./chrome_extensions.ts";
import chromeExtensionContentScriptsTable from "./chrome_extension_content_scripts.ts";
import firefoxAddonsTable from "./firefox_addons.ts";
import vscodeExtensionsTable from "./vscode_extensions.ts";
import jetbrainsPluginsTable, { likelyPluginJarsFirst } from "./jetbrains_plugins.ts";
import { extensionIdFromKey, webkitToUnix } from "./_chrome.ts";
import usersTable from "../users/users.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";
import type { TableSpec } from "../../core/table.ts";

/** testdata/software/root: root, alice (1000), bob (1001) and olivia (1002) with their homes. */
const ROOT = testdata("software", "root");
const alice = "/home/alice";
const asAlice = fixtureHost(ROOT, { uid: 1000 });
const asRoot = fixtureHost(ROOT, { uid: 0 });
const engineWith = (host: typeof asRoot, ...tables: TableSpec[]) => tableEngine(tables, host);
const profile = `${alice}/.config/google-chrome/Default`;
const extId = "aaaabbbbccccddddeeeeffffgggghhhh";

Deno.test("chrome_extensions: a referenced extension is localized and carries its profile settings", () => {
  const e = engineWith(asAlice, chromeExtensionsTable);
  const [row] = e.query(`select * from chrome_extensions where referenced = 1`);
  assertEquals(row, {
    browser_type: "chrome",
    uid: 1000,
    name: "Example Extension",
    profile: "Person 1",
    profile_path: profile,
    referenced_identifier: extId,
    identifier: "ghdgcedclhjlbfoalffmnjdfhpaahjpg",
    version: "1.2.0",
    description: "Does example things.",
    default_locale: "en",
    current_locale: "",
    update_url: "https://clients2.google.com/service/update2/crx",
    author: "Example Author",
    persistent: 1,
    path: `${profile}/Extensions/${extId}/1.2.0_0`,
    permissions: "tabs, storage, https://*.example.com/*",
    optional_permissions: "downloads",
    manifest_hash: "e008df19630664d9e3f76c82a95ab956943b171233d72648782d98b8c4c0abb2",
    referenced: 1,
    from_webstore: "true",
    state: "1",
    install_time: "13350000000000000",
    install_timestamp: 1705526400,
  });
});

Deno.test("chrome_extensions: unreferenced extensions are listed; broken manifests and broken profiles are skipped", () => {
  const e = engineWith(asAlice, chromeExtensionsTable);
  const rows = e.query(
    "select name, referenced, author, identifier, state, install_timestamp from chrome_extensions order by name",
  );
  assertEquals(rows, [
    {
      name: "Example Extension",
      referenced: 1,
      author: "Example Author",
      identifier: "ghdgcedclhjlbfoalffmnjdfhpaahjpg",
      state: "1",
      install_timestamp: 1705526400,
    },
    { name: "Unreferenced", referenced: 0, author: "dev@example.com", identifier: "", state: "", install_timestamp: 0 },
  ]);
});

Deno.test("chrome_extensions: hidden columns hold the manifest, key and JSON permissions", () => {
  const e = engineWith(asAlice, chromeExtensionsTable);
  const [row] = e.query(
    "select manifest_json, key, permissions_json, locale from chrome_extensions where referenced = 1",
  );
  assertEquals(JSON.parse(String(row.manifest_json)).version, "1.2.0");
  assertEquals(row.key, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu5ZJ");
  assertEquals(JSON.parse(String(row.permissions_json))[0], "tabs");
  assertEquals(row.locale, "en");
});

Deno.test("chrome_extensions: without a uid constraint only the current user is scanned", () => {
  assertEquals(engineWith(asRoot, chromeExtensionsTable).query("select * from chrome_extensions"), []);
  const rows = engineWith(asRoot, chromeExtensionsTable).query("select uid from chrome_extensions where uid = 1000");
  assertEquals(rows.length, 2);
});

Deno.test("chrome_extensions: users CROSS JOIN chrome_extensions USING (uid) finds each user's extensions", () => {
  const e = engineWith(asRoot, chromeExtensionsTable, usersTable);
  const rows = e.query("select username, name from users cross join chrome_extensions using (uid) order by name");
  // olivia's Opera profile is a Chromium-family profile too.
  assertEquals(rows, [
    { username: "alice", name: "Example Extension" },
    { username: "olivia", name: "Opera Ad Blocker" },
    { username: "alice", name: "Unreferenced" },
  ]);
});

Deno.test("chrome_extension_content_scripts: one row per script and match pattern", () => {
  const e = engineWith(asAlice, chromeExtensionContentScriptsTable);
  const rows = e.query("select identifier, version, script, match, referenced from chrome_extension_content_scripts");
  const id = "ghdgcedclhjlbfoalffmnjdfhpaahjpg";
  assertEquals(rows, [
    { identifier: id, version: "1.2.0", script: "content.js", match: "https://*.example.com/*", referenced: 1 },
    { identifier: id, version: "1.2.0", script: "lib.js", match: "https://*.example.com/*", referenced: 1 },
    { identifier: id, version: "1.2.0", script: "content.js", match: "http://example.org/*", referenced: 1 },
    { identifier: id, version: "1.2.0", script: "lib.js", match: "http://example.org/*", referenced: 1 },
  ]);
});

Deno.test("chrome helpers: extension ids from keys and WebKit timestamps", () => {
  assertEquals(
    extensionIdFromKey("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu5ZJ"),
    "ghdgcedclhjlbfoalffmnjdfhpaahjpg",
  );
  assertEquals(extensionIdFromKey("!!!"), undefined);
  assertEquals(webkitToUnix("13350000000000000"), 1705526400);
  assertEquals(webkitToUnix("garbage"), 0);
  assertEquals(webkitToUnix("5"), 0);
});

Deno.test("firefox_addons: add-ons of every profile, booleans as 1/0, crash folders and broken files skipped", () => {
  const e = engineWith(asAlice, firefoxAddonsTable);
  const rows = e.query("select * from firefox_addons order by identifier");
  assertEquals(rows.map((r) => r.identifier), [
    "default-theme@mozilla.org",
    "softly@example.org",
    "uBlock0@raymondhill.net",
  ]);
  assertEquals(rows[2], {
    uid: 1000,
    name: "uBlock Origin",
    identifier: "uBlock0@raymondhill.net",
    creator: "Raymond Hill",
    type: "extension",
    version: "1.55.0",
    description: "Finally, an efficient blocker.",
    source_url: "https://addons.mozilla.org/firefox/downloads/file/4216633/ublock_origin-1.55.0.xpi",
    visible: 1,
    active: 1,
    disabled: 0,
    autoupdate: 1,
    location: "app-profile",
    path: "/home/alice/.mozilla/firefox/abcd1234.default-release/extensions/uBlock0@raymondhill.net.xpi",
  });
  assertEquals(rows[0].disabled, 1);
  assertEquals(rows[0].creator, "");
  assertEquals(rows[1].disabled, 1);
});

Deno.test("firefox_addons: SELECT * FROM users CROSS JOIN firefox_addons USING (uid)", () => {
  const e = engineWith(asRoot, firefoxAddonsTable, usersTable);
  const rows = e.query(
    "select username, count(*) as n from users cross join firefox_addons using (uid) group by username",
  );
  assertEquals(rows, [{ username: "alice", n: 3 }]);
});

Deno.test("vscode_extensions: extensions.json entries per edition; malformed entries and files skipped", () => {
  const e = engineWith(asAlice, vscodeExtensionsTable);
  const rows = e.query("select * from vscode_extensions order by name");
  assertEquals(rows, [
    {
      name: "ms-python.python",
      uuid: "f1f59ae4-9318-4f3c-a9b5-81b2eaa5f8a5",
      version: "2024.2.1",
      path: "/home/alice/.vscode/extensions/ms-python.python-2024.2.1",
      publisher: "Microsoft",
      publisher_id: "998b010b-e2af-44a5-a6cd-0b5fd3b9b6f8",
      installed_at: 1709251200000,
      prerelease: 0,
      uid: 1000,
      vscode_edition: "vscode",
    },
    {
      name: "rust-lang.rust-analyzer",
      uuid: "06574cb4-e5dc-4631-8174-a543a4533621",
      version: "0.4.1870",
      path: "/home/alice/.vscode/extensions/rust-lang.rust-analyzer-0.4.1870-linux-x64",
      publisher: "rust-lang",
      publisher_id: "",
      installed_at: null,
      prerelease: 1,
      uid: 1000,
      vscode_edition: "vscode",
    },
  ]);
});

Deno.test("vscode_extensions: a uid IN (...) constraint scans exactly those users", () => {
  const e = engineWith(asRoot, vscodeExtensionsTable);
  assertEquals(e.query("select count(*) as n from vscode_extensions"), [{ n: 0 }]);
  assertEquals(e.query("select count(*) as n from vscode_extensions where uid in (1000, 1001)"), [{ n: 2 }]);
});

Deno.test("jetbrains_plugins: jar plugins and directory plugins, descriptor read from the likeliest jar", () => {
  const e = engineWith(asAlice, jetbrainsPluginsTable);
  const rows = e.query("select product_type, uid, name, version, vendor, path from jetbrains_plugins order by name");
  const base = `${alice}/.local/share/JetBrains`;
  assertEquals(rows, [
    {
      product_type: "intellij_idea",
      uid: 1000,
      name: "GitHub Copilot",
      version: "1.5.29-243",
      vendor: "GitHub",
      path: `${base}/IntelliJIdea2024.3/github-copilot`,
    },
    {
      product_type: "pycharm_community_edition",
      uid: 1000,
      name: "Ini",
      version: "232.1",
      vendor: "JetBrains",
      path: `${base}/PyCharmCE2023.2/ini4idea.jar`,
    },
    {
      product_type: "intellij_idea",
      uid: 1000,
      name: "Markdown Tools",
      version: "2.1.0",
      vendor: "\n    Example Org\n  ",
      path: `${base}/IntelliJIdea2024.3/markdown-tools.jar`,
    },
  ]);
});

Deno.test("jetbrains_plugins: jar ordering puts resources and versioned libraries last", () => {
  assertEquals(
    likelyPluginJarsFirst("kotlin", [
      "resources_en.jar",
      "gson-2.8.0.jar",
      "all-open.jar",
      "kotlin-plugin.jar",
      "kotlin.jar",
    ]),
    ["kotlin.jar", "kotlin-plugin.jar", "all-open.jar", "gson-2.8.0.jar", "resources_en.jar"],
  );
});

Deno.test("per-user tables: the live host's current user scans without error", () => {
  for (const t of [chromeExtensionsTable, firefoxAddonsTable, vscodeExtensionsTable, jetbrainsPluginsTable]) {
    const rows = tableEngine([t]).query(`select * from ${t.name}`);
    assert(Array.isArray(rows));
  }
});
