#!/usr/bin/env bash
# Benchmark: a month's payments for a county set of PAYEES payees, on SQLite
# and on PostgreSQL, in one run (issue 12).
#
#   bench/payments.sh [PAYEES]          (default 1000000)
#
#   JIUZHU_BIN=path     a binary already built (else a release build into
#                       CARGO_TARGET_DIR, default /work/target-bench)
#   DBS="sqlite postgres"   the databases to run (default both)
#   SETUP=parallel      make the databases' demo counties at the same time
#                       (untimed setup; the timed steps always run one at a
#                       time); default: one after the other
#   SETUP=reuse         SQLite only: keep the county an earlier run left in
#                       bench/out/payments-PAYEES and time the steps again
#   HISTORY=no          the demo county without its four months paid
#                       (`jiuzhu demo --unpaid`): the timed roll is then the
#                       county's first, one month owed per payee and no
#                       earlier claim to check. At 1,000,000 payees the
#                       demo's history (four rolls generated, approved,
#                       exported and returned through the use cases) takes
#                       most of an hour on this machine.
#
# Setup (not a measured step): the demo county (`jiuzhu demo --households
# H`, H = PAYEES / 0.95: the demo enrols ~95% of its households, with
# entitlements, accounts and four paid months) in a fresh SQLite file and in
# a throwaway PostgreSQL cluster. The demo leaves this month's regular roll a
# draft; it is deleted (SQL) so the timed generation makes it anew. A county
# clerk and a county approver with API tokens are added.
#
# Timed, per database, one step at a time:
#
#   generate  `jiuzhu pay roll --month M --region 349901` (the CLI)
#   approve   POST /api/payments/rolls/ID/approve as a second user (the county
#             approver, an API token), on `jiuzhu serve` — approval stays
#             with a person, so it has no CLI
#   export    `jiuzhu pay export ID --out FILE` (the CLI) — or, with a binary
#             that has no such command, POST /api/payments/rolls/ID/export
#   return    bench/payments_return.py makes the bank's return from the
#             export, every 100th line 失败 / 账户已销户 (untimed)
#   import    `jiuzhu pay returns ID FILE` (the CLI) — or POST
#             /api/payments/rolls/ID/returns (64 MiB upload limit: not at
#             1,000,000)
#
# Results and logs: bench/out/payments-PAYEES[-unpaid]/ (ignored by git).
# CLI steps: wall time and max RSS by /usr/bin/time. API steps: the wall time
# is curl's (request to last byte), the peak memory is the server's (VmHWM,
# reset through /proc/PID/clear_refs before each request). The 1-minute load
# average before each step is recorded with it.
set -euo pipefail
cd "$(dirname "$0")/.."
payees=${1:-1000000}
households=$(( (payees * 100 + 94) / 95 ))
dbs=${DBS:-sqlite postgres}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-bench}
if [ -n "${JIUZHU_BIN:-}" ]; then bin=$JIUZHU_BIN; else
  cargo build --release --locked -q -p jiuzhu
  bin=$CARGO_TARGET_DIR/release/jiuzhu
fi
out=bench/out/payments-$payees$([ "${HISTORY:-}" = no ] && echo -unpaid)
if [ "${SETUP:-}" = reuse ]; then
  [ "$dbs" = sqlite ] && [ -f "$out/bench.db" ] || { echo "SETUP=reuse: DBS=sqlite and an earlier $out/bench.db" >&2; exit 2; }
  grep -P '^sqlite\tdemo\t' "$out/results.tsv" > "$out/results.setup" 2>/dev/null || true
  mv "$out/results.setup" "$out/results.tsv"
else
  rm -rf "$out" && mkdir -p "$out"
fi
month=$(TZ=Asia/Shanghai date +%Y-%m)
county=349901
cli_bank=no
"$bin" pay export --help > /dev/null 2>&1 && "$bin" pay returns --help > /dev/null 2>&1 && cli_bank=yes

