import Foundation
import Hummingbird
import ZhengshuCore

/// Quality rules, runs, score history and scores (数据治理).
struct QualityRoutes {
    let platform: Platform

    struct RulesBody: Codable {
        var items: [QualityRule]
        /// True when the resource has no rules of its own yet and these are the ones proposed from its items.
        var proposed: Bool?
    }

    struct RunBody: Encodable {
        var id: Int64
        var resource: String
        var department: String
        var trigger: String
        var startedAt: Date
        var finishedAt: Date
        var rowsChecked: Int
        var score: Double
        var results: [ResultBody]

        init(_ r: QualityRunRecord) {
            id = r.id.rawValue
            resource = r.resource.rawValue
            department = r.department.rawValue
            trigger = r.trigger
            startedAt = r.startedAt
            finishedAt = r.finishedAt
            rowsChecked = r.rowsChecked
            score = r.score
            results = r.results.map(ResultBody.init)
        }
    }

    struct ResultBody: Encodable {
        var rule: QualityRule
        var checked: Int
        var failed: Int
        var failureRatio: Double
        var samples: [QualityRun.Sample]

        init(_ r: QualityRun.RuleResult) {
            rule = r.rule
            checked = r.checked
            failed = r.failed
            failureRatio = (r.failureRatio * 10000).rounded() / 10000
            samples = r.samples
        }
    }

    struct ScoreBody: Encodable {
        var resource: String?
        var department: String
        var score: Double
        var at: Date

        init(_ s: QualityScore) {
            resource = s.resource?.rawValue
            department = s.department.rawValue
            score = s.score
            at = s.at
        }
    }

    struct ScoresBody: Encodable {
        var resources: [ScoreBody]
        var departments: [ScoreBody]
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        let p = platform
        api.get("resources/{code}/quality/rules") { _, context in
            let (rules, proposed) = try await p.quality.rules(
                of: try context.parameters.require("code"), by: try context.caller())
            return JSON.response(RulesBody(items: rules, proposed: proposed))
        }
        api.put("resources/{code}/quality/rules") { request, context in
            let body = try await JSON.decode(RulesBody.self, from: request, context: context)
            let rules = try await p.quality.setRules(
                of: try context.parameters.require("code"), body.items, by: try context.caller())
            return JSON.response(RulesBody(items: rules, proposed: false))
        }
        api.post("resources/{code}/quality/runs") { _, context in
            JSON.response(
                RunBody(try await p.quality.run(try context.parameters.require("code"), by: try context.caller())),
                status: .created)
        }
        api.get("resources/{code}/quality/runs") { request, context in
            let limit = try APIRoutes.optionalInteger(request.uri.queryParameters.get("limit"), "limit") ?? 30
            return JSON.response(
                ListBody(
                    items: try await p.quality.history(
                        of: try context.parameters.require("code"), limit: limit,
                        by: try context.caller()
                    ).map(RunBody.init)))
        }
        api.get("quality/scores") { request, context in
            let scores = try await p.quality.scores(
                department: request.uri.queryParameters.get("department"), by: try context.caller())
            return JSON.response(
                ScoresBody(
                    resources: scores.resources.map(ScoreBody.init), departments: scores.departments.map(ScoreBody.init)
                ))
        }
    }
}

/// Problem records (问题数据反馈): the department's worklist, transitions, objections and management counts.
struct ProblemRoutes {
    let platform: Platform

    struct StatsBody: Encodable {
        var department: String
        var counts: [String: Int]
        var meanHoursToFix: Double?
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        let p = platform
        api.get("problems") { request, context in
            let q = request.uri.queryParameters
            let items = try await p.problems.list(
                department: q.get("department"), resource: q.get("resource"), status: q.get("status"),
                after: Int64(try APIRoutes.optionalInteger(q.get("after"), "after") ?? 0),
                limit: try APIRoutes.optionalInteger(q.get("limit"), "limit") ?? 100, by: try context.caller())
            return JSON.response(ListBody(items: items))
        }
        api.patch("problems/{id}") { request, context in
            let update = try await JSON.decode(Problems.Update.self, from: request, context: context)
            return JSON.response(
                try await p.problems.update(try APIRoutes.integer(context, "id"), update, by: try context.caller()))
        }
        api.post("resources/{code}/objections") { request, context in
            let objection = try await JSON.decode(Problems.Objection.self, from: request, context: context)
            return JSON.response(
                try await p.problems.object(
                    to: try context.parameters.require("code"), objection, by: try context.caller()),
                status: .created)
        }
        api.get("problems/stats") { request, context in
            let stats = try await p.problems.stats(
                department: request.uri.queryParameters.get("department"), by: try context.caller())
            return JSON.response(
                ListBody(
                    items: stats.map {
                        StatsBody(
                            department: $0.department.rawValue, counts: $0.counts,
                            meanHoursToFix: $0.meanHoursToFix.map { ($0 * 100).rounded() / 100 })
                    }))
        }
    }
}

/// Lineage (血缘): OpenLineage run events in, the graph around a resource out.
struct LineageRoutes {
    let platform: Platform

    func register(on api: RouterGroup<AppRequestContext>) {
        let p = platform
        api.post("lineage") { request, context in
            let event = try await JSON.decode(JSONValue.self, from: request, context: context)
            try await p.lineage.record(event, by: try context.caller())
            return Response(status: .created)
        }
        api.get("resources/{code}/lineage") { request, context in
            let q = request.uri.queryParameters
            return JSON.response(
                try await p.lineage.graph(
                    of: try context.parameters.require("code"), direction: q.get("direction"),
                    depth: q.get("depth"), by: try context.caller()))
        }
    }
}
