import Foundation
import Hummingbird
import ZhengshuCore

/// Sharing pages: applying for a resource, "my applications", the approvals inbox with its decisions, and grants.
struct SharingPages<Context: RequestContext>: Sendable {
    let console: ConsoleRoutes<Context>
    var platform: Platform { console.platform }

    func register(on router: Router<Context>) {
        router.get("/catalog/{code}/apply") { request, context in
            try await console.page(request, context) { s, lang in
                try await applyPage(request, context, s, lang, values: [:], items: nil, services: nil, error: nil)
            }
        }
        router.post("/catalog/{code}/apply") { request, context in
            try await console.post(request, context) { s, form, lang in
                let code = try context.parameters.require("code")
                let items = form.all("items"), services = form.all("services")
                do {
                    let draft = ApplicationDraft(
                        resource: code, items: items,
                        services: try services.map { raw throws(ZhengshuError) in
                            guard let s = ShareService(rawValue: raw) else {
                                throw ZhengshuError(.invalidInput, "unknown service \(raw.prefix(20))")
                            }
                            return s
                        },
                        purpose: form["purpose"], legalBasis: form["legalBasis"], serviceItem: form["serviceItem"],
                        validFrom: try form["validFrom"].map { try Self.date($0, field: "validFrom") },
                        validUntil: try form["validUntil"].map { try Self.date($0, field: "validUntil") })
                    let application = try await platform.sharing.apply(draft, by: s.caller(context))
                    return redirect("/applications?box=mine&created=\(application.id.rawValue)")
                } catch let error as ZhengshuError {
                    return try await applyPage(
                        request, context, s, lang, values: form.values, items: Set(items), services: Set(services),
                        error: error)
                }
            }
        }
        router.get("/applications") { request, context in
            try await console.page(request, context) { s, lang in try await applications(request, context, s, lang) }
        }
        router.post("/applications/{id}/decision") { request, context in
            try await console.post(request, context) { s, form, lang in
                guard let id = Int64(try context.parameters.require("id")) else {
                    throw ZhengshuError(.notFound, "application does not exist")
                }
                let approve = form["decision"] == "approve"
                do {
                    // The approver's confirmation that items in clear which rebuild a masked identifier are on purpose.
                    var terms: GrantTerms?
                    if approve, form["clearOnPurpose"] == "yes" {
                        let application = try await platform.sharing.application(id, by: s.caller(context))
                        let restored = try await platform.sharing.inference(of: application).filter(
                            \.restoredByClearItems)
                        terms = GrantTerms(clearOnPurpose: Array(Set(restored.flatMap(\.clearItems))).sorted())
                    }
                    _ = try await platform.sharing.decide(
                        id, ApplicationDecision(approve: approve, reason: form["reason"], terms: terms),
                        by: s.caller(context))
                    return redirect("/applications?box=inbox&decided=\(id)")
                } catch let error as ZhengshuError {
                    return try await applications(request, context, s, lang, failed: (id, error, form["reason"] ?? ""))
                }
            }
        }
        router.get("/grants") { request, context in
            try await console.page(request, context) { s, lang in
                let caller = s.caller(context)
                let p = s.principal
                let everyone = p.isAdmin || p.roles.contains(.auditor)
                var grants = try await platform.sharing.grants(
                    consumer: everyone ? nil : p.department?.rawValue, provider: nil, resource: nil, by: caller)
                if !everyone, p.roles.contains(.provider), let own = p.department {
                    grants += try await platform.sharing.grants(
                        consumer: nil, provider: own.rawValue, resource: nil, by: caller
                    )
                    .filter { $0.consumer != own }
                }
                let names = try await departmentNames()
                let rows: [[String: Any]] = grants.sorted { $0.id.rawValue > $1.id.rawValue }.map { g in
                    [
                        "id": g.id.rawValue, "resource": g.resource.rawValue,
                        "provider": names[g.provider] ?? g.provider.rawValue,
                        "consumer": names[g.consumer]
                            ?? (MemberProfile.isMemberCode(g.consumer)
                                ? "\(console.text("role.member", lang)) \(g.consumer)" : g.consumer.rawValue),
                        "items": g.items.joined(separator: ", "),
                        "clear": g.clearItems.isEmpty ? "—" : g.clearItems.joined(separator: ", "),
                        "services": g.services.map { console.text("service.\($0.rawValue)", lang) }.joined(
                            separator: "、"),
                        "period": "\(g.validFrom) — \(g.validUntil)", "quota": "\(g.callsPerDay) / \(g.rowsPerDay)",
                        "verifyQuota": g.services.contains(.verify)
                            ? "\(g.verification.tuplesPerMinute) / \(g.verification.tuplesPerDay)" : "—",
                        "reason": g.statusReason ?? "",
                        "status": console.text("grant.status.\(g.status.rawValue)", lang),
                        "active": g.status == .active,
                    ]
                }
                return console.render(
                    "grants", ["grants": rows, "hasGrants": !rows.isEmpty], title: "grants.title", session: s,
                    request: request)
            }
        }
    }

    func departmentNames() async throws -> [DepartmentCode: String] {
        Dictionary(
            try await platform.departments.list(parent: nil, level: nil).map { ($0.code, $0.name) },
            uniquingKeysWith: { a, _ in a })
    }

    static func date(_ raw: String, field: String) throws(ZhengshuError) -> CivilDate {
        guard let d = CivilDate(iso: raw) else {
            throw ZhengshuError.validation([.init(field: field, reason: "'\(raw.prefix(20))' is not a date YYYY-MM-DD")]
            )
        }
        return d
    }

