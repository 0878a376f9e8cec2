# Shared set-up for scripts/build-site and scripts/test. Sourced, not run.
# Installs what lo-static needs on a fresh Debian or Ubuntu machine, idempotently.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "lo-static set-up: need root (or sudo) to run: $*" >&2; exit 2; fi
}

apt_install() {
  # apt_install PACKAGE... : install Debian packages that are not installed yet.
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "lo-static set-up: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

ensure_python() {
  # ensure_python EXTRAS : a virtual environment in .venv with lo-static installed.
  local extras="$1"
  if ! command -v python3 >/dev/null; then apt_install python3; fi
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$VENV"; }
  fi
  local stamp="$VENV/.lo-static-$extras"
  local want
  want="$(cat "$ROOT/pyproject.toml" "$ROOT/constraints.txt" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "lo-static set-up: installing Python packages into .venv" >&2
    "$VENV/bin/pip" install -q -c "$ROOT/constraints.txt" -e "$ROOT$extras" 2>&1 \
      | grep -v "is ignored: it is neither" >&2 || true
    "$VENV/bin/python" -c "import lo_static" # fail loudly if the install did not work
    echo "$want" > "$stamp"
  fi
}

ensure_print_libraries() {
  # WeasyPrint (the leaflet PDFs) draws text with Pango and subsets fonts with HarfBuzz.
  apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
}

ensure_browser_tools() {
  # Debian's Chromium and the node packages in package-lock.json (pa11y-ci, axe-core), for the
  # accessibility checks. Chromium is never downloaded by npm or Playwright.
  apt_install chromium
  command -v node >/dev/null || apt_install nodejs npm
  if [ -f "$ROOT/package-lock.json" ]; then
    (cd "$ROOT" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
  export CHROME_PATH="${CHROME_PATH:-$(command -v chromium)}"
}

ensure_eleventy() {
  # Eleventy's node packages (bench/peers/eleventy/package-lock.json), the benchmark's second
  # peer: bench/run times it, and tests/test_bench.py builds the demo with it.
  command -v node >/dev/null || apt_install nodejs npm
  (cd "$ROOT/bench/peers/eleventy" && npm ci --no-audit --no-fund --loglevel=error) >&2
}
