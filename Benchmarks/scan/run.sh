#!/usr/bin/env bash
# Discovery benchmark (not a test): `zhengshu scan` over a ROWS-row datagen population CSV, next to ripgrep running
# the same kinds of patterns over the same file without any checksum validation (the anchor), in the same run.
# Prints MB/s of each and the ratio (target: zhengshu >= 0.5x ripgrep while validating checksums).
#
#   Benchmarks/scan/run.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
datagen=${ZHENGSHU_DATAGEN:-}
for c in "$PWD/../shared/datagen/datagen.py" /work/shared/datagen/datagen.py; do [ -z "$datagen" ] && [ -f "$c" ] && datagen=$c; done
[ -n "$datagen" ] || { echo "datagen.py not found; set ZHENGSHU_DATAGEN"; exit 2; }
command -v rg >/dev/null || apt-get install -y ripgrep >/dev/null
swift build -c release --product zhengshu >/dev/null
bin=$(swift build -c release --show-bin-path)/zhengshu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
csv=$work/population.csv
echo "generating $rows population rows with datagen.py …"
python3 "$datagen" population --rows "$rows" --seed 7 > "$csv"
mb=$(python3 -c "import os,sys; print(os.path.getsize(sys.argv[1]) / 1e6)" "$csv")
now() { date +%s.%N; }

t0=$(now); "$bin" scan "$csv" > "$work/scan.txt"; t1=$(now)
# The same kinds as the scanner, as plain patterns: citizen ID, credit code, bank card, mobile, landline, e-mail,
# passport and HK/Macao permit, licence plate, IPv4, address, a 2-4 character name.
t2=$(now)
rg -c -e '[0-9]{17}[0-9X]' -e '[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}' -e '[0-9]{16,19}' -e '1[3-9][0-9]{9}' \
   -e '0[0-9]{2,3}-?[0-9]{7,8}' -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}' -e '[EGDSP][0-9]{8}' -e '[HM][0-9]{8}' \
   -e '[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}' -e '([0-9]{1,3}\.){3}[0-9]{1,3}' \
   -e '(省|市|区|县).*(路|街|号|村)' -e ',[\p{Han}]{2,4},' "$csv" > "$work/rg.txt"
t3=$(now)
cat "$work/scan.txt"
python3 - "$mb" "$t0" "$t1" "$t2" "$t3" <<'PY'
import sys
mb, t0, t1, t2, t3 = map(float, sys.argv[1:])
z, r = mb / (t1 - t0), mb / (t3 - t2)
print(f"zhengshu scan (checksums validated): {t1 - t0:6.2f} s  {z:7.1f} MB/s")
print(f"ripgrep, same patterns (anchor)    : {t3 - t2:6.2f} s  {r:7.1f} MB/s")
print(f"ratio zhengshu / ripgrep           : {z / r:.2f}x  (target >= 0.5x)")
PY
