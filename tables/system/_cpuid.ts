/**
 * Executing the CPUID instruction without a compiler.
 *
 * osquery runs `cpuid` inline. We do the same thing on x86-64 by placing a 31-byte machine-code
 * stub (push rbx; cpuid; store eax/ebx/ecx/edx; pop rbx; ret) in an anonymous page, flipping the
 * page from writable to executable with mprotect(2), and calling it over Deno FFI. This asks the
 * CPU directly, needs no kernel module and works unprivileged. When the page cannot be made
 * executable (a hardened kernel or seccomp policy), we read the kernel's cpuid driver,
 * /dev/cpu/0/cpuid (root, `cpuid` module loaded), where the file offset selects leaf and subleaf.
 * Only when neither is possible do we rebuild the registers from /proc/cpuinfo (vendor, family,
 * model, stepping, brand and the feature flags the kernel maps from these very bits): that view
 * is filtered by the kernel (clearcpuid=, mitigations), so it is the last resort, not the source.
 *
 * @module
 */
import type { Host } from "../../core/host/host.ts";
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

const devices = new Map<string, CpuidReader | undefined>();

/** A reader over the kernel cpuid driver file (offset = leaf | subleaf << 32), or `undefined` without one. */
export function deviceReader(path = "/dev/cpu/0/cpuid"): CpuidReader | undefined {
  // The file stays open for the process's life, like the stub's page: one handle per path.
  if (!devices.has(path)) devices.set(path, openDeviceReader(path));
  return devices.get(path);
}

function openDeviceReader(path: string): CpuidReader | undefined {
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

/** Linux /proc/cpuinfo flag names for the bits osquery reports: leaf → register index → [bit, flag]. */
const CPUINFO_FLAGS: Record<number, [number, number, string][]> = {
  1: [
    [3, 5, "msr"],
    [3, 6, "pae"],
    [3, 11, "sep"],
    [3, 12, "mtrr"],
    [3, 13, "pge"],
    [3, 14, "mca"],
    [3, 16, "pat"],
    [3, 19, "clflush"],
    [3, 22, "acpi"],
    [3, 23, "mmx"],
    [3, 25, "sse"],
    [3, 26, "sse2"],
    [3, 27, "ss"],
    [3, 28, "ht"],
    [3, 30, "ia64"],
    [2, 0, "pni"],
    [2, 5, "vmx"],
    [2, 6, "smx"],
    [2, 9, "ssse3"],
    [2, 11, "sdbg"],
    [2, 15, "pdcm"],
    [2, 17, "pcid"],
    [2, 18, "dca"],
    [2, 19, "sse4_1"],
    [2, 20, "sse4_2"],
    [2, 25, "aes"],
    [2, 28, "avx"],
    [2, 31, "hypervisor"],
  ],
  7: [
    [1, 2, "sgx"],
    [1, 4, "hle"],
    [1, 5, "avx2"],
    [1, 7, "smep"],
    [1, 8, "bmi2"],
    [1, 9, "erms"],
    [1, 10, "invpcid"],
    [1, 11, "rtm"],
    [1, 12, "cqm"],
    [1, 14, "mpx"],
    [1, 15, "rdt_a"],
    [1, 16, "avx512f"],
    [1, 17, "avx512dq"],
    [1, 18, "rdseed"],
    [1, 19, "adx"],
    [1, 20, "smap"],
    [1, 25, "intel_pt"],
    [1, 29, "sha_ni"],
    [2, 2, "umip"],
    [2, 3, "pku"],
    [2, 4, "ospke"],
    [2, 8, "gfni"],
    [2, 9, "vaes"],
    [2, 30, "sgx_lc"],
    [3, 26, "spec_ctrl"],
  ],
  0x80000001: [
    [2, 0, "lahf_lm"],
    [2, 2, "svm"],
    [2, 8, "3dnowprefetch"],
    [2, 10, "ibs"],
    [2, 12, "skinit"],
    [2, 15, "lwp"],
    [3, 20, "nx"],
    [3, 26, "pdpe1gb"],
    [3, 29, "lm"],
  ],
};

/** Text as little-endian register words (NUL-padded to `words` × 4 bytes). */
function textRegisters(text: string, words: number): number[] {
  const bytes = new Uint8Array(words * 4);
  bytes.set(new TextEncoder().encode(text).subarray(0, words * 4));
  const view = new DataView(bytes.buffer);
  return Array.from({ length: words }, (_, i) => view.getUint32(i * 4, true));
}

/**
 * A reader that rebuilds CPUID registers from /proc/cpuinfo text (its first processor), or
 * `undefined` when the text has no x86 vendor. Leaves it cannot know read as zeros.
 */
export function cpuinfoReader(text: string): CpuidReader | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      if (fields.size) break;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const vendor = fields.get("vendor_id");
  if (!vendor || vendor.length !== 12) return undefined;
  const flags = new Set((fields.get("flags") ?? "").split(/\s+/));
  const family = Number(fields.get("cpu family") ?? 0) | 0;
  const model = Number(fields.get("model") ?? 0) | 0;
  const stepping = Number(fields.get("stepping") ?? 0) | 0;
  // The signature in leaf 1 eax: base family caps at 15, the rest goes to the extended family field.
  const baseFamily = Math.min(family, 15);
  const signature = (stepping & 0xf) | ((model & 0xf) << 4) | (baseFamily << 8) | ((model >> 4) << 16) |
    (Math.max(family - 15, 0) << 20);
  const [ebx, edx, ecx] = textRegisters(vendor, 3);
  const brand = textRegisters(fields.get("model name") ?? "", 12);
  return (leaf, subleaf) => {
    const regs = new Uint32Array(4);
    if (leaf === 0) regs.set([7, ebx, ecx, edx]);
    else if (leaf >= 0x80000002 && leaf <= 0x80000004) {
      regs.set(brand.slice((leaf - 0x80000002) * 4, (leaf - 0x80000001) * 4));
    }
    if (leaf === 1) regs[0] = signature;
    if (subleaf === 0) {
      for (const [register, bit, flag] of CPUINFO_FLAGS[leaf] ?? []) {
        if (flags.has(flag)) regs[register] |= 1 << bit;
      }
    }
    return regs;
  };
}

/**
 * The best available reader, or `undefined` (non-x86 CPUs). The instruction always asks this
 * machine's CPU; the driver file and /proc/cpuinfo are read on `host`.
 */
export function cpuidReader(host: Host): CpuidReader | undefined {
  const direct = instructionReader() ?? deviceReader(host.path("/dev/cpu/0/cpuid"));
  if (direct || Deno.build.arch !== "x86_64") return direct;
  try {
    return cpuinfoReader(Deno.readTextFileSync(host.path("/proc/cpuinfo")));
  } catch {
    return undefined;
  }
}
