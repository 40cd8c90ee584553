/**
 * Executing the CPUID instruction without a compiler.
 *
 * osquery runs `cpuid` inline. We do the same thing on x86-64 by placing a 31-byte machine-code
 * stub (push rbx; cpuid; store eax/ebx/ecx/edx; pop rbx; ret) in an anonymous page, flipping the
 * page from writable to executable with mprotect(2), and calling it over Deno FFI. This asks the
 * CPU directly, needs no kernel module and works unprivileged. When the page cannot be made
 * executable (a hardened kernel or seccomp policy), we read the kernel's cpuid driver,
 * /dev/cpu/0/cpuid (root, `cpuid` module loaded), where the file offset selects leaf and subleaf.
 * /proc/cpuinfo flags are not used: they are the kernel's filtered view, and cannot give the
 * vendor string, serial, family or SGX leaves osquery reports.
 *
 * @module
 */
import { libc } from "./_libc.ts";

/** Reads the four registers (eax, ebx, ecx, edx) CPUID returns for `leaf`/`subleaf`. */
export type CpuidReader = (leaf: number, subleaf: number) => Uint32Array | undefined;

// deno-fmt-ignore
const STUB = new Uint8Array([
  0x53,                   // push rbx (callee-saved, cpuid clobbers it)
  0x49, 0x89, 0xd0,       // mov r8, rdx        (output pointer, third argument)
  0x89, 0xf8,             // mov eax, edi       (leaf)
  0x89, 0xf1,             // mov ecx, esi       (subleaf)
  0x0f, 0xa2,             // cpuid
  0x41, 0x89, 0x00,       // mov [r8], eax
  0x41, 0x89, 0x58, 0x04, // mov [r8+4], ebx
  0x41, 0x89, 0x48, 0x08, // mov [r8+8], ecx
  0x41, 0x89, 0x50, 0x0c, // mov [r8+12], edx
  0x5b,                   // pop rbx
  0xc3,                   // ret
]);

const PAGE = 4096;
const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
const MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;

let stub: CpuidReader | null | undefined;

/** The in-process CPUID stub, or `undefined` off x86-64 Linux or when no executable page is allowed. */
export function instructionReader(): CpuidReader | undefined {
  if (stub !== undefined) return stub ?? undefined;
  stub = null;
  const c = libc();
  if (!c || Deno.build.arch !== "x86_64" || Deno.build.os !== "linux") return undefined;
  const page = c.mmap(null, BigInt(PAGE), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0n);
  const address = Deno.UnsafePointer.value(page);
  if (page === null || address === -1n || address === 0xffffffffffffffffn) return undefined;
  new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(page, PAGE)).set(STUB);
  if (c.mprotect(page, BigInt(PAGE), PROT_READ | PROT_EXEC) !== 0) {
    c.munmap(page, BigInt(PAGE));
    return undefined;
  }
  // The page stays mapped for the life of the process: the reader may be called at any time.
  const definition = { parameters: ["u32", "u32", "buffer"], result: "void" } as const;
  const fn = new Deno.UnsafeFnPointer(page as Deno.PointerObject<typeof definition>, definition);
  stub = (leaf, subleaf) => {
    const out = new Uint32Array(4);
    fn.call(leaf >>> 0, subleaf >>> 0, new Uint8Array(out.buffer));
    return out;
  };
  return stub;
}

/** A reader over the kernel cpuid driver file (offset = leaf | subleaf << 32), or `undefined` without one. */
export function deviceReader(path = "/dev/cpu/0/cpuid"): CpuidReader | undefined {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch {
    return undefined;
  }
  return (leaf, subleaf) => {
    try {
      const buf = new Uint8Array(16);
      file.seekSync((leaf >>> 0) + (subleaf >>> 0) * 2 ** 32, Deno.SeekMode.Start);
      let got = 0;
      while (got < 16) {
        const n = file.readSync(buf.subarray(got));
        if (n === null || n === 0) return undefined;
        got += n;
      }
      return new Uint32Array(buf.buffer);
    } catch {
      return undefined;
    }
  };
}

/** The best available reader on this host, or `undefined` (non-x86 CPUs). */
export function cpuidReader(): CpuidReader | undefined {
  return instructionReader() ?? deviceReader();
}
