import { applyConfigSections, consumedSections, onConfigSection } from "./sections.ts";
import { assert, assertEquals } from "../../testing/assert.ts";

Deno.test("config sections: registered handlers receive their key's value; a failing one is reported, others still run", () => {
  const seen: unknown[] = [];
  onConfigSection("test_section_a", (v) => seen.push(v));
  onConfigSection("test_section_b", () => {
    throw new Error("bad shape");
  });
  onConfigSection("test_section_c", (v) => seen.push(v));
  const failures = applyConfigSections({ test_section_a: { x: 1 }, test_section_b: [] });
  assertEquals(seen, [{ x: 1 }, undefined]);
  assertEquals(failures, ["test_section_b: bad shape"]);
  assert(consumedSections().includes("test_section_a"));
});
