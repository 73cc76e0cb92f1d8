#!/usr/bin/env bash
# Set up everything Letter Marathon needs on this machine, or say what to install.
#   scripts/setup.sh          -> the app: venv, pinned Python packages, npm packages, redis-server
#   scripts/setup.sh --test   -> the same plus the test tools and Chromium
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

apt_install() {
  # Install Debian packages when we can (root with apt-get); otherwise explain.
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    say "installing $* with apt-get"
    if [ ! -f .venv/.apt-updated ] || [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -1)" ]; then
      apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    die "please install: $* (Debian/Ubuntu: sudo apt-get install $*; macOS: brew install ${1%-server})"
  fi
}

PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || die "Python 3.11+ is needed (python3 not found)"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "Python 3.11+ is needed"

command -v redis-server >/dev/null || apt_install redis-server
command -v redis-server >/dev/null || die "redis-server is still missing; install it and retry"

if ! command -v npm >/dev/null; then apt_install nodejs npm; fi

stamp=.venv/.installed
if [ ! -x .venv/bin/python ]; then
  say "creating the virtual environment in .venv"
  "$PY" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing pinned Python packages"
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
  touch "$stamp"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing front-end packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p static/vendor
cp node_modules/socket.io-client/dist/socket.io.esm.min.js static/vendor/
cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/
cp node_modules/canvas-confetti/dist/confetti.module.mjs static/vendor/confetti.mjs
# The live map (issue 19): country shapes (TopoJSON, ISO 3166 numeric ids), the table
# from numeric ids to alpha-2 codes (data only), and what projects and draws them.
cp node_modules/world-atlas/countries-110m.json static/vendor/
cp node_modules/i18n-iso-countries/codes.json static/vendor/iso-3166-codes.json
cp node_modules/d3-array/dist/d3-array.min.js node_modules/d3-geo/dist/d3-geo.min.js \
   node_modules/topojson-client/dist/topojson-client.min.js static/vendor/
node scripts/small-countries.js  # markers for the countries too small for those shapes
cp node_modules/axe-core/axe.min.js static/vendor/ 2>/dev/null || true

# Compiled translation catalogs (.mo) are build products.
.venv/bin/pybabel -q compile -d marathon/translations

if [ "$want_test" = 1 ]; then
  if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
  [ -x /usr/bin/chromium ] || die "Chromium is needed at /usr/bin/chromium for the browser tests"
fi
say "ready"
