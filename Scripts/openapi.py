#!/usr/bin/env python3
"""Writes Sources/ZhengshuHTTP/Resources/openapi.json, the published API document (run after changing a route;
CI fails when the two differ): python3 Scripts/openapi.py > Sources/ZhengshuHTTP/Resources/openapi.json"""
import json
def ref(n): return {"$ref": f"#/components/schemas/{n}"}
S = lambda **kw: kw
string = {"type": "string"}
integer = {"type": "integer", "format": "int64"}
dt = {"type": "string", "format": "date-time"}
def obj(props, required=None, extra=False):
    o = {"type": "object", "properties": props}
    if required: o["required"] = required
    o["additionalProperties"] = extra
    return o
def arr(x): return {"type": "array", "items": x}
def enum(*v): return {"type": "string", "enum": list(v)}
def listof(n): return obj({"items": arr(ref(n))}, ["items"])

schemas = {
 "Violation": obj({"field": string, "row": {"type": "integer"}, "reason": string}, ["field", "reason"]),
 "Problem": obj({"type": string, "title": string, "status": {"type": "integer"}, "detail": string, "code": string,
                 "requestId": string, "violations": arr(ref("Violation")),
                 "job": ref("IngestJob")}, ["type", "title", "status", "detail", "code", "requestId"]),
 "AdminLevel": enum("province", "city", "county"),
 "Role": enum("admin", "provider", "consumer", "auditor", "member"),
 "ShareType": enum("unconditional", "conditional", "none"),
 "OpenType": enum("unconditional", "conditional", "none"),
 "UpdateCycle": enum("realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"),
 "GradeLevel": enum("general", "important", "core"),
 "Sensitivity": enum("L1", "L2", "L3", "L4"),
 "ResourceStatus": enum("draft", "published", "retired"),
 "DataType": enum("string", "integer", "decimal", "date", "datetime", "boolean"),
 "DataElementId": enum("citizen_id", "credit_code", "org_code", "mobile", "landline", "email", "bank_card", "division_code", "sex", "ethnic_group"),
 "Department": obj({"code": string, "name": string, "level": ref("AdminLevel"), "parent": string,
                    "creditCode": {"type": "string", "description": "Unified social credit code of the agency (GB 32100)"},
                    "createdAt": dt, "updatedAt": dt}, ["code", "name", "level", "createdAt", "updatedAt"]),
 "DepartmentInput": obj({"code": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"}, "name": string, "level": ref("AdminLevel"),
                         "parent": {"type": "string", "nullable": True}, "creditCode": {"type": "string", "nullable": True}},
                        ["code", "name", "level"], extra=True),
 "DepartmentPatch": obj({"code": string, "name": string, "level": ref("AdminLevel"),
                         "parent": {"type": "string", "nullable": True}, "creditCode": {"type": "string", "nullable": True}}, extra=True),
 "User": obj({"id": integer, "name": string, "displayName": string, "roles": arr(ref("Role")), "department": string,
              "disabled": {"type": "boolean"}, "createdAt": dt, "updatedAt": dt},
             ["id", "name", "displayName", "roles", "disabled", "createdAt", "updatedAt"]),
 "UserInput": obj({"name": string, "displayName": string, "roles": arr(ref("Role")), "department": string,
                   "password": {"type": "string", "format": "password", "minLength": 10}, "disabled": {"type": "boolean"}},
                  ["name", "roles"], extra=True),
 "UserPatch": obj({"displayName": string, "roles": arr(ref("Role")), "department": string,
                   "password": {"type": "string", "format": "password"}, "disabled": {"type": "boolean"}}, extra=True),
 "APIToken": obj({"id": integer, "user": integer, "label": string, "prefix": string, "createdAt": dt, "lastUsedAt": dt,
                  "expiresAt": dt, "revokedAt": dt}, ["id", "user", "label", "prefix", "createdAt"]),
 "TokenRequest": obj({"label": string, "expiresInDays": {"type": "integer", "minimum": 1, "maximum": 3650}}, extra=True),
 "IssuedToken": obj({"token": ref("APIToken"), "secret": {"type": "string", "description": "The bearer token. Shown once; only its hash is stored."}},
                    ["token", "secret"]),
 "DataItem": obj({"name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,47}$"}, "label": string, "type": ref("DataType"),
                  "length": {"type": "integer"}, "required": {"type": "boolean"}, "key": {"type": "boolean"},
                  "dataElement": ref("DataElementId"), "element": {"type": "string", "description": "A registered (administrator-defined) data element"},
                  "description": string, "sensitivity": ref("Sensitivity"),
                  "masking": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,47}$", "description": "A masking policy for this item, over its data element's"}},
                 ["name", "label", "type"], extra=True),
 "Resource": obj({"code": string, "name": string, "abstract": string, "department": string, "category": string,
                  "items": arr(ref("DataItem")), "shareType": ref("ShareType"),
                  "shareCondition": {"type": "string", "description": "Condition of conditional sharing, or the legal basis of not sharing"},
                  "openType": ref("OpenType"), "updateCycle": ref("UpdateCycle"), "gradeLevel": ref("GradeLevel"),
                  "sensitivity": ref("Sensitivity"), "serviceItems": arr(string), "sourceSystem": string, "format": string,
                  "status": ref("ResourceStatus"), "version": {"type": "integer"}, "publishedAt": dt, "createdAt": dt, "updatedAt": dt},
                 ["code", "name", "abstract", "department", "category", "items", "shareType", "openType", "updateCycle",
                  "gradeLevel", "sensitivity", "serviceItems", "format", "status", "version", "createdAt", "updatedAt"]),
 "ResourceInput": obj({"code": string, "name": string, "abstract": string, "department": string, "category": string,
                       "items": arr(ref("DataItem")), "shareType": ref("ShareType"), "shareCondition": string,
                       "openType": ref("OpenType"), "updateCycle": ref("UpdateCycle"), "gradeLevel": ref("GradeLevel"),
                       "sensitivity": ref("Sensitivity"), "serviceItems": arr(string), "sourceSystem": string, "format": string},
                      extra=True),
 "SearchResult": obj({"total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
                      "items": arr(ref("Resource"))}, ["total", "limit", "offset", "items"]),
 "VersionSummary": obj({"version": {"type": "integer"}, "action": string, "actor": string, "at": dt}, ["version", "action", "actor", "at"]),
 "ResourceVersion": obj({"code": string, "version": {"type": "integer"}, "action": string, "actor": string, "at": dt,
                         "snapshot": ref("Resource")}, ["code", "version", "action", "actor", "at", "snapshot"]),
 "FieldChange": obj({"field": string, "before": string, "after": string}, ["field"]),
 "Diff": obj({"from": {"type": "integer"}, "to": {"type": "integer"}, "changes": arr(ref("FieldChange"))}, ["from", "to", "changes"]),
 "RecordPage": obj({"fields": arr(string), "records": arr({"type": "object", "additionalProperties": {}}),
                    "nextCursor": {"type": "string", "description": "Pass as cursor= to read the next page; absent on the last page"}},
                   ["fields", "records"]),
 "Inserted": obj({"inserted": {"type": "integer"}}, ["inserted"]),
 "AuditEntry": obj({"sequence": integer, "actor": string, "actorDepartment": string, "action": string, "target": string,
                    "at": dt, "requestId": string, "detail": string, "previousHash": string, "hash": string},
                   ["sequence", "actor", "action", "target", "at", "requestId", "previousHash", "hash"]),
 "Overview": obj({"departments": {"type": "integer"}, "users": {"type": "integer"}, "resources": {"type": "integer"},
                  "publishedResources": {"type": "integer"}, "records": {"type": "integer"}, "auditEntries": {"type": "integer"}},
                 ["departments", "users", "resources", "publishedResources", "records", "auditEntries"]),
 "DataElement": obj({"id": string, "label": string, "standard": string, "builtIn": {"type": "boolean"},
                     "type": enum("string", "integer", "decimal", "date"), "length": {"type": "integer"}, "pattern": string,
                     "min": string, "max": string, "codes": {"type": "object", "additionalProperties": {"type": "string"}},
                     "description": string, "version": {"type": "integer"}, "updatedAt": dt, "updatedBy": string},
                    ["id", "label", "standard", "builtIn"]),
 "DataElementInput": obj({"label": {"type": "string", "minLength": 1, "maxLength": 100}, "type": enum("string", "integer", "decimal", "date"),
                          "length": {"type": "integer", "minimum": 1, "maximum": 65535}, "pattern": {"type": "string", "maxLength": 500},
                          "min": string, "max": string, "codes": {"type": "object", "additionalProperties": {"type": "string"}},
                          "description": string}, ["label", "type"]),
 "Status": obj({"status": string}, ["status"]),
 "Readiness": obj({"status": enum("ready", "unavailable"), "database": string,
                   "requests": obj({"inFlight": {"type": "integer"}, "maxInFlight": {"type": "integer"}, "refused": {"type": "integer"},
                                    "timedOut": {"type": "integer"}, "saturated": {"type": "boolean"}},
                                   ["inFlight", "maxInFlight", "refused", "timedOut", "saturated"]),
                   "blocking": obj({"threads": {"type": "integer"}, "busy": {"type": "integer"}, "queued": {"type": "integer"}}, ["threads", "busy", "queued"])},
                  ["status", "database", "blocking"]),
 "Health": obj({"status": {**enum("ok", "degraded"), "description": "degraded: the last scheduled backup failed"},
                "backup": obj({"status": enum("running", "succeeded", "failed"), "startedAt": dt, "file": string, "error": string},
                              ["status", "startedAt", "file"])}, ["status"]),
 "BackupRun": obj({"id": integer, "node": string, "file": string, "status": enum("running", "succeeded", "failed"), "startedAt": dt,
                   "finishedAt": dt, "bytes": integer, "milliseconds": {"type": "integer"}, "error": string,
                   "pruned": {**arr(string), "description": "Older archives deleted to keep the retention count"}},
                  ["id", "node", "file", "status", "startedAt", "pruned"]),
 "BackupRunList": listof("BackupRun"),
 "CKANResponse": {"type": "object", "required": ["help", "success"], "description": "CKAN's envelope: result on success, error (__type, message) on failure",
                  "properties": {"help": string, "success": {"type": "boolean"}, "result": {},
                                 "error": {"type": "object", "required": ["__type", "message"], "properties": {"__type": string, "message": string}}}},
 "IngestJob": obj({"id": integer, "resource": string, "department": string, "mode": enum("append", "upsert", "replace"),
                   "format": enum("csv", "tsv", "jsonl", "json", "xlsx"), "encoding": enum("auto", "utf-8", "gbk", "gb18030"),
                   "source": string, "status": enum("queued", "running", "succeeded", "failed", "cancelled"),
                   "bytesTotal": integer, "bytesRead": integer, "percent": {"type": "number"}, "rowsRead": {"type": "integer"},
                   "rowsAccepted": {"type": "integer"}, "rowsRejected": {"type": "integer"}, "rowsPerSecond": {"type": "number"},
                   "maxErrors": {"type": "integer"}, "unknownColumns": arr(string), "error": string, "createdBy": string,
                   "createdAt": dt, "startedAt": dt, "finishedAt": dt},
                  ["id", "resource", "department", "mode", "format", "encoding", "source", "status", "bytesRead", "rowsRead",
                   "rowsAccepted", "rowsRejected", "unknownColumns", "createdBy", "createdAt"]),
 "PullSource": obj({"id": integer, "resource": string, "kind": enum("sqlite", "http", "postgres"), "location": string, "query": string,
                    "format": enum("csv", "tsv", "jsonl", "json", "xlsx"), "mode": enum("append", "upsert", "replace"),
                    "intervalSeconds": {"type": "integer"}, "watermarkColumn": string, "lastWatermark": string, "nextRunAt": dt,
                    "lastJob": integer, "lastError": string, "enabled": {"type": "boolean"}, "live": {"type": "boolean"},
                    "createdBy": string, "createdAt": dt},
                   ["id", "resource", "kind", "location", "format", "mode", "intervalSeconds", "nextRunAt", "enabled", "createdBy", "createdAt"]),
 "PullSourceInput": obj({"kind": enum("sqlite", "http", "postgres"), "location": {"type": "string", "description": "Absolute path of a SQLite file, an http(s) URL, or a postgres:// connection string"},
                         "query": {"type": "string", "description": "SELECT statement (sqlite)"},
                         "format": enum("csv", "tsv", "jsonl", "json"), "mode": enum("append", "upsert", "replace"),
                         "intervalSeconds": {"type": "integer", "minimum": 60, "maximum": 31622400},
                         "watermarkColumn": {"type": "string", "description": "Only rows above the last value are pulled (sqlite)"},
                         "live": {"type": "boolean", "description": "Logical collection: read the source at query time instead of copying (sqlite)"}},
                        ["kind", "location", "intervalSeconds"], extra=True),
 "Freshness": obj({"code": string, "name": string, "department": string, "updateCycle": ref("UpdateCycle"), "lastUpdatedAt": dt,
                   "status": enum("fresh", "due", "overdue", "unscheduled"), "dueAt": dt},
                  ["code", "name", "department", "updateCycle", "status"]),
}
# Quality rules: a check's fields sit beside the rule's own (kind tells which apply).
number = {"type": "number"}
rule_props = {"ruleId": integer, "kind": enum("required", "unique", "element", "pattern", "range", "codeList", "idBirthDate", "idSex",
                                              "compare", "notInFuture", "references", "fresh"),
              "item": string, "items": arr(string), "element": ref("DataElementId"), "regex": string, "min": string, "max": string,
              "codes": arr(string), "id": string, "date": string, "sex": string, "left": string,
              "op": enum("lt", "le", "eq", "ne", "ge", "gt"), "right": string, "resource": string, "target": string,
              "severity": enum("reject", "flag"), "weight": {"type": "number", "minimum": 0, "maximum": 100}, "enabled": {"type": "boolean"}}
