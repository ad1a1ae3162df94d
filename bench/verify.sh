#!/usr/bin/env bash
# Benchmark: `jiuzhu verify` against DuckDB computing the same household sums
# in SQL on the same files, in one run.
#
#   bench/verify.sh [MEMBERS] [HOUSEHOLDS] [ROWS...]
#   (default: 1000000 members, 400000 households, 5, 10 and 20 million rows)
#
#   JIUZHU_BIN=path     a jiuzhu binary already built (else a release build)
#   GEN_BIN=path        gen_department_data already built (else a release
#                       build of the example)
#   RESHAPE_ARGS=...    passed to bench/reshape_department_data.py, e.g.
#                       "--extra-shapes" or "--seed 2" (its data is cached
#                       apart for each set of arguments)
#
# Generates the data once into bench/out/verify/ (examples/gen_department_data),
# installs DuckDB and xlsxwriter from PyPI when missing, and on each size:
#
#   canonical    jiuzhu and DuckDB on the generated files (UTF-8, English
#                headers, canonical values), with /usr/bin/time (wall time
#                and peak resident memory); the two reports must be
#                byte-identical.
#   real shapes  jiuzhu on the same rows as departments deliver them
#                (bench/reshape_department_data.py, made once into
#                DIR-real/: GBK and UTF-8 with BOM, Chinese and English
#                header variants, 15-digit and full-width ID numbers, ￥ and
#                grouped money, the death register as xlsx, plus a few
#                planted bad rows), against the same DuckDB run: its report
#                must equal DuckDB's on the canonical files byte for byte,
#                and it must reject exactly the planted rows.
#   death        the death register alone, as death.xlsx and as the same
#                rows in death.csv (saved as Excel saves that sheet): jiuzhu
#                with the full members file on each; the two reports must
#                be identical. Printed as a second table at the end.
#
# Every measured run follows a read of its files (warm page cache).
set -euo pipefail
cd "$(dirname "$0")/.."
members=${1:-1000000}
households=${2:-400000}
shift $(( $# > 2 ? 2 : $# )) || true
sizes=("${@:-5000000 10000000 20000000}")
[ ${#sizes[@]} -eq 1 ] && read -r -a sizes <<< "${sizes[0]}"
reshape_args=${RESHAPE_ARGS:-}
suffix=$(printf '%s' "$reshape_args" | tr -cs 'A-Za-z0-9' '-' | sed 's/^-*//; s/-*$//')

python3 -c 'import duckdb' 2>/dev/null || pip install -q duckdb
python3 -c 'import xlsxwriter' 2>/dev/null || pip install -q xlsxwriter
target=${CARGO_TARGET_DIR:-target}
if [ -n "${JIUZHU_BIN:-}" ]; then bin=$JIUZHU_BIN; else
  cargo build --release --locked -q -p jiuzhu
  bin=$target/release/jiuzhu
fi
if [ -n "${GEN_BIN:-}" ]; then gen=$GEN_BIN; else
  cargo build --release --locked -q -p jiuzhu-verify --example gen_department_data
  gen=$target/release/examples/gen_department_data
fi
out=bench/out/verify
mkdir -p "$out"

measure() { # label, command...  → prints "seconds kilobytes"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time.$label" "$@" > /dev/null 2> "$out/log.$label" \
    || { echo "$label failed:" >&2; tail -n 5 "$out/log.$label" >&2; return 1; }
  cat "$out/time.$label"
}

warm() { cat "$@" > /dev/null; }

row() { # rows, data, jiuzhu s, KiB, duckdb s, KiB, reports
  python3 - "$@" <<'PY'
import sys
rows, data, jt, jm, dt, dm, same = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:7]), sys.argv[7]
print(f"{int(rows):<10} {data:<12} {jt:9.2f} {dt:9.2f} {dt/jt:7.2f}x {jm/1024:11.0f} {dm/1024:11.0f} {jm/dm:9.2f}  {same}")
PY
}

planted() { # shapes.json, errors.csv, [kind] → "N rejected = the N planted" or what differs
  python3 - "$@" <<'PY'
import csv, json, os, sys
files = json.load(open(sys.argv[1], encoding="utf-8"))["files"]
kind = sys.argv[3] if len(sys.argv) > 3 else None
want = {(k, b["line"]) for k, f in files.items() if kind in (None, k) for b in f["bad_rows"]}
got = {(os.path.basename(r["file"]).rsplit(".", 1)[0], int(r["line"])) for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))}
if got == want:
    print(f"{len(got)} rejected = the {len(want)} planted")
else:
    extra, missed = sorted(got - want), sorted(want - got)
    print(f"REJECTED {len(got)}, PLANTED {len(want)}: not planted {extra[:3]}{'…' if len(extra) > 3 else ''}, "
          f"not rejected {missed[:3]}{'…' if len(missed) > 3 else ''}")
PY
}

