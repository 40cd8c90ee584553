/**
 * What `osq` says about a first argument that is no command: the closest command for a typo
 * (`osq shel` → `osq shell`), and for a flag given before any command the closest flag with the
 * command it belongs to (`osq --jsn` → `osq shell --json`), as the faces name the closest flag.
 *
 * @module
 */
import { closest, flags } from "../core/flags/flags.ts";

/** The commands `osq` takes (and the binary names that select a face). */
export const COMMANDS = ["shell", "daemon", "extension", "pack", "version", "help"] as const;

const LIST = "Commands: shell, daemon, extension, pack, version.";

/** The one-line message for an unknown first argument `word`. */
export function unknownCommandMessage(word: string): string {
  if (word.startsWith("-") && word.length > 1) {
    const raw = word.replace(/^--?/, "").split("=")[0];
    const names = flags.names();
    const name = names.includes(raw)
      ? raw
      : raw.startsWith("no") && names.includes(raw.slice(2))
      ? raw.slice(2)
      : closest(raw, names);
    if (name !== undefined) {
      const face = flags.spec(name).shell ? "shell" : "daemon";
      const shown = raw === name || raw === `no${name}` ? word : `--${name}`;
      const asked = shown === word
        ? `'${word}' is a flag.`
        : `unknown command '${word}': did you mean the flag ${shown}?`;
      return `osq: ${asked} Flags follow the command: osq ${face} ${shown}`;
    }
    return `osq: unknown command '${word}'. ${LIST} Flags follow the command (osq shell --help lists them).`;
  }
  const command = closest(word, [...COMMANDS, "osqueryi", "osqueryd"]);
  if (command !== undefined) {
    const face = command === "osqueryi" ? "shell" : command === "osqueryd" ? "daemon" : command;
    return `osq: unknown command '${word}': did you mean 'osq ${face}'? ${LIST}`;
  }
  return `osq: unknown command '${word}'. ${LIST}`;
}
