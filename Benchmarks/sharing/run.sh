#!/usr/bin/env bash
# Shared-query benchmark (not a test): masked, granted, audited reads of a ROWS-row population resource at CONNECTIONS
# concurrent connections with wrk, next to two anchors measured in the same run on the same machine:
#   (a) the same zhengshu server's GET /healthz (the HTTP stack alone);
#   (b) Datasette (PyPI) serving the same rows from a SQLite table through its JSON API.
# Prints requests/s, p50 and p99 latency, and the ratios.
#
#   Benchmarks/sharing/run.sh [ROWS] [CONNECTIONS] [SECONDS]
#
# The zhengshu request: GET /api/v1/share/BENCH-POP/records?limit=10&cursor=… with a system account's key: the grant
# is checked, four of eight items are masked, the call counts against the grant's quota and appends a hash-chained
# audit entry before the answer is sent. The Datasette request: GET /bench/population.json?_size=10&_next=… (the same
# page size, paging by rowid; no count, facets or facet suggestions: Datasette's fastest form of that page). Both walk
# forward through the table, a new page each request.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
connections=${2:-32}
duration=${3:-20}
datagen=${ZHENGSHU_DATAGEN:-}
for c in "$PWD/../shared/datagen/datagen.py" /work/shared/datagen/datagen.py; do [ -z "$datagen" ] && [ -f "$c" ] && datagen=$c; done
[ -n "$datagen" ] || { echo "datagen.py not found; set ZHENGSHU_DATAGEN"; exit 2; }
command -v wrk >/dev/null || { echo "install wrk (apt-get install -y wrk)"; exit 2; }
command -v sqlite3 >/dev/null || { echo "install sqlite3 (apt-get install -y sqlite3)"; exit 2; }
command -v datasette >/dev/null || python3 -m pip install -q datasette

swift build -c release --product zhengshu >/dev/null
bin=$(swift build -c release --show-bin-path)/zhengshu
work=$(mktemp -d)
server=""
datasette_pid=""
trap 'kill $server $datasette_pid 2>/dev/null || true; rm -rf "$work"' EXIT
port=18098
api=http://127.0.0.1:$port/api/v1

echo "generating $rows population rows with datagen.py …"
csv=$work/population.csv
python3 "$datagen" population --rows "$rows" --seed 7 > "$csv"

# zhengshu: the demo installation, a published unconditional resource with the rows, a grant to the civil affairs
# bureau (query, quota large enough for the run) and its system account's key.
data=$work/data
start() {
    "$bin" serve --demo --data "$data" --port $port >"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
}
start
admin=$(awk '$1 == "admin" {print $NF}' "$work/serve.log")
consumer=$(awk '$1 == "mz.consumer" {print $NF}' "$work/serve.log")
sed 's/"shareType":"conditional","shareCondition":"基准测试"/"shareType":"unconditional","sensitivity":"L3"/' Benchmarks/ingest/population-resource.json > "$work/resource.json"
curl -fs -o /dev/null -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' --data-binary @"$work/resource.json" "$api/resources"
curl -fs -o /dev/null -X POST -H "Authorization: Bearer $admin" "$api/resources/BENCH-POP/publish"
kill $server; wait $server 2>/dev/null || true
"$bin" import BENCH-POP "$csv" --mode replace --data "$data" | tail -1
start
admin=$(awk '$1 == "admin" {print $NF}' "$work/serve.log")
consumer=$(awk '$1 == "mz.consumer" {print $NF}' "$work/serve.log")
key=$(awk '$1 ~ /^system:C-MZ/ {print $NF}' "$work/serve.log")
application=$(curl -fs -H "Authorization: Bearer $consumer" -H 'Content-Type: application/json' "$api/applications" --data-binary \
    '{"resource":"BENCH-POP","items":["gmsfhm","xm","xb","csrq","mz","hjdz","lxdh","djrq"],"purpose":"基准测试","legalBasis":"基准测试"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fs -o /dev/null -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' "$api/applications/$application/decision" \
    --data-binary '{"approve":true,"terms":{"callsPerDay":10000000,"rowsPerDay":1000000000}}'

# Datasette over the same rows: the sqlite3 shell imports the CSV into bench.db.
sqlite3 "$work/bench.db" ".import --csv $csv population"
# Immutable (-i): Datasette counts the table once instead of on every page, its fastest way to serve a read-only file.
datasette serve -i "$work/bench.db" --port 18097 --setting sql_time_limit_ms 5000 >"$work/datasette.log" 2>&1 &
datasette_pid=$!
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18097/-/versions.json >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs -o /dev/null 'http://127.0.0.1:18097/bench/population.json?_size=10&_nocount=1&_nofacet=1&_nosuggest=1'

# Each wrk thread walks forward through the table, taking the next page's cursor from each answer.
cat > "$work/walk.lua" <<'LUA'
local path, token, style = nil, nil, nil
local next_page = nil
function init(args) path = args[1]; token = args[2]; style = args[3] end
function request()
  local p = path
  if next_page then p = p .. (style == "zhengshu" and "&cursor=" or "&_next=") .. next_page end
  local headers = {}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", p, headers)
end
function response(status, headers, body)
  if status ~= 200 then next_page = nil; return end
  local key = style == "zhengshu" and '"nextCursor":"([^"]+)"' or '"next": ?"([^"]+)"'
  next_page = string.match(body, key)
end
LUA

bench() {  # name url-base path token style
    local out
    out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/walk.lua" "$2" -- "$3" "$4" "$5")
    local rps p50 p99 non2xx
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    printf "%-44s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n" "$1" "$rps" "$p50" "$p99" "${non2xx:-0}" >&2
    echo "$out" | grep -E 'Socket errors' >&2 || true
    echo "$rps"
}
echo "== $rows rows, $connections connections, ${duration}s each"
healthz=$(bench "zhengshu GET /healthz (anchor a)" "http://127.0.0.1:$port" "/healthz?" "" plain)
shared=$(bench "zhengshu masked shared query, audited" "http://127.0.0.1:$port" "/api/v1/share/BENCH-POP/records?limit=10" "$key" zhengshu)
datasette=$(bench "Datasette JSON API (anchor b)" "http://127.0.0.1:18097" "/bench/population.json?_size=10&_nocount=1&_nofacet=1&_nosuggest=1" "" datasette)
python3 - "$shared" "$healthz" "$datasette" <<'PY'
import sys
shared, healthz, datasette = map(float, sys.argv[1:])
print(f"shared query / Datasette: {shared / datasette:.1f}x   shared query / healthz: {shared / healthz:.2f}x")
PY
entries=$(curl -fs -H "Authorization: Bearer $admin" "$api/overview" | python3 -c 'import json,sys; print(json.load(sys.stdin)["auditEntries"])')
echo "audit entries after the run: $entries"
kill $server; wait $server 2>/dev/null || true
"$bin" audit verify --data "$data"