    func applyPage(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String, values: [String: String],
        items chosen: Set<String>?, services chosen2: Set<String>?, error: ZhengshuError?
    ) async throws -> Response {
        let r = try await platform.catalog.get(try context.parameters.require("code"), by: s.caller(context))
        try r.requirePublished("only published resources can be applied for")
        let v: [String: Any] = [
            "code": r.code.rawValue, "name": r.name, "shareType": console.text("share.\(r.shareType.rawValue)", lang),
            "shareCondition": r.shareCondition ?? "",
            "items": r.items.map {
                ["name": $0.name, "label": $0.label, "checked": chosen?.contains($0.name) ?? false]
            },
            "services": ShareService.allCases.map {
                [
                    "value": $0.rawValue, "label": console.text("service.\($0.rawValue)", lang),
                    "checked": chosen2?.contains($0.rawValue) ?? ($0 == .query),
                ]
            },
            "form": values,
        ]
        return console.render(
            "apply", v.merging(ConsoleRoutes<Context>.problem(error)) { _, new in new }, title: "apply.title",
            session: s, request: request,
            status: error.map { ConsoleRoutes<Context>.status($0.code) } ?? .ok)
    }

    /// `box=mine`: the department's own applications; `box=inbox`: those waiting for the caller's decision (the
    /// provider's answer for a providing department; compliance review, second approval and disputes for the bureau).
    func applications(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String,
        failed: (id: Int64, error: ZhengshuError, reason: String)? = nil
    ) async throws -> Response {
        let caller = s.caller(context)
        let p = s.principal
        let box = request.uri.queryParameters.get("box") ?? (p.roles.contains(.consumer) ? "mine" : "inbox")
        let inbox = box != "mine"
        func decidable(_ a: ShareApplication) -> Bool {
            (p.isAdmin && [.review, .bureauApproval, .disputed].contains(a.status))
                || (p.roles.contains(.provider) && a.status == .provider && a.provider == p.department)
        }
        var list: [ShareApplication]
        switch box {
        case "mine":
            guard let own = p.department else { throw ZhengshuError(.forbidden, "my applications are a department's") }
            list = try await platform.sharing.applications(ApplicationFilter(consumer: own, limit: 500), by: caller)
        case "received":
            // Every application for the department's resources (the bureau's: all), answered or not.
            list = try await platform.sharing.applications(
                ApplicationFilter(provider: p.isAdmin ? nil : p.department, limit: 500), by: caller)
        default:
            list = try await platform.sharing.applications(ApplicationFilter(limit: 500), by: caller).filter(decidable)
        }
        let names = try await departmentNames()
        let now = Date()
        // What releasing the items together does to masked identifiers, for the applications to decide.
        var notes: [ApplicationID: (notes: [String], confirm: Bool)] = [:]
        for a in list where inbox && decidable(a) {
            let resource = try await platform.catalog.get(a.resource.rawValue, by: caller)
            let findings = try await platform.sharing.inference(of: a, resource: resource)
            guard !findings.isEmpty else { continue }
            let items = resource.items
            func label(_ name: String) -> String { items.first { $0.name == name }?.label ?? name }
            func labels(_ names: [String]) -> String { names.map(label).joined(separator: "、") }
            notes[a.id] = (
                findings.map { f in
                    f.restoredByClearItems
                        ? console.text("inference.restored", lang).replacingOccurrences(
                            of: "{clear}", with: labels(f.clearItems)
                        )
                        .replacingOccurrences(of: "{item}", with: label(f.item))
                        .replacingOccurrences(of: "{n}", with: String(f.candidates))
                        : console.text("inference.strengthened", lang).replacingOccurrences(
                            of: "{item}", with: label(f.item)
                        )
                        .replacingOccurrences(of: "{items}", with: labels(f.strengthened))
                }, findings.contains(where: \.restoredByClearItems)
            )
        }
        let rows: [[String: Any]] = list.map { a in
            var row: [String: Any] = [
                "id": a.id.rawValue, "resource": a.resource.rawValue,
                "provider": names[a.provider] ?? a.provider.rawValue,
                "consumer": a.isOpenData
                    ? "\(console.text("role.member", lang)) \(a.applicant)" : names[a.consumer] ?? a.consumer.rawValue,
                "items": a.items.joined(separator: ", "),
                "services": a.services.map { console.text("service.\($0.rawValue)", lang) }.joined(separator: "、"),
                "purpose": a.purpose, "legalBasis": a.legalBasis,
                "status": console.text("application.status.\(a.status.rawValue)", lang),
                "statusCode": a.status.rawValue, "due": ConsoleTime.minute(a.dueAt), "overdue": a.isOverdue(at: now),
                "grant": a.grant?.rawValue ?? 0, "hasGrant": a.grant != nil, "decidable": inbox && decidable(a),
                "reason": a.history.last?.reason ?? "",
                "inference": notes[a.id]?.notes ?? [], "confirmClear": notes[a.id]?.confirm ?? false,
            ]
            if let failed, failed.id == a.id.rawValue {
                row["error"] = failed.error.message
                row["hasError"] = true
                row["typedReason"] = failed.reason
            }
            return row
        }
        let v: [String: Any] = [
            "inbox": inbox, "applications": rows, "hasApplications": !rows.isEmpty,
            "created": request.uri.queryParameters.get("created") ?? "",
            "justCreated": request.uri.queryParameters.get("created") != nil,
            "justDecided": request.uri.queryParameters.get("decided") != nil,
        ]
        return console.render(
            "applications", v, title: box == "received" ? "received.title" : inbox ? "inbox.title" : "mine.title",
            session: s, request: request,
            status: failed.map { ConsoleRoutes<Context>.status($0.error.code) } ?? .ok)
    }
}
