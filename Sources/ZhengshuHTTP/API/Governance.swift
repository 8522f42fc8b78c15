import Foundation
import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

/// Governance (治): quality rules, runs and scores, problem records fed back to providers, lineage, discovery of
/// personal data, grading and masking policies.
extension APIHandler {
    // MARK: Quality

    func getQualityRules(_ input: Operations.GetQualityRules.Input) async throws -> Operations.GetQualityRules.Output {
        let (rules, proposed) = try await platform.quality.rules(
            of: input.path.code, by: try AppRequestContext.caller())
        return .ok(
            .init(body: .json(.init(items: try rules.map(Components.Schemas.QualityRule.init), proposed: proposed))))
    }

    func setQualityRules(_ input: Operations.SetQualityRules.Input) async throws -> Operations.SetQualityRules.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let rules = try body.items.enumerated().map { try QualityRule($0.element, at: $0.offset) }
        let saved = try await platform.quality.setRules(of: input.path.code, rules, by: try AppRequestContext.caller())
        return .ok(
            .init(body: .json(.init(items: try saved.map(Components.Schemas.QualityRule.init), proposed: false))))
    }

    func runQuality(_ input: Operations.RunQuality.Input) async throws -> Operations.RunQuality.Output {
        let run = try await platform.quality.run(input.path.code, by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(run))))
    }

    func listQualityRuns(_ input: Operations.ListQualityRuns.Input) async throws -> Operations.ListQualityRuns.Output {
        let runs = try await platform.quality.history(
            of: input.path.code, limit: input.query.limit ?? 30, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try runs.map(Components.Schemas.QualityRun.init)))))
    }

    func listQualityScores(
        _ input: Operations.ListQualityScores.Input
    ) async throws -> Operations.ListQualityScores.Output {
        let scores = try await platform.quality.scores(
            department: input.query.department, by: try AppRequestContext.caller())
        func wire(_ s: QualityScore) -> Components.Schemas.QualityScore {
            .init(resource: s.resource?.rawValue, department: s.department.rawValue, score: s.score, at: s.at)
        }
        return .ok(
            .init(body: .json(.init(resources: scores.resources.map(wire), departments: scores.departments.map(wire)))))
    }

    // MARK: Problem records (问题数据反馈)

    func listProblems(_ input: Operations.ListProblems.Input) async throws -> Operations.ListProblems.Output {
        let q = input.query
        let problems = try await platform.problems.list(
            department: q.department, resource: q.resource, status: q.status?.rawValue, after: Int64(q.after ?? 0),
            limit: q.limit ?? 100, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try problems.map(Components.Schemas.ProblemRecord.init)))))
    }

    func updateProblem(_ input: Operations.UpdateProblem.Input) async throws -> Operations.UpdateProblem.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let problem = try await platform.problems.update(
            input.path.id, .init(status: try body.status.core(), note: body.note), by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(problem))))
    }

    func problemStats(_ input: Operations.ProblemStats.Input) async throws -> Operations.ProblemStats.Output {
        let stats = try await platform.problems.stats(
            department: input.query.department, by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: stats.map {
                            .init(
                                department: $0.department.rawValue, counts: .init(additionalProperties: $0.counts),
                                meanHoursToFix: $0.meanHoursToFix.map { ($0 * 100).rounded() / 100 })
                        }))))
    }

    func objectToValue(_ input: Operations.ObjectToValue.Input) async throws -> Operations.ObjectToValue.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let problem = try await platform.problems.object(
            to: input.path.code, .init(rowKey: body.rowKey, field: body.field, value: body.value, reason: body.reason),
            by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(problem))))
    }

    // MARK: Lineage (血缘)

    func sendLineageEvent(_ input: Operations.SendLineageEvent.Input) async throws -> Operations.SendLineageEvent.Output
    {
        let event =
            switch input.body {
            case .json(let event): event
            }
        try await platform.lineage.record(JSONValue(any: event.value), by: try AppRequestContext.caller())
        return .created(.init())
    }

    func getLineage(_ input: Operations.GetLineage.Input) async throws -> Operations.GetLineage.Output {
        let graph = try await platform.lineage.graph(
            of: input.path.code, direction: input.query.direction?.rawValue, depth: input.query.depth.map(String.init),
            by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(graph))))
    }

    // MARK: Discovery and grading (分类分级)

    func scanResource(_ input: Operations.ScanResource.Input) async throws -> Operations.ScanResource.Output {
        let scan = try await platform.data.scan(
            input.path.code, sample: input.query.sample, by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        resource: scan.resource.rawValue, rows: scan.rows,
                        columns: try scan.columns.map {
                            .init(
                                column: $0.column, values: $0.values,
                                detected: try $0.detected.map { try .wire($0.rawValue) },
                                matchRatio: $0.matchRatio, confidence: $0.confidence, examples: $0.examples,
                                embedded: try $0.embedded.map { try .wire($0.rawValue) },
                                sensitiveWordValues: $0.sensitiveWordValues, sensitiveWords: $0.sensitiveWords)
                        }, catalogSensitiveWords: scan.catalogSensitiveWords,
                        proposal: try scan.proposal.map(Components.Schemas.GradeProposal.init)))))
    }

    func listGradeProposals(
        _ input: Operations.ListGradeProposals.Input
    ) async throws -> Operations.ListGradeProposals.Output {
        let proposals = try await platform.privacy.proposals(
            status: input.query.status?.rawValue, resource: input.query.resource, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try proposals.map(Components.Schemas.GradeProposal.init)))))
    }

    func getGradeProposal(_ input: Operations.GetGradeProposal.Input) async throws -> Operations.GetGradeProposal.Output
    {
        let proposal = try await platform.privacy.proposal(String(input.path.id), by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(proposal))))
    }

    func decideGradeProposal(
        _ input: Operations.DecideGradeProposal.Input
    ) async throws -> Operations.DecideGradeProposal.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let decision = GradeDecision(
            items: try body.items?.additionalProperties.mapValues { try $0.core() },
            resourceGrade: try body.resourceGrade?.core(), reason: body.reason)
        let (proposal, resource) = try await platform.privacy.decide(
            String(input.path.id), decision, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(proposal: try .init(proposal), resource: try .init(resource)))))
    }

    // MARK: Masking policies (脱敏策略)

    func listMaskingPolicies(
        _ input: Operations.ListMaskingPolicies.Input
    ) async throws -> Operations.ListMaskingPolicies.Output {
        let policies = try await platform.privacy.policies(by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try policies.map(Components.Schemas.MaskingPolicy.init)))))
    }

    func getMaskingPolicy(_ input: Operations.GetMaskingPolicy.Input) async throws -> Operations.GetMaskingPolicy.Output
    {
        let policy = try await platform.privacy.policy(input.path.name, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(policy))))
    }

    func saveMaskingPolicy(
        _ input: Operations.SaveMaskingPolicy.Input
    ) async throws -> Operations.SaveMaskingPolicy.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let policy = MaskingPolicy(
            name: input.path.name, method: try body.method.core(), keepFirst: body.keepFirst, keepLast: body.keepLast,
            to: try body.to?.core(), width: body.width, elements: body.elements ?? [], description: body.description)
        let saved = try await platform.privacy.savePolicy(policy, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(saved))))
    }

    func deleteMaskingPolicy(
        _ input: Operations.DeleteMaskingPolicy.Input
    ) async throws -> Operations.DeleteMaskingPolicy.Output {
        try await platform.privacy.deletePolicy(input.path.name, by: try AppRequestContext.caller())
        return .noContent(.init())
    }
}