schemas["QualityRule"] = obj({**rule_props, "dimension": enum("completeness", "uniqueness", "validity", "consistency", "timeliness",
                                                              "referential")},
                             ["ruleId", "kind", "dimension", "severity", "weight", "enabled"])
schemas["QualityRuleInput"] = obj({k: v for k, v in rule_props.items() if k != "ruleId"} | {"ruleId": integer, "dimension": string},
                                  ["kind"], extra=True)
schemas["QualityRules"] = obj({"items": arr(ref("QualityRule")), "proposed": {"type": "boolean"}}, ["items"])
schemas["QualityRulesInput"] = obj({"items": arr(ref("QualityRuleInput")), "proposed": {"type": "boolean"}}, ["items"], extra=True)
schemas["QualitySample"] = obj({"row": {"type": "integer"}, "field": string, "value": string, "reason": string}, ["row", "field", "value", "reason"])
schemas["QualityRuleResult"] = obj({"rule": ref("QualityRule"), "checked": {"type": "integer"}, "failed": {"type": "integer"},
                                    "failureRatio": number, "samples": arr(ref("QualitySample"))},
                                   ["rule", "checked", "failed", "failureRatio", "samples"])
schemas["QualityRun"] = obj({"id": integer, "resource": string, "department": string, "trigger": string, "startedAt": dt, "finishedAt": dt,
                             "rowsChecked": {"type": "integer"}, "score": number, "results": arr(ref("QualityRuleResult"))},
                            ["id", "resource", "department", "trigger", "startedAt", "finishedAt", "rowsChecked", "score", "results"])
schemas["QualityScore"] = obj({"resource": string, "department": string, "score": number, "at": dt}, ["department", "score", "at"])
schemas["QualityScores"] = obj({"resources": arr(ref("QualityScore")), "departments": arr(ref("QualityScore"))}, ["resources", "departments"])
pstatus = enum("open", "acknowledged", "fixed", "verified", "disputed")
schemas["ProblemRecord"] = obj({"id": integer, "resource": string, "department": string, "source": enum("quality", "objection"), "rowKey": string,
                          "field": string, "rule": string, "value": string, "reason": string, "status": pstatus, "firstSeenAt": dt,
                          "lastSeenAt": dt, "closedAt": dt, "raisedBy": string, "note": string},
                         ["id", "resource", "department", "source", "rowKey", "field", "rule", "value", "reason", "status", "firstSeenAt", "lastSeenAt"])
schemas["ProblemUpdate"] = obj({"status": pstatus, "note": {"type": "string", "maxLength": 2000}}, ["status"])
schemas["Objection"] = obj({"rowKey": {"type": "string", "minLength": 1, "maxLength": 200}, "field": string,
                            "value": {"type": "string", "maxLength": 2000}, "reason": {"type": "string", "minLength": 1, "maxLength": 2000}},
                           ["rowKey", "field", "reason"])
