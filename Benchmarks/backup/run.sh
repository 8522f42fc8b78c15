#!/usr/bin/env bash
# Backup and restore benchmark (not a test): an installation holding ROWS datagen population rows (one published
# resource, loaded with `zhengshu import`) is backed up with `zhengshu backup` (VACUUM INTO snapshot, encryption,
# manifest), checked with `zhengshu backup verify` and restored with `zhengshu restore` (decryption, every digest,
# the restored database's integrity check and row counts, then the audit-chain check). The anchor, in the same run
# on the same database: the sqlite3 shell's `.backup` into a new file (no encryption, no check).
#
#   Benchmarks/backup/run.sh [ROWS]        (default 1000000; ZHENGSHU_BIN=path runs another build)
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed for the anchor (apt-get install -y sqlite3)"; exit 2; }
datagen=${ZHENGSHU_DATAGEN:-}
for c in "$PWD/../shared/datagen/datagen.py" /work/shared/datagen/datagen.py; do [ -z "$datagen" ] && [ -f "$c" ] && datagen=$c; done
[ -n "$datagen" ] || { echo "datagen.py not found; set ZHENGSHU_DATAGEN"; exit 2; }
bin=${ZHENGSHU_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product zhengshu >/dev/null 2>&1
  bin=$(swift build -c release --show-bin-path)/zhengshu
fi
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
echo "generating $rows population rows …"
python3 "$datagen" population --rows "$rows" --seed 5 > "$work/population.csv"
"$bin" serve --demo --data "$work/zs" --port 18097 >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18097/healthz >/dev/null 2>&1 && break; sleep 0.2; done
token=$(awk '$1 == "admin" {print $NF}' "$work/serve.log")
python3 -c "import json; d = json.load(open('Benchmarks/ingest/population-resource.json')); d['code'] = 'BB-POP'; print(json.dumps(d, ensure_ascii=False))" > "$work/pop.json"
curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary @"$work/pop.json" http://127.0.0.1:18097/api/v1/resources
curl -fsS -o /dev/null -H "Authorization: Bearer $token" -X POST http://127.0.0.1:18097/api/v1/resources/BB-POP/publish
kill $server; wait $server 2>/dev/null || true
"$bin" import BB-POP "$work/population.csv" --mode replace --data "$work/zs" >/dev/null
rm -f "$work/population.csv"
size=$(stat -c %s "$work/zs/zhengshu.sqlite")
export ZHENGSHU_BACKUP_KEY_FILE="$work/backup.key"

seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
t0=$(date +%s.%N); sqlite3 "$work/zs/zhengshu.sqlite" ".backup '$work/anchor.sqlite'"; t1=$(date +%s.%N)
anchor=$(seconds "$t0" "$t1")
t0=$(date +%s.%N); "$bin" backup --data "$work/zs" --to "$work/b.zsbackup" >/dev/null; t1=$(date +%s.%N)
backup=$(seconds "$t0" "$t1")
t0=$(date +%s.%N); "$bin" backup verify "$work/b.zsbackup" >/dev/null; t1=$(date +%s.%N)
verify=$(seconds "$t0" "$t1")
t0=$(date +%s.%N); "$bin" restore "$work/b.zsbackup" --data "$work/restored" >/dev/null; t1=$(date +%s.%N)
restore=$(seconds "$t0" "$t1")
archive=$(stat -c %s "$work/b.zsbackup")
python3 - "$rows" "$size" "$archive" "$anchor" "$backup" "$verify" "$restore" <<'PY'
import sys
rows, size, archive = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
anchor, backup, verify, restore = map(float, sys.argv[4:8])
print(f"{rows} rows, database {size / 2**20:.0f} MiB, archive {archive / 2**20:.0f} MiB")
print(f"sqlite3 .backup (anchor)   {anchor:7.2f} s")
print(f"zhengshu backup            {backup:7.2f} s   ratio {backup / max(anchor, 0.01):.1f}")
print(f"zhengshu backup verify     {verify:7.2f} s   ratio {verify / max(anchor, 0.01):.1f}")
print(f"zhengshu restore           {restore:7.2f} s   ratio {restore / max(anchor, 0.01):.1f}  (with the audit-chain check)")
PY
