#!/usr/bin/env bash
# Check the README's promise on a bare root file system: install only the prerequisites of
# "Before you start", then `make run` until the sign-in page answers, then `make test`.
#
# Usage (as root, on a Debian or Ubuntu host with debootstrap):
#   scripts/fresh-machine-check.sh [debian] [ubuntu]        (default: debian)
#
# What it checks, for each system (docs/adr/0040):
#   1. a `git clone` of the committed HEAD, and shared/ beside it, in a fresh debootstrap root;
#   2. the prerequisites alone, as a person would type them;
#   3. a half-built .venv and node_modules left by an earlier failed try, which must be rebuilt;
#   4. `make run` in the background until the sign-in page answers, then stopped, with every
#      process it started gone, and none of the test-only packages (PostgreSQL, Redis, Chromium,
#      poppler, Java; pytest, mypy, axe-core, the Nu HTML Checker) installed by it;
#   5. `make test` (PYTEST_ARGS narrows it), then its PostgreSQL and Redis stopped;
#   6. `make clean` leaves nothing the build made.
#
# Settings (environment):
#   DEBIAN_MIRROR   default: the first Debian archive URI in this host's apt sources
#   UBUNTU_MIRROR   default: an Ubuntu archive URI in this host's apt sources, if any (none on a
#                   Debian host: then set it, e.g. to your usual Ubuntu mirror's .../ubuntu)
#   UBUNTU_KEYRING  the Ubuntu archive keyring; default: Debian's ubuntu-keyring file if present,
#                   else the archive's own ubuntu-keyring package, accepted only if it holds the
#                   pinned key below
#   WORK_DIR        where the roots go (default /var/tmp/safeguard-fresh); KEEP=1 keeps them
#   WEB_PORT TEST_PG_PORT TEST_REDIS_PORT TEST_S3_PORT  ports (the chroot shares this host's
#                   network: pick ports nothing here uses; defaults 18000 57432 57379 57900)
#   PYTEST_ARGS     passed to `make test` (default: the whole suite)
#   RUN_TIMEOUT     seconds for `make run` to answer, installs included (default 2400)
# Packages come from the mirrors and the package registries this host reaches; the host's own
# client settings for them (extra CA certificates, /etc/pip.conf, /etc/npmrc) are copied in, so a
# host behind an intercepting proxy works too. Nothing else of the host is.
set -euo pipefail

[ "$(id -u)" -eq 0 ] || { echo "Run as root (debootstrap and chroot need it)." >&2; exit 1; }

repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED_DIR:-$(dirname "$repo")/shared}"
work="${WORK_DIR:-/var/tmp/safeguard-fresh}"
web_port="${WEB_PORT:-18000}"
pg_port="${TEST_PG_PORT:-57432}"
redis_port="${TEST_REDIS_PORT:-57379}"
s3_port="${TEST_S3_PORT:-57900}"
run_timeout="${RUN_TIMEOUT:-2400}"
# The "Ubuntu Archive Automatic Signing Key (2018)", which signs 24.04's archive.
ubuntu_key="F6ECB3762474EDA9D21B7022871920D1991BC93C"

say() { printf '\n== %s  %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

# The first URI of this host's apt sources (deb822 or one-line) that matches a pattern.
host_mirror() (
  set +o pipefail
  local pattern="$1"
  {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
      awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}'
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '/^deb / {sub(/\[[^]]*\] */, ""); print $2}'
  } | grep -E "$pattern" | head -n 1
)

command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap; }
command -v curl >/dev/null || apt-get install -y -qq curl
[ -d "$shared" ] || fail "no shared/ beside the repository (looked in $shared; set SHARED_DIR)"

root=""
run_pgid=""

# Every process whose root is the chroot: the check started them all.
chroot_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
  done
  return 0
}

cleanup() {
  set +e
  [ -n "$root" ] || return 0
  if [ -n "$run_pgid" ]; then kill -TERM -- "-$run_pgid" 2>/dev/null; fi
  local pids; pids="$(chroot_pids)"
  if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null; sleep 1; fi
  for m in dev/pts dev sys proc; do
    mountpoint -q "$root/$m" && umount -l "$root/$m"
  done
  if [ "${KEEP:-0}" != 1 ] && [ -n "$root" ] && ! grep -qs " $root/" /proc/mounts; then
    rm -rf "$root"
  fi
  root=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command in the chroot as root with a clean environment, as a login on that machine would.
in_root() {
  local pass=() v
  for v in $(compgen -e); do
    case "$v" in
      PIP_CERT | PIP_INDEX_URL | PIP_EXTRA_INDEX_URL | PIP_TRUSTED_HOST | PIP_DEFAULT_TIMEOUT | \
        npm_config_registry | NPM_CONFIG_REGISTRY | http_proxy | https_proxy | no_proxy | \
        HTTP_PROXY | HTTPS_PROXY | NO_PROXY) pass+=("$v=${!v}") ;;
    esac
  done
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${pass[@]}" \
    /bin/bash -c "$1"
}

