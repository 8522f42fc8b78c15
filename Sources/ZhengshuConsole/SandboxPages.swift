import Foundation
import Hummingbird
import ZhengshuCore

/// The data sandbox (数据沙箱) in the console: a department's workspaces and a new one from its sandbox grants; in a
/// workspace, its tables, a statement box, the kept results and a release request for each; release requests
/// awaiting a providing department's decision, and the download of an approved one.
struct SandboxPages<Context: RequestContext>: Sendable {
    let console: ConsoleRoutes<Context>
    var platform: Platform { console.platform }

    func register(on router: Router<Context>) {
        router.get("/sandbox") { request, context in
            try await console.page(request, context) { s, lang in
                try await list(request, context, s, lang, failed: nil, name: "")
            }
        }
        router.post("/sandbox") { request, context in
            try await console.post(request, context) { s, form, lang in
                let name = form["name"] ?? ""
                do {
                    let grants = try form.all("grants").map { text throws(ZhengshuError) -> Int64 in
                        guard let id = Int64(text) else {
                            throw .validation([.init(field: "grants", reason: "'\(text)' is not a grant number")])
                        }
                        return id
                    }
                    let w = try await platform.sandbox.create(
                        Sandbox.Draft(name: name, grants: grants), by: s.caller(context))
                    return redirect("/sandbox/\(w.id)")
                } catch let error as ZhengshuError {
                    return try await list(request, context, s, lang, failed: error, name: name)
                }
            }
        }
        router.get("/sandbox/{id}") { request, context in
            try await console.page(request, context) { s, lang in
                try await workspace(request, context, s, lang, id: try Self.id(context), failed: nil, sql: nil)
            }
        }
        router.post("/sandbox/{id}/queries") { request, context in
            try await console.post(request, context) { s, form, lang in
                let id = try Self.id(context), sql = form["sql"] ?? ""
                do {
                    let q = try await platform.sandbox.run(id, sql: sql, by: s.caller(context))
                    return redirect("/sandbox/\(id)?query=\(q.id)#result")
                } catch let error as ZhengshuError {
                    return try await workspace(request, context, s, lang, id: id, failed: error, sql: sql)
                }
            }
        }
        router.post("/sandbox/{id}/releases") { request, context in
            try await console.post(request, context) { s, form, lang in
                let id = try Self.id(context)
                do {
                    guard let query = form["query"].flatMap({ Int64($0) }) else {
                        throw ZhengshuError(.invalidInput, "query must be a query number")
                    }
                    _ = try await platform.sandbox.requestRelease(
                        id, query: query, purpose: form["purpose"] ?? "", by: s.caller(context))
                    return redirect("/sandbox?requested=1#releases")
                } catch let error as ZhengshuError {
                    return try await workspace(request, context, s, lang, id: id, failed: error, sql: nil)
                }
            }
        }
        router.post("/sandbox/{id}/close") { request, context in
            try await console.post(request, context) { s, _, _ in
                let w = try await platform.sandbox.close(try Self.id(context), by: s.caller(context))
                return redirect("/sandbox/\(w.id)")
            }
        }
        router.post("/sandbox/releases/{id}/decision") { request, context in
            try await console.post(request, context) { s, form, lang in
                do {
                    _ = try await platform.sandbox.decide(
                        try Self.id(context), approve: form["approve"] == "true", reason: form["reason"],
                        by: s.caller(context))
                    return redirect("/sandbox#releases")
                } catch let error as ZhengshuError {
                    return try await list(request, context, s, lang, failed: error, name: "")
                }
            }
        }
        router.get("/sandbox/releases/{id}/result") { request, context in
            try await console.page(request, context) { s, _ in
                let r = try await platform.sandbox.download(try Self.id(context), by: s.caller(context))
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/csv; charset=utf-8",
                        .contentDisposition: "attachment; filename=\"release-\(r.id).csv\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(bytes: r.result.csv)))
            }
        }
    }

