#!/usr/bin/env python3
"""Compares the platform's checks of citizen IDs (GB 11643) and credit codes (GB 32100) with python-stdnum's
cn.ric and cn.uscc, unmodified, over a corpus: datagen's population and enterprise files with defects, and cases
made here that datagen does not make (future and retired-before-birth dates, division codes no edition had,
registration-authority letters, organisation types, 15-digit and lower-case forms).

    python3 Tests/Standards/stdnum_compare.py .build/debug/zhengshu

Every case must get the same answer from both, except where the platform is documented to differ (docs/using.md,
"National identifiers"): each such case is counted under its reason, and any other disagreement fails the run.
"""
import os
import subprocess
import sys

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidComponent

HERE = os.path.dirname(os.path.abspath(__file__))
DATAGEN = os.environ.get("ZHENGSHU_DATAGEN") or os.path.join(HERE, "..", "..", "..", "shared", "datagen", "datagen.py")
USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def id_check(body):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def org_check(body):
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    value = lambda c: int(c) if c.isdigit() else ord(c) - 55
    c = 11 - sum(value(ch) * w for ch, w in zip(body, weights)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_code(authority_type, division, org="MA123456"):
    body = authority_type + division + org + org_check(org)
    return body + uscc.calc_check_digit(body + "0")


def datagen(dataset, column, rows, seed):
    import csv
    out = subprocess.run(
        [sys.executable, DATAGEN, dataset, "--rows", str(rows), "--seed", str(seed), "--defects", "0.1"],
        check=True, capture_output=True, text=True).stdout
    return [r[column] for r in csv.DictReader(out.splitlines()) if r[column]]


def platform(zhengshu, element, values):
    out = subprocess.run([zhengshu, "check", element], input="\n".join(values) + "\n", capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"zhengshu check {element} failed: {out.stderr[-2000:]}")
    answers = {}
    for line in out.stdout.splitlines():
        parts = line.split("\t")
        answers[parts[0]] = (parts[1] != "invalid", parts[2] if len(parts) > 2 else "")
    missing = [v for v in values if v not in answers]
    if missing:
        sys.exit(f"zhengshu check {element} gave no answer for {missing[:5]}")
    return answers


def ric_valid(value):
    # python-stdnum 2.2 raises KeyError for an address code its table holds at prefecture level only (e.g. 110100):
    # it accepts no such number.
    try:
        return ric.is_valid(value)
    except KeyError:
        return False


def ric_reason(value, reason, platform_valid):
    """Why the platform may disagree with cn.ric on `value`, or None."""
    if platform_valid:
        # stdnum wants the address code in use in the holder's birth year; a number is issued at birth or later
        # (1984-1999 for most adults), under the code in use then.
        try:
            ric.get_birth_date(value)
            if value[-1].upper() == ric.calc_check_digit(value) and numdb.get("cn/loc").info(value[:6]):
                try:
                    ric.get_birth_place(value)
                except (InvalidComponent, KeyError):
                    return "address code made after the birth year (a number is issued at or after birth)"
        except Exception:
            return None
        return None
    if "in the future" in reason:
        return "birth date in the future (GB 11643 numbers are not issued ahead)"
    return None


def uscc_reason(value, reason, platform_valid):
    if platform_valid:
        if value[0] in "ANY":
            return "registration authority A, N or Y (GB 32100 table 1; stdnum wants digits)"
        return None
    if "GB 32100 table 1" in reason or "registration management department" in reason:
        return "organisation type the authority does not register (GB 32100 table 1)"
    if "organisation code" in reason:
        return "embedded GB 11714 organisation code's check character wrong"
    if "no GB/T 2260 division" in reason:
        return "registering authority's division no GB/T 2260 edition had"
    return None


def compare(name, element, values, stdnum_valid, explain, zhengshu):
    answers = platform(zhengshu, element, values)
    agree, differ, wrong = 0, {}, []
    for v in sorted(set(values)):
        ours, reason = answers[v]
        theirs = stdnum_valid(v)
        if ours == theirs:
            agree += 1
            continue
        why = explain(v, reason, ours)
        if why is None:
            wrong.append((v, ours, theirs, reason))
        else:
            differ[why] = differ.get(why, 0) + 1
    print(f"{name}: {len(set(values))} cases, {agree} agree with python-stdnum")
    for why, n in sorted(differ.items()):
        print(f"  {n} differ as documented: {why}")
    for v, ours, theirs, reason in wrong[:20]:
        print(f"  UNEXPECTED {v}: platform {'valid' if ours else 'invalid'} ({reason}), stdnum {'valid' if theirs else 'invalid'}")
    return not wrong


def main():
    zhengshu = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/zhengshu"
    ids = datagen("population", "gmsfhm", 3000, 5)
    for body in [
        "11010120990101001",  # born in 2099
        "44010420530709089",  # born in 2053
        "11010320150512002",  # 崇文区, retired 2010, holder born 2015
        "11010319800512002",  # 崇文区, holder born 1980: legacy
        "32052419900101001",  # 吴县, retired 1995, born 1990
        "33019919800512002",  # no edition had 330199
        "99010119800512002",  # no province 99
        "11010519800230001",  # 30 February
        "11010519801301001",  # month 13
    ]:
        ids.append(body + id_check(body))
    ids += ["11010519800101001" + c for c in "0123456789X" if c != id_check("11010519800101001")]
    ids += ["110105800101001", "11010519800101001", ids[0][:-1] + "x" if ids[0].endswith("X") else ids[0]]

    codes = datagen("enterprise", "tyshxydm", 2000, 5)
    for authority in "123456789ANYBCDEFGHJ":
        codes.append(uscc_code(authority + "1", "330106"))
    codes += [uscc_code("15", "330106"), uscc_code("Y2", "330106"), uscc_code("91", "330199"),
              uscc_code("91", "110103"), uscc_code("91", "990106")]
    bad_org = "91330106MA1234560"
    codes.append(bad_org + uscc.calc_check_digit(bad_org + "0"))

    ok = compare("GB 11643 citizen IDs (cn.ric)", "citizen_id", ids, ric_valid, ric_reason, zhengshu)
    ok = compare("GB 32100 credit codes (cn.uscc)", "credit_code", codes, uscc.is_valid, uscc_reason, zhengshu) and ok
    if not ok:
        sys.exit("the platform and python-stdnum disagree where no documented reason explains it")


if __name__ == "__main__":
    main()
