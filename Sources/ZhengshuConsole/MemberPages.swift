import Foundation
import Hummingbird
import ZhengshuCore

/// Conditional open data (有条件开放) for people and companies: registration, an application for a dataset open on
/// condition, the member's applications, and the granted data (masked and audited through the shared-query path).
struct MemberPages<Context: RequestContext>: Sendable {
    let console: ConsoleRoutes<Context>
    var platform: Platform { console.platform }
    static var rows: Int { 20 }

    func register(on router: Router<Context>) {
        router.get("/open/register") { request, context in
            try await console.publicPage(request, context) { session, _ in
                registerPage(request, session: session, values: [:], error: nil)
            }
        }
        router.post("/open/register") { request, context in
            try await console.publicPage(request, context) { session, _ in
                let form = try await FormBody(request, context: context)
                // Double-submitted like the sign-in form: another site cannot register someone in a visitor's browser.
                guard let sent = form["_csrf"], sent == request.cookies["zs_login"]?.value else {
                    return registerPage(
                        request, session: session, values: form.values,
                        error: ZhengshuError(.forbidden, console.text("login.expired", console.lang(request))))
                }
                do {
                    let draft = MemberDraft(
                        name: form["name"], displayName: form["displayName"],
                        kind: form["kind"].flatMap(MemberKind.init(rawValue:)),
                        identifier: form["identifier"], contact: form["contact"],
                        password: form.fields.first { $0.0 == "password" }?.1)
                    _ = try await platform.members.register(draft, requestID: context.id)
                    return redirect("/login?registered=1&next=%2Fopen%2Fmine")
                } catch let error as ZhengshuError {
                    return registerPage(
                        request, session: session, values: form.values.filter { $0.key != "password" }, error: error)
                }
            }
        }
        router.get("/open/apply/{code}") { request, context in
            try await console.page(request, context) { s, lang in
                try await applyPage(request, context, s, lang, values: [:], chosen: nil, error: nil)
            }
        }
        router.post("/open/apply/{code}") { request, context in
            try await console.post(request, context) { s, form, lang in
                let items = form.all("items")
                do {
                    let draft = ApplicationDraft(
                        resource: try context.parameters.require("code"), items: items, services: [.query],
                        purpose: form["purpose"], legalBasis: form["legalBasis"],
                        validUntil: try form["validUntil"].flatMap { $0.isEmpty ? nil : $0 }.map {
                            try SharingPages<Context>.date($0, field: "validUntil")
                        })
                    let application = try await platform.sharing.apply(draft, by: s.caller(context))
                    return redirect("/open/mine?created=\(application.id.rawValue)")
                } catch let error as ZhengshuError {
                    return try await applyPage(
                        request, context, s, lang, values: form.values, chosen: Set(items), error: error)
                }
            }
        }
        router.get("/open/mine") { request, context in
            try await console.page(request, context) { s, lang in
                let caller = s.caller(context)
                guard s.principal.isMember, let own = s.principal.department else { throw Self.membersOnly }
                let profile = try await platform.members.profile(by: caller)
                let applications = try await platform.sharing.applications(
                    ApplicationFilter(consumer: own, limit: 200), by: caller)
                let names = Dictionary(
                    try await platform.open.datasets(open: [.conditional]).map { ($0.resource.code, $0.resource.name) }
                ) { a, _ in a }
                let rows: [[String: Any]] = applications.map { a in
                    [
                        "id": a.id.rawValue, "code": a.resource.rawValue,
                        "name": names[a.resource] ?? a.resource.rawValue,
                        "items": a.items.joined(separator: ", "),
                        "status": console.text("application.status.\(a.status.rawValue)", lang),
                        "state": a.status.rawValue, "granted": a.status == .granted,
                        "submitted": ConsoleTime.minute(a.createdAt),
                        "reason": a.history.last?.reason ?? "", "period": "\(a.validFrom) — \(a.validUntil)",
                    ]
                }
                return console.render(
                    "open-mine",
                    [
                        "member": [
                            "name": s.principal.name,
                            "kind": console.text("member.kind.\(profile.kind.rawValue)", lang),
                            "identifier": profile.identifierMasked, "contact": profile.contact,
                        ],
                        "applications": rows, "hasApplications": !rows.isEmpty,
                        "created": request.uri.queryParameters.get("created").map { String($0) } ?? "",
                    ], title: "member.mine", session: s, request: request)
            }
        }
        router.get("/open/mine/{code}") { request, context in
            try await console.page(request, context) { s, lang in
                guard s.principal.isMember else { throw Self.membersOnly }
                let code = try context.parameters.require("code")
                let d = try await platform.open.dataset(code, open: [.conditional])
                let cursor = request.uri.queryParameters.get("cursor").map { String($0) }
                let path = "/open/mine/\(d.resource.code)"
                let (page, receipt) = try await platform.data.sharedQuery(
                    d.resource.code.rawValue, RecordQueryParameters(limit: String(Self.rows), cursor: cursor),
                    grant: nil,
                    requestHash: RequestHash.of(
                        method: "GET", path: path, query: cursor.map { [("cursor", $0)] } ?? [], body: []),
                    by: s.caller(context))
                return console.render(
                    "open-granted",
                    [
                        "code": d.resource.code.rawValue, "name": d.resource.name,
                        "columns": page.fields.map { ["label": $0.label, "name": $0.name] },
                        "rows": page.rows.map { row in ["cells": row.map { ["value": $0.text] }] },
                        "hasRows": !page.rows.isEmpty,
                        "next": page.next.map {
                            "\(path)?cursor=\($0.token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                        } ?? "",
                        "grant": receipt.grant.rawValue, "auditEntry": receipt.auditEntry,
                    ], title: "member.data", session: s, request: request)
            }
        }
    }

    static var membersOnly: ZhengshuError {
        ZhengshuError(
            .forbidden,
            "this page is for registered members of the open-data portal; departments apply from the catalog")
    }

    func registerPage(
        _ request: Request, session: ConsoleSession?, values: [String: String], error: ZhengshuError?
    ) -> Response {
        var rng = SystemRandomNumberGenerator()
        let token = TokenSecret.generate(using: &rng)
        let lang = console.lang(request)
        var v: [String: Any] = [
            "form": values, "loginToken": token,
            "kinds": MemberKind.allCases.map {
                [
                    "value": $0.rawValue, "label": console.text("member.kind.\($0.rawValue)", lang),
                    "checked": (values["kind"] ?? "person") == $0.rawValue,
                ]
            },
        ]
        v.merge(ConsoleRoutes<Context>.problem(error)) { _, new in new }
        var response = console.render(
            "open-register", v, title: "member.registerTitle", session: session, request: request,
            status: error.map { ConsoleRoutes<Context>.status($0.code) } ?? .ok)
        response.setCookie(ConsoleSession.cookie("zs_login", token, expires: nil, request: request))
        return response
    }

    func applyPage(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String, values: [String: String],
        chosen: Set<String>?, error: ZhengshuError?
    ) async throws -> Response {
        guard s.principal.isMember else { throw Self.membersOnly }
        let d = try await platform.open.dataset(try context.parameters.require("code"), open: [.conditional])
        var v: [String: Any] = [
            "code": d.resource.code.rawValue, "name": d.resource.name, "abstract": d.resource.abstract,
            "publisher": d.publisher?.name ?? d.resource.department.rawValue,
            "items": d.resource.items.map {
                ["name": $0.name, "label": $0.label, "checked": chosen?.contains($0.name) ?? false]
            },
            "form": values,
        ]
        v.merge(ConsoleRoutes<Context>.problem(error)) { _, new in new }
        return console.render(
            "open-apply", v, title: "member.applyTitle", session: s, request: request,
            status: error.map { ConsoleRoutes<Context>.status($0.code) } ?? .ok)
    }
}