death_table=$out/death-table.txt
: > "$death_table"
printf '%-10s %-12s %9s %9s %8s %11s %11s %9s  %s\n' rows data jiuzhu_s duckdb_s speedup jiuzhu_MiB duckdb_MiB mem_ratio reports
for rows in "${sizes[@]}"; do
  dir="$out/m${members}-r${rows}"
  real="$dir-real${suffix:+-$suffix}"
  [ -f "$dir/members.csv" ] || "$gen" "$dir" "$members" "$households" "$rows"
  if [ ! -f "$real/shapes.json" ] || [ ! -f "$real-death-csv/death.csv" ] || [ "$dir/social_insurance.csv" -nt "$real/shapes.json" ]; then
    rm -rf "$real-death-csv" "$real-death-xlsx"
    mkdir -p "$real-death-csv" "$real-death-xlsx"
    # shellcheck disable=SC2086
    python3 bench/reshape_department_data.py "$dir" "$real" --death-csv "$real-death-csv/death.csv" $reshape_args \
      > "$real.txt"
    ln "$real/death.xlsx" "$real-death-xlsx/death.xlsx"
  fi

  # Canonical files: jiuzhu, then DuckDB, the page cache warm for both.
  warm "$dir"/*.csv
  read -r jt jm < <(measure "jiuzhu-$rows" "$bin" verify --members "$dir/members.csv" --data "$dir" --out "$out/jiuzhu-$rows.csv")
  read -r dt dm < <(measure "duckdb-$rows" python3 bench/verify_duckdb.py "$dir/members.csv" "$dir" "$out/duckdb-$rows.csv")
  same=$(cmp -s "$out/jiuzhu-$rows.csv" "$out/duckdb-$rows.csv" && echo identical || echo DIFFERENT)
  row "$rows" canonical "$jt" "$jm" "$dt" "$dm" "$same"

  # Real shapes: jiuzhu only, against DuckDB's report on the canonical files.
  warm "$real"/*
  read -r rt rm < <(measure "jiuzhu-real-$rows" "$bin" verify --members "$real/members.csv" --data "$real" --out "$out/jiuzhu-real-$rows.csv")
  same=$(cmp -s "$out/jiuzhu-real-$rows.csv" "$out/duckdb-$rows.csv" && echo identical || echo DIFFERENT)
  row "$rows" "real shapes" "$rt" "$rm" "$dt" "$dm" "$same; $(planted "$real/shapes.json" "$out/jiuzhu-real-$rows.errors.csv")"

  # The death register alone: xlsx, then the same rows as CSV.
  warm "$dir/members.csv" "$real-death-xlsx/death.xlsx" "$real-death-csv/death.csv"
  read -r xt xm < <(measure "death-xlsx-$rows" "$bin" verify --members "$dir/members.csv" --data "$real-death-xlsx" --out "$out/death-xlsx-$rows.csv")
  read -r ct cm < <(measure "death-csv-$rows" "$bin" verify --members "$dir/members.csv" --data "$real-death-csv" --out "$out/death-csv-$rows.csv")
  same=$(cmp -s "$out/death-xlsx-$rows.csv" "$out/death-csv-$rows.csv" && echo identical || echo DIFFERENT)
  death_rows=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["files"]["death"]; print(f["rows"] + len(f["bad_rows"]))' "$real/shapes.json")
  px=$(planted "$real/shapes.json" "$out/death-xlsx-$rows.errors.csv" death)
  pc=$(planted "$real/shapes.json" "$out/death-csv-$rows.errors.csv" death)
  [ "$px" = "$pc" ] && same="$same; $px in both" || same="$same; xlsx: $px; csv: $pc"
  python3 - "$rows" "$death_rows" "$xt" "$xm" "$ct" "$cm" "$same" >> "$death_table" <<'PY'
import sys
rows, death_rows, xt, xm, ct, cm, same = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:7]), sys.argv[7]
print(f"{int(rows):<10} {int(death_rows):>10,} {xt:7.2f} {ct:7.2f} {xt/ct:8.2f}x {xm/1024:8.0f} {cm/1024:8.0f} {xm/cm:8.2f}x  {same}")
PY
done
echo
echo "death register alone: jiuzhu verify --members (all members) --data D, D holding only death.xlsx or only the same rows as death.csv"
printf '%-10s %10s %7s %7s %9s %8s %8s %9s  %s\n' rows death_rows xlsx_s csv_s xlsx/csv xlsx_MiB csv_MiB xlsx/csv reports
cat "$death_table"
