import { assert, assertEquals } from "../../testing/assert.ts";
import { commonPrefix, displayWidth, type EditResult, KeyDecoder, LineEditor } from "./line_editor.ts";

const enc = new TextEncoder();

function type(editor: LineEditor, input: string): EditResult {
  const decoder = new KeyDecoder();
  let result: EditResult = "editing";
  for (const key of decoder.feed(enc.encode(input))) {
    result = editor.apply(key);
    if (result !== "editing") break;
  }
  return result;
}

const editor = (history: string[] = [], candidates: string[] = []) =>
  new LineEditor({
    prompt: "osquery> ",
    columns: 80,
    history,
    complete: (line, cursor) => {
      const start = /\w*$/.exec(line.slice(0, cursor))!.index;
      const word = line.slice(start, cursor);
      return { start, candidates: candidates.filter((c) => c.startsWith(word)) };
    },
  });

Deno.test("line editor: decodes text, control keys, arrows and split escape sequences", () => {
  const d = new KeyDecoder();
  assertEquals(d.feed(enc.encode("ab\x01\x1b[D\x1b[3~\r\n")).map((k) => k.kind), [
    "text",
    "home",
    "left",
    "delete",
    "enter",
  ]);
  assertEquals(d.feed(enc.encode("\x1b[")), []);
  assertEquals(d.feed(enc.encode("A")).map((k) => k.kind), ["up"]);
  const bytes = enc.encode("é");
  assertEquals(d.feed(bytes.subarray(0, 1)), []);
  assertEquals(d.feed(bytes.subarray(1)), [{ kind: "text", text: "é" }]);
});

Deno.test("line editor: moving and editing keys", () => {
  const e = editor();
  assertEquals(type(e, "select 1 junk\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x0b\x01X\x04\x05;\r"), { done: "Xelect 1;" });
  const w = editor();
  assertEquals(type(w, "select foo bar\x17\x17baz\r"), { done: "select baz" });
  const u = editor();
  assertEquals(type(u, "abc\x1b[D\x15x\r"), { done: "xc" });
  const t = editor();
  assertEquals(type(t, "ab\x14\r"), { done: "ba" });
  const b = editor();
  assertEquals(type(b, "a🦀b\x1b[D\x7f\r"), { done: "ab" });
});

Deno.test("line editor: Ctrl-D on an empty line is end of input, Ctrl-C abandons the line", () => {
  assertEquals(type(editor(), "\x04"), "eof");
  assertEquals(type(editor(), "select\x03"), "interrupt");
});

Deno.test("line editor: Up and Down walk the history and come back to the line being typed", () => {
  const e = editor(["first", "second"]);
  assertEquals(type(e, "draft\x1b[A\x1b[A\x1b[A\x1b[B\r"), { done: "second" });
  const f = editor(["first", "second"]);
  assertEquals(type(f, "draft\x1b[A\x1b[B\r"), { done: "draft" });
});

Deno.test("line editor: TAB completes one candidate whole, several to their common prefix with a bell", () => {
  const one = editor([], ["osquery_info"]);
  assertEquals(type(one, "from osquery_i\t\r"), { done: "from osquery_info" });
  const several = editor([], ["processes", "process_envs", "process_open_files"]);
  assertEquals(type(several, "from proc\t"), "editing");
  assertEquals(several.buffer, "from process");
  assertEquals(several.takeOutput(), "\x07");
  assertEquals(type(several, "es\r"), { done: "from processes" });
  const none = editor([], ["users"]);
  type(none, "from zz\t");
  assertEquals([none.buffer, none.takeOutput()], ["from zz", "\x07"]);
});

