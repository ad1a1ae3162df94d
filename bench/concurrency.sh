#!/usr/bin/env bash
# Benchmark: many signed-in users at once, on SQLite and on PostgreSQL.
#
#   bench/concurrency.sh [HOUSEHOLDS] [SECONDS] [CLIENTS]
#   (default: 1,000,000 households, 60 s, 50 clients)
#
# Builds the release binary; generates the demo county at that size into
# bench/out/registry-N.db as bench/registry.sh does (reused when present) and
# into a throwaway PostgreSQL cluster (scripts/pg-cluster); on each, starts
# `jiuzhu serve` and runs bench/concurrency.py: CLIENTS clients sign in at
# once, then for SECONDS mix household pages and API reads (both audited),
# searches by ID number (audited), list pages and edits. Prints requests/s,
# median, p95, max and errors per kind; results in bench/out/concurrency-*.
#
# Optional environment: BACKENDS ("sqlite postgres" by default); PG_URL and
# PG_KEY (its audit key file) of a PostgreSQL database already loaded with
# the same county at this size, to skip starting a cluster and loading it.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
seconds=${2:-60}
clients=${3:-50}
out=bench/out
mkdir -p "$out"
db="$out/registry-$n.db"

# JIUZHU_BIN: a release binary built already (skips the build).
bin=${JIUZHU_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --locked -p jiuzhu
  bin=target/release/jiuzhu
fi

if [ ! -f "$db" ]; then
  echo "generating $n households into $db"
  /usr/bin/time -v "$bin" --db "sqlite:$db" demo --households "$n" 2> "$out/generate-$n.log" || { cat "$out/generate-$n.log"; exit 1; }
  grep -E "Elapsed|Maximum resident" "$out/generate-$n.log"
fi

pgdir=$(mktemp -d /tmp/jiuzhu-bench-pg.XXXXXX)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  scripts/pg-cluster stop "$pgdir" 2>/dev/null || true
}
trap cleanup EXIT

# Starts the server on database URL $1 with audit key file $2, runs the
# driver labelled $3, stops the server.
drive() {
  local url=$1 key=$2 label=$3
  RUST_LOG=warn "$bin" --db "$url" --audit-key-file "$key" user list 2>/dev/null | grep -q '^bench' ||
    RUST_LOG=warn "$bin" --db "$url" --audit-key-file "$key" user add bench --role county_clerk --region 349901 --password Qinghe-2025-perf
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  RUST_LOG=warn "$bin" --db "$url" --audit-key-file "$key" serve --addr "127.0.0.1:$port" 2> "$out/serve-$label.log" &
  server=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/login" && break
    sleep 0.2
  done
  python3 bench/concurrency.py --db "$db" --base "http://127.0.0.1:$port" --clients "$clients" --seconds "$seconds" \
    --label "$label, $n households" --json "$out/concurrency-$label-$n.json" | tee "$out/concurrency-$label-$n.txt"
  kill "$server" && wait "$server" 2>/dev/null || true
  server=
}

backends=${BACKENDS:-sqlite postgres}
if [[ " $backends " == *" sqlite "* ]]; then
  sqlite_key="$db.audit-key"
  [ -f "$sqlite_key" ] || "$bin" --audit-key-file "$sqlite_key" audit init-key
  drive "sqlite:$db" "$sqlite_key" sqlite
fi

if [[ " $backends " == *" postgres "* ]]; then
  if [ -n "${PG_URL:-}" ]; then
    pg=$PG_URL
    pg_key=${PG_KEY:?PG_KEY: the audit key file of the database at PG_URL}
  else
    pg=$(scripts/pg-cluster start "$pgdir")
    pg_key="$pgdir/audit-key"
    "$bin" --audit-key-file "$pg_key" audit init-key
    echo "loading $n households into PostgreSQL"
    /usr/bin/time -f "%e s, %M KB" "$bin" --db "$pg" --audit-key-file "$pg_key" demo --households "$n" 2>&1 >/dev/null | tail -n 1
  fi
  drive "$pg" "$pg_key" postgres
fi
