import "./mod.ts";
import "../events/mod.ts";
import { Engine } from "../../core/engine.ts";
import { events } from "../../core/events/system.ts";
import { inotifyPublisher } from "../../core/events/publishers.ts";
import { fileSubscriptions } from "../../core/events/inotify.ts";
import { applyConfigSections } from "../../core/config/sections.ts";
import { flags } from "../../core/flags/flags.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { waitFor } from "../../testing/wait.ts";

Deno.test("yara_events: files changed under a yara category are scanned with its groups, without file_events", async () => {
  const dir = await Deno.makeTempDir();
  const rules = `${dir}/marker.yar`;
  await Deno.writeTextFile(rules, 'rule osq_marker : demo { strings: $a = "OSQ-YARA-MARKER" condition: $a }');
  await Deno.mkdir(`${dir}/watched`);
  flags.set("enable_file_events", false);
  inotifyPublisher.configure(fileSubscriptions({ watched: [`${dir}/watched/%%`] }));
  applyConfigSections({ yara: { signatures: { demo: [rules] }, file_paths: { watched: ["demo"] } } });
  await events.start();
  try {
    // yara_events alone demands the inotify watches; they must be in place before the writes.
    await waitFor(
      "the inotify watch on the yara category",
      () => inotifyPublisher.active && inotifyPublisher.watchCount > 0,
    );
    await Deno.writeTextFile(`${dir}/watched/hit.txt`, "xx OSQ-YARA-MARKER xx");
    await Deno.writeTextFile(`${dir}/watched/miss.txt`, "nothing here");
    const e = new Engine();
    const rows = await waitFor("scans of both files in yara_events", () => {
      const rows = e.query(
        `select target_path, category, action, matches, count, tags from yara_events where target_path like '${dir}/%'`,
      );
      const done = rows.some((r) => r.target_path === `${dir}/watched/hit.txt` && r.count === 1) &&
        rows.some((r) => r.target_path === `${dir}/watched/miss.txt` && r.count === 0);
      return done ? rows : undefined;
    });
    const hit = rows.find((r) => r.target_path === `${dir}/watched/hit.txt` && r.count === 1);
    assert(hit, JSON.stringify(rows));
    assertEquals([hit.category, hit.matches, hit.tags], ["watched", "osq_marker", "demo"]);
    assert(rows.some((r) => r.target_path === `${dir}/watched/miss.txt` && r.count === 0));
    assertEquals(e.query(`select count(*) n from file_events where target_path like '${dir}/%'`), [{ n: 0 }]);
    e.close();
  } finally {
    await events.stop();
    applyConfigSections({});
    await Deno.remove(dir, { recursive: true });
  }
});