ubuntu_keyring() {
  local mirror="$1" out="$work/ubuntu-archive-keyring.gpg"
  if [ -n "${UBUNTU_KEYRING:-}" ]; then echo "$UBUNTU_KEYRING"; return; fi
  if [ -f /usr/share/keyrings/ubuntu-archive-keyring.gpg ]; then
    echo /usr/share/keyrings/ubuntu-archive-keyring.gpg; return
  fi
  # The archive's own keyring package, trusted only because it holds the pinned key.
  local tmp deb
  mkdir -p "$work"
  tmp="$(mktemp -d)"
  curl -fsS "$mirror/dists/noble/main/binary-amd64/Packages.gz" | gunzip >"$tmp/Packages"
  deb="$(awk '/^Package: ubuntu-keyring$/ {p = 1} p && /^Filename:/ {print $2; exit}' "$tmp/Packages")"
  [ -n "$deb" ] || fail "no ubuntu-keyring package in $mirror"
  curl -fsS -o "$tmp/keyring.deb" "$mirror/$deb"
  dpkg-deb -x "$tmp/keyring.deb" "$tmp/x"
  cp "$tmp/x/usr/share/keyrings/ubuntu-archive-keyring.gpg" "$out"
  rm -rf "$tmp"
  gpg --no-default-keyring --keyring "$out" --with-colons --fingerprint 2>/dev/null |
    grep -q "^fpr:*$ubuntu_key:" || fail "the Ubuntu keyring does not hold key $ubuntu_key"
  echo "$out"
}

check_system() {
  local system="$1" suite mirror sources prereqs keyring_args=() script=()
  case "$system" in
    debian)
      suite=bookworm
      mirror="${DEBIAN_MIRROR:-$(host_mirror '/debian/?$')}"
      [ -n "$mirror" ] || fail "no Debian mirror: set DEBIAN_MIRROR"
      sources="Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
      local security; security="$(host_mirror 'debian-security/?$')"
      [ -n "$security" ] && sources="$sources

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
      prereqs="make git python3.11"
      ;;
    ubuntu)
      suite=noble
      mirror="${UBUNTU_MIRROR:-$(host_mirror '/ubuntu/?$')}"
      [ -n "$mirror" ] || { echo "No Ubuntu mirror: set UBUNTU_MIRROR to check Ubuntu 24.04." >&2; return 1; }
      local keyring; keyring="$(ubuntu_keyring "$mirror")"
      keyring_args=(--keyring="$keyring")
      # This host's debootstrap may predate 24.04: every Ubuntu release since 7.10 uses "gutsy".
      [ -e /usr/share/debootstrap/scripts/noble ] || script=(/usr/share/debootstrap/scripts/gutsy)
      # Node.js, npm and Redis are in universe, which Ubuntu enables by default.
      sources="Types: deb
