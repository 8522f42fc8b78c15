#!/usr/bin/env bash
# Discovery benchmark (not a test): `zhengshu scan` over a ROWS-row datagen population CSV, next to ripgrep running
# the same kinds of patterns over the same file without any checksum validation (the anchor), in the same run.
# Prints MB/s of each and the ratio (target: zhengshu >= 0.5x ripgrep while validating checksums).
# The anchor counts every match (`--count-matches`), as the scan classifies every field; `rg -c` (shown for
# reference) stops at the first match of each line and so looks at a fraction of the text.
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
patterns=(-e '[0-9]{17}[0-9X]' -e '[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}' -e '[0-9]{16,19}' -e '1[3-9][0-9]{9}' \
   -e '0[0-9]{2,3}-?[0-9]{7,8}' -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}' -e '[EGDSP][0-9]{8}' -e '[HM][0-9]{8}' \
   -e '[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}' -e '([0-9]{1,3}\.){3}[0-9]{1,3}' \
   -e '(省|市|区|县).*(路|街|号|村)' -e ',[\p{Han}]{2,4},')
t2=$(now); rg --count-matches "${patterns[@]}" "$csv" > "$work/rg.txt"; t3=$(now)
t4=$(now); rg -c "${patterns[@]}" "$csv" > "$work/rg-lines.txt"; t5=$(now)
cat "$work/scan.txt"
python3 - "$mb" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" <<'PY'
import sys
mb, t0, t1, t2, t3, t4, t5 = map(float, sys.argv[1:])
z, r, l = mb / (t1 - t0), mb / (t3 - t2), mb / (t5 - t4)
print(f"zhengshu scan (checksums validated)        : {t1 - t0:6.2f} s  {z:7.1f} MB/s")
print(f"ripgrep --count-matches, same patterns     : {t3 - t2:6.2f} s  {r:7.1f} MB/s  (anchor)")
print(f"ripgrep -c (first match per line only)     : {t5 - t4:6.2f} s  {l:7.1f} MB/s  (reference)")
print(f"ratio zhengshu / ripgrep --count-matches   : {z / r:.2f}x  (target >= 0.5x)")
PY
