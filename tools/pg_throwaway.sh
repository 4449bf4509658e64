#!/usr/bin/env bash
# A throwaway PostgreSQL server for the SQL-source tests (tests/io/test_sql.py,
# tests/test_cli_sql.py); .ci/run uses it, and so can you:
#
#   eval "$(tools/pg_throwaway.sh start)"   # prints the export lines below
#   .venv/bin/python -m pytest -p no:xdist -q tests/io/test_sql.py
#   tools/pg_throwaway.sh stop "$JOURNEYMINE_TEST_PG_DIR"
#
# `start` makes a private folder /tmp/jm-pg.XXXXXX (data, socket, log), runs initdb with a
# superuser `jm` whose password is random, and starts the server on 127.0.0.1 at a free
# port. TCP connections need the password (scram-sha-256 in pg_hba.conf), so a test with a
# wrong password meets a real authentication failure; the Unix socket lies in the private
# folder (trust, used only here to create the test database). It prints
#
#   export JOURNEYMINE_TEST_PG_URL=postgresql+psycopg://jm:<password>@127.0.0.1:<port>/journeymine_test
#   export JOURNEYMINE_TEST_PG_DIR=/tmp/jm-pg.XXXXXX
#
# PostgreSQL refuses to run as root: as root (CI), initdb and pg_ctl run as the `postgres`
# user through runuser, and the folder is handed to that user. The binaries are taken from
# $PG_BIN, else the newest /usr/lib/postgresql/*/bin (Debian's layout), else pg_config.
# The server's time zone is Europe/Amsterdam, not UTC, so that `timestamp with time zone`
# values reach the client with an offset, as on many real servers. `stop DIR` stops the
# server and removes the folder.
set -euo pipefail

die() {
  echo "pg_throwaway: $*" >&2
  exit 1
}

bindir() {
  if [ -n "${PG_BIN:-}" ]; then
    echo "$PG_BIN"
    return
  fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$found" ] && command -v pg_config >/dev/null 2>&1; then
    found=$(pg_config --bindir)
  fi
  [ -n "$found" ] && [ -x "$found/initdb" ] || die "no PostgreSQL server binaries found (set PG_BIN)"
  echo "$found"
}

as_owner() {
  # run a server command as the owner of the folder: postgres when we are root
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local bin dir port password
  bin=$(bindir)
  dir=$(mktemp -d /tmp/jm-pg.XXXXXX)
  chmod 700 "$dir"
  mkdir "$dir/sock"
  password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s\n' "$password" >"$dir/pwfile"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user (Debian's postgresql package makes it)"
    chown -R postgres: "$dir"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U jm --pwfile="$dir/pwfile" \
    --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
    || die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
  rm -f "$dir/pwfile"
  port=$(free_port)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/sock -c fsync=off -c timezone=Europe/Amsterdam" \
    start >/dev/null || die "the server did not start: $(tail -n 5 "$dir/server.log")"
  as_owner "$bin/createdb" -h "$dir/sock" -p "$port" -U jm journeymine_test \
    || die "createdb failed"
  echo "export JOURNEYMINE_TEST_PG_URL=postgresql+psycopg://jm:$password@127.0.0.1:$port/journeymine_test"
  echo "export JOURNEYMINE_TEST_PG_DIR=$dir"
}

stop() {
  local dir=${1:-}
  [ -n "$dir" ] && [ -d "$dir/data" ] || die "usage: $0 stop DIR (the JOURNEYMINE_TEST_PG_DIR of start)"
  case "$dir" in
    /tmp/jm-pg.*) ;;
    *) die "refusing to remove $dir: not a folder made by start" ;;
  esac
  as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) die "usage: $0 start | stop DIR" ;;
esac
