#!/usr/bin/env bash
# Soak of a demo server (not a test): a constant arrival rate of catalog searches, shared queries and verifications
# with a system account's key, records pages, signed-in console pages, /metrics and /healthz, with one import and one
# quality run half way through (Benchmarks/soak/soak.py). Prints per minute: requests, errors, p50, p99; the server's
# RSS at start and end. The anchor, measured in the same run: the same server's /healthz alone at the same rate for
# a minute first (the cost of the HTTP path with no work behind it); the soak's p50 is printed as a ratio of it.
#
#   Benchmarks/soak/run.sh [RATE] [MINUTES] [--database postgres://…] [--burst CLIENTS] [--fail]
#
# Defaults: 200 requests/s for 30 minutes on SQLite, a release build. ZHENGSHU_BIN runs another build (CI: the debug
# one). --burst sets the clients of the closed-loop burst half way through (default 24; 0: none). --fail exits 1 on
# any error or a minute whose p99 exceeds 1 s (what CI asks of its 3-minute soak).
set -euo pipefail
cd "$(dirname "$0")/../.."
rate=${1:-200}; minutes=${2:-30}
shift 2 2>/dev/null || shift $# || true
engine=(); fail=(); burst=(--burst 24)
while [ $# -gt 0 ]; do
  case "$1" in
    --database) engine=(--database "$2"); shift 2 ;;
    --burst) burst=(--burst "$2"); shift 2 ;;
    --fail) fail=(--fail); shift ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
python3 -c "import aiohttp" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check aiohttp
datagen=${ZHENGSHU_DATAGEN:-}
for c in "$PWD/../shared/datagen/datagen.py" /work/shared/datagen/datagen.py; do [ -z "$datagen" ] && [ -f "$c" ] && datagen=$c; done
bin=${ZHENGSHU_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product zhengshu >/dev/null 2>&1
  bin=$(swift build -c release --show-bin-path)/zhengshu
fi
work=$(mktemp -d)
port=${ZHENGSHU_SOAK_PORT:-18097}
server=
# A hung server may ignore SIGTERM (one whose threads are all blocked did): SIGKILL after 5 s.
stop() { kill "$1" 2>/dev/null || return 0; for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$1" 2>/dev/null; }
curl -fs -m 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { echo "port $port is taken by another server (ZHENGSHU_SOAK_PORT chooses another)"; rm -rf "$work"; exit 2; }
trap 'status=$?; [ -n "$server" ] && stop $server; if [ $status -ne 0 ] && [ -f "$work/serve.log" ]; then echo "== the server log, last lines"; tail -n 20 "$work/serve.log" | cut -c1-300; fi; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
# Request logs at warning: a soak measures the server, not the disk the log goes to.
ZHENGSHU_LOG_LEVEL=warning "$bin" serve --demo --data "$work/zs" --port "$port" "${engine[@]}" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -fs -m 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs -m 2 "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/serve.log"; exit 1; }
admin=$(awk '$1 == "admin" {print $NF}' "$work/serve.log")
consumer=$(awk '$1 == "mz.consumer" {print $NF}' "$work/serve.log")
echo "== anchor: /healthz alone, $rate requests/s for ${ZHENGSHU_SOAK_ANCHOR_SECONDS:-60} s"
python3 Benchmarks/soak/anchor.py "http://127.0.0.1:$port/healthz" --rate "$rate" --seconds "${ZHENGSHU_SOAK_ANCHOR_SECONDS:-60}" | tee "$work/anchor.txt"
echo "== soak: $rate requests/s for $minutes minutes (${engine[*]:-SQLite})"
python3 Benchmarks/soak/soak.py "http://127.0.0.1:$port" --admin "$admin" --consumer "$consumer" --rate "$rate" --minutes "$minutes" \
    --pid "$server" ${datagen:+--datagen "$datagen"} --json "$work/soak.json" "${burst[@]}" "${fail[@]}" | tee "$work/soak.txt"
status=${PIPESTATUS[0]}
anchor=$(awk '/^p50/ {print $2}' "$work/anchor.txt")
python3 - "$work/soak.json" "$anchor" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); anchor = float(sys.argv[2])
p50 = sorted(m["p50"] for m in s["minutes"])[len(s["minutes"]) // 2] * 1000
print(f"ratio: the soak's median minute p50 {p50:.2f} ms is {p50 / anchor:.1f}x the /healthz anchor's p50 {anchor:.2f} ms")
PY
grep -q "unhandled error\|internal failure" "$work/serve.log" && { echo "the server logged an internal failure:"; grep "unhandled error\|internal failure" "$work/serve.log" | head; exit 1; }
exit "$status"
