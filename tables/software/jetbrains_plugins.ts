/**
 * jetbrains_plugins: plugins of JetBrains IDEs in each user's ~/.local/share/JetBrains/<Product><version>,
 * described by the `META-INF/plugin.xml` inside the plugin's jar (a lone jar, or the likeliest
 * jar in a plugin directory's lib/).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { usersFromContext } from "../../core/host/per_user.ts";
import { globHost, isDirectory, listDir, readBytes } from "./_lib.ts";
import { readZipMember } from "./_zip.ts";

export default registerTable(defineTable({
  name: "jetbrains_plugins",
  description: "Plugins installed in JetBrains IDEs, per user and product.",
  columns: [
    { name: "product_type", type: "TEXT", description: "The IDE: clion, goland, intellij_idea, pycharm, webstorm..." },
    { name: "uid", type: "BIGINT", index: true, description: "The user whose home holds the plugin." },
    { name: "name", type: "TEXT", description: "The plugin's name from its plugin.xml." },
    { name: "version", type: "TEXT", collate: "version", description: "The plugin's version from its plugin.xml." },
    { name: "vendor", type: "TEXT", description: "Who made the plugin, from its plugin.xml." },
    { name: "path", type: "TEXT", description: "The plugin's jar or directory." },
  ],
  attributes: { user_data: true },
  generate(ctx) {
    const rows: Row[] = [];
    for (const user of usersFromContext(ctx)) {
      for (const [product, pattern] of JETBRAINS_PRODUCTS) {
        // The wildcard is the version: PyCharm% must not also claim PyCharmCE2023.2.
        const prefix = pattern.slice(pattern.lastIndexOf("/") + 1, -1);
        for (const dir of globHost(ctx.host, `${user.directory}/${pattern}`)) {
          const version = dir.slice(dir.lastIndexOf("/") + 1 + prefix.length);
          if (/^\d/.test(version) && isDirectory(ctx.host.path(dir))) {
            rows.push(...genPluginsDirectory(ctx.host, dir, product, user.uid));
          }
        }
      }
    }
    return rows;
  },
}));

/** Product directories under the home (`%` = version), with the product_type osquery reports. */
export const JETBRAINS_PRODUCTS: [string, string][] = [
  ["clion", ".local/share/JetBrains/CLion%"],
  ["datagrip", ".local/share/JetBrains/DataGrip%"],
  ["goland", ".local/share/JetBrains/GoLand%"],
  ["intellij_idea", ".local/share/JetBrains/IntelliJIdea%"],
  ["intellij_idea_community_edition", ".local/share/JetBrains/IdeaIC%"],
  ["phpstorm", ".local/share/JetBrains/PhpStorm%"],
  ["pycharm", ".local/share/JetBrains/PyCharm%"],
  ["pycharm_community_edition", ".local/share/JetBrains/PyCharmCE%"],
  ["resharper", ".local/share/JetBrains/ReSharper%"],
  ["rider", ".local/share/JetBrains/Rider%"],
  ["rubymine", ".local/share/JetBrains/RubyMine%"],
  ["rust_rover", ".local/share/JetBrains/RustRover%"],
  ["webstorm", ".local/share/JetBrains/WebStorm%"],
];

/** The text inside the first `<tag ...>...</tag>` of an XML document ("" when absent). */
function tagContent(xml: string, tag: string): string {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? m[1] : "";
}

/** Name, vendor and version of a plugin.xml. */
export function parsePluginXml(xml: string): { name: string; vendor: string; version: string } {
  return { name: tagContent(xml, "name"), vendor: tagContent(xml, "vendor"), version: tagContent(xml, "version") };
}

/** The plugin descriptor of a jar, or undefined when it has none (or is not a readable zip). */
export function pluginFromJar(path: string): { name: string; vendor: string; version: string } | undefined {
  const bytes = readBytes(path);
  const xml = bytes && readZipMember(bytes, "META-INF/plugin.xml");
  return xml ? parsePluginXml(new TextDecoder().decode(xml)) : undefined;
}

function versionedLibrary(name: string): boolean {
  const i = name.lastIndexOf("-");
  if (i < 0 || i + 1 >= name.length) return false;
  const c = name[i + 1];
  return /[0-9]/.test(c) || ((c === "m" || c === "M") && /[0-9]/.test(name[i + 2] ?? ""));
}

/**
 * Orders a plugin's lib/ jars so the one holding plugin.xml comes early, as the IDE guesses:
 * resources jars and versioned libraries last, jars named like the plugin directory first,
 * `-idea.jar` and database-plugin.jar late, then shorter names first.
 */
export function likelyPluginJarsFirst(pluginDir: string, names: string[]): string[] {
  const key = (n: string) => [
    n.startsWith("resources") ? 1 : 0,
    versionedLibrary(n) ? 1 : 0,
    n.toLowerCase().startsWith(pluginDir.toLowerCase()) ? 0 : 1,
    n.toLowerCase().endsWith("-idea.jar") ? 1 : 0,
    n === "database-plugin.jar" ? 1 : 0,
    n.length,
  ];
  return [...names].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
    return 0;
  });
}

/** The plugins of one plugins directory of `host`, as rows. */
export function genPluginsDirectory(host: Host, dir: string, product: string, uid: number): Row[] {
  const rows: Row[] = [];
  for (const e of listDir(host.path(dir))) {
    const path = `${dir}/${e.name}`;
    if (e.isFile) {
      const attrs = pluginFromJar(host.path(path));
      if (attrs) rows.push({ product_type: product, uid, path, ...attrs });
    } else if (e.isDirectory) {
      const lib = `${path}/lib`;
      const jars = listDir(host.path(lib)).filter((f) => f.isFile).map((f) => f.name);
      for (const jar of likelyPluginJarsFirst(e.name, jars)) {
        const attrs = pluginFromJar(host.path(`${lib}/${jar}`));
        if (attrs) {
          rows.push({ product_type: product, uid, path, ...attrs });
          break;
        }
      }
    }
  }
  return rows;
}
