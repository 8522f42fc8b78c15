import Foundation

/// Masking policies (脱敏策略) and the review of grade proposals (分类分级).
package struct Privacy: Sendable {
    let catalog: Catalog
    let store: any PrivacyStore
    let clock: PlatformClock

    package init(catalog: Catalog, store: any PrivacyStore, clock: PlatformClock) {
        self.catalog = catalog
        self.store = store
        self.clock = clock
    }

    // MARK: Masking policies

    /// Every policy: any signed-in user may read them (providers name them on their items).
    package func policies(by caller: Caller) async throws -> [MaskingPolicy] {
        try await store.maskingPolicies()
    }

    package func policy(_ name: String, by caller: Caller) async throws -> MaskingPolicy {
        guard let p = try await store.maskingPolicies().first(where: { $0.name == name }) else {
            throw ZhengshuError(.notFound, "masking policy \(name.prefix(48)) does not exist")
        }
        return p
    }

    /// Creates or replaces a policy (the bureau). No two policies may claim the same data element.
    package func savePolicy(_ policy: MaskingPolicy, by caller: Caller) async throws -> MaskingPolicy {
        try caller.principal.require(anyOf: [.admin], to: "managing masking policies")
        try policy.validate()
        let others = try await store.maskingPolicies().filter { $0.name != policy.name }
        let claimed = Dictionary(
            others.flatMap { p in p.elements.map { ($0, p.name) } }, uniquingKeysWith: { a, _ in a })
        let clashes = policy.elements.compactMap { e in claimed[e].map { "\(e) (policy \($0))" } }
        guard clashes.isEmpty else {
            throw ZhengshuError.validation([
                .init(
                    field: "elements", reason: "already claimed by another policy: \(clashes.joined(separator: ", "))")
            ])
        }
        var p = policy
        p.updatedAt = clock.current()
        p.updatedBy = caller.principal.name
        try await store.saveMaskingPolicy(
            p,
            audit: caller.audit(
                "masking.save", "masking:\(p.name)", at: p.updatedAt!,
                detail: "method: \(p.method.rawValue); elements: \(p.elements.joined(separator: ","))"))
        return p
    }

    /// Removes a policy (the bureau). Items still naming it are suppressed until they name another (fail closed).
    package func deletePolicy(_ name: String, by caller: Caller) async throws {
        try caller.principal.require(anyOf: [.admin], to: "managing masking policies")
        guard
            try await store.deleteMaskingPolicy(
                name, audit: caller.audit("masking.delete", "masking:\(name.prefix(48))", at: clock.current()))
        else {
            throw ZhengshuError(.notFound, "masking policy \(name.prefix(48)) does not exist")
        }
    }

    // MARK: Grading

    /// Proposals for review: the bureau sees all, a provider its department's; pending ones by default.
    package func proposals(status: String?, resource: String?, by caller: Caller) async throws -> [GradeProposal] {
        let p = caller.principal
        guard p.isAdmin || p.roles.contains(.provider) else {
            throw ZhengshuError(.forbidden, "grade proposals are reviewed by providers and the bureau")
        }
        let status = try GradeProposal.Status.parse(status, parameter: "status") ?? .pending
        let code = try resource.map { try ResourceCode(validating: $0) }
        return try await store.gradeProposals(
            status: status, department: p.isAdmin ? nil : p.department, resource: code, limit: 500)
    }

    package func proposal(_ id: String, by caller: Caller) async throws -> GradeProposal {
        guard let n = Int64(id), let proposal = try await store.gradeProposal(GradeProposalID(n)) else {
            throw ZhengshuError(.notFound, "grade proposal \(id.prefix(20)) does not exist")
        }
        let p = caller.principal
        guard p.isAdmin || (p.roles.contains(.provider) && p.department == proposal.department) else {
            throw ZhengshuError(.notFound, "grade proposal \(id.prefix(20)) does not exist")
        }
        return proposal
    }

    /// Confirms or overrides a pending proposal (the resource's provider or the bureau): the grades go into the
    /// catalog as a new version (action `grade`), then the proposal records the decision.
    package func decide(
        _ id: String, _ decision: GradeDecision, by caller: Caller
    ) async throws -> (GradeProposal, Resource) {
        let proposal = try await proposal(id, by: caller)
        guard proposal.status == .pending else {
            throw ZhengshuError(.conflict, "grade proposal \(proposal.id) is \(proposal.status.rawValue), not pending")
        }
        let resource = try await catalog.change(proposal.resource.rawValue, action: "grade", by: caller) {
            current, now in
            var next = try Grading.apply(decision, of: proposal, to: current)
            guard next != current else { return current }
            try CatalogRules.validate(next)
            next.version = current.version + 1
            next.updatedAt = now
            return next
        }
        let overridden =
            decision.resourceGrade != nil
            || (decision.items ?? [:]).contains { name, grade in
                proposal.items.first { $0.item == name }?.proposed != grade
            }
        let decided = try await store.updateGradeProposal(
            proposal.id,
            audit: caller.audit(
                overridden ? "grading.override" : "grading.confirm", "resource:\(proposal.resource)",
                at: clock.current(),
                detail:
                    "proposal: \(proposal.id); grade: \(resource.sensitivity.rawValue); version: \(resource.version)"
                    + (decision.reason.map { "; reason: \($0.prefix(200))" } ?? ""))
        ) { current in
            guard current.status == .pending else {
                throw ZhengshuError(
                    .conflict, "grade proposal \(current.id) was decided meanwhile (\(current.status.rawValue))")
            }
            var next = current
            next.status = overridden ? .overridden : .confirmed
            next.decidedAt = resource.updatedAt
            next.decidedBy = caller.principal.name
            next.decidedItems = Dictionary(
                resource.items.compactMap { i in i.sensitivity.map { (i.name, $0) } }, uniquingKeysWith: { a, _ in a })
            next.decidedResourceGrade = resource.sensitivity
            next.reason = decision.reason
            return next
        }
        return (decided, resource)
    }
}
