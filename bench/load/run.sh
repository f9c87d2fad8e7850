#!/usr/bin/env bash
# Load test (issue 7): 200 concurrent clients against machi's public pages and JSON API on
# loopback, then the public KPI dashboard from machi and the same HTML bytes from nginx as a
# static file, in the same run. Reports req/s, p50/p99, errors, non-2xx, and machi's peak memory.
# Usage: bench/load/run.sh [mixed seconds, default 60] [comparison seconds each, default 30] [clients, default 200]
# Needs wrk and nginx (Debian packages; installed if missing and apt is usable).
set -euo pipefail
cd "$(dirname "$0")/../.."
MIXED=${1:-60}
EACH=${2:-30}
CONNS=${3:-200}
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
command -v nginx >/dev/null || apt-get install -y -qq nginx-light >/dev/null
cargo build --release --quiet
DATA=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
NGINX_PORT=$(free_port)
BIN=target/release/machi
export MACHI_DATA_DIR=$DATA MACHI_PORT=$PORT
$BIN serve >"$DATA/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; [ -f "$DATA/nginx.pid" ] && kill "$(cat "$DATA/nginx.pid")" 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/plan" >/dev/null && break; sleep 0.1; done
for a in "1-1-3 R5 10" "1-1-3 R6 15" "2-2-3 R3 1000000" "2-2-3 R6 900000" "1-1-5 R5 40" "1-1-5 R6 35" "2-3-1 R6 1"; do
  $BIN kpi record $a >/dev/null
done
sleep 1.2

# nginx serves the very bytes machi serves for the KPI dashboard.
mkdir -p "$DATA/www"
curl -sf "http://127.0.0.1:$PORT/plan/kpis" -o "$DATA/www/kpis.html"
chmod 755 "$DATA" "$DATA/www" && chmod 644 "$DATA/www/kpis.html"  # nginx workers run as another user
cat >"$DATA/nginx.conf" <<CONF
worker_processes auto;
pid $DATA/nginx.pid;
error_log $DATA/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  types { text/html html; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $DATA/www;
  }
}
CONF
nginx -c "$DATA/nginx.conf" -p "$DATA"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NGINX_PORT/kpis.html" >/dev/null && break; sleep 0.1; done
cmp <(curl -sf "http://127.0.0.1:$NGINX_PORT/kpis.html") <(curl -sf "http://127.0.0.1:$PORT/plan/kpis") \
  || { echo "nginx does not serve the same bytes" >&2; exit 1; }

report() { # label, wrk output
  local rps p50 p99 errs non2xx
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$2")
  p50=$(awk '$1=="50%"{print $2}' <<<"$2")
  p99=$(awk '$1=="99%"{print $2}' <<<"$2")
  errs=$(awk '/Socket errors/{print $0}' <<<"$2")
  non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$2")
  printf '%-34s %10s req/s  p50 %-9s p99 %-9s non-2xx %-5s %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}" "${errs:-socket errors 0}"
  echo "$rps"  >"$DATA/last_rps"
}
echo "machi $(git rev-parse --short HEAD 2>/dev/null || echo '?') · $(nproc) cores · $CONNS clients · wrk and servers on the same machine"
echo "machi RSS after start: $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )) MB"
out=$(wrk -t2 -c"$CONNS" -d"${MIXED}s" --latency -s bench/load/paths.lua "http://127.0.0.1:$PORT")
report "machi: 15 public pages + JSON (${MIXED}s)" "$out"
out=$(wrk -t2 -c"$CONNS" -d"${EACH}s" --latency "http://127.0.0.1:$PORT/plan/kpis")
report "machi /plan/kpis (${EACH}s)" "$out"
MACHI_RPS=$(cat "$DATA/last_rps")
out=$(wrk -t2 -c"$CONNS" -d"${EACH}s" --latency "http://127.0.0.1:$NGINX_PORT/kpis.html")
report "nginx kpis.html, same bytes (${EACH}s)" "$out"
NGINX_RPS=$(cat "$DATA/last_rps")
echo "machi / nginx throughput: $(python3 -c "print(f'{$MACHI_RPS / $NGINX_RPS:.0%}')")"
echo "machi RSS peak (VmHWM): $(( $(awk '/VmHWM/{print $2}' /proc/$PID/status) / 1024 )) MB"
