/**
 * The embedded machine code and struct layout are what cursor.c compiles to
 * (testing/native_build.ts).
 *
 * @module
 */
import { testNativeBuild } from "../../../testing/native_build.ts";

testNativeBuild(
  "native cursor: the embedded code and layout.ts are a fresh build of cursor.c",
  "build_native_cursor.ts",
  "core/vtab/native/cursor.c",
);