// MARK: - Wire ↔ Core

extension Components.Schemas.QualityRule {
    init(_ r: QualityRule) throws {
        var item, id, date, sex, left, right, regex, min, max, resource, target: String?
        var items, codes: [String]?
        var element: Components.Schemas.DataElementId?
        var op: OpPayload?
        switch r.check {
        case .required(let i), .notInFuture(let i), .currentDivision(let i): item = i
        case .unique(let list): items = list
        case .element(let i, let e): (item, element) = (i, try .wire(e.rawValue))
        case .pattern(let i, let re): (item, regex) = (i, re)
        case .range(let i, let lo, let hi): (item, min, max) = (i, lo, hi)
        case .codeList(let i, let list): (item, codes) = (i, list)
        case .idBirthDate(let i, let d): (id, date) = (i, d)
        case .idSex(let i, let s): (id, sex) = (i, s)
        case .compare(let l, let o, let r): (left, op, right) = (l, try .wire(o.rawValue), r)
        case .references(let i, let code, let t): (item, resource, target) = (i, code.rawValue, t)
        case .fresh: break
        }
        self.init(
            ruleId: r.id, kind: try .wire(r.check.kindName), item: item, items: items, element: element, regex: regex,
            min: min, max: max, codes: codes, id: id, date: date, sex: sex, left: left, op: op, right: right,
            resource: resource, target: target, severity: try .wire(r.severity.rawValue), weight: r.weight,
            enabled: r.enabled, dimension: try .wire(r.dimension.rawValue))
    }
}