server=
pgdir=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  if [ -n "$pgdir" ]; then
    cp "$pgdir/server.log" "$out/postgres.server.log" 2>/dev/null || true
    scripts/pg-cluster stop "$pgdir" 2>/dev/null || true
  fi
}
trap cleanup EXIT
declare -A url
for d in $dbs; do
  case $d in
  sqlite) url[sqlite]="sqlite:$out/bench.db" ;;
  postgres)
    pgdir=$(mktemp -d /tmp/jiuzhu-bench-pg.XXXXXX)
    url[postgres]=$(scripts/pg-cluster start "$pgdir")
    # Memory for a million-line roll, and every statement over a second logged.
    psql -qAtX "${url[postgres]}" -c "ALTER SYSTEM SET shared_buffers = '1GB'" \
      -c "ALTER SYSTEM SET work_mem = '64MB'" -c "ALTER SYSTEM SET maintenance_work_mem = '256MB'" \
      -c "ALTER SYSTEM SET max_wal_size = '4GB'" -c "ALTER SYSTEM SET log_min_duration_statement = 1000" > /dev/null
    runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)" -D "$pgdir/data" \
      -l "$pgdir/server.log" -w restart > /dev/null 2>&1 || { echo "PostgreSQL restart failed" >&2; exit 1; }
    ;;
  *) echo "unknown database $d" >&2; exit 2 ;;
  esac
done
# PostgreSQL needs an audit key (docs/audit.md): a throwaway one.
[ -f "$out/audit.key" ] || RUST_LOG=warn "$bin" audit init-key --key-file "$out/audit.key" > /dev/null 2>&1
export JIUZHU_AUDIT_KEY_FILE=$out/audit.key

sql() { # db, statement → rows (tab-separated)
  case $1 in
  sqlite:*) sqlite3 -separator $'\t' "${1#sqlite:}" "$2" ;;
  *) psql -qAtX -F $'\t' "$1" -c "$2" ;;
  esac
}

load() { cut -d' ' -f1 /proc/loadavg; }

result() { # db label, step, seconds, kilobytes, load
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >> "$out/results.tsv"
}

timed_cli() { # label, step, args... → result line; stdout in $out/label.step.out
  local label=$1 step=$2; shift 2
  local l; l=$(load)
  echo "== $label: $step" >&2
  RUST_LOG=warn /usr/bin/time -v -o "$out/$label.$step.time" "$bin" "$@" \
    > "$out/$label.$step.out" 2> "$out/$label.$step.log" || { cat "$out/$label.$step.out" "$out/$label.$step.log" >&2; return 1; }
  cat "$out/$label.$step.out" >&2
  local s kb
  s=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); t=0; for(i=1;i<=n;i++) t=t*60+a[i]; print t}' "$out/$label.$step.time")
  kb=$(awk -F': ' '/Maximum resident/ {print $2}' "$out/$label.$step.time")
  result "$label" "$step" "$s" "$kb" "$l"
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

serve() { # db
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  RUST_LOG=warn "$bin" --db "$1" serve --no-worker --addr "127.0.0.1:$port" 2>> "$out/$label.serve.log" &
  server=$!
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$port/login" && return 0
    sleep 0.2
  done
  echo "server did not start" >&2; return 1
}

stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }

setup() { # label, db
  local label=$1 db=$2
  echo "== $label: setup, demo county of $households households" >&2
  local unpaid=; [ "${HISTORY:-}" = no ] && unpaid=--unpaid
  /usr/bin/time -f "%e %M" -o "$out/$label.demo.time" "$bin" --db "$db" demo --households "$households" $unpaid \
    > /dev/null 2> "$out/$label.demo.log" || { tail "$out/$label.demo.log" >&2; return 1; }
  local s kb
  read -r s kb < "$out/$label.demo.time"; result "$label" demo "$s" "$kb" "$(load)"
  # The demo's draft of this month goes; the timed generation makes it again.
  local draft
  draft=$(sql "$db" "SELECT id FROM payment_roll WHERE state = 'draft' AND kind = 'regular' AND month = '${month/-/}'")
  if [ -n "$draft" ]; then
    sql "$db" "DELETE FROM payment_claim WHERE roll_id = $draft; DELETE FROM payment_line WHERE roll_id = $draft; DELETE FROM payment_roll WHERE id = $draft" > /dev/null
  fi
  RUST_LOG=warn "$bin" --db "$db" user add benchclerk --role county_clerk --region $county --password Qinghe-2025-bench 2>/dev/null
  RUST_LOG=warn "$bin" --db "$db" user add benchapprover --role county_approver --region $county --password Qinghe-2025-bench 2>/dev/null
  RUST_LOG=warn "$bin" --db "$db" user token create benchclerk --name bench 2>/dev/null > "$out/$label.clerk"
  RUST_LOG=warn "$bin" --db "$db" user token create benchapprover --name bench 2>/dev/null > "$out/$label.approver"
  # PostgreSQL: what autovacuum would have done by the next day (SQLite's
  # statistics are never gathered by jiuzhu, so none are here either).
  case $db in sqlite:*) ;; *) sql "$db" "VACUUM ANALYZE" > /dev/null ;; esac
}

