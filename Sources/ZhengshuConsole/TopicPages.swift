import Foundation
import Hummingbird
import ZhengshuCore

/// Topic databases (主题库): the list with each topic's inputs, schedule and last run; for admins, materialising one
/// and defining a new one (catalog fields plus the query as JSON).
struct TopicPages<Context: RequestContext>: Sendable {
    let console: ConsoleRoutes<Context>
    var platform: Platform { console.platform }

    func register(on router: Router<Context>) {
        router.get("/topics") { request, context in
            try await console.page(request, context) { s, lang in
                try await list(request, context, s, lang, failed: nil, form: [:])
            }
        }
        router.post("/topics") { request, context in
            try await console.post(request, context) { s, form, lang in
                var values: [String: String] = [:]
                for key in [
                    "code", "name", "abstract", "category", "shareType", "shareCondition", "intervalHours", "query",
                ] { values[key] = form[key] ?? "" }
                do {
                    let draft = try Self.draft(values)
                    let entry = try await platform.topics.define(draft, by: s.caller(context))
                    return redirect("/topics?defined=\(entry.topic.code)")
                } catch let error as ZhengshuError {
                    return try await list(request, context, s, lang, failed: error, form: values)
                }
            }
        }
        router.post("/topics/{code}/materialise") { request, context in
            try await console.post(request, context) { s, _, _ in
                let job = try await platform.topics.materialise(
                    try context.parameters.require("code"), by: s.caller(context))
                return redirect("/jobs/\(job.id)")
            }
        }
    }

    /// The form's fields as a draft; the query is the API's JSON.
    static func draft(_ form: [String: String]) throws(ZhengshuError) -> TopicDraft {
        var resource = ResourceDraft()
        resource.code = form["code"]
        resource.name = form["name"]
        resource.abstract = form["abstract"]
        resource.category = form["category"]
        resource.shareType = form["shareType"].flatMap(ShareType.init(rawValue:))
        resource.shareCondition = form["shareCondition"].flatMap { $0.isEmpty ? nil : $0 }
        let query: TopicQuery
        do {
            query = try JSONDecoder().decode(TopicQuery.self, from: Data((form["query"] ?? "").utf8))
        } catch {
            throw .validation([
                .init(
                    field: "query",
                    reason: "is not a topic query in JSON: from, joins, where, columns (\(Self.describe(error)))")
            ])
        }
        var hours: Int?
        if let text = form["intervalHours"], !text.isEmpty {
            guard let h = Int(text) else {
                throw .validation([.init(field: "intervalHours", reason: "must be a whole number of hours")])
            }
            hours = h
        }
        return TopicDraft(resource: resource, query: query, intervalSeconds: hours.map { $0 * 3600 })
    }

    /// Where the JSON went wrong, briefly.
    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let c)?:
            (c.codingPath + [key]).map(\.stringValue).joined(separator: ".") + " is missing"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .dataCorrupted(let c)?:
            c.codingPath.map(\.stringValue).joined(separator: ".") + ": " + c.debugDescription
        default: "not JSON"
        }
    }

    func list(
        _ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String, failed: ZhengshuError?,
        form: [String: String]
    ) async throws -> Response {
        let entries = try await platform.topics.list(by: s.caller(context))
        let rows: [[String: Any]] = entries.map { e in
            [
                "code": e.topic.code.rawValue, "name": e.resource.name,
                "inputs": e.topic.query.inputCodes.joined(separator: "、"),
                "columns": e.resource.items.count,
                "grade": console.text("grade.\(e.resource.gradeLevel.rawValue)", lang),
                "schedule": e.topic.intervalSeconds.map { "\($0 / 3600) h" } ?? console.text("topics.onDemand", lang),
                "lastJob": e.topic.lastJob.map { String($0.rawValue) } ?? "", "hasJob": e.topic.lastJob != nil,
                "lastError": e.topic.lastError ?? "", "hasError": e.topic.lastError != nil,
            ]
        }
        let shareTypes = ShareType.allCases.map { t in
            [
                "value": t.rawValue, "label": console.text("share.\(t.rawValue)", lang),
                "selected": form["shareType"] == t.rawValue,
            ] as [String: Any]
        }
        let categories = SubjectCategory.all.map { c in
            ["value": c, "selected": form["category"] == c] as [String: Any]
        }
        var values: [String: Any] = [
            "topics": rows, "hasTopics": !rows.isEmpty, "isAdmin": s.principal.isAdmin,
            "defined": request.uri.queryParameters.get("defined") ?? "", "form": form,
            "shareTypes": shareTypes, "categories": categories,
        ]
        values.merge(ConsoleRoutes<Context>.problem(failed)) { _, new in new }
        return console.render(
            "topics", values, title: "topics.title", session: s, request: request,
            status: failed.map { ConsoleRoutes<Context>.status($0.code) } ?? .ok)
    }
}
