import Foundation
import Hummingbird
import ZhengshuCore

/// Management (管): performance evaluation with its evidence, the bureau's weights, departments' service items and
/// the asset inventory.
struct ManagementRoutes {
    let platform: Platform

    struct SummaryBody: Encodable {
        struct Indicator: Encodable {
            var indicator: String
            var value: Double?
            var weight: Double
        }
        var department: String
        var name: String?
        var score: Double?
        var indicators: [Indicator]
    }

    struct EvaluationsBody: Encodable {
        var period: String
        var asOf: Date
        var policy: PerformancePolicy
        var items: [SummaryBody]
    }

    struct ServiceItemsBody: Codable {
        var items: [String]
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        let p = platform
        api.get("performance") { request, context in
            let caller = try context.caller()
            let q = request.uri.queryParameters
            let reports = try await p.management.evaluations(
                period: q.get("period"), department: q.get("department"), by: caller)
            let names = try await Self.names(p)
            let period = try Management.period(q.get("period"), now: p.clock.current())
            return JSON.response(
                EvaluationsBody(
                    period: period.description, asOf: reports.first?.asOf ?? min(period.end, p.clock.current()),
                    policy: try await p.management.policy(),
                    items: reports.map { r in
                        SummaryBody(
                            department: r.department.rawValue, name: names[r.department], score: r.score,
                            indicators: r.indicators.map {
                                .init(indicator: $0.indicator.rawValue, value: $0.value, weight: $0.weight)
                            })
                    }))
        }
        api.get("performance.csv") { request, context in
            let caller = try context.caller()
            let q = request.uri.queryParameters
            let reports = try await p.management.evaluations(
                period: q.get("period"), department: q.get("department"), by: caller)
            let names = try await Self.names(p)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition:
                        "attachment; filename=\"performance-\(reports.first?.period.description ?? "period").csv\"",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Self.csv(reports, names: names))))
        }
        api.get("performance/{department}") { request, context in
            JSON.response(
                try await p.management.evaluation(
                    of: try context.parameters.require("department"),
                    period: request.uri.queryParameters.get("period"), by: try context.caller()))
        }
        api.get("performance-policy") { _, context in
            _ = try context.caller()
            return JSON.response(try await p.management.policy())
        }
        api.put("performance-policy") { request, context in
            let policy = try await JSON.decode(PerformancePolicy.self, from: request, context: context)
            return JSON.response(try await p.management.setPolicy(policy, by: try context.caller()))
        }
        api.get("departments/{code}/service-items") { _, context in
            JSON.response(
                ServiceItemsBody(
                    items: try await p.management.serviceItems(
                        of: try context.parameters.require("code"), by: try context.caller())))
        }
        api.put("departments/{code}/service-items") { request, context in
            let body = try await JSON.decode(ServiceItemsBody.self, from: request, context: context)
            return JSON.response(
                ServiceItemsBody(
                    items: try await p.management.setServiceItems(
                        body.items, of: try context.parameters.require("code"),
                        by: try context.caller())))
        }
        api.get("inventory") { request, context in
            JSON.response(
                try await p.management.inventory(
                    department: request.uri.queryParameters.get("department"), by: try context.caller()))
        }
    }

    static func names(_ p: Platform) async throws -> [DepartmentCode: String] {
        Dictionary(
            try await p.departments.list(parent: nil, level: nil).map { ($0.code, $0.name) },
            uniquingKeysWith: { a, _ in a })
    }

    /// One line per indicator, then one per piece of its evidence (the evidence columns filled).
    static func csv(_ reports: [PerformanceReport], names: [DepartmentCode: String]) -> String {
        var out =
            "\u{FEFF}period,department,department_name,score,indicator,value,weight,numerator,denominator,measure,evidence_kind,evidence_id,evidence_ok,evidence_detail\r\n"
        func number(_ v: Double?) -> String {
            guard let v else { return "" }
            return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.4g", v)
        }
        for r in reports {
            let head = [r.period.description, r.department.rawValue, names[r.department] ?? "", number(r.score)]
            for i in r.indicators {
                let cells =
                    head + [
                        i.indicator.rawValue, number(i.value), number(i.weight), number(i.numerator),
                        number(i.denominator), number(i.measure),
                    ]
                out += (cells + ["", "", "", ""]).map(APIRoutes.csvField).joined(separator: ",") + "\r\n"
                for e in i.evidence {
                    out +=
                        (cells + [e.kind, e.id, e.ok ? "true" : "false", e.detail]).map(APIRoutes.csvField).joined(
                            separator: ",") + "\r\n"
                }
            }
        }
        return out
    }
}
