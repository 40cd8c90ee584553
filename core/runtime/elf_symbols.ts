/**
 * Addresses of a loaded shared library's functions, read from its ELF file and this process's
 * memory map instead of asked of the C library's `dlsym`: binding `dlsym` itself through
 * `Deno.dlopen` costs a one-shot command about 0.8 MiB (Deno's per-symbol set-up), and this needs no
 * binding at all. Linux, 64-bit little-endian ELF (x86-64, AArch64) only; anything else, and any
 * doubt (the file changed since it was loaded, two copies mapped, an indirect function), answers
 * null so the caller falls back to `dlsym`.
 *
 * @module
 */

const SHT_DYNSYM = 11;
const SHT_GNU_VERSYM = 0x6fffffff;
/** A symbol version that is not the default one (`memcpy@GLIBC_2.2.5` beside `memcpy@@GLIBC_2.14`). */
const VERSYM_HIDDEN = 0x8000;
const PT_LOAD = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
/** Bytes compared between the file and memory to prove the computed load address. */
const PROOF_BYTES = 16;

/** One loaded library: where it is mapped and its defined functions' virtual addresses. */
interface LoadedElf {
  base: bigint;
  functions: Map<string, bigint>;
  /** Indirect functions (glibc's memcpy, ...): the virtual address of each one's resolver. */
  resolvers: Map<string, bigint>;
}

const libraries = new Map<string, LoadedElf | null>();

/**
 * The address of the function `symbol` of the library `path` (as given to `Deno.dlopen`: a file
 * name searched by the dynamic loader, or a path), which must be loaded already; null when it
 * cannot be found with certainty.
 */
export function elfSymbolAddress(path: string, symbol: string): Deno.PointerValue {
  let library = libraries.get(path);
  if (library === undefined) {
    try {
      library = loadedElf(path);
    } catch {
      library = null;
    }
    libraries.set(path, library);
  }
  if (library == null) return null;
  const offset = library.functions.get(symbol);
  if (offset !== undefined) return Deno.UnsafePointer.create(library.base + offset);
  const resolver = library.resolvers.get(symbol);
  if (resolver === undefined) return null;
  // What the x86-64 dynamic loader does for an indirect function: call its resolver, without
  // arguments, for the implementation this CPU runs (resolvers are only kept on x86-64).
  const pointer = Deno.UnsafePointer.create(library.base + resolver);
  if (!pointer) return null;
  const resolverType = { parameters: [], result: "pointer" } as const;
  const resolved = new Deno.UnsafeFnPointer(pointer as Deno.PointerObject<typeof resolverType>, resolverType).call();
  library.functions.set(symbol, Deno.UnsafePointer.value(resolved) - library.base);
  return resolved;
}

/** The mapped file of the library `path`: the one file of the memory map it names, else null. */
function mappedFile(path: string, maps: string): { file: string; start: bigint } | null {
  const wanted = path.includes("/") ? Deno.realPathSync(path) : undefined;
  let found: { file: string; start: bigint } | null = null;
  for (const line of maps.split("\n")) {
    // start-end perms offset dev inode path
    if (line.endsWith(" (deleted)")) continue; // replaced since it was loaded
    const fields = line.split(/\s+/, 6);
    const file = fields[5];
    if (!file || fields[2] !== "00000000") continue;
    const name = file.slice(file.lastIndexOf("/") + 1);
    const matches = wanted ? file === wanted : name === path || name.startsWith(path + ".");
    if (!matches) continue;
    if (found && found.file !== file) return null; // two different files: not sure which one
    const start = BigInt("0x" + fields[0].split("-")[0]);
    if (!found || start < found.start) found = { file, start };
  }
  return found;
}

