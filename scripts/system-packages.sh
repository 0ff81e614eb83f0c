#!/usr/bin/env bash
# Install the Debian packages Safeguard needs, only those missing. Safe to run again.
set -euo pipefail

packages=(
  postgresql          # the database of `make test` and production
  redis-server        # the Celery broker of `make test` and production
  chromium            # the real browser of the browser tests
  libpango-1.0-0      # WeasyPrint's text layout (PDF export)
  libpangoft2-1.0-0
  libharfbuzz-subset0
  poppler-utils       # pdfsig and pdftoppm, to check and look at exported PDFs
  openssl             # checks the signing certificates with a second implementation (tests)
  fonts-dejavu-core   # a font every PDF and screenshot can rely on
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
