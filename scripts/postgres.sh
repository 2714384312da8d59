#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on a free loopback port, fsync off.
#   scripts/postgres.sh start DIR   creates and starts it in DIR; prints its URL
#   scripts/postgres.sh createdb DIR NAME   creates database NAME in it; prints its URL
#   scripts/postgres.sh stop DIR    stops it and deletes DIR
# initdb refuses to run as root, so as root the cluster runs as the `postgres` user that
# Debian's postgresql package creates (scripts/setup.sh --test installs it).
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL is not installed: run scripts/setup.sh --test" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:?start or stop}
dir=${2:?a directory}
case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  chmod 700 "$dir"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  # Loopback only, no Unix socket outside DIR; fsync off because the data is thrown away.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgres://postgres@127.0.0.1:$port/postgres" | tee "$dir/url"
  ;;
createdb)
  name=${3:?a database name}
  url=$(cat "$dir/url")
  as_owner "$bin/psql" -q -v ON_ERROR_STOP=1 "$url" -c "CREATE DATABASE $name" >/dev/null
  echo "${url%/*}/$name"
  ;;
stop)
  if [ -d "$dir/data" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
