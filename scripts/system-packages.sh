#!/usr/bin/env bash
# Install the distribution packages Safeguard needs, only those missing. Safe to run again.
# Usage: scripts/system-packages.sh run|test
#   run   what `make run` needs: Python's venv module, WeasyPrint's libraries and a font (the PDF
#         export and the demo's transfer file), Node.js and npm (the CSS build)
#   test  all of that, and what `make test` adds: PostgreSQL, Redis, Chromium, poppler, openssl,
#         and Java for the Nu HTML Checker
# Supported: Debian 12 and Ubuntu 24.04 (README "Before you start", docs/adr/0040). Runs as root,
# or as a user who may use sudo. PYTHON names the interpreter the venv is made with (the Makefile
# passes it), so the venv package matches it: python3.11-venv on Debian 12, python3.12-venv on
# Ubuntu 24.04.
set -euo pipefail

what="${1:-test}"
python="${PYTHON:-python3.11}"

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "This machine has no apt: install by hand what scripts/system-packages.sh lists" \
    "(the README says which systems are supported)." >&2
  exit 1
fi

if ! command -v "$python" >/dev/null; then
  echo "$python is not installed: install it first (README, \"Before you start\")." >&2
  exit 1
fi
venv_package="$("$python" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')"

run_packages=(
  libpango-1.0-0      # WeasyPrint's text layout (PDF export, the demo's transfer file)
  libpangoft2-1.0-0
  libharfbuzz-subset0
  fonts-dejavu-core   # a font every PDF and screenshot can rely on
)
# `python -m venv` with pip: Debian and Ubuntu split it out of python3.X. Not needed when this
# Python already has it (a Python not from the distribution, say).
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  run_packages+=("$venv_package")
fi
# The CSS build: Dart Sass on the distribution's Node 18 (docs/adr/0040). A Node of 18 or later
# that is already here, with its npm, does as well (NodeSource's package, say, which provides
# npm itself and conflicts with the distribution's npm package).
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 18 ] || ! npm --version >/dev/null 2>&1; then
  run_packages+=(nodejs npm)
fi
test_packages=(
  postgresql          # the database of `make test` and production
  redis-server        # the Celery broker of `make test` and production
  chromium            # the real browser of the browser tests
  poppler-utils       # pdfsig and pdftoppm, to check and look at exported PDFs
  openssl             # checks the signing certificates with a second implementation (tests)
  default-jre-headless  # runs the Nu HTML Checker (vnu.jar, from npm) over every page
)

# Ubuntu 24.04 has Chromium only as a snap, which a container or chroot cannot run: there the
# browser tests use Playwright's own build of Chromium instead (installed below, after apt).
os_id="$(. /etc/os-release 2>/dev/null && echo "${ID:-}")"
if [ "$os_id" = ubuntu ]; then
  test_packages=("${test_packages[@]/chromium/}")
fi

case "$what" in
  run) packages=("${run_packages[@]}") ;;
  test) packages=("${run_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${packages[@]}"; do
  [ -n "$p" ] || continue
  installed "$p" || missing+=("$p")
done

playwright_chromium() {
  # Needs the venv (`make test` installs the Python packages first); downloads Playwright's
  # Chromium build for the pinned playwright, and the libraries it needs (with apt, as root).
  [ "$what" = test ] && [ "$os_id" = ubuntu ] && [ ! -x /usr/bin/chromium ] &&
    [ -z "${CHROMIUM_PATH:-}" ] || return 0
  .venv/bin/python - <<'PY' && return 0
import os, sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    sys.exit(0 if os.path.exists(p.chromium.executable_path) else 1)
PY
  echo "Installing Playwright's Chromium for the browser tests (Ubuntu has Chromium only as a snap)"
  if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive .venv/bin/python -m playwright install-deps \
    chromium >/dev/null &&
    .venv/bin/python -m playwright install chromium; }; then
    # Not fatal: every other test can still run, and the browser tests say what is missing.
    echo "Playwright's Chromium could not be installed: the browser tests will fail." \
      "Set CHROMIUM_PATH to a Chromium of your own to use it instead." >&2
  fi
}

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null && [ ${#missing[@]} -gt 0 ]; then
    echo "These packages are missing and you are not root: ask an administrator to run" \
      "apt-get install ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi

if [ ${#missing[@]} -eq 0 ]; then
  playwright_chromium
  exit 0
fi

echo "Installing system packages: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# apt can finish without every package configured (a half-done earlier run): say so plainly.
for p in "${missing[@]}"; do
  if ! installed "$p"; then
    echo "$p did not install; run \`sudo apt-get install $p\` to see why, then run make again." >&2
    exit 1
  fi
done

playwright_chromium
