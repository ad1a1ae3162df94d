#!/usr/bin/env bash
# Benchmark: `jiuzhu verify` against DuckDB computing the same household sums
# in SQL on the same files, in one run.
#
#   bench/verify.sh [MEMBERS] [HOUSEHOLDS] [ROWS...]
#   (default: 1000000 members, 400000 households, 5, 10 and 20 million rows)
#
# Generates the data once into bench/out/verify/ (examples/gen_department_data),
# installs DuckDB from PyPI when missing, runs both tools on each size with
# /usr/bin/time (wall time and peak resident memory), checks that the two
# reports are byte-identical, and prints the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
members=${1:-1000000}
households=${2:-400000}
shift $(( $# > 2 ? 2 : $# )) || true
sizes=("${@:-5000000 10000000 20000000}")
[ ${#sizes[@]} -eq 1 ] && read -r -a sizes <<< "${sizes[0]}"

python3 -c 'import duckdb' 2>/dev/null || pip install -q duckdb
cargo build --release --locked -q -p jiuzhu
cargo build --release --locked -q -p jiuzhu-verify --example gen_department_data
out=bench/out/verify
mkdir -p "$out"

measure() { # label, command...  → prints "seconds kilobytes"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time.$label" "$@" > /dev/null 2> "$out/log.$label"
  cat "$out/time.$label"
}

printf '%-10s %10s %10s %8s %12s %12s %8s  %s\n' rows jiuzhu_s duckdb_s speedup jiuzhu_MiB duckdb_MiB mem_ratio reports
for rows in "${sizes[@]}"; do
  dir="$out/m${members}-r${rows}"
  [ -f "$dir/members.csv" ] || target/release/examples/gen_department_data "$dir" "$members" "$households" "$rows"
  # Warm the page cache for both alike.
  cat "$dir"/*.csv > /dev/null
  read -r jt jm < <(measure jiuzhu target/release/jiuzhu verify --members "$dir/members.csv" --data "$dir" --out "$out/jiuzhu-$rows.csv")
  read -r dt dm < <(measure duckdb python3 bench/verify_duckdb.py "$dir/members.csv" "$dir" "$out/duckdb-$rows.csv")
  same=$(cmp -s "$out/jiuzhu-$rows.csv" "$out/duckdb-$rows.csv" && echo identical || echo DIFFERENT)
  python3 - "$rows" "$jt" "$jm" "$dt" "$dm" "$same" <<'PY'
import sys
rows, jt, jm, dt, dm, same = sys.argv[1], *map(float, sys.argv[2:6]), sys.argv[6]
print(f"{int(rows):<10} {jt:10.2f} {dt:10.2f} {dt/jt:7.2f}x {jm/1024:12.0f} {dm/1024:12.0f} {jm/dm:8.2f}  {same}")
PY
done
