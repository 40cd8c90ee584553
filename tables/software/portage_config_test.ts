import { assertEquals } from "../../testing/assert.ts";
import portageUseTable from "./portage_use.ts";
import portageKeywordsTable, { portageKeywordSummary } from "./portage_keywords.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const ROOT = fixtureHost(testdata("software", "root"));
const NONE = fixtureHost("/nonexistent");

Deno.test("portage_use: one row per flag in each package's USE file; empty or missing files add none", () => {
  const e = tableEngine([portageUseTable], ROOT);
  assertEquals(e.query("select * from portage_use"), [
    { package: "dev-lang/python", version: "3.11.8-r1", use: "python_targets_python3_11" },
    { package: "dev-lang/python", version: "3.11.8-r1", use: "ssl" },
    { package: "dev-lang/python", version: "3.11.8-r1", use: "readline" },
    { package: "dev-lang/python", version: "3.11.8-r1", use: "sqlite" },
  ]);
  assertEquals(tableEngine([portageUseTable], NONE).query("select * from portage_use"), []);
});

Deno.test("portage_keywords: keywords (file and directory), mask and unmask merged per atom", () => {
  const e = tableEngine([portageKeywordsTable], ROOT);
  assertEquals(e.query("select * from portage_keywords"), [
    { package: "app-editors/vim", version: "", keyword: "~amd64", mask: 0, unmask: 0 },
    { package: "dev-lang/python", version: "3.12.1", keyword: "~amd64", mask: 1, unmask: 1 },
    { package: "sys-apps/portage", version: "", keyword: "**", mask: 0, unmask: 0 },
    { package: "app-misc/foo", version: "", keyword: "", mask: 0, unmask: 0 },
    { package: "dev-lang/python", version: ">=3.13", keyword: "", mask: 1, unmask: 0 },
    { package: "sys-libs/glibc", version: "", keyword: "", mask: 0, unmask: 1 },
  ]);
});

Deno.test("portage_keywords: comments, blank lines and a host without /etc/portage give nothing", () => {
  assertEquals(portageKeywordSummary("# only a comment\n\n   \n", "", "#x\n"), []);
  assertEquals(tableEngine([portageKeywordsTable], NONE).query("select * from portage_keywords"), []);
});