schemas["ProblemStats"] = obj({"department": string, "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                               "meanHoursToFix": number}, ["department", "counts"])
dsref = obj({"namespace": string, "name": string}, ["namespace", "name"])
schemas["LineageGraph"] = obj({
    "nodes": arr(obj({"id": string, "type": enum("dataset", "job"), "namespace": string, "name": string, "resource": string},
                     ["id", "type", "namespace", "name"])),
    "edges": arr(obj({"from": string, "to": string}, ["from", "to"])),
    "columnEdges": arr(obj({"from": dsref, "fromField": string, "to": dsref, "toField": string, "job": dsref},
                           ["from", "fromField", "to", "toField", "job"]))}, ["nodes", "edges", "columnEdges"])
# The body is an OpenLineage RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json); described as an open
# object because the spec's own schema governs it (and nested facets are open-ended).
schemas["OpenLineageRunEvent"] = {"type": "object", "description": "An OpenLineage 2-0-2 RunEvent: eventType, eventTime, run.runId, job.namespace, job.name, inputs, outputs, producer, schemaURL"}
for n in ["Department", "User", "APIToken", "VersionSummary", "AuditEntry", "DataElement", "IngestJob", "Freshness", "PullSource", "QualityRun",
          "ProblemRecord", "ProblemStats"]:
    schemas[n + "List"] = listof(n)

def problem(desc): return {"description": desc, "content": {"application/problem+json": {"schema": ref("Problem")}}}
ERR = {"400": problem("Malformed input: bad JSON, a bad parameter"), "401": problem("Missing, unknown, revoked or expired token"),
       "403": problem("The caller's role does not allow this"), "404": problem("Unknown route or unknown id"),
       "409": problem("Conflicts with stored state (duplicate code, dependants, lifecycle)"),
       "413": problem("Body too large"), "415": problem("Body is not application/json"),
       "422": problem("Well-formed input that breaks a rule; violations lists field, row and reason")}
def ok(schema, code="200", desc="OK"):
    return {code: {"description": desc, "content": {"application/json": {"schema": ref(schema)}}}}
def body(schema, desc=None):
    b = {"required": True, "content": {"application/json": {"schema": ref(schema) if isinstance(schema, str) else schema}}}
    if desc: b["description"] = desc
    return b
def p_path(name, schema=None, desc=None):
    d = {"name": name, "in": "path", "required": True, "schema": schema or string}
    if desc: d["description"] = desc
    return d
def q(name, schema=None, desc=None):
    d = {"name": name, "in": "query", "required": False, "schema": schema or string}
    if desc: d["description"] = desc
    return d
def op(opid, summary, responses, tags, params=None, requestBody=None, desc=None):
    o = {"operationId": opid, "summary": summary, "tags": tags, "responses": {**responses, **ERR}}
    if params: o["parameters"] = params
    if requestBody: o["requestBody"] = requestBody
    if desc: o["description"] = desc
    return o

dcode = {**p_path("code", desc="Department code"), "example": "C-GA"}
instant = {"type": "string", "description": "A date (YYYY-MM-DD, China time) or an ISO 8601 instant"}
audit_filters = [q("action"), q("target", desc="What was acted on, e.g. resource:RK-330100-0001, application:3"),
                 q("resource", desc="Shorthand for target=resource:CODE"), q("actor", desc="Login name or system:DEPT/NAME"),
                 q("department", desc="The actor's department"), q("from", instant, "Inclusive"), q("to", instant, "Exclusive")]
code = {**p_path("code", desc="Resource code"), "example": "RK-330100-0001"}
uid = p_path("id", {"type": "integer", "format": "int64", "minimum": 1}, "Numeric id")
CKAN_ACTIONS = ["package_list", "package_show", "package_search", "organization_list", "organization_show", "group_list", "group_show",
                "tag_list", "resource_show", "datastore_search", "status_show", "site_read"]
paths = {
 "/healthz": {"get": {"operationId": "health", "summary": "Liveness, and the last scheduled backup (degraded when it failed)", "tags": ["system"], "security": [],
                       "responses": ok("Health")}},
 "/readyz": {"get": {"operationId": "ready", "summary": "Readiness: migrations current, the database answering within 2 s, and the node below its request limit (saturation reported)", "tags": ["system"],
                      "security": [], "responses": {**ok("Readiness"), "503": {"description": "Not ready: schema, database or saturation", "content": {"application/json": {"schema": ref("Readiness")}}}}}},
 "/metrics": {"get": {"operationId": "metrics", "summary": "Prometheus metrics: HTTP requests by route and status with latency histograms, ingestion jobs and rows, quality runs, denials, audit entries",
                       "tags": ["system"], "security": [],
                       "responses": {"200": {"description": "Prometheus text exposition format 0.0.4", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
 "/catalog.jsonld": {"get": {"operationId": "dcatJsonLD", "summary": "The open-data catalog in DCAT-AP 3 as JSON-LD (dcat:Catalog, dcat:Dataset, dcat:Distribution, foaf:Agent)",
                              "tags": ["open data"], "security": [],
                              "responses": {"200": {"description": "JSON-LD document", "content": {"application/ld+json": {"schema": {"type": "object"}}}}}}},
 "/catalog.ttl": {"get": {"operationId": "dcatTurtle", "summary": "The open-data catalog in DCAT-AP 3 as Turtle", "tags": ["open data"], "security": [],
                           "responses": {"200": {"description": "Turtle document", "content": {"text/turtle": {"schema": {"type": "string"}}}}}}},
 **{f"/api{v}/action/{{action}}": {m: {
     "operationId": f"ckan{'3' if v else ''}{m.capitalize()}",
     "summary": "CKAN Action API (read-only) over unconditional open data: " + ", ".join(CKAN_ACTIONS) + ("; POST takes the parameters as a JSON object" if m == "post" else "; parameters in the query string"),
     "tags": ["open data"], "security": [],
     "parameters": [p_path("action", enum(*CKAN_ACTIONS), "CKAN action name")] + ([] if m == "post" else [
         q("id"), q("q", desc="Free text"), q("fq", desc="Filters, e.g. organization:p-sjj tags:电子证照"), q("rows", {"type": "integer", "minimum": 0, "maximum": 1000}),
         q("start", {"type": "integer", "minimum": 0}), q("sort"), q("resource_id", desc="Distribution id: CODE.csv or CODE.jsonl"),
         q("filters", desc="JSON object: field to value or list of values"), q("limit", {"type": "integer", "minimum": 0, "maximum": 1000}),
         q("offset", {"type": "integer", "minimum": 0, "maximum": 100000}), q("all_fields", {"type": "boolean"})]),
     **({"requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}}} if m == "post" else {}),
     "responses": {code: {"description": d, "content": {"application/json": {"schema": ref("CKANResponse")}}}
                   for code, d in [("200", "success: true, result"), ("400", "Unknown action"), ("403", "Not authorised"),
                                   ("404", "Not found"), ("409", "Validation error: which parameter and why")]}}
     for m in ("get", "post")} for v in ("/3", "")},
 "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document", "tags": ["system"], "security": [],
                            "responses": {"200": {"description": "OpenAPI 3.0 document", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
 "/": {"get": {"operationId": "console", "summary": "Web console: the cockpit or workbench of the signed-in user (session cookie); without one, a redirect to /login",
               "tags": ["console"], "security": [], "parameters": [q("lang", enum("zh-CN", "en"))],
               "responses": {"200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
                             "303": {"description": "Not signed in: to /login?next=/"}}}},
 "/login": {"get": {"operationId": "consoleLogin", "summary": "Web console sign-in page (zh-CN by default, ?lang=en); the other console pages are HTML for people, not part of this API",
                    "tags": ["console"], "security": [], "parameters": [q("lang", enum("zh-CN", "en")), q("next", string)],
                    "responses": {"200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
                                  "303": {"description": "Already signed in: to next"}}}},
 "/api/v1/me": {"get": op("getMe", "The calling user", ok("User"), ["users"])},
 "/api/v1/installation/key": {"get": op("getInstallationKey", "The platform's signing key (audit checkpoints, export manifests): profile, algorithm, public key, fingerprint",
                                       ok("InstallationKey"), ["system"])},
 "/api/v1/overview": {"get": op("getOverview", "Platform counts for the bureau's overview", ok("Overview"), ["system"])},
 "/api/v1/data-elements": {"get": op("listDataElements", "Built-in data elements and their standards", ok("DataElementList"), ["catalog"])},
 "/api/v1/departments": {
   "get": op("listDepartments", "List departments", ok("DepartmentList"), ["departments"],
             [q("parent", desc="Only children of this department"), q("level", ref("AdminLevel"))]),
   "post": op("createDepartment", "Create a department (admin)", ok("Department", "201", "Created"), ["departments"],
              requestBody=body("DepartmentInput"))},
 "/api/v1/departments/{code}": {
   "get": op("getDepartment", "Show a department", ok("Department"), ["departments"], [dcode]),
   "patch": op("updateDepartment", "Change a department (admin); null clears parent or creditCode", ok("Department"), ["departments"], [dcode],
               body("DepartmentPatch")),
   "delete": op("deleteDepartment", "Delete a department without children, resources or users (admin)",
                {"204": {"description": "Deleted"}}, ["departments"], [dcode])},
 "/api/v1/users": {
   "get": op("listUsers", "List users (admin, auditor)", ok("UserList"), ["users"], [q("department")]),
   "post": op("createUser", "Create a user (admin)", ok("User", "201", "Created"), ["users"], requestBody=body("UserInput"))},
 "/api/v1/users/{id}": {
   "get": op("getUser", "Show a user (self, admin, auditor)", ok("User"), ["users"], [uid]),
   "patch": op("updateUser", "Change a user (admin; users may change their own display name and password)", ok("User"), ["users"], [uid],
               body("UserPatch"))},
 "/api/v1/users/{id}/tokens": {
   "get": op("listTokens", "A user's API tokens (self, admin); never the secrets", ok("APITokenList"), ["users"], [uid]),
   "post": op("issueToken", "Issue an API token (self, admin); the secret is shown once", ok("IssuedToken", "201", "Created"), ["users"], [uid],
              body("TokenRequest"))},
 "/api/v1/tokens/{id}": {
   "delete": op("revokeToken", "Revoke an API token (its owner, admin)", ok("APIToken"), ["users"], [uid])},
 "/api/v1/resources": {
   "get": op("searchResources", "Search the catalog: Chinese text and filters, paginated", ok("SearchResult"), ["catalog"],
             [q("q", {"type": "string", "maxLength": 200}, "Text; two-character Chinese words such as 人口 match"), q("department"),
              q("category", desc="Subject category such as 人口, 法人, 电子证照, 社会信用"), q("shareType", ref("ShareType")),
              q("gradeLevel", ref("GradeLevel")), q("status", ref("ResourceStatus")),
              q("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
              q("offset", {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0})]),
   "post": op("createResource", "Register a resource in the catalog (provider of its department, admin)", ok("Resource", "201", "Created"),
              ["catalog"], requestBody=body("ResourceInput"))},
 "/api/v1/resources/{code}": {
   "get": op("getResource", "Show a resource", ok("Resource"), ["catalog"], [code]),
   "patch": op("updateResource", "Change a resource; every change makes a version", ok("Resource"), ["catalog"], [code], body("ResourceInput"))},
 "/api/v1/resources/{code}/publish": {"post": op("publishResource", "Publish a draft; creates its records table", ok("Resource"), ["catalog"], [code])},
 "/api/v1/resources/{code}/retire": {"post": op("retireResource", "Retire a published resource", ok("Resource"), ["catalog"], [code])},
 "/api/v1/resources/{code}/versions": {"get": op("listVersions", "Versions of a resource", ok("VersionSummaryList"), ["catalog"], [code])},
 "/api/v1/resources/{code}/versions/{version}": {
   "get": op("getVersion", "One version's full snapshot", ok("ResourceVersion"), ["catalog"],
             [code, p_path("version", {"type": "integer", "minimum": 1})])},
 "/api/v1/resources/{code}/diff": {
   "get": op("diffVersions", "Field-level differences between two versions", ok("Diff"), ["catalog"],
             [code, {**q("from", {"type": "integer", "minimum": 1}), "required": True}, {**q("to", {"type": "integer", "minimum": 1}), "required": True}])},
 "/api/v1/resources/{code}/records": {
   "get": op("queryRecords", "Read records (owning department, admin): keyset pages", ok("RecordPage"), ["records"],
             [code, q("fields", desc="Comma-separated item names"),
              {**q("filter", arr(string), "item:op:value with op eq, ne, lt, le, gt, ge or prefix; repeatable"), "style": "form", "explode": True},
              q("sort", desc="A required item, - for descending"), q("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
              q("cursor", desc="nextCursor of the previous page")]),
   "post": op("insertRecords", "Load records (provider of the owning department, admin): all or nothing, at most 10000",
              {"201": {"description": "Created (or, for a retry with the same Idempotency-Key, what the first call created)",
                       "headers": {"Idempotent-Replayed": {"description": "true when this answers a retry and nothing new was stored",
                                                           "schema": {"type": "string"}}},
                       "content": {"application/json": {"schema": ref("Inserted")}}}}, ["records"],
              [code, {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 255},
                      "description": "A retried push with the same key and body stores nothing twice (remembered 24 hours)"}],
              body(arr({"type": "object", "additionalProperties": {}}), "Records as objects keyed by item name"))},
 "/api/v1/resources/{code}/ingest": {
   "post": op("ingestFile", "Push a file into a resource as one atomic job (provider of the owning department, admin)",
              {**ok("IngestJob", "201", "The job succeeded (rejected rows, if any, are counted and downloadable)")}, ["ingestion"],
              [code, q("mode", enum("append", "upsert", "replace")), q("format", enum("csv", "tsv", "jsonl", "json", "xlsx"), "Overrides the Content-Type"),
               q("sheet", desc="The sheet of an XLSX workbook (default: the first)"),
               q("encoding", enum("auto", "utf-8", "gbk", "gb18030"), "Overrides the Content-Type charset; auto detects a BOM, UTF-8 or GB 18030"),
               q("maxErrors", {"type": "integer", "minimum": 0}, "Fail the job after this many rejected rows"),
               {**q("map", arr(string), "COLUMN:ITEM for columns that match no item name or label; repeatable"), "style": "form", "explode": True},
               q("name", desc="The file's name, shown in the job")],
              {"required": True, "description": "The file, streamed: CSV, TSV, JSON Lines, a JSON array of objects, or an XLSX workbook",
               "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in
                           ["text/csv", "text/tab-separated-values", "application/x-ndjson", "application/json",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]}
                           | {"multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}})},
 "/api/v1/resources/{code}/pulls": {
   "post": op("registerPull", "Register a department system to pull from on a schedule (provider of the owning department, admin)",
              ok("PullSource", "201", "Registered; the first run is due at once"), ["ingestion"], [code], body("PullSourceInput"))},
 "/api/v1/pulls": {"get": op("listPulls", "Registered pull sources (own department's for providers)", ok("PullSourceList"), ["ingestion"],
                             [q("resource")])},
 "/api/v1/pulls/{id}/run": {"post": op("runPull", "Run a pull now, whatever its schedule", ok("IngestJob", "201", "The job succeeded"),
                                       ["ingestion"], [uid])},
 "/api/v1/pulls/{id}": {"delete": op("deletePull", "Remove a pull source", {"204": {"description": "Removed"}}, ["ingestion"], [uid])},
 "/api/v1/jobs": {"get": op("listJobs", "Ingestion jobs, newest first (own department's for providers)", ok("IngestJobList"), ["ingestion"],
                            [q("resource")])},
 "/api/v1/jobs/{id}": {"get": op("getJob", "A job, with progress while it runs", ok("IngestJob"), ["ingestion"], [uid])},
 "/api/v1/jobs/{id}/cancel": {"post": op("cancelJob", "Ask a running job to stop; it ends cancelled, the data unchanged",
                                         ok("IngestJob", "202", "Cancellation requested"), ["ingestion"], [uid])},
 "/api/v1/jobs/{id}/rejects": {"get": op("getJobRejects", "The rejected rows as CSV: original values, then _row, _field, _reason",
                                         {"200": {"description": "UTF-8 CSV with a byte order mark",
                                                  "content": {"text/csv": {"schema": {"type": "string"}}}}}, ["ingestion"], [uid])},
 "/api/v1/health/freshness": {"get": op("listFreshness", "Each published resource's last update against its update cycle",
                                        ok("FreshnessList"), ["ingestion"], [q("department")])},
 "/api/v1/resources/{code}/quality/rules": {
   "get": op("getQualityRules", "The resource's quality rules, or those proposed from its items while it has none",
             ok("QualityRules"), ["governance"], [code]),
   "put": op("setQualityRules", "Replace the resource's quality rules (provider of the owning department, admin)",
             ok("QualityRules"), ["governance"], [code], body("QualityRulesInput"))},
 "/api/v1/resources/{code}/quality/runs": {
   "post": op("runQuality", "Run the rules over the stored records and keep the result (provider, admin, auditor)",
              ok("QualityRun", "201", "The run's results and score"), ["governance"], [code]),
   "get": op("listQualityRuns", "Score history of the resource, newest first", ok("QualityRunList"), ["governance"],
             [code, q("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 30})])},
 "/api/v1/quality/scores": {"get": op("listQualityScores", "Latest score of each resource and each department's mean (own department's for non-admins)",
                                      ok("QualityScores"), ["governance"], [q("department")])},
 "/api/v1/problems": {"get": op("listProblems", "Problem records, oldest first (own department's for providers)", ok("ProblemRecordList"),
                                ["governance"], [q("department"), q("resource"), q("status", pstatus),
                                                 q("after", {"type": "integer", "minimum": 0, "default": 0}),
                                                 q("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})])},
 "/api/v1/problems/{id}": {"patch": op("updateProblem", "Acknowledge, fix or dispute a problem (provider); rule on a dispute (admin)",
                                       ok("ProblemRecord"), ["governance"], [uid], body("ProblemUpdate"))},
 "/api/v1/problems/stats": {"get": op("problemStats", "Problems by status and mean hours to fix, per department", ok("ProblemStatsList"),
                                      ["governance"], [q("department")])},
 "/api/v1/resources/{code}/objections": {"post": op("objectToValue", "Object to a value received (校核纠错): a problem for the provider",
                                                    ok("ProblemRecord", "201", "The problem raised"), ["governance"], [code], body("Objection"))},
 "/api/v1/lineage": {"post": op("sendLineageEvent", "Record an OpenLineage run event (spec 2-0-2) from an outside tool (provider, admin)",
                                 {"201": {"description": "Recorded"}}, ["governance"], None, body("OpenLineageRunEvent"),
                                 "Point an OpenLineage HTTP transport (Airflow, Spark, dbt) at this server with endpoint api/v1/lineage and a bearer token.")},
 "/api/v1/resources/{code}/lineage": {"get": op("getLineage", "Datasets, jobs and column edges upstream and/or downstream of the resource",
                                                ok("LineageGraph"), ["governance"],
                                                [code, q("direction", enum("up", "down", "both")),
                                                 q("depth", {"type": "integer", "minimum": 1, "maximum": 10, "default": 3})])},
 "/api/v1/data-elements/{id}": {"put": op("saveDataElement", "Define or change a data element (admin); each save is a new version",
                                            ok("DataElement"), ["governance"], [p_path("id", desc="Element id: a-z, 0-9, _")], body("DataElementInput"))},
 "/api/v1/data-elements/{id}/versions": {"get": op("listDataElementVersions", "Every version of a registered data element, oldest first",
                                                   ok("DataElementList"), ["governance"], [p_path("id")])},
 "/api/v1/audit": {
   "get": op("listAudit", "Search the audit trail, in order (auditor, admin)", ok("AuditEntryList"), ["audit"],
             [q("after", {"type": "integer", "minimum": 0, "default": 0}), q("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})]
             + audit_filters)},
 "/api/v1/audit/export": {
   "get": op("exportAudit", "Every matching entry as JSON Lines or CSV, streamed; the export is itself audited (auditor, admin)",
             {"200": {"description": "The entries", "content": {"application/x-ndjson": {"schema": {"type": "string"}},
                                                                "text/csv": {"schema": {"type": "string"}}}}}, ["audit"],
             [q("format", enum("jsonl", "csv"))] + audit_filters)},
}
# Sharing (共享交换)
date = {"type": "string", "format": "date"}
dept = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"}
rcode = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}
service = enum("query", "verify", "export", "subscribe", "sandbox")
astatus = enum("review", "provider", "bureauApproval", "disputed", "granted", "rejected", "refused", "withdrawn")
terms = obj({"clearItems": arr(string), "callsPerDay": {"type": "integer", "minimum": 1, "maximum": 10000000},
             "rowsPerDay": {"type": "integer", "minimum": 1, "maximum": 1000000000}, "services": arr(service)}, extra=True)
schemas.update({
 "GrantTerms": terms,
 "ApplicationEvent": obj({"at": dt, "actor": string, "department": string, "action": string, "status": astatus, "reason": string},
                         ["at", "actor", "action", "status"]),
 "Application": obj({"id": integer, "channel": {**enum("sharing", "open"), "description": "open: a registered member's application for conditional open data (consumer is MEMBER-id)"},
                     "resource": string, "provider": string, "consumer": string, "applicant": string,
                     "items": arr(string), "services": arr(service), "purpose": string, "legalBasis": string, "serviceItem": string,
                     "validFrom": date, "validUntil": date, "expectedRowsPerDay": {"type": "integer"}, "status": astatus,
                     "dueAt": {**dt, "description": "When the current step is due (working days of the calendar)"}, "escalatedAt": dt,
                     "needsBureauApproval": {"type": "boolean"}, "terms": ref("GrantTerms"), "grant": integer,
                     "history": arr(ref("ApplicationEvent")), "createdAt": dt, "updatedAt": dt},
                    ["id", "resource", "provider", "consumer", "applicant", "items", "services", "purpose", "legalBasis", "validFrom",
                     "validUntil", "status", "needsBureauApproval", "terms", "history", "createdAt", "updatedAt"]),
 "ApplicationInput": obj({"resource": string, "items": arr(string), "services": arr(service), "purpose": {"type": "string", "maxLength": 1000},
                          "legalBasis": {"type": "string", "maxLength": 1000}, "serviceItem": {"type": "string", "maxLength": 200},
                          "validFrom": date, "validUntil": date, "expectedRowsPerDay": {"type": "integer", "minimum": 0}},
                         ["resource", "items", "purpose"], extra=True),
 "ApplicationChange": obj({"items": arr(string), "services": arr(service), "purpose": string, "legalBasis": string, "serviceItem": string,
                           "validFrom": date, "validUntil": date, "expectedRowsPerDay": {"type": "integer", "minimum": 0}}, extra=True),
 "Decision": obj({"approve": {"type": "boolean"}, "reason": {"type": "string", "description": "Required to reject"}, "terms": ref("GrantTerms")},
                 ["approve"], extra=True),
 "Reason": obj({"reason": string}, extra=True),
 "Grant": obj({"id": integer, "application": integer, "resource": string, "provider": string, "consumer": string, "items": arr(string),
               "clearItems": arr(string), "services": arr(service), "purpose": string, "validFrom": date, "validUntil": date,
               "callsPerDay": {"type": "integer"}, "rowsPerDay": {"type": "integer"}, "status": enum("active", "suspended", "revoked"),
               "statusReason": string, "createdAt": dt, "updatedAt": dt},
              ["id", "application", "resource", "provider", "consumer", "items", "clearItems", "services", "purpose", "validFrom",
               "validUntil", "callsPerDay", "rowsPerDay", "status", "createdAt", "updatedAt"]),
 "DecisionResult": obj({"application": ref("Application"), "grant": ref("Grant")}, ["application"]),
 "ShareUsage": obj({"grant": integer, "day": date, "resource": string, "provider": string, "consumer": string,
                    "calls": {"type": "integer"}, "rows": {"type": "integer"}}, ["grant", "day", "resource", "provider", "consumer", "calls", "rows"]),
 "SystemAccount": obj({"id": integer, "department": string, "name": string, "description": string, "keyPrefix": string,
                       "networks": arr(string), "createdBy": string, "createdAt": dt, "rotatedAt": dt, "revokedAt": dt, "lastUsedAt": dt},
                      ["id", "department", "name", "keyPrefix", "networks", "createdBy", "createdAt"]),
 "SystemAccountInput": obj({"department": string, "name": {"type": "string", "pattern": "^[a-z0-9_-]{1,48}$"},
                            "description": {"type": "string", "maxLength": 200}, "networks": arr(string)}, ["name"], extra=True),
 "SystemAccountWithKey": obj({"account": ref("SystemAccount"),
                              "key": {"type": "string", "description": "zsk_ and 64 hex digits; shown once, only its hash is stored"}},
                             ["account", "key"]),
 "CalendarDay": obj({"date": date, "kind": enum("holiday", "workday"), "name": string}, ["date", "kind", "name"]),
 "CalendarDayInput": obj({"kind": enum("holiday", "workday"), "name": {"type": "string", "minLength": 1, "maxLength": 50}}, ["kind", "name"], extra=True),
 "Receipt": obj({"auditEntry": integer, "requestHash": {"type": "string", "description": "SHA-256 of the canonical request"}, "grant": integer},
                ["auditEntry", "requestHash", "grant"]),
 "SharedPage": obj({"fields": arr(string), "records": arr({"type": "object", "additionalProperties": {}}), "nextCursor": string,
                    "receipt": ref("Receipt")}, ["fields", "records", "receipt"]),
 "ChangesPage": obj({"fields": arr(string), "records": arr({"type": "object", "additionalProperties": {}}),
                     "cursor": {"type": "string", "description": "Pass it back to get what changed next"},
                     "reset": {"type": "boolean", "description": "The data was replaced: drop the copy, these rows start it anew"},
                     "more": {"type": "boolean", "description": "More changes wait: call again at once"}, "receipt": ref("Receipt")},
                    ["fields", "records", "cursor", "reset", "more", "receipt"]),
 "VerifyInput": obj({"tuples": {**arr({"type": "object", "additionalProperties": {}}), "maxItems": 1000},
                     "explain": {"type": "boolean", "description": "Also list the submitted items that differ"}}, ["tuples"], extra=True),
 "VerifyResult": obj({"match": {"type": "boolean"}, "found": {"type": "boolean"}, "differs": arr(string)}, ["match", "found"]),
 "VerifyReply": obj({"results": arr(ref("VerifyResult")), "receipt": ref("Receipt")}, ["results", "receipt"]),
})
manifest_props = {"export": integer, "grant": integer, "resource": string, "provider": string, "consumer": string, "purpose": string,
                  "format": enum("csv", "jsonl"), "rowCount": {"type": "integer"}, "bytes": integer,
                  "sha256": {"type": "string", "description": "Digest of the whole file: SHA-256, or SM3 when digestAlgorithm is sm3"},
                  "columns": arr(obj({"name": string, "sha256": string}, ["name", "sha256"])),
                  "rowDigests": {"type": "string", "description": "8 hex digits per row: the digest of its cells joined by U+001F"},
                  "createdAt": dt, "auditEntry": integer, "requestHash": string}
schemas.update({
 "InstallationKey": obj({"profile": enum("standard", "gm"), "algorithm": enum("ed25519", "sm2"), "publicKey": string,
                         "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}, ["profile", "algorithm", "publicKey", "fingerprint"]),
 "ManifestSignature": obj({"algorithm": enum("ed25519", "sm2"), "publicKey": string, "value": {"type": "string", "format": "byte"}},
                          ["algorithm", "publicKey", "value"]),
 "ExportManifest": obj({**manifest_props, "signature": ref("ManifestSignature"),
                        "digestAlgorithm": {**enum("sm3"), "description": "The checksums' algorithm under the gm profile; absent is SHA-256"}},
                       list(manifest_props)),
 "Export": obj({"id": integer, "grant": integer, "resource": string, "consumer": string, "requestedBy": string, "format": enum("csv", "jsonl"),
                "fields": arr(string), "filters": arr(string), "status": enum("running", "succeeded", "failed"), "rows": {"type": "integer"},
                "error": string, "node": string, "createdAt": dt, "finishedAt": dt, "manifest": ref("ExportManifest")},
               ["id", "grant", "resource", "consumer", "requestedBy", "format", "fields", "filters", "status", "rows", "node", "createdAt"]),
})
schemas.update({
 "Webhook": obj({"id": integer, "department": string, "resource": string, "url": string, "createdBy": string, "createdAt": dt,
                 "lastVersion": {"type": "integer", "description": "The catalog version last delivered"}, "attempts": {"type": "integer"},
                 "nextAttemptAt": dt, "lastError": string, "lastDeliveredAt": dt},
                ["id", "department", "resource", "url", "createdBy", "createdAt", "lastVersion", "attempts"]),
 "WebhookInput": obj({"resource": string, "url": {"type": "string", "format": "uri", "maxLength": 2000}}, ["resource", "url"], extra=True),
 "WebhookWithSecret": obj({"webhook": ref("Webhook"), "secret": {"type": "string", "description":
     "Key of X-Zhengshu-Signature: sha256=HMAC-SHA256(secret, X-Zhengshu-Timestamp + '.' + body); shown once"}}, ["webhook", "secret"]),
 "WebhookDelivery": obj({"webhook": integer, "version": {"type": "integer"}, "attempt": {"type": "integer"},
                         "outcome": enum("delivered", "retrying", "abandoned"), "httpStatus": {"type": "integer"}, "error": string, "at": dt,
                         "milliseconds": {"type": "integer"}}, ["webhook", "version", "attempt", "outcome", "at", "milliseconds"]),
})
ptype = enum("citizen_id", "citizen_id_15", "credit_code", "mobile", "landline", "bank_card", "email", "passport", "hk_macao_permit",
             "licence_plate", "ipv4", "ipv6", "address", "person_name")
schemas["ColumnFinding"] = obj({"column": string, "values": {"type": "integer"}, "detected": ptype, "matchRatio": {"type": "number"},
                                "confidence": {"type": "number"}, "examples": arr(string), "embedded": arr(ptype),
                                "sensitiveWordValues": {"type": "integer"}, "sensitiveWords": arr(string)},
                               ["column", "values", "matchRatio", "confidence", "examples", "embedded", "sensitiveWordValues", "sensitiveWords"])
schemas["ResourceScan"] = obj({"resource": string, "rows": {"type": "integer"}, "columns": arr(ref("ColumnFinding")),
                               "catalogSensitiveWords": arr(string), "proposal": ref("GradeProposal")},
                              ["resource", "rows", "columns", "catalogSensitiveWords"])
pstatus = enum("pending", "confirmed", "overridden", "superseded")
schemas["GradeProposalItem"] = obj({"item": string, "current": ref("Sensitivity"), "proposed": ref("Sensitivity"), "basis": string},
                                   ["item", "proposed", "basis"])
schemas["GradeProposal"] = obj({"id": integer, "resource": string, "department": string, "resourceVersion": {"type": "integer"},
                                "items": arr(ref("GradeProposalItem")), "currentResourceGrade": ref("Sensitivity"),
                                "proposedResourceGrade": ref("Sensitivity"), "status": pstatus, "createdAt": dt, "createdBy": string,
                                "decidedAt": dt, "decidedBy": string, "decidedItems": {"type": "object", "additionalProperties": ref("Sensitivity")},
                                "decidedResourceGrade": ref("Sensitivity"), "reason": string},
                               ["id", "resource", "department", "resourceVersion", "items", "currentResourceGrade", "proposedResourceGrade",
                                "status", "createdAt", "createdBy"])
schemas["GradeDecision"] = obj({"items": {"type": "object", "additionalProperties": ref("Sensitivity"), "description": "Overrides: item → grade"},
                                "resourceGrade": ref("Sensitivity"), "reason": {"type": "string", "description": "Required when overriding"}}, extra=True)
schemas["GradeDecisionResult"] = obj({"proposal": ref("GradeProposal"), "resource": ref("Resource")}, ["proposal", "resource"])
mmethod = enum("mask", "display", "hash", "pseudonymise", "generalise", "suppress", "clear")
mto = enum("year", "month", "district", "range")
schemas["MaskingPolicy"] = obj({"name": string, "method": mmethod, "keepFirst": {"type": "integer"}, "keepLast": {"type": "integer"},
                                "to": mto, "width": {"type": "number"}, "elements": arr(string), "description": string,
                                "updatedAt": dt, "updatedBy": string}, ["name", "method", "elements"])
schemas["MaskingPolicyInput"] = obj({"method": mmethod, "keepFirst": {"type": "integer", "minimum": 0, "maximum": 64},
                                     "keepLast": {"type": "integer", "minimum": 0, "maximum": 64}, "to": mto,
                                     "width": {"type": "number", "exclusiveMinimum": True, "minimum": 0},
                                     "elements": arr(string), "description": string}, ["method"], extra=True)
schemas["ShareTotal"] = obj({"key": string, "day": date, "calls": {"type": "integer"}, "rows": {"type": "integer"}}, ["key", "day", "calls", "rows"])
arule = enum("volume", "off_hours", "enumeration", "denials", "new_network", "backup_failed")
astate = enum("open", "acknowledged", "closed")
schemas["Alert"] = obj({"id": integer, "rule": arule, "severity": enum("low", "medium", "high"), "state": astate, "subject": string,
                        "department": string, "summary": string, "evidence": arr(integer), "from": dt, "to": dt, "raisedAt": dt,
                        "dedupeKey": string, "updatedAt": dt, "updatedBy": string, "note": string},
                       ["id", "rule", "severity", "state", "subject", "summary", "evidence", "from", "to", "raisedAt", "dedupeKey"])
schemas["Note"] = obj({"note": {"type": "string", "maxLength": 2000}}, extra=True)
for n in ["Alert", "GradeProposal", "MaskingPolicy", "ShareTotal", "Application", "Grant", "ShareUsage", "SystemAccount", "CalendarDay", "Export", "Webhook", "WebhookDelivery"]:
    schemas[n + "List"] = listof(n)
receipt_headers = {"X-Audit-Entry": {"description": "Sequence of the audit entry written for this call", "schema": {"type": "integer"}},
                   "X-Request-Hash": {"description": "SHA-256 (hex) of METHOD, path, sorted query and body SHA-256, one per line",
                                      "schema": {"type": "string"}}}
def served(schema):
    return {"200": {"description": "OK", "headers": receipt_headers, "content": {"application/json": {"schema": ref(schema)}}},
            "429": {**problem("A daily quota of the grant is used up"),
                    "headers": {"Retry-After": {"description": "Seconds until the quota refills", "schema": {"type": "integer"}}}}}
date_path = p_path("date", date, "YYYY-MM-DD")
policy_name = p_path("name", {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,47}$"}, "Policy name")
grant_q = q("grant", {"type": "integer", "minimum": 1}, "Which grant to use (default: the newest usable one of the caller's department)")
paths.update({
 "/api/v1/applications": {
   "post": op("applyForResource", "Apply for another department's published resource (consumer)", ok("Application", "201", "Submitted"),
              ["sharing"], requestBody=body("ApplicationInput")),
   "get": op("listApplications", "Applications, newest first (own department's, both sides, for non-admins)", ok("ApplicationList"), ["sharing"],
             [q("consumer", dept), q("provider", dept), q("resource", rcode), q("status", astatus), q("overdue", enum("true", "false"), "Only overdue pending steps"),
              q("before", {"type": "integer", "minimum": 1}), q("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})])},
 "/api/v1/applications/{id}": {"get": op("getApplication", "An application with its full history", ok("Application"), ["sharing"], [uid])},
 "/api/v1/applications/{id}/decision": {
   "post": op("decideApplication", "Approve or reject the pending step: compliance review, second approval and disputes (admin); conditional answer (provider)",
              ok("DecisionResult"), ["sharing"], [uid], body("Decision"))},
 "/api/v1/applications/{id}/withdraw": {"post": op("withdrawApplication", "Withdraw a pending application (consumer)", ok("Application"), ["sharing"], [uid],
                                                    {**body("Reason"), "required": False})},
 "/api/v1/applications/{id}/dispute": {"post": op("disputeApplication", "Contest a provider's refusal; the bureau rules (consumer)", ok("Application"),
                                                  ["sharing"], [uid], body("Reason"))},
 "/api/v1/applications/{id}/resubmit": {"post": op("resubmitApplication", "Send a rejected, refused or withdrawn application again, changed (consumer)",
                                                   ok("Application"), ["sharing"], [uid], {**body("ApplicationChange"), "required": False})},
 "/api/v1/grants": {"get": op("listGrants", "Grants, newest first (own department's for non-admins)", ok("GrantList"), ["sharing"],
                              [q("consumer", dept), q("provider", dept), q("resource", rcode)])},
 "/api/v1/grants/{id}": {"get": op("getGrant", "A grant", ok("Grant"), ["sharing"], [uid])},
 "/api/v1/grants/{id}/{action}": {"post": op("changeGrant", "Suspend, resume or revoke a grant (provider, admin); a reason is required to suspend or revoke",
                                             ok("Grant"), ["sharing"], [uid, p_path("action", enum("suspend", "resume", "revoke"))],
                                             {**body("Reason"), "required": False})},
 "/api/v1/share-usage": {"get": op("listShareUsage", "Calls and rows per grant and day (own department's, both sides, for non-admins)",
                                   ok("ShareUsageList"), ["sharing"], [q("from", date), q("to", date), q("department", dept)])},
 "/api/v1/share-usage/totals": {"get": op("listShareTotals", "Calls and rows per day summed by resource, consuming or providing department, or grant",
                                          ok("ShareTotalList"), ["sharing"],
                                          [q("by", enum("resource", "consumer", "provider", "grant")), q("from", date), q("to", date), q("department", dept)])},
 "/api/v1/system-accounts": {
   "post": op("createSystemAccount", "Create a system account with an API key, shown once (consumer of the department, admin)",
              ok("SystemAccountWithKey", "201", "Created"), ["sharing"], requestBody=body("SystemAccountInput")),
   "get": op("listSystemAccounts", "System accounts (own department's for non-admins)", ok("SystemAccountList"), ["sharing"], [q("department", dept)])},
 "/api/v1/system-accounts/{id}": {
   "get": op("getSystemAccount", "A system account", ok("SystemAccount"), ["sharing"], [uid]),
   "delete": op("revokeSystemAccount", "Revoke a system account; its key stops at once", ok("SystemAccount"), ["sharing"], [uid])},
 "/api/v1/system-accounts/{id}/rotate": {"post": op("rotateSystemAccount", "Replace the key; the old one stops at once", ok("SystemAccountWithKey"),
                                                    ["sharing"], [uid])},
 "/api/v1/webhooks": {
   "post": op("createWebhook", "Be notified of every change to a resource's catalog entry: signed POSTs, retried with backoff (consumer, provider)",
              ok("WebhookWithSecret", "201", "Subscribed"), ["sharing"], requestBody=body("WebhookInput")),
   "get": op("listWebhooks", "Webhook subscriptions (own department's for non-admins)", ok("WebhookList"), ["sharing"])},
 "/api/v1/webhooks/{id}": {"delete": op("deleteWebhook", "Stop a subscription", {"204": {"description": "Removed"}}, ["sharing"], [uid])},
 "/api/v1/webhooks/{id}/deliveries": {"get": op("listWebhookDeliveries", "The last 100 delivery attempts, newest first", ok("WebhookDeliveryList"),
                                                ["sharing"], [uid])},
 "/api/v1/calendar": {"get": op("listCalendar", "Holidays and make-up working days that deadlines are counted with", ok("CalendarDayList"), ["sharing"],
                                [q("year", {"type": "integer", "minimum": 1, "maximum": 9999})])},
 "/api/v1/calendar/{date}": {
   "put": op("setCalendarDay", "Mark a day a holiday or a working day (admin)", ok("CalendarDay"), ["sharing"], [date_path], body("CalendarDayInput")),
   "delete": op("removeCalendarDay", "Make a day ordinary again (admin)", {"204": {"description": "Removed"}}, ["sharing"], [date_path])},
 "/api/v1/resources/{code}/scan": {
   "post": op("scanResource", "Find personal and sensitive data in the stored records (provider of the owning department, admin); only masked examples are returned",
              ok("ResourceScan"), ["governance"], [code, q("sample", {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 10000}, "Rows to look at")])},
 "/api/v1/grading/proposals": {"get": op("listGradeProposals", "Grade proposals from scans, newest first (own department's for providers)",
                                         ok("GradeProposalList"), ["governance"], [q("status", pstatus, "Default pending"), q("resource", rcode)])},
 "/api/v1/grading/proposals/{id}": {"get": op("getGradeProposal", "A grade proposal", ok("GradeProposal"), ["governance"], [uid])},
 "/api/v1/grading/proposals/{id}/decision": {
   "post": op("decideGradeProposal", "Confirm the proposed grades, or override them with a reason; the catalog gets a new version (provider, admin)",
              ok("GradeDecisionResult"), ["governance"], [uid], body("GradeDecision"))},
 "/api/v1/masking-policies": {"get": op("listMaskingPolicies", "Named masking policies", ok("MaskingPolicyList"), ["governance"])},
 "/api/v1/masking-policies/{name}": {
   "get": op("getMaskingPolicy", "A masking policy", ok("MaskingPolicy"), ["governance"], [policy_name]),
   "put": op("saveMaskingPolicy", "Create or replace a masking policy (admin)", ok("MaskingPolicy"), ["governance"], [policy_name], body("MaskingPolicyInput")),
   "delete": op("deleteMaskingPolicy", "Remove a masking policy; items naming it are suppressed until they name another (admin)",
                {"204": {"description": "Removed"}}, ["governance"], [policy_name])},
 "/api/v1/alerts": {"get": op("listAlerts", "Risk alerts from the rules over the audit trail, newest first (admin, auditor)", ok("AlertList"),
                              ["audit"], [q("state", astate), q("rule", arule)])},
 "/api/v1/alerts/{id}": {"get": op("getAlert", "A risk alert with its evidence (audit entry sequence numbers)", ok("Alert"), ["audit"], [uid])},
 "/api/v1/alerts/{id}/{action}": {"post": op("changeAlert", "Acknowledge, close (a note is required) or reopen an alert (admin)", ok("Alert"), ["audit"],
                                             [uid, p_path("action", enum("acknowledge", "close", "reopen"))], {**body("Note"), "required": False})},
 "/api/v1/share/{code}/records": {
   "get": op("sharedQuery", "Read granted items of another department's resource, masked per policy (consumer, system account)",
             served("SharedPage"), ["sharing"],
             [code, grant_q, q("fields", desc="Comma-separated granted items"),
              {**q("filter", arr(string), "item:op:value on items granted in clear; repeatable"), "style": "form", "explode": True},
              q("sort", desc="A required item granted in clear, - for descending"),
              q("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}), q("cursor")])},
 "/api/v1/share/{code}/exports": {
   "post": op("startExport", "Export granted items, masked per policy, as CSV or JSON Lines with a reconciliation manifest; runs in the background",
              {"202": {"description": "Started; poll the export", "headers": {"Location": {"schema": {"type": "string"}}},
                       "content": {"application/json": {"schema": ref("Export")}}},
               "429": problem("A daily quota of the grant is used up")}, ["sharing"],
              [code, grant_q, q("format", enum("csv", "jsonl")), q("fields", desc="Comma-separated granted items"),
               {**q("filter", arr(string), "item:op:value on items granted in clear; repeatable"), "style": "form", "explode": True},
               q("sort", desc="A required item granted in clear, - for descending")])},
 "/api/v1/exports": {"get": op("listExports", "Exports, newest first (own department's)", ok("ExportList"), ["sharing"])},
 "/api/v1/exports/{id}": {"get": op("getExport", "An export and its progress", ok("Export"), ["sharing"], [uid])},
 "/api/v1/exports/{id}/manifest": {"get": op("getExportManifest", "The manifest (数据对账) for zhengshu verify-export", ok("ExportManifest"), ["sharing"], [uid])},
 "/api/v1/exports/{id}/file": {"get": op("downloadExport", "The exported file (the consuming department, while its grant is usable); audited",
                                         {"200": {"description": "The file", "content": {"text/csv": {"schema": {"type": "string"}},
                                                                                        "application/x-ndjson": {"schema": {"type": "string"}}}}},
                                         ["sharing"], [uid])},
 "/api/v1/share/{code}/changes": {
   "get": op("sharedChanges", "Rows inserted or changed since the cursor, masked as in a query (subscribe): keep a copy in sync",
             served("ChangesPage"), ["sharing"],
             [code, grant_q, q("cursor", desc="cursor of the previous answer; none starts from the current data"),
              q("fields", desc="Comma-separated granted items"), q("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})])},
 "/api/v1/share/{code}/verify": {
   "post": op("sharedVerify", "Verify up to 1000 tuples against the records (核验): match or not, never the stored values",
              served("VerifyReply"), ["sharing"], [code, grant_q], body("VerifyInput"))},
})

# Management (管): performance evaluation, the bureau's weights, departments' service items, the asset inventory.
number = {"type": "number"}
counts = {"type": "object", "additionalProperties": {"type": "integer"}}
indicator = enum("catalogCompleteness", "serviceCoverage", "timeliness", "dataQuality", "problemFixRate", "problemFixTime",
                 "applicationResponse", "sharingUsage")
schemas.update({
 "PerformancePolicy": obj({"weights": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1000},
                                       "description": "Indicator name to weight; an indicator left out weighs 0"},
                           "problemFixTargetHours": {"type": "number", "minimum": 1, "maximum": 8760},
                           "responseWorkingDays": {"type": "integer", "minimum": 1, "maximum": 60}},
                          ["weights", "problemFixTargetHours", "responseWorkingDays"]),
 "PerformanceEvidence": obj({"kind": enum("resource", "serviceItem", "qualityRun", "problem", "application"), "id": string,
                             "ok": {"type": "boolean"}, "detail": string}, ["kind", "id", "ok", "detail"]),
 "IndicatorResult": obj({"indicator": indicator, "value": {**number, "description": "0-100; absent when nothing was there to measure"},
                         "numerator": number, "denominator": number, "weight": number,
                         "measure": {**number, "description": "Mean hours to fix (problemFixTime)"},
                         "evidence": arr(ref("PerformanceEvidence"))}, ["indicator", "numerator", "denominator", "weight", "evidence"]),
 "PerformanceReport": obj({"department": string, "period": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "asOf": dt,
                           "score": {**number, "description": "Weighted mean of the indicators that apply; absent when none does"},
                           "indicators": arr(ref("IndicatorResult"))}, ["department", "period", "asOf", "indicators"]),
 "PerformanceSummary": obj({"department": string, "name": string, "score": number,
                            "indicators": arr(obj({"indicator": indicator, "value": number, "weight": number}, ["indicator", "weight"]))},
                           ["department", "indicators"]),
 "Evaluations": obj({"period": string, "asOf": dt, "policy": ref("PerformancePolicy"), "items": arr(ref("PerformanceSummary"))},
                    ["period", "asOf", "policy", "items"]),
 "ServiceItems": obj({"items": arr({"type": "string", "minLength": 1, "maxLength": 200})}, ["items"]),
 "DepartmentAssets": obj({"department": string, "name": string, "resources": {"type": "integer"}, "byStatus": counts, "byShareType": counts,
                          "byOpenType": counts, "byGrade": counts, "bySensitivity": counts, "byCategory": counts, "records": {"type": "integer"},
                          "storageBytes": integer, "withoutData": arr(string), "withoutQualityRules": arr(string), "withoutConsumers": arr(string)},
                         ["resources", "byStatus", "byShareType", "byOpenType", "byGrade", "bySensitivity", "byCategory", "records",
                          "storageBytes", "withoutData", "withoutQualityRules", "withoutConsumers"]),
 "AssetInventory": obj({"at": dt, "storageMeasured": {"type": "boolean"}, "departments": arr(ref("DepartmentAssets")), "total": ref("DepartmentAssets")},
                       ["at", "storageMeasured", "departments", "total"]),
})
period_q = q("period", {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "A month, YYYY-MM (China time); the current month by default")
paths.update({
 "/api/v1/performance": {"get": op("listEvaluations", "Each department's performance score and indicator values for a month (all for the bureau and auditors, else one's own)",
                                   ok("Evaluations"), ["management"], [period_q, q("department")])},
 "/api/v1/performance.csv": {"get": op("exportEvaluations", "The evaluation as CSV: a line per indicator, then a line per piece of its evidence",
                                       {"200": {"description": "CSV (UTF-8 with BOM)", "content": {"text/csv": {"schema": {"type": "string"}}}}},
                                       ["management"], [period_q, q("department")])},
 "/api/v1/performance/{department}": {"get": op("getEvaluation", "A department's evaluation with every indicator's evidence", ok("PerformanceReport"),
                                                ["management"], [{**p_path("department", desc="Department code"), "example": "C-GA"}, period_q])},
 "/api/v1/performance-policy": {"get": op("getPerformancePolicy", "The weights and targets the evaluation uses", ok("PerformancePolicy"), ["management"]),
                                "put": op("setPerformancePolicy", "Set the weights and targets (admin); audited", ok("PerformancePolicy"), ["management"],
                                          None, body("PerformancePolicy"))},
 "/api/v1/departments/{code}/service-items": {
   "get": op("getServiceItems", "The department's registered 政务服务事项 (事项清单)", ok("ServiceItems"), ["management"], [dcode]),
   "put": op("setServiceItems", "Replace the department's service items (admin, the department's provider)", ok("ServiceItems"), ["management"],
             [dcode], body("ServiceItems"))},
 "/api/v1/inventory": {"get": op("assetInventory", "The asset inventory (数据资产盘点): resources by status, share and open type, grade, sensitivity and category; records; storage; gaps",
                                 ok("AssetInventory"), ["management"], [q("department")])},
})

# Profiles in the base databases (一人一档, 一企一档).
schemas.update({
 "ProfileAttribute": obj({"concept": {**enum("name", "phone", "address", "sex", "birthDate", "legalRepresentative"),
                                      "description": "What the attribute means across departments, when recognised"},
                          "item": string, "label": string, "value": {"type": "string", "description": "Masked where policy says"},
                          "masked": {"type": "boolean"}, "department": string, "resource": string, "resourceName": string, "updatedAt": dt},
                         ["item", "label", "value", "masked", "department", "resource", "resourceName"]),
 "ProfileConflict": obj({"concept": string, "claims": arr(obj({"department": string, "resource": string, "item": string, "value": string},
                                                             ["department", "resource", "item", "value"]))}, ["concept", "claims"]),
 "ProfileSource": obj({"resource": string, "name": string, "department": string, "item": string, "records": {"type": "integer"},
                       "updatedAt": dt, "grant": integer}, ["resource", "name", "department", "item", "records"]),
 "Profile": obj({"kind": enum("person", "enterprise"), "subject": {"type": "string", "description": "The identifier, masked for a person"},
                 "attributes": arr(ref("ProfileAttribute")), "conflicts": arr(ref("ProfileConflict")), "sources": arr(ref("ProfileSource"))},
                ["kind", "subject", "attributes", "conflicts", "sources"]),
})
paths.update({
 "/api/v1/profiles/person/{id}": {"get": op("personProfile", "A person's profile (一人一档) across every resource the caller may read (own department in clear, the bureau masked, others through query grants that include the identifying item); conflicting names, phones and addresses become problem data for each department involved",
                                            ok("Profile"), ["records"], [{**p_path("id", desc="Citizen identity number (GB 11643)"), "example": "11010519491231002X"}])},
 "/api/v1/profiles/enterprise/{code}": {"get": op("enterpriseProfile", "An enterprise's profile (一企一档), as the person's", ok("Profile"), ["records"],
                                                  [{**p_path("code", desc="Unified social credit code (GB 32100)"), "example": "91330100MA27XL0E6R"}])},
})

# Topic databases (主题库): the bureau derives resources from others by a structured query.
colref = {"type": "string", "description": "alias.item: an input (its alias, or its code when it has none) and one of its items", "example": "ent.qymc"}
schemas.update({
 "TopicQuery": obj({
    "from": {"type": "string", "description": "The base resource: every output row starts from one of its rows"},
    "as": {"type": "string", "description": "The base's alias in column references"},
    "joins": arr(obj({"resource": string, "as": string, "kind": enum("inner", "left"),
                      "on": arr(obj({"left": colref, "right": {"type": "string", "description": "An item of the joined resource"}}, ["left", "right"]))},
                     ["resource", "on"])),
    "where": arr(obj({"column": colref, "op": enum("eq", "ne", "lt", "le", "gt", "ge", "prefix", "null", "notNull"),
                      "value": {"description": "A value of the item's type (absent for null and notNull)"}}, ["column", "op"])),
    "columns": arr(obj({"name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,47}$"}, "label": string, "from": colref,
                        "aggregate": enum("count", "countDistinct", "sum", "avg", "min", "max"),
                        "key": {"type": "boolean", "description": "Part of the topic's key; without any, the base's key when it identifies the rows"}},
                       ["name"])),
 }, ["from", "columns"]),
 "TopicInput": {**obj({"query": ref("TopicQuery"),
                       "intervalSeconds": {"type": "integer", "minimum": 3600, "maximum": 31622400, "description": "Materialise again this often; absent: on demand only"},
                       "code": string, "name": string, "abstract": string, "department": {"type": "string", "description": "The owning department; the admin's own when absent"},
                       "category": string, "shareType": ref("ShareType"), "shareCondition": string, "openType": ref("OpenType"),
                       "updateCycle": ref("UpdateCycle"), "gradeLevel": ref("GradeLevel"), "sensitivity": ref("Sensitivity"),
                       "serviceItems": arr(string), "sourceSystem": string, "format": string},
                      ["query", "code", "name", "category", "shareType"], extra=True),
                "description": "A catalog entry without items (they come from the query's columns), its query and its schedule"},
 "Topic": obj({"code": string, "query": ref("TopicQuery"), "intervalSeconds": integer, "nextRunAt": dt, "lastJob": integer,
               "lastError": string, "createdBy": string, "createdAt": dt, "updatedAt": dt, "resource": ref("Resource")},
              ["code", "query", "createdBy", "createdAt", "updatedAt", "resource"]),
 "TopicList": listof("Topic"),
})
tcode = {**p_path("code", desc="The topic's resource code"), "example": "ZT-QYFRXY"}
paths.update({
 "/api/v1/topics": {
   "get": op("listTopics", "Topic databases with their queries, schedules and last runs (government users)", ok("TopicList"), ["catalog"]),
   "post": op("defineTopic", "Define a topic database (admins): its resource is published at once with the query's columns as items and a grade at least the highest of its inputs'",
              ok("Topic", "201", "Defined; materialise it, or its schedule will"), ["catalog"], requestBody=body("TopicInput"))},
 "/api/v1/topics/{code}": {
   "get": op("getTopic", "A topic database", ok("Topic"), ["catalog"], [tcode]),
   "put": op("redefineTopic", "Replace a topic's query and schedule (admins): its columns stay, optional ones may be added after them",
             ok("Topic"), ["catalog"], [tcode], body("TopicInput"))},
 "/api/v1/topics/{code}/materialise": {
   "post": op("materialiseTopic", "Run the topic's query over its inputs' stored rows and replace its data in one import job (admins)",
              ok("IngestJob", "201", "The job succeeded"), ["catalog"], [tcode])},
})

# Conditional open data (有条件开放): members of the public and companies register, sign in, apply and read.
schemas.update({
 "MemberInput": obj({"name": {"type": "string", "pattern": "^[A-Za-z0-9._-]{2,64}$"}, "displayName": {"type": "string", "minLength": 1, "maxLength": 100},
                     "kind": enum("person", "company"),
                     "identifier": {"type": "string", "description": "Citizen identity number (GB 11643) for a person, unified social credit code (GB 32100) for a company"},
                     "contact": {"type": "string", "description": "A mobile number or an e-mail address"},
                     "password": {"type": "string", "minLength": 10, "maxLength": 256}},
                    ["name", "kind", "identifier", "contact", "password"]),
 "Member": obj({"id": integer, "name": string, "displayName": string, "kind": enum("person", "company"),
                "identifier": {"type": "string", "description": "Masked for a person (first six and last four characters)"},
                "contact": string, "createdAt": dt}, ["id", "name", "displayName", "kind", "identifier", "contact", "createdAt"]),
 "MemberSessionInput": obj({"name": string, "password": string}, ["name", "password"]),
 "MemberSession": obj({"token": {"type": "string", "description": "A bearer token for /api/v1/open (a member reaches nothing else)"}, "expiresAt": dt},
                      ["token", "expiresAt"]),
 "ConditionalDataset": obj({"code": string, "name": string, "abstract": string, "publisher": string, "publisherName": string,
                            "items": arr(obj({"name": string, "label": string, "type": string}, ["name", "label", "type"]))},
                           ["code", "name", "abstract", "publisher", "items"]),
})
schemas["ConditionalDatasetList"] = listof("ConditionalDataset")
throttled = {"429": {**problem("Too many registrations from this address"),
                     "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}}}
paths.update({
 "/api/v1/open/members": {"post": {**op("registerMember", "Register a person (citizen ID) or a company (credit code) for conditional open data; one account per identifier, audited",
                                        {**ok("Member", "201", "Registered"), **throttled}, ["open data"], requestBody=body("MemberInput")), "security": []}},
 "/api/v1/open/sessions": {"post": {**op("memberSession", "Sign a member in: a bearer token for the open-data API (members only)",
                                         {**ok("MemberSession", "201", "Signed in"), "429": problem("The name is locked after too many wrong passwords")},
                                         ["open data"], requestBody=body("MemberSessionInput")), "security": []}},
 "/api/v1/open/conditional-datasets": {"get": {**op("listConditionalDatasets", "Datasets open on condition: their description and items (the data needs an approved application)",
                                                    ok("ConditionalDatasetList"), ["open data"]), "security": []}},
 "/api/v1/open/members/me": {"get": op("getMember", "The signed-in member's registration (member)", ok("Member"), ["open data"])},
 "/api/v1/open/applications": {
   "post": op("applyForOpenData", "Apply for a dataset open on condition (member); review, the provider's answer and (important data) a second approval follow",
              ok("Application", "201", "Submitted"), ["open data"], requestBody=body("ApplicationInput")),
   "get": op("listOwnOpenApplications", "The member's applications, newest first (member)", ok("ApplicationList"), ["open data"],
             [q("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})])},
 "/api/v1/open/applications/{id}": {"get": op("getOpenApplication", "One of the member's applications with its history", ok("Application"), ["open data"], [uid])},
 "/api/v1/open/applications/{id}/withdraw": {"post": op("withdrawOpenApplication", "Withdraw a pending application (member)", ok("Application"), ["open data"], [uid],
                                                        {**body("Reason"), "required": False})},
 "/api/v1/open/datasets/{code}/records": {
   "get": op("memberQuery", "Read the granted items of a dataset open on condition, masked per policy and audited (member with a grant)",
             served("SharedPage"), ["open data"],
             [code, grant_q, q("fields", desc="Comma-separated granted items"),
              {**q("filter", arr(string), "item:op:value on items granted in clear; repeatable"), "style": "form", "explode": True},
              q("sort", desc="A required item granted in clear, - for descending"),
              q("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}), q("cursor")])},
})

# The data sandbox (数据沙箱, 数据可用不可见): workspaces of masked copies, confined SQL, releases of aggregates.
cell = {"description": "A value: string, number, boolean or null"}
sresult = obj({"columns": arr(string), "rows": arr(arr(cell)),
               "truncated": {"type": "boolean", "description": "More rows than the row limit; the rest were cut"}}, ["columns", "rows", "truncated"])
schemas.update({
 "WorkspaceInput": obj({"name": {"type": "string", "minLength": 1, "maxLength": 100},
                        "grants": {**arr(integer), "minItems": 1, "maxItems": 20, "description": "The consumer's sandbox grants to copy, one table each"}},
                       ["name", "grants"]),
 "Workspace": obj({"id": integer, "consumer": string, "name": string, "createdBy": string, "createdAt": dt,
                   "status": enum("preparing", "ready", "failed", "closed"),
                   "tables": arr(obj({"name": {"type": "string", "description": "The table's name in SQL (the resource code, lower case, _ for other characters)"},
                                      "resource": string, "grant": integer, "provider": string,
                                      "columns": arr(obj({"name": string, "type": ref("DataType"),
                                                          "masked": {"type": "boolean", "description": "Copied masked, as text"}}, ["name", "type", "masked"])),
                                      "rows": {"type": "integer"}}, ["name", "resource", "grant", "provider", "columns", "rows"])),
                   "error": string, "closedAt": dt}, ["id", "consumer", "name", "createdBy", "createdAt", "status", "tables"]),
 "WorkspaceList": listof("Workspace"),
 "SandboxQueryInput": obj({"sql": {"type": "string", "minLength": 1, "maxLength": 20000, "description": "One SELECT (or WITH … SELECT) over the workspace's tables"}},
                          ["sql"]),
 "SandboxQuery": obj({"id": integer, "workspace": integer, "sql": string, "ranBy": string, "ranAt": dt, "milliseconds": {"type": "integer"},
                      "result": sresult}, ["id", "workspace", "sql", "ranBy", "ranAt", "milliseconds", "result"]),
 "SandboxQueryList": listof("SandboxQuery"),
 "ReleaseInput": obj({"query": {**integer, "description": "A query run in this workspace"},
                      "purpose": {"type": "string", "minLength": 1, "maxLength": 1000}}, ["query", "purpose"]),
 "ReleaseDecisionInput": obj({"approve": {"type": "boolean"}, "reason": {"type": "string", "description": "Required to reject"}}, ["approve"]),
 "SandboxRelease": obj({"id": integer, "workspace": integer, "query": integer, "consumer": string,
                        "providers": {**arr(string), "description": "The departments whose tables the statement reads; each must approve"},
                        "purpose": string, "requestedBy": string, "requestedAt": dt, "status": enum("pending", "approved", "rejected"),
                        "k": {"type": "integer"}, "smallestGroup": {"type": "integer"}, "result": sresult,
                        "decisions": arr(obj({"department": string, "by": string, "at": dt, "approve": {"type": "boolean"}, "reason": string},
                                             ["department", "by", "at", "approve"]))},
                       ["id", "workspace", "query", "consumer", "providers", "purpose", "requestedBy", "requestedAt", "status", "k",
                        "smallestGroup", "result", "decisions"]),
 "SandboxReleaseList": listof("SandboxRelease"),
})
paths.update({
 "/api/v1/workspaces": {
   "post": op("createWorkspace", "Create a sandbox workspace (consumer): the granted items of each sandbox grant are copied in, masked per policy; audited",
              ok("Workspace", "201", "Ready, or failed with its reason"), ["sandbox"], requestBody=body("WorkspaceInput")),
   "get": op("listWorkspaces", "The department's workspaces (every one for admins and auditors), newest first", ok("WorkspaceList"), ["sandbox"])},
 "/api/v1/workspaces/{id}": {
   "get": op("getWorkspace", "A workspace with its tables", ok("Workspace"), ["sandbox"], [uid]),
   "delete": op("closeWorkspace", "Close a workspace: its copies are deleted, its record and queries stay (consumer)", ok("Workspace"), ["sandbox"], [uid])},
 "/api/v1/workspaces/{id}/queries": {
   "post": op("runSandboxQuery", "Run one read-only SELECT over the workspace's own tables, under statement time and row limits; the result stays in the workspace; audited",
              {**ok("SandboxQuery", "201", "Ran; its result is kept with it")}, ["sandbox"], [uid], body("SandboxQueryInput")),
   "get": op("listSandboxQueries", "Statements run in the workspace with their results, newest first", ok("SandboxQueryList"), ["sandbox"], [uid])},
 "/api/v1/workspaces/{id}/releases": {
   "post": op("requestRelease", "Ask to take a query's result out: only plain aggregates whose every group covers at least k rows; the providing departments decide",
              ok("SandboxRelease", "201", "Pending the providers' decisions"), ["sandbox"], [uid], body("ReleaseInput"))},
 "/api/v1/releases": {"get": op("listReleases", "Release requests the caller may see (its own department's, those awaiting its department, all for admins and auditors)",
                                ok("SandboxReleaseList"), ["sandbox"])},
 "/api/v1/releases/{id}": {"get": op("getRelease", "A release request with its decisions", ok("SandboxRelease"), ["sandbox"], [uid])},
 "/api/v1/releases/{id}/decision": {"post": op("decideRelease", "Approve or reject a release (a provider of a department it awaits); approved once every provider approves",
                                              ok("SandboxRelease"), ["sandbox"], [uid], body("ReleaseDecisionInput"))},
 "/api/v1/releases/{id}/result": {"get": op("downloadRelease", "Download an approved release as CSV (the requesting department); audited",
                                          {"200": {"description": "CSV", "content": {"text/csv": {"schema": string}}}}, ["sandbox"], [uid])},
})

paths["/api/v1/backups"] = {"get": op("listBackupRuns", "Scheduled backup runs, newest first: file, size, duration, failure (admins, auditors)",
                                      ok("BackupRunList"), ["management"])}

# Any route but liveness and readiness may be refused by a full node, or a read cut at its time limit.
SATURATED = {"description": "The node is at its limit of requests at once (http.maxInFlight), or a read ran past http.requestTimeoutSeconds; "
                            "retry after the Retry-After header's seconds",
             "headers": {"Retry-After": {"schema": {"type": "integer"}}},
             "content": {"application/problem+json": {"schema": ref("Problem")}}}
for path, methods in paths.items():
    if path in ("/healthz", "/readyz"): continue
    for method in methods.values():
        method["responses"].setdefault("503", {"$ref": "#/components/responses/Saturated"})

doc = {
 "openapi": "3.0.3",
 "info": {"title": "Zhengshu (政数) API", "version": "0.1.0",
          "description": "JSON API of Zhengshu, a self-hostable government data platform. Every /api/v1 call needs `Authorization: Bearer TOKEN`; every error is application/problem+json (RFC 9457)."},
 "servers": [{"url": "/"}],
 "security": [{"bearerAuth": []}],
 "tags": [{"name": t} for t in ["system", "departments", "users", "catalog", "records", "ingestion", "governance", "sharing", "management", "audit", "open data", "sandbox", "console"]],
 "paths": paths,
 "components": {"responses": {"Saturated": SATURATED},
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "A user token (zs_ and 64 hex digits) or a system account key (zsk_ and 64 hex digits)"}},
                "schemas": schemas},
}
print(json.dumps(doc, ensure_ascii=False, indent=2))
