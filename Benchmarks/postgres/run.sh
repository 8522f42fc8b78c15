#!/usr/bin/env bash
# PostgreSQL benchmark (not a test), on a throwaway cluster with fsync on (port 55433):
#
#   Benchmarks/postgres/run.sh [ROWS] [--seconds S]
#
# (1) Ingest: N datagen `population` rows loaded (a) by `zhengshu import --database` (release build, validation on,
#     mode replace: COPY into a staging table, unique key index, swap) and (b) by `psql -c "\copy … csv header"` into a
#     plain table of the same shape (gmsfhm text PRIMARY KEY): rows/s and the ratio (target >= 0.9x).
# (2) Queries: the records API (a filtered, sorted page of 20 records by a consumer-facing query) served by one node on
#     PostgreSQL and by one node on SQLite holding the same rows, driven by wrk (4 connections, S seconds each):
#     requests/s and p99 latency.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
shift || true
seconds=15
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        *) echo "unknown option $1"; exit 2 ;;
    esac
done
datagen=${ZHENGSHU_DATAGEN:-}
for c in "$PWD/../shared/datagen/datagen.py" /work/shared/datagen/datagen.py; do [ -z "$datagen" ] && [ -f "$c" ] && datagen=$c; done
[ -n "$datagen" ] || { echo "datagen.py not found; set ZHENGSHU_DATAGEN"; exit 2; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

export ZHENGSHU_PG_DIR=/tmp/zhengshu-pg-bench ZHENGSHU_PG_PORT=55433 ZHENGSHU_PG_FSYNC=on
server_url=$(Scripts/postgres-throwaway.sh)
export PGPASSWORD=zhengshu-test
psql_cmd=(psql -q -h 127.0.0.1 -p 55433 -U zhengshu)
swift build -c release --product zhengshu >/dev/null 2>&1
bin=$(swift build -c release --show-bin-path)/zhengshu
work=$(mktemp -d)
cleanup() { kill "${server:-}" 2>/dev/null || true; rm -rf "$work"; Scripts/postgres-throwaway.sh stop; }
trap cleanup EXIT

echo "generating $rows population rows with datagen.py …"
csv=$work/population.csv
python3 "$datagen" population --rows "$rows" --seed 7 > "$csv"
echo "file: $((($(stat -c %s "$csv")) / 1048576)) MiB"
now() { date +%s.%N; }
"${psql_cmd[@]}" postgres -c "CREATE DATABASE zs_bench" -c "CREATE DATABASE anchor"
url="postgres://zhengshu:zhengshu-test@127.0.0.1:55433/zs_bench?sslmode=disable"

# A platform on PostgreSQL with a published resource shaped like datagen's file.
setup() {  # extra serve arguments…
    "$bin" serve --demo --port 18098 "$@" >"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18098/healthz >/dev/null 2>&1 && break; sleep 0.2; done
    token=$(awk '$1 == "admin" {print $NF}' "$work/serve.log")
    curl -fs -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        --data-binary @Benchmarks/ingest/population-resource.json http://127.0.0.1:18098/api/v1/resources || true  # 409 once it exists
    curl -fs -o /dev/null -X POST -H "Authorization: Bearer $token" http://127.0.0.1:18098/api/v1/resources/BENCH-POP/publish || true
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

setup --database "$url" --data "$work/pg-node"
stop_server
start=$(now)
/usr/bin/time -f "%M" -o "$work/rss" "$bin" import BENCH-POP "$csv" --mode replace --database "$url" --data "$work/pg-node" > "$work/import.log" || true
end=$(now)
zs_s=$(python3 -c "print($end - $start)")
cat "$work/import.log"

"${psql_cmd[@]}" anchor -c "CREATE TABLE population (gmsfhm text PRIMARY KEY, xm text, xb text, csrq text, mz text, hjdz text, lxdh text, djrq text)"
start=$(now)
"${psql_cmd[@]}" anchor -c "\\copy population FROM '$csv' csv header"
end=$(now)
pg_s=$(python3 -c "print($end - $start)")
pg_rows=$("${psql_cmd[@]}" -At anchor -c "SELECT COUNT(*) FROM population")
# Bytes per row on disk, table and indexes, for the capacity estimate in docs/scaling.md.
size=$("${psql_cmd[@]}" -At zs_bench -c "SELECT pg_total_relation_size('rec_' || id) FROM resource WHERE code = 'BENCH-POP'")
echo "records table with indexes: $((size / 1048576)) MiB, $((size / rows)) bytes per row"

python3 - "$rows" "$zs_s" "$pg_s" "$pg_rows" "$(( $(cat "$work/rss") / 1024 ))" <<'PY'
import sys
rows, zs, pg, pg_rows, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print()
print(f"ingest, {rows:,} rows   (psql loaded {pg_rows:,})")
print(f"(a) zhengshu import --database, validation on : {zs:7.2f} s  {rows/zs:10,.0f} rows/s   peak RSS {rss} MB")
print(f"(b) psql \\copy (anchor)                       : {pg:7.2f} s  {rows/pg:10,.0f} rows/s")
print(f"ratio zhengshu / psql \\copy                   : {pg/zs:.2f}x  (target >= 0.9x)")
PY

# Queries: the same rows behind one node on each engine.
query="/api/v1/resources/BENCH-POP/records?fields=gmsfhm,xm,csrq&filter=xb:eq:2&filter=csrq:ge:1990-01-01&sort=-gmsfhm&limit=20"
bench_queries() {  # label
    cat > "$work/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
    wrk -t2 -c4 -d"${seconds}s" --latency -s "$work/auth.lua" "http://127.0.0.1:18098$query" > "$work/wrk-$1.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk-$1.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk-$1.txt")
    printf "%-10s : %10s requests/s   p99 %s\n" "$1" "$rps" "$p99"
}
echo
echo "records API, filtered and sorted page of 20 ($seconds s, 4 connections)"
setup --database "$url" --data "$work/pg-node"
bench_queries postgres
stop_server
setup --data "$work/sqlite-node"
stop_server
"$bin" import BENCH-POP "$csv" --mode replace --data "$work/sqlite-node" > /dev/null
setup --data "$work/sqlite-node"
bench_queries sqlite
stop_server
