import Foundation
import Hummingbird
import ZhengshuCore

/// Management pages: the departments' performance ranking, a department's printable monthly report with the evidence
/// behind each indicator, and the asset inventory.
struct ManagementPages<Context: RequestContext>: Sendable {
    let console: ConsoleRoutes<Context>
    var platform: Platform { console.platform }

    func register(on router: Router<Context>) {
        router.get("/performance") { request, context in
            try await console.page(request, context) { s, lang in
                let period = request.uri.queryParameters.get("period")
                let reports = try await platform.management.evaluations(period: period, by: s.caller(context))
                let names = try await names()
                let shown = try Management.period(period, now: platform.clock.current())
                let rows: [[String: Any]] = reports.enumerated().map { n, r in
                    [
                        "rank": n + 1, "department": r.department.rawValue,
                        "name": names[r.department] ?? r.department.rawValue,
                        "score": Self.number(r.score), "period": r.period.description,
                        "values": r.indicators.map { ["value": Self.number($0.value)] },
                    ]
                }
                return console.render(
                    "performance",
                    [
                        "period": shown.description, "previous": shown.previous.description, "rows": rows,
                        "hasRows": !rows.isEmpty,
                        "indicators": PerformanceIndicator.allCases.map {
                            ["label": console.text("indicator.\($0.rawValue)", lang)]
                        },
                    ], title: "performance.title", session: s, request: request)
            }
        }
        router.get("/performance/{department}") { request, context in
            try await console.page(request, context) { s, lang in
                let r = try await platform.management.evaluation(
                    of: try context.parameters.require("department"),
                    period: request.uri.queryParameters.get("period"), by: s.caller(context))
                let names = try await names()
                let indicators: [[String: Any]] = r.indicators.map { i in
                    [
                        "id": i.indicator.rawValue, "label": console.text("indicator.\(i.indicator.rawValue)", lang),
                        "value": Self.number(i.value), "weight": Self.number(i.weight),
                        "counts": i.denominator > 0
                            ? "\(Self.number(i.numerator)) / \(Self.number(i.denominator))" : "—",
                        "measure": i.measure.map { String(format: "%.1f h", $0) } ?? "",
                        "evidence": i.evidence.map { e in
                            [
                                "kind": e.kind, "id": e.id, "ok": e.ok, "detail": e.detail,
                                "href": Self.link(e) ?? "", "hasLink": Self.link(e) != nil,
                            ] as [String: Any]
                        }, "hasEvidence": !i.evidence.isEmpty,
                    ]
                }
                return console.render(
                    "performance-report",
                    [
                        "department": r.department.rawValue, "name": names[r.department] ?? r.department.rawValue,
                        "period": r.period.description, "previous": r.period.previous.description,
                        "asOf": ConsoleTime.minute(r.asOf), "score": Self.number(r.score), "indicators": indicators,
                    ], title: "performance.report", session: s, request: request)
            }
        }
        router.get("/inventory") { request, context in
            try await console.page(request, context) { s, lang in
                let inventory = try await platform.management.inventory(
                    department: request.uri.queryParameters.get("department"), by: s.caller(context))
                func row(_ a: DepartmentAssets) -> [String: Any] {
                    func counts(_ c: [String: Int], _ prefix: String?) -> String {
                        c.sorted { $0.key < $1.key }.map { key, count in
                            "\(prefix.map { console.text("\($0).\(key)", lang) } ?? key) \(count)"
                        }.joined(separator: "、")
                    }
                    return [
                        "department": a.department?.rawValue ?? "",
                        "name": a.name ?? console.text("inventory.total", lang),
                        "resources": a.resources, "status": counts(a.byStatus, "status"),
                        "share": counts(a.byShareType, "share"),
                        "grade": counts(a.byGrade, "grade"), "category": counts(a.byCategory, nil),
                        "records": a.records,
                        "storage": ByteCountFormatter.string(fromByteCount: a.storageBytes, countStyle: .binary),
                        "noData": a.withoutData.joined(separator: "、"),
                        "noRules": a.withoutQualityRules.joined(separator: "、"),
                        "noConsumers": a.withoutConsumers.joined(separator: "、"),
                    ]
                }
                return console.render(
                    "inventory",
                    [
                        "rows": inventory.departments.map(row), "total": row(inventory.total),
                        "measured": inventory.storageMeasured,
                    ],
                    title: "inventory.title", session: s, request: request)
            }
        }
    }

    func names() async throws -> [DepartmentCode: String] {
        Dictionary(
            try await platform.departments.list(parent: nil, level: nil).map { ($0.code, $0.name) },
            uniquingKeysWith: { a, _ in a })
    }

    static func number(_ v: Double?) -> String {
        guard let v else { return "—" }
        return v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }

    /// Where a piece of evidence is seen in the console.
    static func link(_ e: PerformanceEvidence) -> String? {
        switch e.kind {
        case "resource": "/catalog/\(e.id)"
        case "application": "/applications?box=received#application-\(e.id)"
        case "problem": "/problems?status=all#problem-\(e.id)"
        default: nil
        }
    }
}
