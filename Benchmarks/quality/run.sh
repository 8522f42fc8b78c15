#!/usr/bin/env bash
# Quality-run benchmark (not a test): N datagen `population` rows with 5 % injected defects are loaded into a resource
# (every item required, no key, every default rule a flag so every row lands), then `zhengshu quality run` checks the
# stored rows with the default rules and prints rows/s and rule checks/s (target: 5,000,000 rule checks/s per core).
#
#   Benchmarks/quality/run.sh [ROWS] [--database postgres://…]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
shift || true
engine=()
[ "${1:-}" = "--database" ] && engine=(--database "$2")
datagen=${ZHENGSHU_DATAGEN:-}
for c in "$PWD/../shared/datagen/datagen.py" /work/shared/datagen/datagen.py; do [ -z "$datagen" ] && [ -f "$c" ] && datagen=$c; done
[ -n "$datagen" ] || { echo "datagen.py not found; set ZHENGSHU_DATAGEN"; exit 2; }
swift build -c release --product zhengshu >/dev/null 2>&1
bin=$(swift build -c release --show-bin-path)/zhengshu
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
echo "generating $rows population rows with 5 % defects …"
python3 "$datagen" population --rows "$rows" --seed 7 --defects 0.05 --labels "$work/labels.csv" > "$work/population.csv"

"$bin" serve --demo --data "$work/zs" --port 18097 "${engine[@]}" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18097/healthz >/dev/null 2>&1 && break; sleep 0.2; done
token=$(awk '$1 == "admin" {print $NF}' "$work/serve.log")
api() { curl -fs -o "$work/out.json" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
python3 - > "$work/resource.json" <<'PY'
import json
r = json.load(open("Benchmarks/ingest/population-resource.json"))
r["code"] = "QUAL-POP"
for i in r["items"]:
    i["required"] = True
    i.pop("key", None)
print(json.dumps(r, ensure_ascii=False))
PY
api --data-binary @"$work/resource.json" http://127.0.0.1:18097/api/v1/resources
api -X POST http://127.0.0.1:18097/api/v1/resources/QUAL-POP/publish
api http://127.0.0.1:18097/api/v1/resources/QUAL-POP/quality/rules
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); [r.update(severity='flag') for r in d['items']]; print(json.dumps({'items': d['items']}))" \
    "$work/out.json" > "$work/rules.json"
api -X PUT --data-binary @"$work/rules.json" http://127.0.0.1:18097/api/v1/resources/QUAL-POP/quality/rules
kill $server; wait $server 2>/dev/null || true
"$bin" import QUAL-POP "$work/population.csv" --mode replace --data "$work/zs" "${engine[@]}"
"$bin" quality run QUAL-POP --data "$work/zs" "${engine[@]}"
[ -n "${KEEP:-}" ] && echo "kept $work"
echo "(labels: $(($(wc -l < "$work/labels.csv") - 1)) injected defects)"