Deno.test("line editor: a second TAB on an ambiguous prefix lists the candidates in columns", () => {
  const e = editor([], ["processes", "process_envs", "process_open_files"]);
  type(e, "from process\t");
  assertEquals(e.takeOutput(), "\x07");
  type(e, "\t");
  // Column-major, padded to the longest candidate plus one, on the lines below the prompt.
  assertEquals(e.takeOutput(), "\r\nprocesses          process_envs       process_open_files\r\n");
  assertEquals(e.buffer, "from process");
  assert(e.render().startsWith("\rosquery> from process"));
  // Any other key ends the listing state: TAB after typing starts again.
  type(e, "_\t");
  assertEquals(e.buffer, "from process_");
});

Deno.test("line editor: more than 100 candidates ask before listing", () => {
  const many = Array.from({ length: 120 }, (_, i) => `t${String(i).padStart(3, "0")}`);
  const e = editor([], many);
  type(e, "from t\t\t");
  assertEquals(e.takeOutput(), "\x07\r\nDisplay all 120 possibilities? (y or n)");
  type(e, "n");
  assertEquals([e.takeOutput(), e.buffer], ["\r\n", "from t"]);
  type(e, "\t\ty");
  const listed = e.takeOutput();
  for (const name of many) assert(listed.includes(name), name);
});

Deno.test("line editor: Ctrl-R searches the history backwards, again for older matches, Enter runs the match", () => {
  const history = ["select 1;", "select uid from users;", "select pid from processes;", ".tables"];
  const e = editor(history);
  type(e, "\x12sel");
  assertEquals(e.render(), "\r(reverse-i-search)`sel': select pid from processes;\x1b[0K\r\x1b[25C");
  type(e, "\x12");
  assert(e.render().includes("`sel': select uid from users;"));
  type(e, "\x12\x12");
  // No older match: the search says it failed and keeps the last match.
  assert(e.render().includes("(failed reverse-i-search)`sel': select 1;"));
  assertEquals(type(e, "\r"), { done: "select 1;" });
});

Deno.test("line editor: Ctrl-S searches forward; Esc restores the line; other keys edit the match", () => {
  const history = ["select 1;", "select 2;", "select 3;"];
  const e = editor(history);
  type(e, "draft\x12select\x12\x12");
  assert(e.render().includes("`select': select 1;"));
  type(e, "\x13");
  assert(e.render().startsWith("\r(i-search)`select': select 2;"));
  type(e, "\x1b");
  assertEquals([e.buffer, e.searching], ["draft", false]);
  const f = editor(history);
  type(f, "\x12 2\x05");
  assertEquals([f.buffer, f.cursor, f.searching], ["select 2;", 9, false]);
  assertEquals(type(f, " -- again\r"), { done: "select 2; -- again" });
  // Ctrl-G leaves the search too; Backspace shortens the needle.
  const g = editor(history);
  type(g, "\x123x\x7f");
  assert(g.render().includes("`3': select 3;"));
  type(g, "\x07");
  assertEquals(g.buffer, "");
  // Ctrl-C during a search abandons the line, as at the prompt.
  assertEquals(type(editor(history), "\x12sel\x03"), "interrupt");
});

Deno.test("commonPrefix: whole characters shared by every candidate", () => {
  assertEquals(commonPrefix(["processes", "process_envs"]), "process");
  assertEquals(commonPrefix(["a"]), "a");
  assertEquals(commonPrefix(["日本a", "日本b"]), "日本");
  assertEquals(commonPrefix([]), "");
});

Deno.test("line editor: rendering scrolls long lines and places the cursor by display width", () => {
  const e = new LineEditor({ prompt: "osquery> ", columns: 20, history: [] });
  type(e, "0123456789abcdefghij");
  assertEquals(e.render(), "\rosquery> abcdefghij\x1b[0K\r\x1b[19C");
  const w = new LineEditor({ prompt: "\x1b[1mosquery> \x1b[0m", columns: 80, history: [] });
  type(w, "日本");
  assertEquals(w.render(), "\r\x1b[1mosquery> \x1b[0m日本\x1b[0K\r\x1b[13C");
  assertEquals(displayWidth("a日🦀"), 5);
});
