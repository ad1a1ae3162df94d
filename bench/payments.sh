#!/usr/bin/env bash
# Benchmark: a month's payments for a county set of PAYEES payees, on SQLite
# and on PostgreSQL, in one run (issue 12).
#
#   bench/payments.sh [PAYEES]          (default 1000000)
#
# Makes the demo county (`jiuzhu demo --households H`, H = PAYEES / 0.95: the
# demo enrols ~95% of its households, with entitlements, accounts and four
# paid months) in a fresh SQLite file and in a throwaway PostgreSQL cluster.
# The demo leaves this month's regular roll a draft; it is deleted (SQL) so
# the timed generation makes it anew. Then, per database:
#
#   generate  `jiuzhu pay roll --month M --region 349901` (the CLI, one process;
#             /usr/bin/time: wall, max RSS)
#   approve   POST /api/payments/rolls/ID/approve as a second user (the county
#             approver, an API token), on `jiuzhu serve`
#   export    POST /api/payments/rolls/ID/export as the county clerk (the bank file)
#   return    bench/payments_return.py makes the bank's return from the export,
#             every 100th line 失败 / 账户已销户 (untimed)
#   import    POST /api/payments/rolls/ID/returns with that file
#
# Export and return import have no CLI yet, so they are timed through the API:
# the wall time is curl's (request to last byte), the peak memory is the
# server's (VmHWM, reset through /proc/PID/clear_refs before each request).
set -euo pipefail
cd "$(dirname "$0")/.."
payees=${1:-1000000}
households=$(( (payees * 100 + 94) / 95 ))
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-bench}
if [ -n "${JIUZHU_BIN:-}" ]; then bin=$JIUZHU_BIN; else # JIUZHU_BIN: a binary already built
  cargo build --release --locked -q -p jiuzhu
  bin=$CARGO_TARGET_DIR/release/jiuzhu
fi
out=bench/out/payments-$payees
rm -rf "$out" && mkdir -p "$out"
month=$(TZ=Asia/Shanghai date +%Y-%m)
county=349901

server=
pgdir=$(mktemp -d /tmp/jiuzhu-bench-pg.XXXXXX)
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  scripts/pg-cluster stop "$pgdir" 2>/dev/null || true
}
trap cleanup EXIT
pg=$(scripts/pg-cluster start "$pgdir")
# PostgreSQL needs an audit key (docs/audit.md): a throwaway one.
RUST_LOG=warn "$bin" audit init-key --key-file "$out/audit.key" > /dev/null 2>&1
export JIUZHU_AUDIT_KEY_FILE=$out/audit.key

sql() { # db, statement → rows (tab-separated)
  case $1 in
  sqlite:*) sqlite3 -separator $'\t' "${1#sqlite:}" "$2" ;;
  *) psql -qAtX -F $'\t' "$1" -c "$2" ;;
  esac
}

result() { # db label, step, seconds, kilobytes
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$out/results.tsv"
}

api() { # label, token, path, curl args... → prints seconds; body in $out/$label.body
  local label=$1 token=$2 path=$3; shift 3
  echo 5 > "/proc/$server/clear_refs" 2>/dev/null || true
  local code
  code=$(curl -sS -o "$out/$label.body" -w '%{http_code} %{time_total}' -X POST \
    -H "Authorization: Bearer $token" "$@" "http://127.0.0.1:$port$path")
  echo "$label: HTTP ${code% *}" >&2
  [ "${code% *}" = 200 ] || { head -c 2000 "$out/$label.body" >&2; echo >&2; return 1; }
  echo "${code#* }"
}

peak_kb() { awk '/VmHWM/ {print $2}' "/proc/$server/status"; }

