#!/usr/bin/env bash
# Benchmark: verification against the database, on SQLite and PostgreSQL,
# beside the file engine on the same data, in one run.
#
#   bench/verify_db.sh [HOUSEHOLDS] [ROWS]
#   (default: the demo county with 400,000 households, 5 million department rows)
#
# Loads the demo county into a fresh SQLite file and into a throwaway
# PostgreSQL cluster, writes department files for its members
# (bench/gen_from_roster.py), then times, with /usr/bin/time (wall, peak
# memory): `jiuzhu verify --data DIR` on each database (importing the eight
# files as deliveries: COPY on PostgreSQL; then verifying every household and
# storing the results), and `jiuzhu verify --members --data --out` on files.
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-400000}
rows=${2:-5000000}
cargo build --release --locked -q -p jiuzhu
out=bench/out/verify_db
rm -rf "$out" && mkdir -p "$out"
bin=target/release/jiuzhu

pgdir=$(mktemp -d /tmp/jiuzhu-bench-pg.XXXXXX)
trap 'scripts/pg-cluster stop "$pgdir" 2>/dev/null || true' EXIT
pg=$(scripts/pg-cluster start "$pgdir")

"$bin" demo --households "$households" --out "$out/roster.csv" 2>/dev/null
python3 bench/gen_from_roster.py "$out/roster.csv" "$out/data" "$rows"
cat "$out"/data/*.csv > /dev/null
"$bin" --db "sqlite:$out/bench.db" demo --households "$households" 2>/dev/null
"$bin" --db "$pg" demo --households "$households" 2>/dev/null

measure() { # label, command... → prints "seconds kilobytes"; the log keeps stderr
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time.$label" "$@" > /dev/null 2> "$out/log.$label"
  cat "$out/time.$label"
}
read -r ft fm < <(measure files "$bin" verify --members "$out/roster.csv" --data "$out/data" --out "$out/report.csv")
read -r st sm < <(measure sqlite "$bin" --db "sqlite:$out/bench.db" verify --data "$out/data" --as-of 2025-10-31)
read -r pt pm < <(measure postgres "$bin" --db "$pg" verify --data "$out/data" --as-of 2025-10-31)

echo "households $households, department rows $rows"
printf '%-22s %10s %10s %12s %10s\n' target total_s import_s verify_s peak_MiB
for label in files sqlite postgres; do
  python3 - "$label" "$out/time.$label" "$out/log.$label" <<'PY'
import re, sys
label, timef, logf = sys.argv[1:4]
total, kb = map(float, open(timef).read().split())
log = open(logf, encoding="utf-8").read()
imp = re.search(r"导入用时 import ([0-9.]+) s", log)
ver = re.search(r"核对完成 / done in ([0-9.]+) s", log)
fmt = lambda m: f"{float(m.group(1)):10.2f}" if m else f"{'-':>10}"
print(f"{label:<22} {total:10.2f} {fmt(imp)} {fmt(ver):>12} {kb/1024:10.0f}")
PY
done
grep -h "读取 rows" "$out/log.postgres" | sed 's/^/  postgres /'
