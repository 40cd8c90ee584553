/**
 * Heap cost of decoding a ~12 MB registerExtension, beside the decoding budget's estimate:
 *
 *   deno run -A scripts/bench_thrift_decode.ts [columns|tiny|uniquekeys|big ...]
 *
 * Each shape is encoded in one child process and decoded in another (so nothing else is on
 * that heap), without the budget: prints the message size, the heap the decoded value holds
 * (after a full GC), the budget's estimate (Reader.decodedBytes) and whether decodeArgs, which
 * applies the budget, accepts it. `columns` is what real extensions send (20 column routes a
 * table); `tiny` and `uniquekeys` are hostile shapes the budget must refuse.
 *
 * @module
 */
import {
  decodeArgs,
  decodeStruct,
  encodeCall,
  type ExtensionRegistry,
  METHODS,
  openMessage,
} from "../core/thrift/bindings.ts";

const TARGET = 12 * 1024 * 1024;

function shape(kind: string): ExtensionRegistry {
  const table: Record<string, Record<string, string>[]> = {};
  let bytes = 0;
  for (let t = 0; bytes < TARGET; t++) {
    const rows: Record<string, string>[] = [];
    for (let c = 0; c < 20; c++) {
      if (kind === "columns") rows.push({ id: "column", name: `column_${t}_${c}`, type: "TEXT", op: "0" });
      else if (kind === "uniquekeys") rows.push({ [`k${t}_${c}`]: "v" });
      else if (kind === "tiny") rows.push({ a: "" });
      else rows.push({ id: "column", name: "x".repeat(1000), type: "TEXT", op: "0" });
    }
    bytes += 20 * ({ columns: 73, uniquekeys: 25, tiny: 15 }[kind] ?? 1060);
    table[`t${t}`] = rows;
  }
  return { table };
}

if (Deno.args[0] === "--encode") {
  const [, kind, path] = Deno.args;
  const info = { name: "bench", version: "1", sdk_version: "1", min_sdk_version: "1" };
  Deno.writeFileSync(path, encodeCall("registerExtension", 1, { info, registry: shape(kind) }));
  Deno.exit(0);
}

async function run(args: string[]): Promise<string> {
  const self = new URL(import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-lock", "--v8-flags=--expose-gc", self, ...args],
  }).output();
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

if (Deno.args[0] === "--measure") {
  // A fresh process per shape: nothing but the decoded value changes the heap between readings.
  const [, kind, path] = Deno.args;
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  const bytes = Deno.readFileSync(path);
  gc();
  const before = Deno.memoryUsage().heapUsed;
  const message = openMessage(bytes);
  const decoded = decodeStruct(message.reader, METHODS.registerExtension.args);
  (globalThis as Record<string, unknown>).keep = decoded;
  gc();
  const held = Deno.memoryUsage().heapUsed - before;
  let verdict = "accepted";
  try {
    decodeArgs("registerExtension", openMessage(bytes).reader);
  } catch (err) {
    verdict = `refused (${(err as Error).name})`;
  }
  const mib = (n: number) => (n / 1048576).toFixed(1);
  console.log(
    `${kind.padEnd(10)} ${mib(bytes.length).padStart(6)} MiB ${mib(held).padStart(8)} MiB ${
      (held / bytes.length).toFixed(2).padStart(6)
    }x ${(message.reader.decodedBytes / bytes.length).toFixed(2).padStart(7)}x  ${verdict}`,
  );
  Deno.exit(0);
}

const kinds = Deno.args.length ? Deno.args : ["columns", "tiny", "uniquekeys", "big"];
console.log("shape       message  decoded heap  ratio  estimate  decodeArgs");
for (const kind of kinds) {
  const path = Deno.makeTempFileSync();
  await run(["--encode", kind, path]);
  Deno.stdout.writeSync(new TextEncoder().encode(await run(["--measure", kind, path])));
  Deno.removeSync(path);
}
