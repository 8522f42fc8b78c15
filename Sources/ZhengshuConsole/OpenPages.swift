import Foundation
import Hummingbird
import ZhengshuCore

/// The open-data portal's pages for people (数据开放门户), without sign-in: the datasets open unconditionally, with
/// search and a publisher filter, a dataset's page with its items, a masked preview and the downloads, and a
/// publisher's page. Everything comes from ``OpenPortal``, the same use case the CKAN API and the DCAT catalog read;
/// the preview goes through the public's masked, audited read path.
struct OpenPages<Context: RequestContext>: Sendable {
    let console: ConsoleRoutes<Context>
    var portal: OpenPortal { console.platform.open }
    static var pageSize: Int { 20 }
    static var previewRows: Int { 10 }

    func register(on router: Router<Context>) {
        router.get("/open") { request, context in
            try await console.publicPage(request, context) { session, lang in
                let q = request.uri.queryParameters.get("q").map { String($0) } ?? ""
                guard q.count <= 200 else { throw ZhengshuError(.invalidInput, "q must be at most 200 characters") }
                let organization = request.uri.queryParameters.get("organization").map { String($0) } ?? ""
                let both = try await portal.datasets(open: [.unconditional, .conditional])
                let all = both.filter { $0.resource.openType == .unconditional }
                let found = OpenPortal.matching(q, in: all).filter {
                    organization.isEmpty || $0.resource.department.rawValue == organization
                }
                let page = max(1, request.uri.queryParameters.get("page").flatMap { Int($0) } ?? 1)
                let shown = found.dropFirst((page - 1) * Self.pageSize).prefix(Self.pageSize)
                let publishers = Dictionary(
                    all.map {
                        ($0.resource.department.rawValue, $0.publisher?.name ?? $0.resource.department.rawValue)
                    },
                    uniquingKeysWith: { a, _ in a })
                func link(_ p: Int) -> String {
                    "/open?"
                        + [("q", q), ("organization", organization), ("page", String(p))].filter { !$0.1.isEmpty }
                        .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                        .joined(separator: "&")
                }
                // Datasets open on condition: their description is public, their data is applied for.
                let conditional = OpenPortal.matching(q, in: both.filter { $0.resource.openType == .conditional })
                    .filter { organization.isEmpty || $0.resource.department.rawValue == organization }
                return console.render(
                    "open",
                    [
                        "q": q, "total": found.count, "results": shown.map { summary($0, lang) },
                        "hasResults": !shown.isEmpty,
                        "conditional": conditional.map { summary($0, lang) }, "hasConditional": !conditional.isEmpty,
                        "member": session?.principal.isMember ?? false, "signedIn": session != nil,
                        "organizations": publishers.sorted { $0.key < $1.key }.map {
                            ["code": $0.key, "name": $0.value, "selected": $0.key == organization]
                        },
                        "hasPrevious": page > 1, "previous": link(page - 1),
                        "hasNext": page * Self.pageSize < found.count, "next": link(page + 1),
                    ], title: "open.portal", session: session, request: request)
            }
        }
        router.get("/open/datasets/{code}") { request, context in
            try await console.publicPage(request, context) { session, lang in
                let d = try await portal.dataset(
                    try context.parameters.require("code"), open: [.unconditional, .conditional])
                var values = summary(d, lang)
                values["updateCycle"] = console.text("cycle.\(d.resource.updateCycle.rawValue)", lang)
                // Open on condition: the description and items, and how to apply; no preview, no download.
                let conditional = d.resource.openType == .conditional
                values["conditional"] = conditional
                values["member"] = session?.principal.isMember ?? false
                let preview =
                    conditional
                    ? nil
                    : try await portal.records(
                        d.resource.code.rawValue, OpenQuery(limit: Self.previewRows),
                        by: Caller(.anonymous, requestID: context.id))
                values["items"] = d.resource.items.map { item in
                    [
                        "name": item.name, "label": item.label, "type": item.type.rawValue,
                        "masked": preview?.masked.contains(item.name) ?? false,
                    ] as [String: Any]
                }
                if let preview {
                    values["columns"] = preview.fields.map { ["label": $0.label, "name": $0.name] }
                    values["rows"] = preview.rows.map { row in ["cells": row.map { ["value": $0.text] }] }
                    values["hasRows"] = !preview.rows.isEmpty
                    values["records"] = preview.total
                    values["recordsEstimated"] = preview.totalEstimated
                    values["hasMasked"] = !preview.masked.isEmpty
                    values["ckanName"] = d.name
                }
                return console.render("open-dataset", values, title: "open.dataset", session: session, request: request)
            }
        }
        router.get("/open/organizations/{code}") { request, context in
            try await console.publicPage(request, context) { session, lang in
                let code = try context.parameters.require("code")
                let datasets = try await portal.datasets().filter { $0.resource.department.rawValue == code }
                // A department without open data is as unknown to the public as one that does not exist.
                guard let publisher = datasets.first?.publisher else {
                    throw ZhengshuError(.notFound, "organization \(code.prefix(64)) publishes no open data")
                }
                return console.render(
                    "open-organization",
                    [
                        "code": publisher.code.rawValue, "name": publisher.name, "total": datasets.count,
                        "results": datasets.map { summary($0, lang) },
                    ], title: "open.organization", session: session, request: request)
            }
        }
    }

    /// What a list shows of a dataset.
    func summary(_ d: OpenDataset, _ lang: String) -> [String: Any] {
        let r = d.resource
        return [
            "code": r.code.rawValue, "name": r.name, "abstract": r.abstract, "category": r.category,
            "publisher": d.publisher?.name ?? r.department.rawValue, "publisherCode": r.department.rawValue,
            "updated": ConsoleTime.minute(d.dataUpdatedAt), "hasUpdated": d.dataUpdatedAt != nil,
            "serviceItems": r.serviceItems.joined(separator: "、"), "itemCount": r.items.count,
        ]
    }
}
