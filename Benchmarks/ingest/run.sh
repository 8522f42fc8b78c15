#!/usr/bin/env bash
# Ingestion benchmark (not a test): loads N datagen `population` rows three ways in one run and prints rows/s and
# ratios against the anchor, the sqlite3 shell's `.import --csv` into a table of the same shape (same primary key).
#
#   Benchmarks/ingest/run.sh [ROWS] [--rss-check ROWS2] [--skip-sqlite-utils]
#
# (a) zhengshu import (release build) into a published resource with validation on (GB 11643 check of gmsfhm,
#     mobile, sex and ethnic-group code lists, dates), mode replace;
# (b) sqlite3 .import --csv into a plain table with `gmsfhm TEXT PRIMARY KEY`, in a new database file;
# (c) sqlite-utils insert --csv (PyPI), same table shape.
# Prints zhengshu's peak RSS (from /usr/bin/time); with --rss-check it also loads ROWS2 rows to show memory stays flat.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
shift || true
rss_rows=""
skip_utils=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rss-check) rss_rows=$2; shift 2 ;;
        --skip-sqlite-utils) skip_utils=1; shift ;;
        *) echo "unknown option $1"; exit 2 ;;
    esac
done
datagen=${ZHENGSHU_DATAGEN:-}
for c in "$PWD/../shared/datagen/datagen.py" /work/shared/datagen/datagen.py; do [ -z "$datagen" ] && [ -f "$c" ] && datagen=$c; done
[ -n "$datagen" ] || { echo "datagen.py not found; set ZHENGSHU_DATAGEN"; exit 2; }
command -v sqlite3 >/dev/null || { echo "install sqlite3 (apt-get install -y sqlite3)"; exit 2; }
[ -n "$skip_utils" ] || command -v sqlite-utils >/dev/null || python3 -m pip install -q sqlite-utils

swift build -c release --product zhengshu >/dev/null
bin=$(swift build -c release --show-bin-path)/zhengshu
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

gen() {  # rows file
    [ -f "$2" ] || python3 "$datagen" population --rows "$1" --seed 7 > "$2"
}
echo "generating $rows population rows with datagen.py …"
csv=$work/population-$rows.csv
gen "$rows" "$csv"
bytes=$(stat -c %s "$csv")
echo "file: $csv ($((bytes / 1048576)) MiB)"

# A data folder with a published resource whose items are datagen's columns.
setup_zhengshu() {  # data dir
    "$bin" serve --demo --data "$1" --port 18099 >"$1.log" 2>&1 &
    server=$!
    for _ in $(seq 1 50); do curl -fs http://127.0.0.1:18099/healthz >/dev/null 2>&1 && break; sleep 0.2; done
    local token
    token=$(awk '$1 == "admin" {print $NF}' "$1.log")
    curl -fs -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        --data-binary @Benchmarks/ingest/population-resource.json http://127.0.0.1:18099/api/v1/resources
    curl -fs -o /dev/null -X POST -H "Authorization: Bearer $token" http://127.0.0.1:18099/api/v1/resources/BENCH-POP/publish
    kill $server; wait $server 2>/dev/null || true
}

seconds() { python3 -c "import sys; print(f'{float(sys.argv[1]):.2f}')" "$1"; }
now() { date +%s.%N; }

# (a) zhengshu
setup_zhengshu "$work/zs"
start=$(now)
/usr/bin/time -f "%M" -o "$work/rss" "$bin" import BENCH-POP "$csv" --mode replace --data "$work/zs" > "$work/zs-import.log" || true
end=$(now)
zs_s=$(python3 -c "print($end - $start)")
zs_rss=$(( $(cat "$work/rss") / 1024 ))
cat "$work/zs-import.log"

# (b) sqlite3 shell
schema="CREATE TABLE population (gmsfhm TEXT PRIMARY KEY, xm TEXT, xb TEXT, csrq TEXT, mz TEXT, hjdz TEXT, lxdh TEXT, djrq TEXT);"
sqlite3 "$work/anchor.sqlite" "$schema"
start=$(now)
sqlite3 "$work/anchor.sqlite" ".import --csv --skip 1 $csv population"
end=$(now)
sq_s=$(python3 -c "print($end - $start)")
sq_rows=$(sqlite3 "$work/anchor.sqlite" "SELECT COUNT(*) FROM population")

# (c) sqlite-utils
if [ -z "$skip_utils" ]; then
    sqlite3 "$work/utils.sqlite" "$schema"
    start=$(now)
    sqlite-utils insert "$work/utils.sqlite" population "$csv" --csv >/dev/null
    end=$(now)
    su_s=$(python3 -c "print($end - $start)")
fi

python3 - "$rows" "$zs_s" "$sq_s" "${su_s:-0}" "$zs_rss" "$sq_rows" <<'PY'
import sys
rows, zs, sq, su, rss, sq_rows = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print()
print(f"rows: {rows:,}   (sqlite3 loaded {sq_rows:,})")
print(f"(a) zhengshu import, validation on : {zs:7.2f} s  {rows/zs:>10,.0f} rows/s   peak RSS {rss} MB")
print(f"(b) sqlite3 .import (anchor)        : {sq:7.2f} s  {rows/sq:>10,.0f} rows/s")
if su > 0:
    print(f"(c) sqlite-utils insert --csv       : {su:7.2f} s  {rows/su:>10,.0f} rows/s")
print(f"ratio zhengshu / sqlite3 .import    : {sq/zs:.2f}x  (target >= 1.5x)")
if su > 0:
    print(f"ratio zhengshu / sqlite-utils       : {su/zs:.2f}x")
PY

if [ -n "$rss_rows" ]; then
    big=$work/population-$rss_rows.csv
    echo "generating $rss_rows rows for the memory check …"
    gen "$rss_rows" "$big"
    setup_zhengshu "$work/zs-big"
    /usr/bin/time -f "%M" -o "$work/rss-big" "$bin" import BENCH-POP "$big" --mode replace --data "$work/zs-big" > /dev/null || true
    echo "peak RSS: $zs_rss MB for $rows rows, $(( $(cat "$work/rss-big") / 1024 )) MB for $rss_rows rows"
fi