run() { # label, db
  local label=$1 db=$2
  echo "== $label: demo county of $households households" >&2
  /usr/bin/time -f "%e %M" -o "$out/$label.demo.time" "$bin" --db "$db" demo --households "$households" \
    > /dev/null 2> "$out/$label.demo.log" || { tail "$out/$label.demo.log" >&2; return 1; }
  read -r s kb < "$out/$label.demo.time"; result "$label" demo "$s" "$kb"

  # The demo's draft of this month goes; the timed generation makes it again.
  local draft
  draft=$(sql "$db" "SELECT id FROM payment_roll WHERE state = 'draft' AND kind = 'regular' AND month = '${month/-/}'")
  if [ -n "$draft" ]; then
    sql "$db" "DELETE FROM payment_claim WHERE roll_id = $draft; DELETE FROM payment_line WHERE roll_id = $draft; DELETE FROM payment_roll WHERE id = $draft" > /dev/null
  fi
  RUST_LOG=warn "$bin" --db "$db" user add benchclerk --role county_clerk --region $county --password Qinghe-2025-bench 2>/dev/null
  RUST_LOG=warn "$bin" --db "$db" user add benchapprover --role county_approver --region $county --password Qinghe-2025-bench 2>/dev/null
  local clerk approver
  clerk=$(RUST_LOG=warn "$bin" --db "$db" user token create benchclerk --name bench 2>/dev/null)
  approver=$(RUST_LOG=warn "$bin" --db "$db" user token create benchapprover --name bench 2>/dev/null)

  echo "== $label: generate $month" >&2
  RUST_LOG=warn /usr/bin/time -v -o "$out/$label.generate.time" "$bin" --db "$db" pay roll --month "$month" --region $county \
    > "$out/$label.generate.out" 2> "$out/$label.generate.log" || { cat "$out/$label.generate.log" >&2; return 1; }
  cat "$out/$label.generate.out" >&2
  s=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); t=0; for(i=1;i<=n;i++) t=t*60+a[i]; print t}' "$out/$label.generate.time")
  kb=$(awk -F': ' '/Maximum resident/ {print $2}' "$out/$label.generate.time")
  result "$label" generate "$s" "$kb"
  local roll version lines
  IFS=$'\t' read -r roll version lines < <(sql "$db" "SELECT id, version, line_count FROM payment_roll WHERE state = 'draft' AND kind = 'regular' AND month = '${month/-/}'")
  echo "$lines" > "$out/$label.lines"

  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  RUST_LOG=warn "$bin" --db "$db" serve --addr "127.0.0.1:$port" 2> "$out/$label.serve.log" &
  server=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/login" && break
    sleep 0.2
  done

  s=$(api "$label.approve" "$approver" "/api/payments/rolls/$roll/approve" -H 'Content-Type: application/json' \
    --data "{\"version\":$version}")
  result "$label" approve "$s" "$(peak_kb)"
  s=$(api "$label.export" "$clerk" "/api/payments/rolls/$roll/export")
  result "$label" export "$s" "$(peak_kb)"
  mv "$out/$label.export.body" "$out/$label.export.csv"
  python3 bench/payments_return.py "$out/$label.export.csv" "$out/$label.return.csv" 100 > "$out/$label.failed"
  s=$(api "$label.returns" "$clerk" "/api/payments/rolls/$roll/returns?file_name=return.csv" \
    -H 'Content-Type: application/octet-stream' --data-binary "@$out/$label.return.csv")
  result "$label" import "$s" "$(peak_kb)"
  head -c 300 "$out/$label.returns.body" >&2; echo >&2
  kill "$server"; wait "$server" 2>/dev/null || true; server=
}

run sqlite "sqlite:$out/bench.db"
run postgres "$pg"

echo "payees $payees (demo households $households), month $month; lines per roll: sqlite $(cat "$out/sqlite.lines"), postgres $(cat "$out/postgres.lines")"
python3 - "$out/results.tsv" <<'PY'
import sys
target = {"generate": 10.0, "export": 5.0, "import": 10.0}
print(f"{'db':<9} {'step':<9} {'wall_s':>8} {'peak_MiB':>9} {'target_s':>9} {'ratio':>6}")
for row in open(sys.argv[1]):
    db, step, s, kb = row.split()
    t = target.get(step)
    tt, r = (f"{t:9.0f}", f"{float(s) / t:6.2f}") if t else (f"{'-':>9}", f"{'-':>6}")
    print(f"{db:<9} {step:<9} {float(s):8.2f} {int(kb) / 1024:9.0f} {tt} {r}")
PY
