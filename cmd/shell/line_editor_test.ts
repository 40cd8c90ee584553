import { assertEquals } from "../../testing/assert.ts";
import { displayWidth, type EditResult, KeyDecoder, LineEditor } from "./line_editor.ts";

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

Deno.test("line editor: TAB completes, TAB again cycles, Esc restores what was typed", () => {
  const candidates = ["processes", "process_envs"];
  assertEquals(type(editor([], candidates), "from proc\t\r"), { done: "from processes" });
  assertEquals(type(editor([], candidates), "from proc\t\t\r"), { done: "from process_envs" });
  assertEquals(type(editor([], candidates), "from proc\t\t\t\r"), { done: "from processes" });
  assertEquals(type(editor([], candidates), "from proc\t\x1b\r"), { done: "from proc" });
  assertEquals(type(editor([], candidates), "from proc\t where\r"), { done: "from processes where" });
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
