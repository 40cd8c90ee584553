# Sourced by ./osq and scripts/test: sets OSQ_ROOT and OSQ_DENO, installing the pinned
# Deno from the npm registry into $OSQ_ROOT/.deno when no suitable deno is available.
OSQ_DENO_VERSION="2.9.6"
OSQ_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
osq_find_deno() {
  local candidate
  for candidate in "${OSQ_DENO:-}" "$OSQ_ROOT/.deno/node_modules/.bin/deno" "$(command -v deno 2>/dev/null || true)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    case "$("$candidate" --version 2>/dev/null | head -n 1)" in
      "deno 2.9."*) echo "$candidate"; return 0 ;;
    esac
  done
  return 1
}
if ! OSQ_DENO="$(osq_find_deno)"; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "osq: Deno 2.9 is not installed and npm is missing; install Node.js/npm or put deno 2.9 on PATH." >&2
    exit 1
  fi
  echo "osq: installing deno@$OSQ_DENO_VERSION from npm into $OSQ_ROOT/.deno (once)..." >&2
  mkdir -p "$OSQ_ROOT/.deno"
  if ! npm install --silent --no-audit --no-fund --no-save --no-package-lock --prefix "$OSQ_ROOT/.deno" \
    "deno@$OSQ_DENO_VERSION" >&2; then
    echo "osq: could not install deno@$OSQ_DENO_VERSION from the npm registry." >&2
    exit 1
  fi
  OSQ_DENO="$(osq_find_deno)" || { echo "osq: deno@$OSQ_DENO_VERSION installed but does not run." >&2; exit 1; }
fi
# Not exported: children (and tests that read their environment) should not inherit these.
