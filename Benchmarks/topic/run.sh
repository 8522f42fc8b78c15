#!/usr/bin/env bash
# Topic materialisation benchmark (not a test): datagen enterprises, population and social-insurance payments
# generated with one seed (the same people in all three) are loaded into three resources; a topic joins each
# enterprise with its legal representative's population record and payments, grouped by enterprise, and
# `zhengshu topic materialise` runs it. The anchor, in the same run: sqlite3 with the same three CSV files imported
# and indexed on the join key, running the same LEFT JOIN … GROUP BY into a table (CREATE TABLE … AS SELECT; the
# import is not timed). Prints both times and the ratio.
#
#   Benchmarks/topic/run.sh [ENTERPRISES] [PEOPLE] [PAYMENTS] [--database postgres://…]
set -euo pipefail
cd "$(dirname "$0")/../.."
firms=${1:-100000}; people=${2:-200000}; payments=${3:-1000000}
shift 3 2>/dev/null || shift $# || true
engine=()
[ "${1:-}" = "--database" ] && engine=(--database "$2")
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed for the anchor (apt-get install -y sqlite3)"; exit 2; }
datagen=${ZHENGSHU_DATAGEN:-}
for c in "$PWD/../shared/datagen/datagen.py" /work/shared/datagen/datagen.py; do [ -z "$datagen" ] && [ -f "$c" ] && datagen=$c; done
[ -n "$datagen" ] || { echo "datagen.py not found; set ZHENGSHU_DATAGEN"; exit 2; }
# ZHENGSHU_BIN runs another build (a debug one, to try the script quickly).
bin=${ZHENGSHU_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product zhengshu >/dev/null 2>&1
  bin=$(swift build -c release --show-bin-path)/zhengshu
fi
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
echo "generating $firms enterprises, $people people, $payments payments (seed 11) …"
python3 "$datagen" population --rows "$people" --seed 11 --people "$people" > "$work/population.csv"
python3 "$datagen" enterprise --rows "$firms" --seed 11 --people "$people" > "$work/enterprise.csv"
python3 "$datagen" social --rows "$payments" --seed 11 --people "$people" > "$work/social.csv"

"$bin" serve --demo --data "$work/zs" --port 18098 "${engine[@]}" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18098/healthz >/dev/null 2>&1 && break; sleep 0.2; done
token=$(awk '$1 == "admin" {print $NF}' "$work/serve.log")
api() { curl -fsS -o "$work/out.json" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
pop = json.load(open("Benchmarks/ingest/population-resource.json"))
pop.update(code="BT-POP")
ent = {"code": "BT-ENT", "name": "企业法人登记信息（基准）", "department": "C-SCJG", "category": "法人", "shareType": "conditional", "shareCondition": "基准测试",
       "items": [{"name": "tyshxydm", "label": "统一社会信用代码", "type": "string", "length": 18, "key": True, "dataElement": "credit_code"},
                 {"name": "qymc", "label": "企业名称", "type": "string", "length": 200}, {"name": "fddbr", "label": "法定代表人", "type": "string", "length": 50},
                 {"name": "fddbrsfzh", "label": "法定代表人身份证号", "type": "string", "length": 18, "dataElement": "citizen_id"},
                 {"name": "zczb", "label": "注册资本", "type": "decimal"}, {"name": "clrq", "label": "成立日期", "type": "date"},
                 {"name": "jyzt", "label": "经营状态", "type": "string", "length": 10}, {"name": "xzqhdm", "label": "行政区划代码", "type": "string", "length": 6},
                 {"name": "zcdz", "label": "注册地址", "type": "string", "length": 200}]}
soc = {"code": "BT-SOC", "name": "社会保险缴费记录（基准）", "department": "C-RS", "category": "社会保障", "shareType": "conditional", "shareCondition": "基准测试",
       "items": [{"name": "gmsfhm", "label": "公民身份号码", "type": "string", "length": 18, "dataElement": "citizen_id"},
                 {"name": "xm", "label": "姓名", "type": "string", "length": 50}, {"name": "dwxydm", "label": "单位统一社会信用代码", "type": "string", "length": 18},
                 {"name": "jfny", "label": "缴费年月", "type": "string", "length": 6}, {"name": "jfjs", "label": "缴费基数", "type": "decimal"},
                 {"name": "jfje", "label": "缴费金额", "type": "decimal"}, {"name": "yhkh", "label": "银行卡号", "type": "string", "length": 19}]}
topic = {"code": "BT-TOPIC", "name": "企业法人信用主题库（基准）", "category": "信用体系", "shareType": "conditional", "shareCondition": "基准测试",
         "query": {"from": "BT-ENT", "as": "ent",
                   "joins": [{"resource": "BT-POP", "as": "rep", "kind": "left", "on": [{"left": "ent.fddbrsfzh", "right": "gmsfhm"}]},
                             {"resource": "BT-SOC", "as": "pay", "kind": "left", "on": [{"left": "ent.fddbrsfzh", "right": "gmsfhm"}]}],
                   "columns": [{"name": "tyshxydm", "from": "ent.tyshxydm"}, {"name": "qymc", "from": "ent.qymc"},
                               {"name": "fddbrxm", "label": "法定代表人户籍姓名", "from": "rep.xm"},
                               {"name": "jfys", "label": "缴费记录数", "aggregate": "count", "from": "pay.jfny"},
                               {"name": "jfze", "label": "缴费总额", "aggregate": "sum", "from": "pay.jfje"}]}}
for name, doc in [("pop", pop), ("ent", ent), ("soc", soc), ("topic", topic)]:
    json.dump(doc, open(f"{work}/{name}.json", "w"), ensure_ascii=False)
PY
api -X POST --data-binary '{"code":"C-RS","name":"市人力社保局","level":"city"}' http://127.0.0.1:18098/api/v1/departments 2>/dev/null || true   # the demo has it
for r in pop ent soc; do
  api --data-binary @"$work/$r.json" http://127.0.0.1:18098/api/v1/resources
  code=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['code'])" "$work/$r.json")
  api -X POST http://127.0.0.1:18098/api/v1/resources/$code/publish
done
kill $server; wait $server 2>/dev/null || true
"$bin" import BT-POP "$work/population.csv" --mode replace --data "$work/zs" "${engine[@]}"
"$bin" import BT-ENT "$work/enterprise.csv" --mode replace --data "$work/zs" "${engine[@]}"
"$bin" import BT-SOC "$work/social.csv" --mode replace --data "$work/zs" "${engine[@]}"
"$bin" serve --data "$work/zs" --port 18098 "${engine[@]}" >"$work/serve2.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18098/healthz >/dev/null 2>&1 && break; sleep 0.2; done
api --data-binary @"$work/topic.json" http://127.0.0.1:18098/api/v1/topics
kill $server; wait $server 2>/dev/null || true

start=$(date +%s.%N)
${PROFILE:+perf record -g -o "$work/perf.data"} "$bin" topic materialise BT-TOPIC --data "$work/zs" "${engine[@]}" | tee "$work/topic.out"
[ -n "${PROFILE:-}" ] && perf report -i "$work/perf.data" --no-children --percent-limit 1.5 --stdio 2>/dev/null | grep -v "^$" | head -60 > "${PROFILE}"
ours=$(echo "$(date +%s.%N) - $start" | bc)

sqlite3 "$work/anchor.db" <<SQL
.mode csv
.import $work/population.csv pop
.import $work/enterprise.csv ent
.import $work/social.csv soc
CREATE INDEX pop_id ON pop (gmsfhm);
CREATE INDEX soc_id ON soc (gmsfhm);
SQL
start=$(date +%s.%N)
sqlite3 "$work/anchor.db" <<SQL
CREATE TABLE topic AS
  SELECT ent.tyshxydm, ent.qymc, rep.xm AS fddbrxm, count(pay.jfny) AS jfys, sum(CAST(pay.jfje AS REAL)) AS jfze
  FROM ent LEFT JOIN pop AS rep ON rep.gmsfhm = ent.fddbrsfzh LEFT JOIN soc AS pay ON pay.gmsfhm = ent.fddbrsfzh
  GROUP BY ent.tyshxydm, ent.qymc, rep.xm;
SQL
anchor=$(echo "$(date +%s.%N) - $start" | bc)
echo "anchor rows: $(sqlite3 "$work/anchor.db" 'SELECT count(*) FROM topic')"
printf 'zhengshu topic materialise: %.2f s; sqlite3 CREATE TABLE AS SELECT (same join over the imported files, indexed): %.2f s; ratio %.2f\n' "$ours" "$anchor" "$(echo "$ours / $anchor" | bc -l)"
[ -n "${KEEP:-}" ] && echo "kept $work"
