#!/usr/bin/env bash
# Throughput, p99 latency and memory of the public pages (plan, procedures, guide), against a release build on loopback.
# Usage: bench/plan.sh [seconds per run, default 15] [connections, default 50]; PATHS="/a /b" to choose pages
# Needs wrk (Debian package `wrk`; installed if missing and apt is usable).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
CONNS=${2:-50}
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
cargo build --release --quiet
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BIN=target/release/machi
export MACHI_DATA_DIR=$DATA MACHI_PORT=$PORT
$BIN serve >"$DATA/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/plan" >/dev/null && break; sleep 0.1; done
# Some actuals so statuses and achievements are computed, not all 未入力.
for a in "1-1-1 R4 27" "1-1-1 R5 30" "1-1-1 R6 38" "2-2-3 R3 1000000" "2-2-3 R6 900000" \
         "1-1-5 R5 40" "1-1-5 R6 35" "2-3-1 R6 1" "1-4-1 R6 14"; do
  $BIN kpi record $a >/dev/null
done
sleep 1.2  # let the server's one-second plan cache pick them up
rss() { awk '/VmRSS/{print $2}' /proc/$PID/status; }
echo "machi $(git rev-parse --short HEAD 2>/dev/null || echo '?') · $(nproc) cores · wrk -t2 -c$CONNS -d${DURATION}s (client on the same machine)"
echo "RSS after start and warm-up: $(( $(rss) / 1024 )) MB"
printf '%-14s %12s %10s %10s\n' path req/s p50 p99
for path in ${PATHS:-/api/plan /plan/kpis /plan /plan/measures/1-1-1 /plan/roadmap /procedures "/procedures?q=%E3%81%B2%E3%81%A3%E3%81%93%E3%81%97" /life-events/death "/life-events/death?asked=1&q_kokuho=yes"}; do
  wrk -t2 -c"$CONNS" -d2s "http://127.0.0.1:$PORT$path" >/dev/null  # warm-up
  out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errs=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
  printf '%-14s %12s %10s %10s %s\n' "$path" "$rps" "$p50" "$p99" "$errs"
done
echo "RSS after load: $(( $(rss) / 1024 )) MB, peak (VmHWM): $(( $(awk '/VmHWM/{print $2}' /proc/$PID/status) / 1024 )) MB"
