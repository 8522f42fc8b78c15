import Foundation
import Hummingbird
import ZhengshuCore

/// Governance and security pages: a department's problem-data worklist, scan results with grade proposals to confirm,
/// risk alerts, the auditors' search of the trail, and a department's system accounts (keys shown once).
struct GovernancePages<Context: RequestContext>: Sendable {
    let console: ConsoleRoutes<Context>
    var platform: Platform { console.platform }

    func register(on router: Router<Context>) {
        router.get("/problems") { request, context in
            try await console.page(request, context) { s, lang in
                try await problems(request, context, s, lang, failed: nil)
            }
        }
        router.post("/problems/{id}") { request, context in
            try await console.post(request, context) { s, form, lang in
                guard let id = Int64(try context.parameters.require("id")),
                    let status = form["status"].flatMap(ProblemStatus.init(rawValue:))
                else { throw ZhengshuError(.invalidInput, "choose what to do with the problem") }
                do {
                    _ = try await platform.problems.update(
                        id, Problems.Update(status: status, note: form["note"]), by: s.caller(context))
                    return redirect("/problems?status=\(form["back"] ?? "open")")
                } catch let error as ZhengshuError {
                    return try await problems(request, context, s, lang, failed: (id, error))
                }
            }
        }
        router.post("/catalog/{code}/scan") { request, context in
            try await console.post(request, context) { s, _, lang in
                let code = try context.parameters.require("code")
                let scan = try await platform.data.scan(code, sample: 1000, by: s.caller(context))
                // Each column's findings (masked examples), and the grade proposal they filed for review.
                let columns: [[String: Any]] = scan.columns.map { c in
                    [
                        "column": c.column, "values": c.values,
                        "detected": c.detected.map { console.text("pii.\($0.rawValue)", lang) } ?? "—",
                        "found": c.detected != nil,
                        "ratio": String(format: "%.0f%%", c.matchRatio * 100),
                        "confidence": String(format: "%.2f", c.confidence),
                        "examples": c.examples.joined(separator: "，"),
                        "embedded": c.embedded.map { console.text("pii.\($0.rawValue)", lang) }.joined(separator: "、"),
                        "words": c.sensitiveWords.joined(separator: "、"),
                    ]
                }
                return console.render(
                    "scan",
                    [
                        "code": code, "rows": scan.rows, "columns": columns,
                        "catalogWords": scan.catalogSensitiveWords.joined(separator: "、"),
                        "hasCatalogWords": !scan.catalogSensitiveWords.isEmpty,
                        "proposal": scan.proposal.map { $0.id.rawValue } as Any, "hasProposal": scan.proposal != nil,
                    ],
                    title: "scan.title", session: s, request: request)
            }
        }
        router.get("/jobs") { request, context in
            try await console.page(request, context) { s, lang in
                let jobs = try await platform.ingestion.jobs(
                    resource: request.uri.queryParameters.get("resource"), by: s.caller(context))
                let rows = jobs.prefix(200).map { CatalogPages<Context>.jobView($0, lang: lang, console: console) }
                return console.render(
                    "jobs", ["jobs": Array(rows), "hasJobs": !rows.isEmpty], title: "jobs.title", session: s,
                    request: request)
            }
        }
        router.get("/proposals") { request, context in
            try await console.page(request, context) { s, lang in
                try await proposals(request, context, s, lang, failed: nil)
            }
        }
        router.post("/proposals/{id}") { request, context in
            try await console.post(request, context) { s, form, lang in
                let id = try context.parameters.require("id")
                let proposal = try await platform.privacy.proposal(id, by: s.caller(context))
                // Each item's chosen grade; a grade other than the proposed one is an override and needs a reason.
                var items: [String: Sensitivity] = [:]
                for item in proposal.items {
                    items[item.item] = form["grade.\(item.item)"].flatMap(Sensitivity.init(rawValue:)) ?? item.proposed
                }
                do {
                    _ = try await platform.privacy.decide(
                        id, GradeDecision(items: items, reason: form["reason"]), by: s.caller(context))
                    return redirect("/proposals?decided=\(id)")
                } catch let error as ZhengshuError {
                    return try await proposals(request, context, s, lang, failed: (id, error))
                }
            }
        }
        router.get("/alerts") { request, context in
            try await console.page(request, context) { s, lang in
                try await alerts(request, context, s, lang, failed: nil)
            }
        }
        router.post("/alerts/{id}") { request, context in
            try await console.post(request, context) { s, form, lang in
                let id = try context.parameters.require("id")
                guard let state = form["state"].flatMap(RiskAlert.State.init(rawValue:)) else {
                    throw ZhengshuError(.invalidInput, "choose a state")
                }
                do {
                    _ = try await platform.alerts.change(id, to: state, note: form["note"], by: s.caller(context))
                    return redirect("/alerts")
                } catch let error as ZhengshuError {
                    return try await alerts(request, context, s, lang, failed: (id, error))
                }
            }
        }
        router.get("/break-glass") { request, context in
            try await console.page(request, context) { s, lang in
                try await breakGlass(request, context, s, lang, failed: nil, values: [:])
            }
        }
        router.post("/break-glass") { request, context in
            try await console.post(request, context) { s, form, lang in
                do {
                    _ = try await platform.breakGlass.request(
                        resource: form["resource"] ?? "", reason: form["reason"],
                        minutes: form["minutes"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) },
                        by: s.caller(context))
                    return redirect("/break-glass")
                } catch let error as ZhengshuError {
                    return try await breakGlass(request, context, s, lang, failed: ("new", error), values: form.values)
                }
            }
        }
        router.post("/break-glass/{id}/{action}") { request, context in
            try await console.post(request, context) { s, form, lang in
                let id = try context.parameters.require("id")
                do {
                    switch try context.parameters.require("action") {
                    case "approve", "refuse":
                        _ = try await platform.breakGlass.decide(
                            id, approve: context.parameters.get("action") == "approve", note: form["note"],
                            by: s.caller(context))
                    case "end": _ = try await platform.breakGlass.end(id, by: s.caller(context))
                    default: throw ZhengshuError(.notFound, "unknown action")
                    }
                    return redirect("/break-glass")
                } catch let error as ZhengshuError {
                    return try await breakGlass(request, context, s, lang, failed: (id, error), values: [:])
                }
            }
        }
        router.get("/audit") { request, context in
            try await console.page(request, context) { s, lang in try await audit(request, context, s, lang) }
        }
        router.get("/accounts") { request, context in
            try await console.page(request, context) { s, lang in
                try await accounts(request, context, s, lang, shown: nil, error: nil, values: [:])
            }
        }
        router.post("/accounts") { request, context in
            try await console.post(request, context) { s, form, lang in
                let networks = (form["networks"] ?? "").split(whereSeparator: { ",，;；\n ".contains($0) }).map(
                    String.init)
                do {
                    let (account, key) = try await platform.sharing.createSystemAccount(
                        SystemAccountDraft(
                            department: s.principal.department?.rawValue, name: form["name"],
                            description: form["description"],
                            networks: networks), by: s.caller(context))
                    return try await accounts(
                        request, context, s, lang, shown: (account.name, key), error: nil, values: [:])
                } catch let error as ZhengshuError {
                    return try await accounts(request, context, s, lang, shown: nil, error: error, values: form.values)
                }
            }
        }
        router.post("/accounts/{id}/{action}") { request, context in
            try await console.post(request, context) { s, _, lang in
                guard let id = Int64(try context.parameters.require("id")) else {
                    throw ZhengshuError(.notFound, "system account does not exist")
                }
                switch try context.parameters.require("action") {
                case "rotate":
                    let (account, key) = try await platform.sharing.rotateSystemAccount(id, by: s.caller(context))
                    return try await accounts(
                        request, context, s, lang, shown: (account.name, key), error: nil, values: [:])
                case "revoke":
                    _ = try await platform.sharing.revokeSystemAccount(id, by: s.caller(context))
                    return redirect("/accounts")
                default:
                    throw ZhengshuError(.notFound, "unknown action")
                }
            }
        }
    }

    func problems(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String, failed: (Int64, ZhengshuError)?
    ) async throws -> Response {
        let status = request.uri.queryParameters.get("status").flatMap { $0.isEmpty ? nil : $0 } ?? "open"
        let list = try await platform.problems.list(
            department: nil, resource: request.uri.queryParameters.get("resource"),
            status: status == "all" ? nil : status, after: 0, limit: 200, by: s.caller(context))
        let provider = s.principal.roles.contains(.provider), admin = s.principal.isAdmin
        let rows: [[String: Any]] = list.map { p in
            // A provider moves its problems along; the bureau rules on a dispute (the value is wrong after all, or stands).
            var moves = provider ? p.status.providerMoves.sorted { $0.rawValue < $1.rawValue } : []
            if admin && p.status == .disputed { moves += [.open, .verified] }
            var row: [String: Any] = [
                "id": p.id.rawValue, "resource": p.resource.rawValue, "rowKey": p.rowKey, "field": p.field,
                "rule": p.rule, "value": p.value,
                "reason": p.reason, "status": console.text("problem.status.\(p.status.rawValue)", lang),
                "statusCode": p.status.rawValue,
                "source": p.source, "lastSeen": ConsoleTime.minute(p.lastSeenAt), "note": p.note ?? "",
                "actions": moves.map {
                    ["value": $0.rawValue, "label": console.text("problem.to.\($0.rawValue)", lang)]
                },
            ]
            row["hasActions"] = !(row["actions"] as! [[String: String]]).isEmpty
            if let failed, failed.0 == p.id.rawValue {
                row.merge(ConsoleRoutes<Context>.problem(failed.1)) { _, new in new }
            }
            return row
        }
        let v: [String: Any] = [
            "problems": rows, "hasProblems": !rows.isEmpty, "back": status,
            "filters": (["open", "acknowledged", "fixed", "verified", "disputed", "all"]).map {
                [
                    "value": $0, "label": console.text($0 == "all" ? "problem.all" : "problem.status.\($0)", lang),
                    "current": $0 == status,
                ]
            },
        ]
        return console.render(
            "problems", v, title: "problems.title", session: s, request: request,
            status: failed.map { ConsoleRoutes<Context>.status($0.1.code) } ?? .ok)
    }

    func proposals(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String, failed: (String, ZhengshuError)?
    ) async throws -> Response {
        let q = request.uri.queryParameters
        let list = try await platform.privacy.proposals(
            status: q.get("status") ?? "pending", resource: q.get("resource"), by: s.caller(context))
        let rows: [[String: Any]] = list.map { p in
            var row: [String: Any] = [
                "id": p.id.rawValue, "resource": p.resource.rawValue,
                "status": console.text("proposal.status.\(p.status.rawValue)", lang),
                "pending": p.status == .pending, "current": p.currentResourceGrade.rawValue,
                "proposed": p.proposedResourceGrade.rawValue,
                "createdAt": ConsoleTime.minute(p.createdAt), "createdBy": p.createdBy,
                "items": p.items.map { i in
                    [
                        "item": i.item, "current": i.current?.rawValue ?? console.text("item.ungraded", lang),
                        "basis": i.basis,
                        "grades": Sensitivity.allCases.map { ["value": $0.rawValue, "selected": $0 == i.proposed] },
                    ] as [String: Any]
                },
            ]
            if let failed, failed.0 == String(p.id.rawValue) {
                row.merge(ConsoleRoutes<Context>.problem(failed.1)) { _, new in new }
            }
            return row
        }
        return console.render(
            "proposals", ["proposals": rows, "hasProposals": !rows.isEmpty, "justDecided": q.get("decided") != nil],
            title: "proposals.title", session: s, request: request,
            status: failed.map { ConsoleRoutes<Context>.status($0.1.code) } ?? .ok)
    }

    func alerts(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String, failed: (String, ZhengshuError)?
    ) async throws -> Response {
        let state = request.uri.queryParameters.get("state").flatMap { $0.isEmpty ? nil : $0 }
        let list = try await platform.alerts.list(state: state, rule: nil, by: s.caller(context))
        let rows: [[String: Any]] = list.map { a in
            var row: [String: Any] = [
                "id": a.id.rawValue, "rule": console.text("alert.rule.\(a.rule.rawValue)", lang),
                "severity": console.text("alert.severity.\(a.severity.rawValue)", lang),
                "severityCode": a.severity.rawValue, "state": console.text("alert.state.\(a.state.rawValue)", lang),
                "subject": a.subject,
                "summary": a.summary, "evidence": a.evidence.prefix(10).map(String.init).joined(separator: ", "),
                "window": "\(ConsoleTime.minute(a.from)) — \(ConsoleTime.minute(a.to))", "note": a.note ?? "",
                "canAcknowledge": s.principal.isAdmin && a.state == .open,
                "canClose": s.principal.isAdmin && a.state != .closed,
            ]
            if let failed, failed.0 == String(a.id.rawValue) {
                row.merge(ConsoleRoutes<Context>.problem(failed.1)) { _, new in new }
            }
            return row
        }
        return console.render(
            "alerts", ["alerts": rows, "hasAlerts": !rows.isEmpty], title: "alerts.title", session: s, request: request,
            status: failed.map { ConsoleRoutes<Context>.status($0.1.code) } ?? .ok)
    }

    /// Break-glass accesses: the list (administrators, auditors), the request form and the second approval
    /// (administrators).
    func breakGlass(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String, failed: (String, ZhengshuError)?,
        values: [String: String]
    ) async throws -> Response {
        let list = try await platform.breakGlass.list(by: s.caller(context))
        let now = platform.clock.current()
        let admin = s.principal.isAdmin
        let rows: [[String: Any]] = list.map { b in
            var row: [String: Any] = [
                "id": b.id.rawValue, "resource": b.resource.rawValue, "requestedBy": b.requestedBy,
                "reason": b.reason, "minutes": b.minutes,
                "status": console.text(
                    b.isOpen(at: now) ? "breakGlass.open" : "breakGlass.status.\(b.status.rawValue)", lang),
                "open": b.isOpen(at: now), "requestedAt": ConsoleTime.minute(b.requestedAt),
                "until": b.expiresAt.map(ConsoleTime.minute) ?? "—", "decidedBy": b.decidedBy ?? "—",
                "canDecide": admin && b.status == .pending && b.requestedBy != s.principal.name,
                "canEnd": admin && (b.isOpen(at: now) || b.status == .pending),
            ]
            if let failed, failed.0 == String(b.id.rawValue) {
                row.merge(ConsoleRoutes<Context>.problem(failed.1)) { _, new in new }
            }
            return row
        }
        var data: [String: Any] = [
            "accesses": rows, "hasAccesses": !rows.isEmpty, "canRequest": admin,
            "resource": values["resource"] ?? "", "reason": values["reason"] ?? "",
            "minutes": values["minutes"] ?? "60",
        ]
        if let failed, failed.0 == "new" { data.merge(ConsoleRoutes<Context>.problem(failed.1)) { _, new in new } }
        return console.render(
            "break-glass", data, title: "breakGlass.title", session: s, request: request,
            status: failed.map { ConsoleRoutes<Context>.status($0.1.code) } ?? .ok)
    }

    func audit(_ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String) async throws -> Response {
        let q = request.uri.queryParameters
        func value(_ key: String) -> String? { q.get(key).flatMap { $0.isEmpty ? nil : $0 } }
        func day(_ key: String) throws -> Date? {
            guard let raw = value(key) else { return nil }
            guard let d = CivilDate(iso: raw) else {
                throw ZhengshuError.validation([
                    .init(field: key, reason: "'\(raw.prefix(20))' is not a date YYYY-MM-DD")
                ])
            }
            return d.chinaStart
        }
        var filter = AuditFilter(
            limit: 200, action: value("action"), target: value("resource").map { "resource:\($0)" },
            actor: value("actor"),
            department: value("department"), from: try day("from"),
            to: try day("to").map { $0.addingTimeInterval(86_400) })
        filter.after = Int64(value("after") ?? "") ?? 0
        let entries = try await platform.audit.entries(filter, by: s.caller(context))
        let rows: [[String: Any]] = entries.map { e in
            [
                "sequence": e.sequence, "at": ConsoleTime.minute(e.event.at), "actor": e.event.actor,
                "department": e.event.actorDepartment ?? "",
                "action": e.event.action, "target": e.event.target, "detail": e.event.detail ?? "",
                "request": e.event.requestID,
            ]
        }
        var next = ""
        if entries.count == filter.limit, let last = entries.last {
            next =
                "/audit?"
                + (q.filter { $0.key != "after" }.map {
                    "\($0.key)=\(String($0.value).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                }
                + ["after=\(last.sequence)"]).joined(separator: "&")
        }
        let form = ["action", "resource", "actor", "department", "from", "to"].reduce(into: [String: String]()) {
            $0[$1] = value($1) ?? ""
        }
        return console.render(
            "audit",
            ["entries": rows, "hasEntries": !rows.isEmpty, "form": form, "next": next, "hasNext": !next.isEmpty],
            title: "audit.title", session: s, request: request)
    }

    func accounts(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String,
        shown: (name: String, key: String)?,
        error: ZhengshuError?, values: [String: String]
    ) async throws -> Response {
        let list = try await platform.sharing.systemAccounts(
            department: s.principal.isAdmin ? nil : s.principal.department?.rawValue, by: s.caller(context))
        let rows: [[String: Any]] = list.map { a in
            [
                "id": a.id.rawValue, "name": a.name, "department": a.department.rawValue,
                "description": a.description ?? "",
                "prefix": a.keyPrefix,
                "networks": a.networks.isEmpty
                    ? console.text("accounts.anyNetwork", lang) : a.networks.joined(separator: ", "),
                "lastUsed": ConsoleTime.minute(a.lastUsedAt), "active": a.revokedAt == nil,
                "createdAt": ConsoleTime.minute(a.createdAt),
            ]
        }
        var v: [String: Any] = [
            "accounts": rows, "hasAccounts": !rows.isEmpty, "form": values,
            "canCreate": s.principal.roles.contains(.consumer),
        ]
        if let shown { v["shown"] = ["name": shown.name, "key": shown.key] }
        v.merge(ConsoleRoutes<Context>.problem(error)) { _, new in new }
        return console.render(
            "accounts", v, title: "accounts.title", session: s, request: request,
            status: error.map { ConsoleRoutes<Context>.status($0.code) } ?? .ok)
    }
}
