#!/usr/bin/env python3
"""Writes Sources/ZhengshuApp/Resources/gb2260-history.csv: the GB/T 2260 codes the standard's editions retired
(whether or not the shipped list, gb2260.csv, still names them) and the codes in use that the shipped list lacks,
with the years each was in use, from python-stdnum's cn/loc.dat (compiled from the Chinese Wikipedia's tables of
division codes since 1980).

    python3 -m pip install python-stdnum==2.2 && python3 Scripts/gb2260-history.py

Columns: code, name, from (first year in use, empty: before 1980), to (last year in use, empty: still in use).
"""
import csv
import os
import re
import sys
from importlib import resources

here = os.path.dirname(os.path.abspath(__file__))
resources_dir = os.path.join(here, "..", "Sources", "ZhengshuApp", "Resources")
current = {row["code"] for row in csv.DictReader(open(os.path.join(resources_dir, "gb2260.csv"), encoding="utf-8"))}

text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
entries = {}  # code -> [(from, to, name)]
province = None
for line in text.splitlines():
    if not line.strip() or line.startswith("#"):
        continue
    if not line.startswith(" "):
        province = line[:2]
        continue
    code, rest = line.split(None, 1)
    m = re.search(r'county="([^"]*)"', rest)
    if not m:
        continue
    for part in m.group(1).split(","):
        span = re.match(r"\[(\d*)-(\d*)\](.*)", part)
        start, end, name = (span.group(1), span.group(2), span.group(3)) if span else ("", "", part)
        entries.setdefault(province + code, []).append((start, end, name))

out = []
for code, spans in sorted(entries.items()):
    open_ended = [s for s in spans if not s[1]]
    if code.endswith("0000") or (open_ended and code in current):
        continue
    if open_ended:
        start, end, name = open_ended[-1]
    else:
        start, end, name = max(spans, key=lambda s: int(s[1]))
    start = min((s[0] for s in spans), key=lambda y: int(y) if y else 0)
    out.append((code, name, start, end))

path = os.path.join(resources_dir, "gb2260-history.csv")
with open(path, "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "name", "from", "to"])
    w.writerows(out)
print(f"{path}: {len(out)} codes ({sum(1 for o in out if o[3])} retired)", file=sys.stderr)
