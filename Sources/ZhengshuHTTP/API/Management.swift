import Foundation
import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

/// Management (管): performance evaluation with its evidence, the bureau's weights, departments' service items, the
/// asset inventory and the backup runs.
extension APIHandler {
    func listEvaluations(_ input: Operations.ListEvaluations.Input) async throws -> Operations.ListEvaluations.Output {
        let q = input.query
        let reports = try await platform.management.evaluations(
            period: q.period, department: q.department, by: try AppRequestContext.caller())
        let names = try await departmentNames()
        let now = platform.clock.current()
        let period = try Management.period(q.period, now: now)
        return .ok(
            .init(
                body: .json(
                    .init(
                        period: period.description, asOf: reports.first?.asOf ?? min(period.end, now),
                        policy: .init(try await platform.management.policy()),
                        items: try reports.map { r in
                            .init(
                                department: r.department.rawValue, name: names[r.department], score: r.score,
                                indicators: try r.indicators.map {
                                    .init(
                                        indicator: try .wire($0.indicator.rawValue), value: $0.value, weight: $0.weight)
                                })
                        }))))
    }

    func exportEvaluations(
        _ input: Operations.ExportEvaluations.Input
    ) async throws -> Operations.ExportEvaluations.Output {
        let q = input.query
        let reports = try await platform.management.evaluations(
            period: q.period, department: q.department, by: try AppRequestContext.caller())
        let csv = Self.evaluationsCSV(reports, names: try await departmentNames())
        let disposition = "attachment; filename=\"performance-\(reports.first?.period.description ?? "period").csv\""
        return .ok(.init(headers: .init(contentDisposition: disposition), body: .csv(HTTPBody(csv))))
    }

    func getEvaluation(_ input: Operations.GetEvaluation.Input) async throws -> Operations.GetEvaluation.Output {
        let report = try await platform.management.evaluation(
            of: input.path.department, period: input.query.period, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(report))))
    }

    func getPerformancePolicy(
        _ input: Operations.GetPerformancePolicy.Input
    ) async throws -> Operations.GetPerformancePolicy.Output {
        _ = try AppRequestContext.caller()
        return .ok(.init(body: .json(.init(try await platform.management.policy()))))
    }

    func setPerformancePolicy(
        _ input: Operations.SetPerformancePolicy.Input
    ) async throws -> Operations.SetPerformancePolicy.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let policy = PerformancePolicy(
            weights: body.weights.additionalProperties, problemFixTargetHours: body.problemFixTargetHours,
            responseWorkingDays: body.responseWorkingDays)
        return .ok(
            .init(
                body: .json(.init(try await platform.management.setPolicy(policy, by: try AppRequestContext.caller()))))
        )
    }

    func getServiceItems(_ input: Operations.GetServiceItems.Input) async throws -> Operations.GetServiceItems.Output {
        let items = try await platform.management.serviceItems(of: input.path.code, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: items))))
    }

    func setServiceItems(_ input: Operations.SetServiceItems.Input) async throws -> Operations.SetServiceItems.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let items = try await platform.management.setServiceItems(
            body.items, of: input.path.code, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: items))))
    }

    func assetInventory(_ input: Operations.AssetInventory.Input) async throws -> Operations.AssetInventory.Output {
        let inventory = try await platform.management.inventory(
            department: input.query.department, by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        at: inventory.at, storageMeasured: inventory.storageMeasured,
                        departments: inventory.departments.map(Components.Schemas.DepartmentAssets.init),
                        total: .init(inventory.total)))))
    }

    func listBackupRuns(_ input: Operations.ListBackupRuns.Input) async throws -> Operations.ListBackupRuns.Output {
        let runs = try await platform.backupRuns(by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: try runs.map {
                            .init(
                                id: $0.id.rawValue, node: $0.node, file: $0.file, status: try .wire($0.status.rawValue),
                                startedAt: $0.startedAt, finishedAt: $0.finishedAt, bytes: $0.bytes,
                                milliseconds: $0.milliseconds, error: $0.error, pruned: $0.pruned)
                        }))))
    }

    private func departmentNames() async throws -> [DepartmentCode: String] {
        Dictionary(
            try await platform.departments.list(parent: nil, level: nil).map { ($0.code, $0.name) },
            uniquingKeysWith: { a, _ in a })
    }

    /// One line per indicator, then one per piece of its evidence (the evidence columns filled).
    static func evaluationsCSV(_ reports: [PerformanceReport], names: [DepartmentCode: String]) -> String {
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

extension Components.Schemas.PerformancePolicy {
    init(_ p: PerformancePolicy) {
        self.init(
            weights: .init(additionalProperties: p.weights), problemFixTargetHours: p.problemFixTargetHours,
            responseWorkingDays: p.responseWorkingDays)
    }
}

extension Components.Schemas.PerformanceReport {
    init(_ r: PerformanceReport) throws {
        self.init(
            department: r.department.rawValue, period: r.period.description, asOf: r.asOf, score: r.score,
            indicators: try r.indicators.map {
                .init(
                    indicator: try .wire($0.indicator.rawValue), value: $0.value, numerator: $0.numerator,
                    denominator: $0.denominator, weight: $0.weight, measure: $0.measure,
                    evidence: try $0.evidence.map {
                        .init(kind: try .wire($0.kind), id: $0.id, ok: $0.ok, detail: $0.detail)
                    })
            })
    }
}

extension Components.Schemas.DepartmentAssets {
    init(_ a: DepartmentAssets) {
        self.init(
            department: a.department?.rawValue, name: a.name, resources: a.resources,
            byStatus: .init(additionalProperties: a.byStatus), byShareType: .init(additionalProperties: a.byShareType),
            byOpenType: .init(additionalProperties: a.byOpenType), byGrade: .init(additionalProperties: a.byGrade),
            bySensitivity: .init(additionalProperties: a.bySensitivity),
            byCategory: .init(additionalProperties: a.byCategory), records: a.records, storageBytes: a.storageBytes,
            withoutData: a.withoutData, withoutQualityRules: a.withoutQualityRules,
            withoutConsumers: a.withoutConsumers)
    }
}
