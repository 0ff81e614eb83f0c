#!/usr/bin/env bash
# Start a throwaway PostgreSQL, Redis and S3 API (moto's server, offline) for the test suite unless
# they already answer.
# Usage: scripts/test-services.sh start|stop|env
set -euo pipefail

PG_PORT="${SAFEGUARD_TEST_PG_PORT:-55432}"
REDIS_PORT="${SAFEGUARD_TEST_REDIS_PORT:-56379}"
S3_PORT="${SAFEGUARD_TEST_S3_PORT:-55900}"
STATE_DIR="${SAFEGUARD_TEST_STATE_DIR:-${TMPDIR:-/tmp}/safeguard-test-services}"
PG_DIR="$STATE_DIR/pg-$PG_PORT"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_pg_owner() {
  # PostgreSQL refuses to run as root: run it as the `postgres` user when we are root.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_pg() {
  local bin; bin="$(pg_bin)"
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    echo "PostgreSQL already answering on port $PG_PORT"; return
  fi
  mkdir -p "$STATE_DIR"
  if [ "$(id -u)" -eq 0 ]; then chmod 755 "$STATE_DIR"; fi
  if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    rm -rf "$PG_DIR"; mkdir -p "$PG_DIR"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PG_DIR"; fi
    as_pg_owner "$bin/initdb" -D "$PG_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # Durability is off: this cluster is thrown away, and tests run faster without fsync.
  as_pg_owner "$bin/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  echo "PostgreSQL started on port $PG_PORT ($PG_DIR)"
}

start_redis() {
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    echo "Redis already answering on port $REDIS_PORT"; return
  fi
  mkdir -p "$STATE_DIR"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --dir "$STATE_DIR" --logfile "$STATE_DIR/redis-$REDIS_PORT.log" --pidfile "$STATE_DIR/redis-$REDIS_PORT.pid"
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "Redis started on port $REDIS_PORT"
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_s3() {
  if answers "$S3_PORT"; then
    echo "An S3 API already answering on port $S3_PORT"; return
  fi
  mkdir -p "$STATE_DIR"
  local moto; moto="$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/moto_server"
  [ -x "$moto" ] || { echo "moto's S3 server is not installed: run make install first" >&2; exit 1; }
  nohup "$moto" -H 127.0.0.1 -p "$S3_PORT" >"$STATE_DIR/moto-$S3_PORT.log" 2>&1 &
  echo $! >"$STATE_DIR/moto-$S3_PORT.pid"
  for _ in $(seq 1 300); do answers "$S3_PORT" && break; sleep 0.1; done
  answers "$S3_PORT" || { echo "moto's S3 server did not start: $STATE_DIR/moto-$S3_PORT.log" >&2; exit 1; }
  echo "S3 API (moto) started on port $S3_PORT"
}

stop_all() {
  local bin; bin="$(pg_bin)"
  if [ -f "$PG_DIR/postmaster.pid" ]; then as_pg_owner "$bin/pg_ctl" -D "$PG_DIR" -m fast stop >/dev/null || true; fi
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  # Only the moto server this script started (its pid file), never another on the port.
  if [ -f "$STATE_DIR/moto-$S3_PORT.pid" ]; then
    kill "$(cat "$STATE_DIR/moto-$S3_PORT.pid")" 2>/dev/null || true
    rm -f "$STATE_DIR/moto-$S3_PORT.pid"
  fi
}

case "${1:-start}" in
  start) start_pg; start_redis; start_s3 ;;
  stop) stop_all ;;
  env)
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/safeguard"
    echo "CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/0"
    echo "SAFEGUARD_TEST_REDIS_PORT=$REDIS_PORT"
    echo "SAFEGUARD_TEST_S3_PORT=$S3_PORT"
    ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