URIs: $mirror
Suites: noble noble-updates noble-security
Components: main universe
Signed-By: /etc/apt/keyrings/ubuntu-archive-keyring.gpg"
      prereqs="make git python3.12"
      ;;
    *) fail "unknown system $system (debian or ubuntu)" ;;
  esac

  root="$work/$system-root"
  mkdir -p "$work"
  if [ -e "$root" ]; then
    grep -qs " $root/" /proc/mounts && fail "$root still has mounts: unmount them first"
    rm -rf "$root"
  fi
  local log="$work/$system.log" t0
  : >"$log"
  echo "Logs: $log"

  say "$system: debootstrap $suite"
  t0=$SECONDS
  debootstrap "${keyring_args[@]}" "$suite" "$root" "$mirror" "${script[@]}" >>"$log" 2>&1 ||
    fail "debootstrap (see $log)"
  echo "debootstrap took $((SECONDS - t0)) s"

  mount -t proc proc "$root/proc"
  mount -t sysfs sys "$root/sys"
  mount --bind /dev "$root/dev"
  mount --bind /dev/pts "$root/dev/pts"

  # The machine: apt sources, name resolution, no daemons started by package installs (a chroot
  # has no init; `make test` starts its own PostgreSQL and Redis on its own ports), and this
  # host's client settings for the package registries.
  rm -f "$root/etc/apt/sources.list"
  printf '%s\n' "$sources" >"$root/etc/apt/sources.list.d/$system.sources"
  if [ "$system" = ubuntu ]; then
    mkdir -p "$root/etc/apt/keyrings"
    cp "$keyring" "$root/etc/apt/keyrings/ubuntu-archive-keyring.gpg"
  fi
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  fi
  local f
  for f in /etc/pip.conf /etc/npmrc /usr/etc/npmrc; do
    [ -f "$f" ] && mkdir -p "$root$(dirname "$f")" && cp "$f" "$root$f"
  done

  # The project: the committed HEAD, and shared/ beside it.
  mkdir -p "$root/srv/check"
  git clone -q --no-hardlinks "$repo" "$root/srv/check/safeguard"
  cp -r "$shared" "$root/srv/check/shared"
  # The Procfile binds web to port 8000; this chroot shares the host's network, so its copy
  # uses WEB_PORT instead.
  sed -i "s/127\.0\.0\.1:8000/127.0.0.1:$web_port/" "$root/srv/check/safeguard/Procfile"
  echo "Checking commit $(git -C "$repo" rev-parse --short HEAD) on $system"

  say "$system: the prerequisites: apt-get install $prereqs"
  t0=$SECONDS
  in_root "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $prereqs" \
    >>"$log" 2>&1 || fail "installing the prerequisites (see $log)"
  if [ -d "$root/usr/local/share/ca-certificates" ]; then
    in_root "command -v update-ca-certificates >/dev/null && update-ca-certificates" >>"$log" 2>&1 || true
  fi
  echo "prerequisites took $((SECONDS - t0)) s"

  say "$system: an earlier failed try left a half-built .venv and node_modules"
  in_root "cd /srv/check/safeguard && mkdir -p .venv/bin node_modules/sass &&
    ln -s \$(command -v python3.12 || command -v python3.11) .venv/bin/python &&
    echo '{}' > node_modules/sass/package.json"

  say "$system: make run (in the background, until http://127.0.0.1:$web_port/sign-in/ answers)"
  t0=$SECONDS
  setsid bash -c "$(declare -f in_root); root='$root'; in_root 'cd /srv/check/safeguard && exec make run'" \
    >"$work/$system-run.log" 2>&1 &
  run_pgid=$!
  local answered=""
  while [ $((SECONDS - t0)) -lt "$run_timeout" ]; do
    if curl -fsS -o "$work/$system-sign-in.html" "http://127.0.0.1:$web_port/sign-in/" 2>/dev/null; then
      answered=yes; break
    fi
    kill -0 "$run_pgid" 2>/dev/null || break
    sleep 5
  done
  if [ -z "$answered" ]; then
    tail -n 40 "$work/$system-run.log" >&2
    fail "make run did not answer on port $web_port within $((SECONDS - t0)) s (see $work/$system-run.log)"
  fi
  grep -q 'Sign in' "$work/$system-sign-in.html" || fail "the sign-in page has no \"Sign in\""
  echo "make run answered after $((SECONDS - t0)) s"

  say "$system: stop make run"
  kill -TERM -- "-$run_pgid" 2>/dev/null || true
  local i
  for i in $(seq 1 30); do
    [ -z "$(chroot_pids)" ] && break
    sleep 1
  done
  local left; left="$(chroot_pids)"
  if [ -n "$left" ]; then
    ps -o pid,args -p "$(echo $left | tr ' ' ,)" >&2 || true
    fail "processes of make run still running 30 s after it was stopped"
  fi
  run_pgid=""
  echo "every process of make run has gone"
  local p unwanted=""
  for p in postgresql redis-server chromium poppler-utils default-jre-headless; do
    in_root "dpkg-query -W -f='\${Status}' $p 2>/dev/null | grep -q 'install ok installed'" &&
      unwanted="$unwanted $p"
  done
  # The test and lint tools, and the accessibility checkers, come with make test only.
  for p in .venv/bin/pytest .venv/bin/mypy node_modules/axe-core node_modules/vnu-jar; do
    in_root "test -e /srv/check/safeguard/$p" && unwanted="$unwanted $p"
  done
  [ -z "$unwanted" ] || fail "make run installed what only make test needs:$unwanted"
  echo "make run installed none of PostgreSQL, Redis, Chromium, poppler, Java, the test tools"

  say "$system: make test ${PYTEST_ARGS:-(the whole suite)}"
  t0=$SECONDS
  local ports="TEST_PG_PORT=$pg_port TEST_REDIS_PORT=$redis_port TEST_S3_PORT=$s3_port"
  local status=0
  in_root "cd /srv/check/safeguard && export SAFEGUARD_TEST_S3_PORT=$s3_port &&
    make test $ports PYTEST_ARGS='${PYTEST_ARGS:-}'" >"$work/$system-test.log" 2>&1 || status=$?
  echo "make test took $((SECONDS - t0)) s, exit $status; its last lines:"
  tail -n 5 "$work/$system-test.log"
  in_root "cd /srv/check/safeguard && make services-stop $ports" >>"$log" 2>&1 || true
  [ "$status" -eq 0 ] || fail "make test (see $work/$system-test.log)"

  say "$system: make clean"
  in_root "cd /srv/check/safeguard && make clean >/dev/null && git status --porcelain --ignored" \
    >"$work/$system-clean.txt"
  if grep -v -E '^ M Procfile$' "$work/$system-clean.txt"; then
    fail "make clean left the files above"
  fi
  echo "make clean left nothing the build made"

  for i in $(seq 1 10); do [ -z "$(chroot_pids)" ] && break; sleep 1; done
  [ -z "$(chroot_pids)" ] || fail "processes left in the $system root: $(chroot_pids)"
  say "$system: passed"
  cleanup
}

systems=("$@")
[ ${#systems[@]} -gt 0 ] || systems=(debian)
for s in "${systems[@]}"; do
  check_system "$s"
done
