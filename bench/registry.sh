#!/usr/bin/env bash
# Benchmark: the household list with a region filter and the search by ID
# number, on a SQLite registry of one million generated households.
#
#   bench/registry.sh [HOUSEHOLDS]      (default 1000000)
#
# Builds the release binary, generates the demo county at that size into
# bench/out/registry-N.db (reused when present), starts `jiuzhu serve` on it
# and times real HTTP requests from a keep-alive client (bench/http_timing.py).
# Reports median and 95th percentile per query kind against the 50 ms target.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
out=bench/out
mkdir -p "$out"
db="$out/registry-$n.db"

cargo build --release --locked -p jiuzhu
bin=target/release/jiuzhu

if [ ! -f "$db" ]; then
  echo "generating $n households into $db"
  /usr/bin/time -v "$bin" --db "sqlite:$db" demo --households "$n" 2> "$out/generate-$n.log" || { cat "$out/generate-$n.log"; exit 1; }
  grep -E "Elapsed|Maximum resident" "$out/generate-$n.log"
fi

# A county-wide account for the client (created once; no default password exists).
RUST_LOG=warn "$bin" --db "sqlite:$db" user list 2>/dev/null | grep -q '^bench' ||
  RUST_LOG=warn "$bin" --db "sqlite:$db" user add bench --role county_clerk --region 349901 --password Qinghe-2025-perf

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn "$bin" --db "sqlite:$db" serve --addr "127.0.0.1:$port" 2> "$out/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/login" && break
  sleep 0.2
done

python3 bench/http_timing.py --db "$db" --base "http://127.0.0.1:$port" --samples 300 | tee "$out/result-$n.txt"
