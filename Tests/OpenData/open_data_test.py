#!/usr/bin/env python3
"""The open-data portal as existing clients see it, against a running demo server.

- ckanapi (the CKAN project's own command-line client) runs package_list, package_show, package_search,
  organization_list and datastore_search, and `ckanapi dump datasets --all` completes;
- rdflib parses /catalog.jsonld and a SPARQL query finds, for every open dataset, a dcat:Dataset with a title, a
  publisher and a distribution with an access URL;
- prometheus_client's text parser reads /metrics, which counts the requests made here.

Usage: open_data_test.py http://127.0.0.1:18080
"""
import json
import subprocess
import sys
import tempfile
import urllib.request

import rdflib
from prometheus_client.parser import text_string_to_metric_families

BASE = sys.argv[1].rstrip("/")
# The demo's datasets open without conditions (DemoCatalog.swift), by CKAN name.
OPEN = {"zz-330000-0002", "xy-330000-0001", "xy-330000-0002", "wj-330100-0002"}
failures = []


def check(ok, message):
    print(("ok   " if ok else "FAIL ") + message)
    if not ok:
        failures.append(message)


def ckanapi(*args):
    out = subprocess.run(["ckanapi", *args, "-r", BASE], check=True, capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout) if out.stdout.strip() else None


def get(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as r:
        return r.read().decode("utf-8"), r.headers.get("Content-Type", "")


def requests_counted(exposition):
    total = 0.0
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == "zhengshu_http_requests_total" and sample.labels.get("http_route", "") in ("/api/3/action/{action}", "/api/action/{action}"):
                total += sample.value
    return total


before = requests_counted(get("/metrics")[0])

# -- ckanapi ------------------------------------------------------------------------------------------------------
names = ckanapi("action", "package_list")
check(set(names) == OPEN, f"package_list lists exactly the open datasets: {names}")

credit = ckanapi("action", "package_show", "id=xy-330000-0002")
check(credit["name"] == "xy-330000-0002" and credit["title"], f"package_show: {credit['title']}")
check(credit["organization"]["name"] and len(credit["resources"]) == 2,
      f"package_show has its organization ({credit['organization']['title']}) and two resources")
check(all(r["url"].startswith(BASE + "/open/datasets/") for r in credit["resources"]), "resources link to the downloads")

search = ckanapi("action", "package_search", "q=信用")
check(search["count"] >= 1 and all(p["name"] in OPEN for p in search["results"]),
      f"package_search q=信用 finds {search['count']} open dataset(s)")
check(ckanapi("action", "package_search", "q=不存在的数据集名称xyz")["count"] == 0, "package_search finds nothing for a nonsense query")

orgs = ckanapi("action", "organization_list")
check(len(orgs) >= 2, f"organization_list: {orgs}")

resource_id = next(r["id"] for r in credit["resources"] if r["format"] == "CSV")
store = ckanapi("action", "datastore_search", f"resource_id={resource_id}", "limit=5")
check(store["total"] > 0 and len(store["records"]) == 5, f"datastore_search returns {store['total']} rows, 5 on the page")
masked = [r["party_code"] for r in store["records"] if r.get("party_code")]
check(masked and all("*" in v for v in masked), f"the citizen ids in the credit records are masked: {masked[:2]}")
check(any(f["id"] == "party_code" and f["type"] == "text" for f in store["fields"]), "a masked field is typed as text")

with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as dump:
    subprocess.run(["ckanapi", "dump", "datasets", "--all", "-r", BASE, "-O", dump.name, "-q"], check=True, timeout=300)
    dumped = [json.loads(line)["name"] for line in dump if line.strip()]
check(set(dumped) == OPEN, f"ckanapi dump datasets --all wrote {len(dumped)} datasets")

# -- DCAT in JSON-LD, through rdflib --------------------------------------------------------------------------------
text, content_type = get("/catalog.jsonld")
check(content_type.startswith("application/ld+json"), f"/catalog.jsonld is served as {content_type}")
graph = rdflib.Graph().parse(data=text, format="json-ld")
rows = graph.query("""
    PREFIX dcat: <http://www.w3.org/ns/dcat#>
    PREFIX dct: <http://purl.org/dc/terms/>
    SELECT ?identifier ?title ?publisher ?access WHERE {
        ?catalog a dcat:Catalog ; dcat:dataset ?d .
        ?d a dcat:Dataset ; dct:identifier ?identifier ; dct:title ?title ; dct:publisher ?publisher ; dcat:distribution ?dist .
        ?dist dcat:accessURL ?access .
    }""")
found = {str(r.identifier).lower() for r in rows}
check(found == OPEN, f"rdflib finds a dcat:Dataset with title, publisher and an accessURL for each open dataset: {sorted(found)}")
turtle, _ = get("/catalog.ttl")
check(len(rdflib.Graph().parse(data=turtle, format="turtle")) == len(graph), "the Turtle catalog holds the same triples")

# -- Prometheus ---------------------------------------------------------------------------------------------------
exposition, content_type = get("/metrics")
check(content_type.startswith("text/plain"), f"/metrics is served as {content_type}")
families = {f.name for f in text_string_to_metric_families(exposition)}
check({"zhengshu_http_requests", "zhengshu_http_request_duration_seconds", "zhengshu_audit_entries"} <= families,
      "prometheus_client parses the request counter, the latency histogram and the audit gauge")
after = requests_counted(exposition)
check(after - before >= 8, f"the CKAN requests made here are counted ({after - before:.0f} more)")

if failures:
    print(f"{len(failures)} open-data check(s) failed")
    sys.exit(1)
print("open data: all checks passed")