    static func id(_ context: Context) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")), id > 0 else {
            throw ZhengshuError(.notFound, "no such workspace or release")
        }
        return id
    }

    func status(_ w: Workspace, _ lang: String) -> String {
        console.text("sandbox.workspaceStatus.\(w.status.rawValue)", lang)
    }

    func list(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String, failed: ZhengshuError?,
        name: String
    ) async throws -> Response {
        let caller = s.caller(context), p = s.principal
        let workspaces: [[String: Any]] = try await platform.sandbox.list(by: caller).map { w in
            [
                "id": w.id.rawValue, "name": w.name, "consumer": w.consumer.rawValue, "status": status(w, lang),
                "createdBy": w.createdBy,
                "createdAt": ConsoleTime.minute(w.createdAt),
                "tables": w.tables.map { "\($0.name) (\($0.rows))" }.joined(separator: "、"),
            ]
        }
        var grants: [[String: Any]] = []
        if p.roles.contains(.consumer), let own = p.department {
            grants = try await platform.sharing.grants(consumer: own.rawValue, provider: nil, resource: nil, by: caller)
                .filter { $0.services.contains(.sandbox) && $0.status == .active }
                .map { g in
                    [
                        "id": g.id.rawValue, "resource": g.resource.rawValue, "provider": g.provider.rawValue,
                        "items": g.items.joined(separator: ", "),
                    ]
                }
        }
        let releases: [[String: Any]] = try await platform.sandbox.releases(by: caller).map { r in
            let mayDecide =
                r.status == .pending && p.roles.contains(.provider)
                && p.department.map { r.awaiting.contains($0) } == true
            return [
                "id": r.id.rawValue, "workspace": r.workspace.rawValue, "query": r.query.rawValue,
                "consumer": r.consumer.rawValue,
                "providers": r.providers.map(\.rawValue).joined(separator: "、"), "purpose": r.purpose,
                "status": console.text("sandbox.releaseStatus.\(r.status.rawValue)", lang),
                "groups": "\(r.smallestGroup) ≥ \(r.k)",
                "requestedAt": ConsoleTime.minute(r.requestedAt), "mayDecide": mayDecide,
                "mayDownload": r.status == .approved && p.department == r.consumer,
                "decisions": r.decisions.map {
                    "\($0.department.rawValue) \($0.by): \(console.text($0.approve ? "sandbox.approved" : "sandbox.rejected", lang))\($0.reason.map { "（\($0)）" } ?? "")"
                }
                .joined(separator: "；"),
            ]
        }
        var values: [String: Any] = [
            "workspaces": workspaces, "hasWorkspaces": !workspaces.isEmpty, "grants": grants,
            "hasGrants": !grants.isEmpty,
            "isConsumer": p.roles.contains(.consumer), "name": name, "releases": releases,
            "hasReleases": !releases.isEmpty,
            "requested": request.uri.queryParameters.get("requested") != nil,
        ]
        values.merge(ConsoleRoutes<Context>.problem(failed)) { _, new in new }
        return console.render(
            "sandbox", values, title: "sandbox.title", session: s, request: request,
            status: failed.map { ConsoleRoutes<Context>.status($0.code) } ?? .ok)
    }

    func workspace(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String, id: Int64, failed: ZhengshuError?,
        sql: String?
    ) async throws -> Response {
        let caller = s.caller(context)
        let w = try await platform.sandbox.get(id, by: caller)
        let queries = try await platform.sandbox.queries(id, by: caller)
        let shown =
            request.uri.queryParameters.get("query").flatMap { Int64($0) }.flatMap { n in
                queries.first { $0.id.rawValue == n }
            }
            ?? (failed == nil ? queries.first : nil)
        let tables: [[String: Any]] = w.tables.map { t in
            [
                "name": t.name, "resource": t.resource.rawValue, "provider": t.provider.rawValue, "rows": t.rows,
                "columns": t.columns.map {
                    ["name": $0.name, "type": $0.type.rawValue, "masked": $0.masked] as [String: Any]
                },
            ]
        }
        var result: [String: Any] = [:]
        if let q = shown {
            result = [
                "id": q.id.rawValue, "sql": q.sql, "columns": q.result.columns, "truncated": q.result.truncated,
                "ms": q.milliseconds,
                "count": q.result.rows.count,
                "rows": q.result.rows.map { row in ["cells": row.map { $0 == .null ? "∅" : $0.text }] },
            ]
        }
        let history: [[String: Any]] = queries.map { q in
            [
                "id": q.id.rawValue, "workspace": w.id.rawValue, "sql": q.sql, "ranBy": q.ranBy,
                "ranAt": ConsoleTime.minute(q.ranAt), "rows": q.result.rows.count, "ms": q.milliseconds,
            ]
        }
        let own = s.principal.department == w.consumer && s.principal.roles.contains(.consumer)
        var values: [String: Any] = [
            "id": w.id.rawValue, "name": w.name, "consumer": w.consumer.rawValue, "status": status(w, lang),
            "ready": w.status == .ready && own, "open": w.status != .closed && own, "workspaceError": w.error ?? "",
            "tables": tables, "hasResult": shown != nil, "result": result, "queries": history,
            "hasQueries": !history.isEmpty,
            "sql": sql ?? shown?.sql ?? w.tables.first.map { "SELECT count(*) FROM \($0.name)" } ?? "",
            "maxRows": platform.sandbox.limits.maxRows, "k": platform.sandbox.limits.k,
            "seconds": Double(platform.sandbox.limits.timeout.components.seconds)
                + Double(platform.sandbox.limits.timeout.components.attoseconds) / 1e18,
        ]
        values.merge(ConsoleRoutes<Context>.problem(failed)) { _, new in new }
        return console.render(
            "workspace", values, title: "sandbox.title", session: s, request: request,
            status: failed.map { ConsoleRoutes<Context>.status($0.code) } ?? .ok)
    }
}
