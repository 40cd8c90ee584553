/**
 * Where a status line was logged, for glog's prefix (`file.ts:LINE]`): the base name and line of
 * a frame of a stack captured where the line is made, as osquery's glog records `__FILE__` and
 * `__LINE__` of each `LOG(...)`.
 *
 * @module
 */

/** A place in the source: a module's base name and a 1-based line. */
export interface SourceLocation {
  file: string;
  line: number;
}

/**
 * The location of frame `index` of a V8 stack (frame 0 is the message line); `{fallback, 0}`
 * when the stack has no such frame or the frame names no file and line.
 */
export function frameLocation(stack: string | undefined, index: number, fallback: string): SourceLocation {
  const frame = (stack ?? "").split("\n")[index] ?? "";
  const m = /([^/\\\s()]+):(\d+):\d+\)?\s*$/.exec(frame);
  return m ? { file: m[1], line: Number(m[2]) } : { file: fallback, line: 0 };
}

/**
 * The location of the code that called `callerLocation` (`up` = 0), or of the code that called
 * the function containing that call (`up` = 1), and so on up the stack. `fallback` names the
 * file when the stack is too short (a frame cut off by `Error.stackTraceLimit`).
 */
export function callerLocation(up: number, fallback: string): SourceLocation {
  // Frame 0 is the message, frame 1 this function, frame 2 its caller.
  return frameLocation(new Error().stack, up + 2, fallback);
}
