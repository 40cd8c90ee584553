/**
 * Version-string ordering as osquery defines it for `version_compare` and the `version`,
 * `version_arch`, `version_dpkg` and `version_rhel` collations.
 *
 * Strings are walked position by position. Runs of non-delimiter characters are compared by
 * the first differing character, but a run that is longer at the first delimiter wins
 * ("1.10" > "1.9"). Flavours add epoch handling (`N:` prefixes), delimiter precedence
 * (`~` < `-` < `^` < `.` < `:`) and rules for what a longer tail means (`1.0~rc1` < `1.0`).
 *
 * @module
 */

/** Which rules apply: plain `version`, or a package manager's flavour. */
export type VersionFlavor = "plain" | "arch" | "dpkg" | "rhel";

interface Rules {
  epoch: boolean;
  delimiterPrecedence: boolean;
  compareTail: boolean;
  tailPrecedence: boolean;
}

const RULES: Record<VersionFlavor, Rules> = {
  plain: { epoch: false, delimiterPrecedence: false, compareTail: false, tailPrecedence: false },
  arch: { epoch: true, delimiterPrecedence: false, compareTail: true, tailPrecedence: true },
  dpkg: { epoch: true, delimiterPrecedence: true, compareTail: false, tailPrecedence: false },
  rhel: { epoch: true, delimiterPrecedence: true, compareTail: true, tailPrecedence: false },
};

/** Rank of a delimiter character; 0 for anything that is part of a version segment. */
function delimiterRank(ch: string | undefined): number {
  switch (ch) {
    case "~":
      return 1;
    case "-":
      return 2;
    case "^":
      return 3;
    case ".":
      return 4;
    case ":":
      return 5;
    default:
      return 0;
  }
}

const isDigit = (ch: string | undefined) => ch !== undefined && ch >= "0" && ch <= "9";

/** What the longer string's extra tail means once the shorter one has ended. */
function compareTail(
  shorterIsLeft: boolean,
  longer: string,
  shorter: string,
  diff: number,
  rules: Rules,
): number | undefined {
  const pos = shorter.length;
  const next = longer[pos];
  // Results are from the left string's point of view.
  const sign = shorterIsLeft ? 1 : -1;
  if (rules.compareTail) {
    if (next === "~") return sign; // a pre-release tail sorts before the bare version
    if (next === "-") return 0;
    if (next === "^") return -sign;
    if (diff !== 0 && (!rules.tailPrecedence || !isDigit(shorter[pos - 1]))) return diff;
    return undefined;
  }
  if (diff !== 0 && delimiterRank(next) > 0) return diff;
  return undefined;
}

/** Compares two version strings: negative, zero or positive. */
export function compareVersions(left: string, right: string, flavor: VersionFlavor = "plain"): number {
  if (left.length === 0 || right.length === 0) return left.length === right.length ? 0 : left.length === 0 ? -1 : 1;
  if (left === right) return 0;
  const rules = RULES[flavor];
  if (rules.epoch) {
    const l = left.indexOf(":");
    const r = right.indexOf(":");
    if (l >= 0 && r >= 0) {
      if (l !== r) return l - r;
    } else if (l >= 0) return 1;
    else if (r >= 0) return -1;
  }
  let diff = 0;
  const common = Math.min(left.length, right.length);
  for (let i = 0; i < common; i++) {
    const lr = delimiterRank(left[i]);
    const rr = delimiterRank(right[i]);
    if (lr === 0 && rr === 0) {
      if (diff === 0) diff = left.charCodeAt(i) - right.charCodeAt(i);
      continue;
    }
    if (lr === 0) return 1; // left's segment is longer
    if (rr === 0) return -1;
    if (diff !== 0) return diff;
    if (rules.delimiterPrecedence && lr !== rr) return lr - rr;
  }
  if (left.length === right.length) return diff;
  const leftEnded = left.length === common;
  const tail = leftEnded ? compareTail(true, right, left, diff, rules) : compareTail(false, left, right, diff, rules);
  return tail ?? left.length - right.length;
}
