/**
 * Launching test extensions the way osquery autoloads them: an executable `.ext` script, and for
 * the Python extensions in `testdata/extensions/` (osquery-python style) the bindings Debian's
 * thrift compiler makes from the repo's IDL.
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The Python that runs the Python test extensions (Debian's, where python3-thrift installs). */
export const PYTHON = "/usr/bin/python3";

/** An executable `.ext` in `dir` that runs `command` with osquery's extension arguments; its path. */
export function extensionScript(dir: string, name: string, command: string): string {
  const ext = `${dir}/${name}.ext`;
  Deno.writeTextFileSync(ext, `#!/bin/sh\nexec ${command} "$@"\n`, { mode: 0o755 });
  return ext;
}

/**
 * Bindings for Python made by Debian's thrift compiler from the repo's IDL in a temporary
 * directory (removed when the test file ends), or why they cannot be made.
 */
export function pythonBindings(): { dir: string; missing?: undefined } | { dir?: undefined; missing: string } {
  try {
    const ok = new Deno.Command(PYTHON, { args: ["-c", "import thrift"], stderr: "null" }).outputSync();
    if (!ok.success) return { missing: "python3-thrift is not installed (apt-get install python3-thrift)" };
    const dir = Deno.makeTempDirSync({ prefix: "osq-pythrift-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    const out = new Deno.Command("thrift", { args: ["--gen", "py", "-out", dir, `${ROOT}/core/thrift/osquery.thrift`] })
      .outputSync();
    if (!out.success) return { missing: `thrift --gen py failed: ${new TextDecoder().decode(out.stderr)}` };
    return { dir };
  } catch {
    return { missing: `${PYTHON} or Debian's thrift-compiler is missing (apt-get install thrift-compiler)` };
  }
}