run() { # label, db
  label=$1; local db=$2
  local clerk approver
  clerk=$(cat "$out/$label.clerk"); approver=$(cat "$out/$label.approver")

  timed_cli "$label" generate --db "$db" pay roll --month "$month" --region $county
  local roll version lines
  IFS=$'\t' read -r roll version lines < <(sql "$db" "SELECT id, version, line_count FROM payment_roll WHERE state = 'draft' AND kind = 'regular' AND month = '${month/-/}'")
  echo "$lines" > "$out/$label.lines"

  serve "$db"
  local l s
  l=$(load)
  s=$(api "$label.approve" "$approver" "/api/payments/rolls/$roll/approve" -H 'Content-Type: application/json' \
    --data "{\"version\":$version}")
  result "$label" approve "$s" "$(peak_kb)" "$l"
  if [ $cli_bank = yes ]; then
    stop_server
    timed_cli "$label" export --db "$db" pay export "$roll" --out "$out/$label.export.csv"
  else
    l=$(load)
    s=$(api "$label.export" "$clerk" "/api/payments/rolls/$roll/export")
    result "$label" export "$s" "$(peak_kb)" "$l"
    mv "$out/$label.export.body" "$out/$label.export.csv"
  fi
  python3 bench/payments_return.py "$out/$label.export.csv" "$out/$label.return.csv" 100 > "$out/$label.failed"
  if [ $cli_bank = yes ]; then
    timed_cli "$label" import --db "$db" pay returns "$roll" "$out/$label.return.csv"
  else
    l=$(load)
    s=$(api "$label.returns" "$clerk" "/api/payments/rolls/$roll/returns?file_name=return.csv" \
      -H 'Content-Type: application/octet-stream' --data-binary "@$out/$label.return.csv")
    result "$label" import "$s" "$(peak_kb)" "$l"
    head -c 300 "$out/$label.returns.body" >&2; echo >&2
    stop_server
  fi
  rm -f "$out/$label.export.csv" "$out/$label.return.csv" # up to ~100 MB each
}

if [ "${SETUP:-}" = reuse ]; then
  : # the county, its users and tokens are there
elif [ "${SETUP:-}" = parallel ]; then
  pids=()
  for d in $dbs; do setup "$d" "${url[$d]}" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
else
  for d in $dbs; do setup "$d" "${url[$d]}"; done
fi
for d in $dbs; do run "$d" "${url[$d]}"; done

echo "payees $payees (demo households $households), month $month, demo history: ${HISTORY:-yes}, bank steps by $([ $cli_bank = yes ] && echo CLI || echo API)"
for d in $dbs; do echo "lines in the roll, $d: $(cat "$out/$d.lines")"; done
python3 - "$out/results.tsv" <<'PY'
import sys
target = {"generate": 10.0, "export": 5.0, "import": 10.0}
rows = [r.split() for r in open(sys.argv[1])]
lines = {}
print(f"{'db':<9} {'step':<9} {'wall_s':>8} {'peak_MiB':>9} {'target_s':>9} {'ratio':>6} {'load1':>6}")
for db, step, s, kb, load in rows:
    t = target.get(step)
    tt, r = (f"{t:9.0f}", f"{float(s) / t:6.2f}") if t else (f"{'-':>9}", f"{'-':>6}")
    print(f"{db:<9} {step:<9} {float(s):8.2f} {int(kb) / 1024:9.0f} {tt} {r} {load:>6}")
PY