extension QualityRule {
    /// A rule as submitted, the `index`-th of the list: each kind names the fields it needs, and a missing one is
    /// refused by its place in the body (`items[2].regex`), as any other missing field is.
    init(_ r: Components.Schemas.QualityRuleInput, at index: Int) throws {
        func field<T>(_ value: T?, _ name: String) throws -> T {
            guard let value else {
                throw ZhengshuError.validation([.init(field: "items[\(index)].\(name)", reason: "is required")])
            }
            return value
        }
        let check: RuleCheck
        switch r.kind {
        case .required: check = .required(item: try field(r.item, "item"))
        case .unique: check = .unique(items: try field(r.items, "items"))
        case .element:
            check = .element(item: try field(r.item, "item"), element: try field(r.element, "element").core())
        case .pattern: check = .pattern(item: try field(r.item, "item"), regex: try field(r.regex, "regex"))
        case .range: check = .range(item: try field(r.item, "item"), min: r.min, max: r.max)
        case .codeList: check = .codeList(item: try field(r.item, "item"), codes: try field(r.codes, "codes"))
        case .idBirthDate: check = .idBirthDate(id: try field(r.id, "id"), date: try field(r.date, "date"))
        case .idSex: check = .idSex(id: try field(r.id, "id"), sex: try field(r.sex, "sex"))
        case .compare:
            check = .compare(
                left: try field(r.left, "left"), op: try field(r.op, "op").core(), right: try field(r.right, "right"))
        case .notInFuture: check = .notInFuture(item: try field(r.item, "item"))
        case .currentDivision: check = .currentDivision(item: try field(r.item, "item"))
        case .fresh: check = .fresh
        case .references:
            let code = try field(r.resource, "resource")
            guard let resource = try? ResourceCode(validating: code) else {
                throw ZhengshuError.validation([
                    .init(field: "items[\(index)].resource", reason: "not a resource code: \(code.prefix(40))")
                ])
            }
            check = .references(
                item: try field(r.item, "item"), resource: resource, target: try field(r.target, "target"))
        }
        self.init(
            id: r.ruleId ?? 0, check: check, severity: try r.severity?.core() ?? .flag, weight: r.weight ?? 1,
            enabled: r.enabled ?? true)
    }
}

extension Components.Schemas.QualityRun {
    init(_ r: QualityRunRecord) throws {
        self.init(
            id: r.id.rawValue, resource: r.resource.rawValue, department: r.department.rawValue, trigger: r.trigger,
            startedAt: r.startedAt, finishedAt: r.finishedAt, rowsChecked: r.rowsChecked, score: r.score,
            results: try r.results.map {
                .init(
                    rule: try .init($0.rule), checked: $0.checked, failed: $0.failed,
                    failureRatio: ($0.failureRatio * 10000).rounded() / 10000,
                    samples: $0.samples.map { .init(row: $0.row, field: $0.field, value: $0.value, reason: $0.reason) })
            })
    }
}

extension Components.Schemas.ProblemRecord {
    init(_ p: ZhengshuCore.Problem) throws {
        self.init(
            id: p.id.rawValue, resource: p.resource.rawValue, department: p.department.rawValue,
            source: try .wire(p.source), rowKey: p.rowKey, field: p.field, rule: p.rule, value: p.value,
            reason: p.reason,
            status: try .wire(p.status.rawValue), firstSeenAt: p.firstSeenAt, lastSeenAt: p.lastSeenAt,
            closedAt: p.closedAt, raisedBy: p.raisedBy, note: p.note)
    }
}

extension Components.Schemas.LineageGraph {
    init(_ g: LineageGraph) throws {
        self.init(
            nodes: try g.nodes.map {
                .init(
                    id: $0.id, _type: try .wire($0.type), namespace: $0.namespace, name: $0.name, resource: $0.resource)
            },
            edges: g.edges.map { .init(from: $0.from, to: $0.to) },
            columnEdges: g.columnEdges.map {
                .init(
                    from: .init(namespace: $0.from.namespace, name: $0.from.name), fromField: $0.fromField,
                    to: .init(namespace: $0.to.namespace, name: $0.to.name), toField: $0.toField,
                    job: .init(namespace: $0.job.namespace, name: $0.job.name))
            })
    }
}

extension Components.Schemas.GradeProposal {
    init(_ p: GradeProposal) throws {
        self.init(
            id: p.id.rawValue, resource: p.resource.rawValue, department: p.department.rawValue,
            resourceVersion: p.resourceVersion,
            items: try p.items.map {
                .init(
                    item: $0.item, current: try $0.current.map { try .wire($0.rawValue) },
                    proposed: try .wire($0.proposed.rawValue), basis: $0.basis)
            },
            currentResourceGrade: try .wire(p.currentResourceGrade.rawValue),
            proposedResourceGrade: try .wire(p.proposedResourceGrade.rawValue), status: try .wire(p.status.rawValue),
            createdAt: p.createdAt, createdBy: p.createdBy, decidedAt: p.decidedAt, decidedBy: p.decidedBy,
            decidedItems: try p.decidedItems.map {
                .init(additionalProperties: try $0.mapValues { try .wire($0.rawValue) })
            },
            decidedResourceGrade: try p.decidedResourceGrade.map { try .wire($0.rawValue) }, reason: p.reason)
    }
}

extension Components.Schemas.MaskingPolicy {
    init(_ p: MaskingPolicy) throws {
        self.init(
            name: p.name, method: try .wire(p.method.rawValue), keepFirst: p.keepFirst, keepLast: p.keepLast,
            to: try p.to.map { try .wire($0.rawValue) }, width: p.width, elements: p.elements,
            description: p.description, updatedAt: p.updatedAt, updatedBy: p.updatedBy)
    }
}
