#!/usr/bin/env python3
"""A soak of a running Zhengshu demo server: a constant arrival rate of a realistic request mix for some minutes.

The mix: catalog searches (the API's and CKAN's), shared queries and verifications with a system account's key,
records pages, signed-in console pages, /metrics and /healthz. Half way through, one file import and one quality run
start, as a department's push would, and a burst: --burst clients (default 24, several times the database's readers)
each send the mix's reads back to back for --burst-seconds (a closed loop: the concurrency a fixed rate rarely reaches,
which is what hung a server whose reads blocked its threads). Requests are sent on schedule whatever the server's
answers (an open model: a slow server does not slow the load), on a pool of keep-alive connections. The burst's errors
count; its latencies are printed apart and not in the minutes' (it measures survival, not speed).

Prints, per minute: requests, errors, p50, p99 and the slowest; the import and quality run; RSS of the server process
at start and end. With --fail, exits 1 on any error or a minute whose p99 exceeds --p99-limit (default 1 s).

    soak.py URL --admin TOKEN --consumer TOKEN [--rate 200] [--minutes 10] [--pid PID] [--datagen datagen.py] [--fail]
"""
import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

import aiohttp

POPULATION = "RK-330100-0001"


def rss_mib(pid):
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


class Soak:
    def __init__(self, args):
        self.args = args
        self.base = args.url.rstrip("/")
        self.samples = []          # (minute, kind, seconds, ok)
        self.failures = []         # first few error descriptions
        self.events = {}           # the import and the quality run
        self.in_flight = 0
        self.max_in_flight = 0
        self.rss = {}              # minute → the server's RSS when it was reported

    async def call(self, session, method, path, *, token=None, json_body=None, data=None, headers=None, timeout=10):
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        async with session.request(method, self.base + path, json=json_body, data=data, headers=h,
                                   timeout=aiohttp.ClientTimeout(total=timeout), allow_redirects=False) as r:
            body = await r.read()
            return r.status, body

    async def setup(self, session):
        """Not measured: a grant with room for the whole soak, its system account, a console session, an import file."""
        a = self.args
        status, body = await self.call(session, "POST", "/api/v1/applications", token=a.consumer, json_body={
            "resource": "FR-330100-0001", "items": ["credit_code", "name", "legal_rep_name", "status"], "services": ["query", "verify"],
            "purpose": "浸泡测试：企业登记状态的持续核验", "legalBasis": "《政务数据共享条例》第十二条", "expectedRowsPerDay": 100000})
        if status != 201:
            sys.exit(f"setup: apply {status} {body[:300]!r}")
        app = json.loads(body)
        app_id = app.get("id") or app.get("application", {}).get("id")
        status, body = await self.call(session, "POST", f"/api/v1/applications/{app_id}/decision", token=a.admin,
                                       json_body={"approve": True, "terms": {"callsPerDay": 10000000, "rowsPerDay": 1000000000,
                                                                              "verifyTuplesPerMinute": 1000000, "verifyTuplesPerDay": 100000000}})
        if status != 200:
            sys.exit(f"setup: decision {status} {body[:300]!r}")
        status, body = await self.call(session, "POST", "/api/v1/system-accounts", token=a.consumer,
                                       json_body={"name": f"soak-{int(time.time())}", "description": "浸泡测试"})
        if status != 201:
            sys.exit(f"setup: system account {status} {body[:300]!r}")
        self.key = json.loads(body)["key"]
        # A few enterprises to verify (the key's grant shows their credit codes and names).
        status, body = await self.call(session, "GET", "/api/v1/share/FR-330100-0001/records?limit=20", token=self.key)
        rows = json.loads(body).get("records", []) if status == 200 else []
        self.verify_body = {"tuples": [{"credit_code": r.get("credit_code"), "name": r.get("name")} for r in rows[:10]]
                            or [{"credit_code": "91330100MA2XXXXX0X", "name": "某企业"}]}
        # The console: sign in as the bureau's admin (the login form's double-submitted token).
        self.console = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64), cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with self.console.get(self.base + "/login") as r:
            page = await r.text()
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page)
        async with self.console.post(self.base + "/login", data={"name": "admin", "password": a.admin_password, "_csrf": csrf.group(1) if csrf else "",
                                                                 "next": "/"}, allow_redirects=False) as r:
            if r.status not in (302, 303):
                sys.exit(f"setup: console sign-in {r.status}")
        # The import: a department's file of datagen people into a resource of its own.
        resource = json.load(open(os.path.join(os.path.dirname(__file__), "..", "ingest", "population-resource.json")))
        resource.update(code=f"SOAK-{int(time.time()) % 100000}", name="人口基础信息（浸泡测试）")
        self.import_code = resource["code"]
        status, body = await self.call(session, "POST", "/api/v1/resources", token=a.admin, json_body=resource)
        if status != 201:
            sys.exit(f"setup: resource {status} {body[:300]!r}")
        status, body = await self.call(session, "POST", f"/api/v1/resources/{self.import_code}/publish", token=a.admin)
        if status != 200:
            sys.exit(f"setup: publish {status} {body[:300]!r}")
        self.import_file = None
        if a.datagen:
            fd, path = tempfile.mkstemp(suffix=".csv")
            with os.fdopen(fd, "wb") as out:
                subprocess.run([sys.executable, a.datagen, "population", "--rows", str(a.import_rows), "--seed", "23"], stdout=out, check=True)
            self.import_file = path

    def mix(self):
        """The request mix: (weight, kind, method, path, token, body, session)."""
        q = urllib.parse.quote
        return [
            (20, "catalog search", "GET", "/api/v1/resources?q=" + q("人口") + "&limit=20", self.args.admin, None, None),
            (5, "ckan search", "GET", "/api/3/action/package_search?q=" + q("企业") + "&rows=10", None, None, None),
            (20, "shared query", "GET", "/api/v1/share/FR-330100-0001/records?limit=20", self.key, None, None),
            (15, "verify", "POST", "/api/v1/share/FR-330100-0001/verify", self.key, self.verify_body, None),
            (10, "records", "GET", f"/api/v1/resources/{POPULATION}/records?limit=50", self.args.admin, None, None),
            (5, "console cockpit", "GET", "/", None, None, "console"),
            (10, "console catalog", "GET", "/catalog?q=" + q("人口"), None, None, "console"),
            (10, "metrics", "GET", "/metrics", None, None, None),
            (5, "healthz", "GET", "/healthz", None, None, None),
        ]

    async def one(self, session, minute, kind, method, path, token, body, which):
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        start = time.monotonic()
        ok = False
        try:
            s = self.console if which == "console" else session
            status, data = await self.call(s, method, path, token=token, json_body=body)
            ok = status == 200
            if not ok and len(self.failures) < 20:
                self.failures.append(f"{kind}: {status} {data[:200]!r}")
        except Exception as e:  # a refused connection, a timeout: an error of the soak
            if len(self.failures) < 20:
                self.failures.append(f"{kind}: {type(e).__name__} {e}")
        finally:
            self.in_flight -= 1
        self.samples.append((minute, kind, time.monotonic() - start, ok))

    async def burst(self, session, mix):
        """--burst clients, each sending reads of the mix back to back until --burst-seconds are over."""
        reads = [m for m in mix if m[2] == "GET"]
        end = time.monotonic() + self.args.burst_seconds

        async def client(n):
            rng = random.Random(100 + n)
            while time.monotonic() < end:
                _, kind, method, path, token, body, which = rng.choice(reads)
                await self.one(session, None, "burst: " + kind, method, path, token, body, which)

        start = time.monotonic()
        await asyncio.gather(*(client(n) for n in range(self.args.burst)))
        done = [x for x in self.samples if x[0] is None]
        self.events["burst"] = {"clients": self.args.burst, "seconds": round(time.monotonic() - start, 2), "requests": len(done),
                                "errors": sum(1 for x in done if not x[3]), "ok": all(x[3] for x in done)}

    async def job(self, session, name, method, path, **kw):
        start = time.monotonic()
        try:
            status, data = await self.call(session, method, path, timeout=600, **kw)
            body = json.loads(data) if data[:1] == b"{" else {}
            self.events[name] = {"status": status, "seconds": round(time.monotonic() - start, 2),
                                 "rows": body.get("rowsAccepted"), "ok": status in (200, 201)}
        except Exception as e:
            self.events[name] = {"status": 0, "seconds": round(time.monotonic() - start, 2), "error": str(e), "ok": False}

    async def run(self):
        a = self.args
        connector = aiohttp.TCPConnector(limit=a.connections)
        async with aiohttp.ClientSession(connector=connector) as session:
            await self.setup(session)
            mix = self.mix()
            weights = [m[0] for m in mix]
            rng = random.Random(5)
            total = int(a.rate * a.minutes * 60)
            rss_start = rss_mib(a.pid)
            print(f"soak: {a.rate} requests/s for {a.minutes} min against {self.base} ({total} requests, {a.connections} connections)", flush=True)
            t0 = time.monotonic()
            tasks = set()
            jobs = []
            next_report = 1
            for i in range(total):
                due = t0 + i / a.rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                minute = int((due - t0) // 60)
                if i == total // 2:
                    if self.import_file:
                        jobs.append(asyncio.create_task(self.job(session, "import", "POST",
                                                                 f"/api/v1/resources/{self.import_code}/ingest?mode=append&name=soak.csv",
                                                                 token=a.admin, data=open(self.import_file, "rb"),
                                                                 headers={"Content-Type": "text/csv"})))
                    jobs.append(asyncio.create_task(self.job(session, "quality run", "POST", f"/api/v1/resources/{POPULATION}/quality/runs",
                                                             token=a.admin)))
                    if a.burst > 0:
                        jobs.append(asyncio.create_task(self.burst(session, mix)))
                _, kind, method, path, token, body, which = rng.choices(mix, weights)[0]
                t = asyncio.create_task(self.one(session, minute, kind, method, path, token, body, which))
                tasks.add(t)
                t.add_done_callback(tasks.discard)
                # A minute is printed once the next is half over: its slowest answers are in by then.
                if (due - t0) >= (next_report + 0.5) * 60:
                    self.report_minute(next_report - 1)
                    next_report += 1
            if tasks:
                await asyncio.wait(tasks)
            for j in jobs:
                await j
            for m in range(next_report - 1, int(a.minutes + 0.999)):
                self.report_minute(m)
            rss_end = rss_mib(a.pid)
            await self.console.close()
        if self.import_file:
            os.unlink(self.import_file)
        return self.summary(rss_start, rss_end)

    def report_minute(self, minute):
        s = [x for x in self.samples if x[0] == minute]
        if not s:
            return
        lat = [x[2] for x in s]
        errors = sum(1 for x in s if not x[3])
        rss = rss_mib(self.args.pid)
        self.rss[minute] = rss
        print(f"minute {minute + 1:>3}: {len(s):>6} requests {errors:>5} errors  p50 {percentile(lat, 50) * 1000:7.1f} ms  "
              f"p99 {percentile(lat, 99) * 1000:7.1f} ms  max {max(lat) * 1000:7.1f} ms" + (f"  RSS {rss:5.0f} MiB" if rss else ""), flush=True)

    def summary(self, rss_start, rss_end):
        a = self.args
        timed = [x for x in self.samples if x[0] is not None]
        lat = [x[2] for x in timed]
        errors = sum(1 for x in self.samples if not x[3])
        minutes = sorted({x[0] for x in timed})
        worst = max((percentile([x[2] for x in self.samples if x[0] == m], 99) for m in minutes), default=0)
        print(f"total: {len(self.samples)} requests (the burst's included), {errors} errors, p50 {percentile(lat, 50) * 1000:.1f} ms, p99 {percentile(lat, 99) * 1000:.1f} ms, "
              f"worst minute's p99 {worst * 1000:.1f} ms, at most {self.max_in_flight} in flight")
        by_kind = {}
        for _, kind, seconds, _ in self.samples:
            by_kind.setdefault(kind, []).append(seconds)
        for kind, values in sorted(by_kind.items()):
            print(f"  {kind:<16} {len(values):>6}  p50 {percentile(values, 50) * 1000:7.1f} ms  p99 {percentile(values, 99) * 1000:7.1f} ms")
        for name, e in self.events.items():
            print(f"  {name}: {e}")
        if rss_start is not None:
            print(f"RSS: {rss_start:.0f} MiB at start, {rss_end or 0:.0f} MiB at end")
        for f in self.failures[:10]:
            print(f"  failure: {f}")
        failed = errors > 0 or worst > a.p99_limit or any(not e["ok"] for e in self.events.values())
        if a.json:
            with open(a.json, "w") as out:
                json.dump({"requests": len(self.samples), "errors": errors, "worstMinuteP99": worst, "events": self.events,
                           "rssStartMiB": rss_start, "rssEndMiB": rss_end,
                           "minutes": [{"minute": m + 1, "requests": len([x for x in self.samples if x[0] == m]),
                                        "errors": sum(1 for x in self.samples if x[0] == m and not x[3]),
                                        "p50": percentile([x[2] for x in self.samples if x[0] == m], 50),
                                        "p99": percentile([x[2] for x in self.samples if x[0] == m], 99),
                                        "rssMiB": self.rss.get(m)} for m in minutes]}, out, indent=1)
        return failed


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("url")
    p.add_argument("--admin", required=True, help="the bureau admin's API token")
    p.add_argument("--admin-password", default="Demo-Admin-2026", help="for the console session")
    p.add_argument("--consumer", required=True, help="a consuming department's token (mz.consumer's in the demo)")
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--connections", type=int, default=256)
    p.add_argument("--pid", type=int, help="the server's process, for RSS")
    p.add_argument("--datagen", help="datagen.py, for the import in the middle")
    p.add_argument("--import-rows", type=int, default=20000)
    p.add_argument("--burst", type=int, default=24, help="clients of the closed-loop burst in the middle (0: none)")
    p.add_argument("--burst-seconds", type=float, default=10)
    p.add_argument("--p99-limit", type=float, default=1.0, help="seconds")
    p.add_argument("--json", help="write the per-minute figures here")
    p.add_argument("--fail", action="store_true", help="exit 1 on any error or a minute whose p99 exceeds --p99-limit")
    args = p.parse_args()
    failed = asyncio.run(Soak(args).run())
    if failed and args.fail:
        print("soak FAILED")
        sys.exit(1)
    print("soak passed" if not failed else "soak finished with errors")


if __name__ == "__main__":
    main()
