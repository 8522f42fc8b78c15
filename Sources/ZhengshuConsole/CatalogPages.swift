import Foundation
import Hummingbird
import ZhengshuCore

/// Catalog pages: search, a resource's page, creating and publishing an entry, uploading data and following the job.
struct CatalogPages<Context: RequestContext>: Sendable {
    let console: ConsoleRoutes<Context>
    var platform: Platform { console.platform }

    func register(on router: Router<Context>) {
        router.get("/catalog") { request, context in
            try await console.page(request, context) { s, lang in try await search(request, context, s, lang) }
        }
        router.get("/catalog/new") { request, context in
            try await console.page(request, context) { s, lang in newResource(request, s, lang, values: [:], error: nil)
            }
        }
        router.post("/catalog/new") { request, context in
            try await console.post(request, context) { s, form, lang in
                do {
                    let draft = try Self.draft(form, lang: lang)
                    let created = try await platform.catalog.create(draft, by: s.caller(context))
                    return redirect("/catalog/\(created.code.rawValue)")
                } catch let error as ZhengshuError {
                    // Nothing typed is lost: the form comes back filled in, with the API's message.
                    return newResource(request, s, lang, values: form.values, error: error)
                }
            }
        }
        router.get("/catalog/{code}/edit") { request, context in
            try await console.page(request, context) { s, lang in
                let r = try await platform.catalog.get(try context.parameters.require("code"), by: s.caller(context))
                try s.principal.requireProvider(of: r.department, to: "editing \(r.code)")
                return newResource(request, s, lang, values: Self.values(of: r), error: nil, editing: r.code.rawValue)
            }
        }
        router.post("/catalog/{code}/edit") { request, context in
            try await console.post(request, context) { s, form, lang in
                let code = try context.parameters.require("code")
                let r = try await platform.catalog.get(code, by: s.caller(context))
                do {
                    var draft = try Self.draft(form, lang: lang)
                    draft.code = nil
                    // What the form does not show of an item (its grade, masking policy, custom element, length) is kept.
                    draft.items = draft.items?.map { item in
                        guard let old = r.item(named: item.name) else { return item }
                        var kept = item
                        kept.sensitivity = old.sensitivity
                        kept.masking = old.masking
                        kept.element = old.element
                        kept.description = old.description
                        kept.length = old.type == item.type ? old.length : item.length
                        return kept
                    }
                    _ = try await platform.catalog.update(code, draft, by: s.caller(context))
                    return redirect("/catalog/\(code)")
                } catch let error as ZhengshuError {
                    return newResource(request, s, lang, values: form.values, error: error, editing: code)
                }
            }
        }
        router.get("/catalog/{code}") { request, context in
            try await console.page(request, context) { s, lang in try await resourcePage(request, context, s, lang) }
        }
        router.post("/catalog/{code}/publish") { request, context in
            try await console.post(request, context) { s, _, _ in
                let code = try context.parameters.require("code")
                _ = try await platform.catalog.publish(code, by: s.caller(context))
                return redirect("/catalog/\(code)")
            }
        }
        router.post("/catalog/{code}/quality") { request, context in
            try await console.post(request, context) { s, _, _ in
                let code = try context.parameters.require("code")
                _ = try await platform.quality.run(code, by: s.caller(context))
                return redirect("/catalog/\(code)#quality")
            }
        }
        router.get("/catalog/{code}/upload") { request, context in
            try await console.page(request, context) { s, lang in
                let resource = try await platform.catalog.get(
                    try context.parameters.require("code"), by: s.caller(context))
                try s.principal.requireProvider(of: resource.department, to: "loading data into \(resource.code)")
                try resource.requirePublished("publish it before loading data")
                return console.render(
                    "upload",
                    [
                        "code": resource.code.rawValue, "name": resource.name,
                        "items": resource.items.map { ["name": $0.name, "label": $0.label] },
                    ],
                    title: "upload.title", session: s, request: request)
            }
        }
        router.get("/jobs/{id}/rejects.csv") { request, context in
            try await console.page(request, context) { s, _ in
                guard let id = Int64(try context.parameters.require("id")) else {
                    throw ZhengshuError(.notFound, "job does not exist")
                }
                // The rows as they were sent, with row number, field and reason; UTF-8 with a BOM for spreadsheets.
                var text = "\u{FEFF}"
                var after = 0
                while true {
                    let (header, rows) = try await platform.ingestion.rejects(
                        of: id, after: after, limit: 2000, by: s.caller(context))
                    if after == 0 { text += CSVLine.encode(header + ["_row", "_field", "_reason"]) }
                    for r in rows {
                        let values = r.original + Array(repeating: "", count: max(0, header.count - r.original.count))
                        text += CSVLine.encode(Array(values.prefix(header.count)) + [String(r.row), r.field, r.reason])
                    }
                    guard let last = rows.last, rows.count == 2000 else { break }
                    after = last.row
                }
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/csv; charset=utf-8",
                        .contentDisposition: "attachment; filename=\"job-\(id)-rejects.csv\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
        router.get("/jobs/{id}") { request, context in
            try await console.page(request, context) { s, lang in
                guard let id = Int64(try context.parameters.require("id")) else {
                    throw ZhengshuError(.notFound, "job does not exist")
                }
                let job = try await platform.ingestion.job(id, by: s.caller(context))
                return console.render(
                    "job", Self.jobView(job, lang: lang, console: console), title: "job.title", session: s,
                    request: request)
            }
        }
    }

    func search(_ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String) async throws -> Response {
        let q = request.uri.queryParameters
        let text = q.get("q").flatMap { $0.isEmpty ? nil : $0 }
        var search = CatalogSearch(text: text, limit: 20, offset: max(0, Int(q.get("offset") ?? "") ?? 0))
        search.department = try q.get("department").flatMap { $0.isEmpty ? nil : try DepartmentCode(validating: $0) }
        search.category = q.get("category").flatMap { $0.isEmpty ? nil : $0 }
        search.shareType = q.get("shareType").flatMap { ShareType(rawValue: $0) }
        let result = try await platform.catalog.search(search, by: s.caller(context))
        let departments = try await platform.departments.list(parent: nil, level: nil)
        let names = Dictionary(departments.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        func query(offset: Int) -> String {
            var parts = ["offset=\(offset)"]
            for key in ["q", "department", "category", "shareType"] {
                if let v = q.get(key), !v.isEmpty {
                    parts.append("\(key)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
                }
            }
            return "/catalog?" + parts.joined(separator: "&")
        }
        let values: [String: Any] = [
            "q": text ?? "", "total": result.total,
            "results": result.resources.map { r in
                [
                    "code": r.code.rawValue, "name": r.name, "abstract": r.abstract, "category": r.category,
                    "department": names[r.department] ?? r.department.rawValue,
                    "shareType": console.text("share.\(r.shareType.rawValue)", lang),
                    "status": console.text("status.\(r.status.rawValue)", lang),
                    "draft": r.status != .published,
                ] as [String: Any]
            },
            "hasResults": !result.resources.isEmpty,
            "departments": departments.map {
                ["code": $0.code.rawValue, "name": $0.name, "selected": $0.code == search.department]
            },
            "categories": SubjectCategory.all.map { ["name": $0, "selected": $0 == search.category] },
            "shareTypes": ShareType.allCases.map {
                [
                    "value": $0.rawValue, "label": console.text("share.\($0.rawValue)", lang),
                    "selected": $0 == search.shareType,
                ]
            },
            "previous": search.offset > 0 ? query(offset: max(0, search.offset - 20)) : "",
            "hasPrevious": search.offset > 0,
            "next": search.offset + 20 < result.total ? query(offset: search.offset + 20) : "",
            "hasNext": search.offset + 20 < result.total,
        ]
        return console.render("catalog", values, title: "catalog.title", session: s, request: request)
    }

    func resourcePage(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String
    ) async throws -> Response {
        let caller = s.caller(context)
        let code = try context.parameters.require("code")
        let r = try await platform.catalog.get(code, by: caller)
        let department = try? await platform.departments.get(r.department.rawValue)
        let owner =
            s.principal.isAdmin || (s.principal.department == r.department && s.principal.roles.contains(.provider))
        let versions = try await platform.catalog.versions(code, by: caller)
        var diff: [[String: Any]] = []
        if r.version > 1 {
            diff = try await platform.catalog.diff(code, from: r.version - 1, to: r.version, by: caller)
                .map { ["field": $0.field, "before": $0.before ?? "—", "after": $0.after ?? "—"] }
        }
        let lineage = try await platform.lineage.graph(of: code, direction: "both", depth: "3", by: caller)
        let centre = lineage.nodes.first { $0.resource == r.code.rawValue && $0.type == "dataset" }?.id ?? ""
        let lineageSVG = SVGChart.graph(
            nodes: lineage.nodes.map { ($0.id, $0.resource ?? $0.name, $0.type) },
            edges: lineage.edges.map { ($0.from, $0.to) }, centre: centre,
            links: Dictionary(
                lineage.nodes.compactMap { n in n.resource.map { (n.id, "/catalog/\($0)") } },
                uniquingKeysWith: { a, _ in a }),
            title: console.text("resource.lineage", lang), empty: console.text("resource.noLineage", lang))
        var values: [String: Any] = [
            "lineage": lineageSVG,
            "code": r.code.rawValue, "name": r.name, "abstract": r.abstract, "category": r.category,
            "department": department?.name ?? r.department.rawValue,
            "shareType": console.text("share.\(r.shareType.rawValue)", lang), "shareCondition": r.shareCondition ?? "—",
            "openType": console.text("open.\(r.openType.rawValue)", lang),
            "cycle": console.text("cycle.\(r.updateCycle.rawValue)", lang),
            "grade": console.text("grade.\(r.gradeLevel.rawValue)", lang), "sensitivity": r.sensitivity.rawValue,
            "status": console.text("status.\(r.status.rawValue)", lang), "version": r.version,
            "serviceItems": r.serviceItems.joined(separator: "；"), "published": r.status == .published,
            "canPublish": owner && r.status == .draft, "canUpload": owner && r.status == .published,
            "canCheck": (owner || s.principal.roles.contains(.auditor)) && r.status == .published,
            "canScan": owner && r.status == .published, "canEdit": owner && r.status != .retired,
            "canApply": r.status == .published && s.principal.roles.contains(.consumer)
                && s.principal.department != r.department,
            "items": r.items.map { i in
                [
                    "name": i.name, "label": i.label, "type": i.type.rawValue, "key": i.key, "required": i.required,
                    "element": i.dataElement.map { "\($0.label)（\($0.standard)）" } ?? i.element ?? "—",
                    "grade": i.sensitivity?.rawValue ?? console.text("item.ungraded", lang),
                ] as [String: Any]
            },
            "versions": versions.reversed().map { v in
                ["version": v.version, "action": v.action, "actor": v.actor, "at": ConsoleTime.minute(v.at)]
                    as [String: Any]
            },
            "diff": diff, "hasDiff": !diff.isEmpty,
        ]
        if r.status == .published {
            if let run = try await platform.quality.history(of: code, limit: 1, by: caller).first {
                values["quality"] =
                    [
                        "score": String(format: "%.1f", run.score), "at": ConsoleTime.minute(run.finishedAt),
                        "rows": run.rowsChecked,
                        "rules": run.results.map { result in
                            [
                                "dimension": console.text("dimension.\(result.rule.dimension.rawValue)", lang),
                                "rule": result.rule.check.kindName,
                                "items": result.rule.check.items.joined(separator: ", "),
                                "checked": result.checked, "failed": result.failed, "bad": result.failed > 0,
                            ] as [String: Any]
                        },
                    ] as [String: Any]
            }
            if owner {
                let sample = try await platform.data.sample(code, by: caller)
                values["sample"] =
                    [
                        "fields": sample.fields.map(\.label),
                        "rows": sample.rows.map { row in ["cells": row.map { $0 == .null ? "" : $0.text }] },
                    ] as [String: Any]
                values["hasSample"] = !sample.rows.isEmpty
                let jobs = try await platform.ingestion.jobs(resource: code, by: caller).prefix(10).map {
                    Self.jobView($0, lang: lang, console: console)
                }
                values["jobs"] = jobs
                values["hasJobs"] = !jobs.isEmpty
            }
        }
        return console.render("resource", values, title: "resource.title", session: s, request: request)
    }

    /// The form's fields of an existing entry.
    static func values(of r: Resource) -> [String: String] {
        var v: [String: String] = [
            "code": r.code.rawValue, "name": r.name, "abstract": r.abstract, "department": r.department.rawValue,
            "category": r.category, "shareType": r.shareType.rawValue, "shareCondition": r.shareCondition ?? "",
            "openType": r.openType.rawValue, "updateCycle": r.updateCycle.rawValue,
            "serviceItems": r.serviceItems.joined(separator: "；"),
        ]
        for (k, item) in r.items.prefix(itemRows).enumerated() {
            v["item\(k).name"] = item.name
            v["item\(k).label"] = item.label
            v["item\(k).type"] = item.type.rawValue
            if item.key { v["item\(k).key"] = "1" }
            if item.required { v["item\(k).required"] = "1" }
            if let e = item.dataElement { v["item\(k).element"] = e.rawValue }
        }
        return v
    }

    /// Rows of the item table on the form.
    static var itemRows: Int { 16 }

    func newResource(
        _ request: Request, _ s: ConsoleSession, _ lang: String, values: [String: String], error: ZhengshuError?,
        editing: String? = nil
    ) -> Response {
        var itemRows: [[String: Any]] = []
        for k in 0..<Self.itemRows {
            itemRows.append([
                "k": k, "name": values["item\(k).name"] ?? "", "label": values["item\(k).label"] ?? "",
                "types": DataType.allCases.map {
                    ["value": $0.rawValue, "selected": $0.rawValue == (values["item\(k).type"] ?? "string")]
                },
                "key": values["item\(k).key"] != nil, "required": values["item\(k).required"] != nil,
                "elements": DataElement.allCases.map {
                    ["value": $0.rawValue, "label": $0.label, "selected": $0.rawValue == values["item\(k).element"]]
                },
            ])
        }
        let departments = s.principal.department.map { [$0.rawValue] } ?? []
        let v: [String: Any] = [
            "form": values, "items": itemRows,
            "department": values["department"] ?? departments.first ?? "",
            "categories": SubjectCategory.all.map { ["name": $0, "selected": $0 == values["category"]] },
            "shareTypes": ShareType.allCases.map {
                [
                    "value": $0.rawValue, "label": console.text("share.\($0.rawValue)", lang),
                    "selected": $0.rawValue == (values["shareType"] ?? "conditional"),
                ]
            },
            "openTypes": OpenType.allCases.map {
                [
                    "value": $0.rawValue, "label": console.text("open.\($0.rawValue)", lang),
                    "selected": $0.rawValue == (values["openType"] ?? "none"),
                ]
            },
            "cycles": UpdateCycle.allCases.map {
                [
                    "value": $0.rawValue, "label": console.text("cycle.\($0.rawValue)", lang),
                    "selected": $0.rawValue == (values["updateCycle"] ?? "daily"),
                ]
            },
            "action": editing.map { "/catalog/\($0)/edit" } ?? "/catalog/new", "editing": editing != nil,
            "heading": console.text(editing == nil ? "new.title" : "edit.title", lang),
            "submit": console.text(editing == nil ? "new.submit" : "edit.submit", lang),
        ]
        return console.render(
            "resource-new", v.merging(ConsoleRoutes<Context>.problem(error)) { _, new in new },
            title: editing == nil ? "new.title" : "edit.title", session: s, request: request,
            status: error.map { ConsoleRoutes<Context>.status($0.code) } ?? .ok)
    }

    /// The catalog entry a form describes; rows of the item table left blank are skipped.
    static func draft(_ form: FormBody, lang: String) throws -> ResourceDraft {
        var d = ResourceDraft()
        d.code = form["code"]
        d.name = form["name"]
        d.abstract = form["abstract"]
        d.department = form["department"]
        d.category = form["category"]
        d.shareType = form["shareType"].flatMap(ShareType.init(rawValue:))
        d.shareCondition = form["shareCondition"]
        d.openType = form["openType"].flatMap(OpenType.init(rawValue:))
        d.updateCycle = form["updateCycle"].flatMap(UpdateCycle.init(rawValue:))
        d.serviceItems = form["serviceItems"].map {
            $0.split(whereSeparator: { "；;,，\n".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
        }
        d.format = "table"
        var items: [DataItem] = []
        for k in 0..<itemRows {
            guard let name = form["item\(k).name"] else { continue }
            let type = form["item\(k).type"].flatMap(DataType.init(rawValue:)) ?? .string
            items.append(
                DataItem(
                    name: name, label: form["item\(k).label"] ?? "", type: type, length: type == .string ? 200 : nil,
                    required: form["item\(k).required"] != nil, key: form["item\(k).key"] != nil,
                    dataElement: form["item\(k).element"].flatMap(DataElement.init(rawValue:))))
        }
        d.items = items
        return d
    }

    static func jobView(_ job: IngestJob, lang: String, console: ConsoleRoutes<Context>) -> [String: Any] {
        let percent =
            job.bytesTotal.map { $0 > 0 ? min(100, Int(Double(job.bytesRead) / Double($0) * 100)) : 100 }
            ?? (job.status.isFinished ? 100 : 0)
        return [
            "id": job.id.rawValue, "resource": job.resource.rawValue, "source": job.source,
            "status": console.text("job.status.\(job.status.rawValue)", lang), "statusCode": job.status.rawValue,
            "rowsRead": job.rowsRead, "rowsAccepted": job.rowsAccepted, "rowsRejected": job.rowsRejected,
            "percent": percent,
            "hasRejects": job.rowsRejected > 0, "error": job.error ?? "", "hasError": job.error != nil,
            "createdAt": ConsoleTime.minute(job.createdAt), "finishedAt": ConsoleTime.minute(job.finishedAt),
            "finished": job.status.isFinished,
        ]
    }
}
