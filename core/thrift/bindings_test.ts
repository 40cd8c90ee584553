import { assertEquals } from "../../testing/assert.ts";
import { METHODS, type StructDesc, STRUCTS, type TypeDesc } from "./bindings.ts";

// A small reader of the IDL subset osquery.thrift uses: typedefs, structs/exceptions, services.
function parseIdl(text: string) {
  const src = text.replace(/\/\/.*$/gm, "");
  const typedefs = new Map<string, string>();
  for (const m of src.matchAll(/typedef\s+(.+?)\s+(\w+)\s*$/gm)) typedefs.set(m[2], m[1].trim());
  const resolve = (t: string): string => {
    t = t.trim();
    if (typedefs.has(t)) return resolve(typedefs.get(t)!);
    const generic = /^(list|set|map)<(.+)>$/.exec(t);
    if (!generic) return t;
    const parts: string[] = [];
    let depth = 0, start = 0;
    const inner = generic[2];
    for (let i = 0; i < inner.length; i++) {
      if (inner[i] === "<") depth++;
      else if (inner[i] === ">") depth--;
      else if (inner[i] === "," && depth === 0) {
        parts.push(inner.slice(start, i));
        start = i + 1;
      }
    }
    parts.push(inner.slice(start));
    return `${generic[1]}<${parts.map(resolve).join(",")}>`;
  };
  const fields = (body: string) =>
    [...body.matchAll(/(\d+)\s*:\s*([\w<>, ]+?)\s+(\w+)\s*[,)]?\s*(?=\d+\s*:|$)/gs)].map((m) => ({
      id: Number(m[1]),
      name: m[3],
      type: resolve(m[2]),
    }));
  const structs = new Map<string, { id: number; name: string; type: string }[]>();
  for (const m of src.matchAll(/(?:struct|exception)\s+(\w+)\s*\{([^}]*)\}/g)) structs.set(m[1], fields(m[2]));
  const methods = new Map<string, { service: string; result: string; args: ReturnType<typeof fields> }>();
  for (const s of src.matchAll(/service\s+(\w+)(?:\s+extends\s+\w+)?\s*\{([^}]*)\}/g)) {
    for (const m of s[2].matchAll(/([\w<>, ]+?)\s+(\w+)\s*\(([^)]*)\)/g)) {
      methods.set(m[2], { service: s[1], result: resolve(m[1]), args: fields(m[3].trim()) });
    }
  }
  return { structs, methods };
}

function typeText(t: TypeDesc | undefined): string {
  if (!t) return "void";
  switch (t.kind) {
    case "list":
    case "set":
      return `${t.kind}<${typeText(t.elem)}>`;
    case "map":
      return `map<${typeText(t.key)},${typeText(t.value)}>`;
    case "struct":
      return t.struct.name;
    default:
      return t.kind;
  }
}

const fieldsOf = (s: StructDesc) => s.fields.map((f) => ({ id: f.id, name: f.name, type: typeText(f.type) }));
const idl = parseIdl(Deno.readTextFileSync(new URL("./osquery.thrift", import.meta.url)));

Deno.test("bindings: every IDL struct matches the codec's field ids, names and types", () => {
  assertEquals([...idl.structs.keys()].sort(), Object.keys(STRUCTS).sort());
  for (const [name, fields] of idl.structs) assertEquals(fieldsOf(STRUCTS[name]), fields, name);
});

Deno.test("bindings: every IDL method matches the codec's arguments and result type", () => {
  assertEquals([...idl.methods.keys()].sort(), Object.keys(METHODS).sort());
  for (const [name, m] of idl.methods) {
    const desc = METHODS[name as keyof typeof METHODS];
    assertEquals(desc.service, m.service, name);
    assertEquals(typeText(desc.result), m.result, name);
    assertEquals(fieldsOf(desc.args), m.args, name);
  }
});
