/**
 * The embedded machine code is what rows.c compiles to (testing/native_build.ts).
 *
 * @module
 */
import { testNativeBuild } from "../../../testing/native_build.ts";

testNativeBuild(
  "native row batches: the embedded code is a fresh build of rows.c",
  "build_native_rows.ts",
  "core/sqlite/native/rows.c",
);