function loadedElf(path: string): LoadedElf | null {
  if (Deno.build.os !== "linux") return null;
  const mapped = mappedFile(path, Deno.readTextFileSync("/proc/self/maps"));
  if (!mapped) return null;
  const file = Deno.openSync(mapped.file);
  try {
    const read = (offset: bigint | number, length: number): DataView => {
      const bytes = new Uint8Array(length);
      file.seekSync(Number(offset), Deno.SeekMode.Start);
      let done = 0;
      while (done < length) {
        const n = file.readSync(bytes.subarray(done));
        if (n === null || n === 0) throw new RangeError(`${mapped.file} ends early`);
        done += n;
      }
      return new DataView(bytes.buffer);
    };
    const header = read(0, 64);
    // \x7fELF, 64-bit, little-endian.
    if (header.getUint32(0, false) !== 0x7f454c46 || header.getUint8(4) !== 2 || header.getUint8(5) !== 1) return null;
    const phoff = header.getBigUint64(0x20, true);
    const shoff = header.getBigUint64(0x28, true);
    const phentsize = header.getUint16(0x36, true);
    const phnum = header.getUint16(0x38, true);
    const shentsize = header.getUint16(0x3a, true);
    const shnum = header.getUint16(0x3c, true);
    if (phentsize < 56 || shentsize < 64) return null;

    const segments: { offset: bigint; vaddr: bigint; size: bigint }[] = [];
    const programs = read(phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (programs.getUint32(at, true) !== PT_LOAD) continue;
      segments.push({
        offset: programs.getBigUint64(at + 8, true),
        vaddr: programs.getBigUint64(at + 16, true),
        size: programs.getBigUint64(at + 32, true),
      });
    }
    const first = segments.find((s) => s.offset === 0n);
    if (!first) return null;
    // The mapping of file offset 0 starts at the load base plus the first segment's page.
    const base = mapped.start - (first.vaddr & ~0xfffn);

    const sections = read(shoff, shentsize * shnum);
    const section = (i: number) => ({
      type: sections.getUint32(i * shentsize + 4, true),
      offset: sections.getBigUint64(i * shentsize + 24, true),
      size: Number(sections.getBigUint64(i * shentsize + 32, true)),
      link: sections.getUint32(i * shentsize + 40, true),
      entsize: Number(sections.getBigUint64(i * shentsize + 56, true)),
    });
    let dynsym: ReturnType<typeof section> | undefined;
    let versym: ReturnType<typeof section> | undefined;
    for (let i = 0; i < shnum; i++) {
      const s = section(i);
      if (s.type === SHT_DYNSYM) dynsym = s;
      else if (s.type === SHT_GNU_VERSYM) versym = s;
    }
    if (!dynsym || dynsym.entsize < 24 || dynsym.link >= shnum) return null;
    const strtab = section(dynsym.link);
    const names = new TextDecoder().decode(read(strtab.offset, strtab.size));
    const symbols = read(dynsym.offset, dynsym.size);
    const versions = versym ? read(versym.offset, versym.size) : undefined;
    const functions = new Map<string, bigint>();
    const resolvers = new Map<string, bigint>();
    const indirect = Deno.build.arch === "x86_64";
    // A name defined twice (symbol versions, as glibc's) is left to dlsym, which knows the default.
    const twice = new Set<string>();
    for (let i = 0, at = 0; at + 24 <= dynsym.size; i++, at += dynsym.entsize) {
      const info = symbols.getUint8(at + 4);
      const bind = info >> 4;
      const type = info & 0xf;
      // Defined functions only, in their default version; an indirect function's value is its
      // resolver, not the function.
      if (type !== STT_FUNC && !(type === STT_GNU_IFUNC && indirect)) continue;
      if ((bind !== STB_GLOBAL && bind !== STB_WEAK) || symbols.getUint16(at + 6, true) === 0) continue;
      if (versions && 2 * i + 2 <= versions.byteLength && (versions.getUint16(2 * i, true) & VERSYM_HIDDEN)) continue;
      const nameAt = symbols.getUint32(at, true);
      const name = names.slice(nameAt, names.indexOf("\0", nameAt));
      if (functions.has(name) || resolvers.has(name)) twice.add(name);
      (type === STT_FUNC ? functions : resolvers).set(name, symbols.getBigUint64(at + 8, true));
    }
    for (const name of twice) {
      functions.delete(name);
      resolvers.delete(name);
    }

    // Proof: the first bytes of one function in memory equal the file's at the same place. Wrong
    // base, a rewritten file or a different mapping fails here, before anything is called.
    const [, probe] = functions.entries().next().value ?? [];
    if (probe === undefined) return null;
    const segment = segments.find((s) => probe >= s.vaddr && probe + BigInt(PROOF_BYTES) <= s.vaddr + s.size);
    if (!segment) return null;
    const onDisk = new Uint8Array(read(probe - segment.vaddr + segment.offset, PROOF_BYTES).buffer);
    const pointer = Deno.UnsafePointer.create(base + probe);
    if (!pointer) return null;
    const inMemory = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, PROOF_BYTES));
    if (!onDisk.every((b, i) => b === inMemory[i])) return null;
    return { base, functions, resolvers };
  } finally {
    file.close();
  }
}
