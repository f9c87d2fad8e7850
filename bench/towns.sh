#!/usr/bin/env bash
# Many towns on one machi: time to add a town, server start time and memory with N towns (each
# with the bundled plan and a year of actuals), and public page throughput with requests spread
# over every town, beside the same pages of a single-town install.
# Usage: bench/towns.sh [sqlite|postgres] [towns, default 100] [seconds per run, default 20]
# PostgreSQL: MACHI_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); a fresh
# database is created and dropped. Needs wrk and curl (installed if missing and apt is usable).
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${1:-sqlite}
TOWNS=${2:-100}
DURATION=${3:-20}
CONNS=${CONNS:-50}
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
cargo build --release --quiet
BIN=$PWD/target/release/machi
WORK=$(mktemp -d)
export MACHI_DATA_DIR=$WORK/data
unset MACHI_DATABASE_URL
DB_NAME=""
if [ "$BACKEND" = postgres ]; then
  ADMIN=${MACHI_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
  DB_NAME=machi_bench_$$
  psql "$ADMIN" -qc "CREATE DATABASE $DB_NAME" >/dev/null
  export MACHI_DATABASE_URL=${ADMIN%/*}/$DB_NAME
fi
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  if [ -n "$DB_NAME" ]; then sleep 0.5; psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# N town codes with valid check digits (兵庫県 28xxx, then 13xxx …), the bundled 香美町 first.
python3 - "$TOWNS" >"$WORK/codes" <<'EOF'
import sys
n = int(sys.argv[1])
def code(c5):
    s = sum(int(d) * w for d, w in zip(c5, [6, 5, 4, 3, 2]))
    return c5 + str((11 - s % 11) % 10)
out = ["285854"]
for pref in ("28", "13", "27", "26", "01", "40", "47"):
    for k in range(100, 1000):
        c = code(f"{pref}{k:03d}")
        if c not in out:
            out.append(c)
        if len(out) >= n:
            break
    if len(out) >= n:
        break
print("\n".join(out[:n]))
EOF

# A year of actuals (令和6年度) for every KPI that a staff member would record.
ACTUALS="1-1-1 R6 38;1-1-2 R6 50;1-1-3 R6 12;1-1-4 R6 2;1-1-5 R6 60;1-1-6 R6 6;1-2-1 R6 78.5;1-2-2 R6 2;1-3-1 R6 70;1-4-1 R6 14;1-4-2 R6 65;1-5-1 R6 40;2-1-1 R6 50;2-2-1 R6 5;2-2-2 R6 4;2-2-3 R6 900000;2-3-1 R6 1;2-3-2 R6 1"
record_year() {
  local code=$1
  IFS=';' read -ra rows <<<"$ACTUALS"
  for row in "${rows[@]}"; do
    # shellcheck disable=SC2086
    $BIN --town "$code" kpi record $row >/dev/null
  done
}

echo "machi $(git rev-parse --short HEAD 2>/dev/null || echo '?') · $(nproc) cores · $BACKEND · $TOWNS towns"
start=$(date +%s.%N)
$BIN town list >/dev/null 2>&1   # the bundled town on a first start
first=true
add_times=()
while read -r code; do
  if $first; then first=false; continue; fi
  sed -e "s/^id = \"kami-2023\"/id = \"t$code\"/" -e "s/^code = \"285854\"/code = \"$code\"/" \
      -e "s/^name = \"香美町\"/name = \"町$code\"/" plans/kami-2023.toml >"$WORK/plan.toml"
  t0=$(date +%s.%N)
  $BIN town add "$code" --plan "$WORK/plan.toml" >/dev/null 2>&1
  t1=$(date +%s.%N)
  add_times+=("$(echo "$t1 - $t0" | bc)")
done <"$WORK/codes"
end=$(date +%s.%N)
printf 'town add: %d towns in %.1f s; one add: median %.2f s, last (with %d towns there) %.2f s\n' \
  "$((TOWNS - 1))" "$(echo "$end - $start" | bc)" \
  "$(printf '%s\n' "${add_times[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')" \
  "$((TOWNS - 1))" "${add_times[-1]}"
t0=$(date +%s.%N)
while read -r code; do record_year "$code"; done <"$WORK/codes"
printf 'a year of actuals (18 KPIs) for each town by `machi kpi record`: %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
t0=$(date +%s.%N)
$BIN --port "$PORT" serve >"$WORK/server.log" 2>&1 &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/towns" >/dev/null; do sleep 0.02; done
printf 'server start with %d towns (migrations checked, seeds checked) until /towns answers: %.2f s\n' \
  "$TOWNS" "$(echo "$(date +%s.%N) - $t0" | bc)"
rss() { awk "/$1/{print int(\$2/1024)}" /proc/$PID/status; }
echo "RSS after start: $(rss VmRSS) MB"

# Requests spread over every town: the KPI list, the plan, one 施策 and the plan JSON.
python3 - "$WORK/codes" >"$WORK/spread.lua" <<'EOF'
import sys
codes = open(sys.argv[1]).read().split()
print("local codes = {" + ",".join(f'"{c}"' for c in codes) + "}")
print('local pages = {"/plan/kpis", "/plan", "/plan/measures/1-1-1", "/api/plan"}')
print('math.randomseed(42)')
print('request = function()')
print('  local c = codes[math.random(#codes)]')
print('  return wrk.format("GET", "/t/" .. c .. pages[math.random(#pages)])')
print('end')
EOF
cat >"$WORK/single.lua" <<'EOF'
local pages = {"/plan/kpis", "/plan", "/plan/measures/1-1-1", "/api/plan"}
math.randomseed(42)
request = function() return wrk.format("GET", pages[math.random(#pages)]) end
EOF
run() {
  local url=$1 script=$2
  wrk -t2 -c"$CONNS" -d2s -s "$script" "$url" >/dev/null
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$script" "$url"
}
out=$(run "http://127.0.0.1:$PORT" "$WORK/spread.lua")
spread=$(awk '/Requests\/sec/{print $2}' <<<"$out")
printf 'spread over %d towns: %s req/s, p50 %s, p99 %s %s\n' "$TOWNS" "$spread" \
  "$(awk '$1=="50%"{print $2}' <<<"$out")" "$(awk '$1=="99%"{print $2}' <<<"$out")" \
  "$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ' || true)"
echo "RSS after load: $(rss VmRSS) MB, peak (VmHWM): $(rss VmHWM) MB"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""

# The same pages from a single-town install (the bundled town alone, same actuals).
export MACHI_DATA_DIR=$WORK/single
if [ -n "$DB_NAME" ]; then
  psql "$ADMIN" -qc "CREATE DATABASE ${DB_NAME}_1" >/dev/null
  export MACHI_DATABASE_URL=${ADMIN%/*}/${DB_NAME}_1
fi
$BIN town list >/dev/null 2>&1
record_year 285854
$BIN --port "$PORT" serve >"$WORK/single.log" 2>&1 &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/plan" >/dev/null; do sleep 0.02; done
out=$(run "http://127.0.0.1:$PORT" "$WORK/single.lua")
single=$(awk '/Requests\/sec/{print $2}' <<<"$out")
printf 'single town, same pages: %s req/s, p50 %s, p99 %s\n' "$single" \
  "$(awk '$1=="50%"{print $2}' <<<"$out")" "$(awk '$1=="99%"{print $2}' <<<"$out")"
echo "RSS single town after load: $(rss VmRSS) MB"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
if [ -n "$DB_NAME" ]; then psql "$ADMIN" -qc "DROP DATABASE ${DB_NAME}_1 WITH (FORCE)" >/dev/null; fi
printf 'spread/single: %.0f%%\n' "$(echo "100 * $spread / $single" | bc -l)"
