import Foundation

/// Grading (分级) per STANDARDS.md (GB/T 43697-2024 practice): personal information is at least L3, sensitive personal
/// information (PIPL art. 28: here identity documents and financial accounts) at least L4, and a resource at least
/// the highest grade of its items (就高从严).
package enum Grading {
    /// The least grade an item holding `type` may have, or `nil` when the type says nothing about people.
    package static func floor(_ type: PersonalDataType) -> Sensitivity? {
        switch type {
        case .citizenID, .legacyCitizenID, .passport, .hkMacaoPermit, .bankCard: .l4
        case .mobile, .landline, .email, .licencePlate, .ipv4, .ipv6, .address, .personName: .l3
        case .creditCode: nil
        }
    }

    /// The personal-data type an item declares through its data element.
    static func declared(_ item: DataItem) -> PersonalDataType? {
        switch item.dataElement {
        case .citizenID: .citizenID
        case .mobile: .mobile
        case .landline: .landline
        case .bankCard: .bankCard
        case .email: .email
        default: nil
        }
    }

    /// Proposes grades from a scan: an item where personal data was found (as the column's type or inside its text)
    /// or declared (by its data element) gets at least that type's floor; the resource at least its highest item.
    /// - Returns: `nil` when the proposal would change nothing.
    package static func propose(_ resource: Resource, findings: [ColumnFinding]) -> [GradeProposal.Item]? {
        let byColumn = Dictionary(findings.map { ($0.column, $0) }, uniquingKeysWith: { a, _ in a })
        var items: [GradeProposal.Item] = []
        for item in resource.items {
            let finding = byColumn[item.name]
            var evidence: [(PersonalDataType, Sensitivity, String)] = []
            if let type = finding?.detected, let grade = floor(type) {
                evidence.append(
                    (
                        type, grade,
                        "\(type.rawValue) in \(Int((finding!.matchRatio * 100).rounded()))% of \(finding!.values) values"
                    ))
            }
            for type in finding?.embedded ?? [] {
                if let grade = floor(type) { evidence.append((type, grade, "\(type.rawValue) inside free text")) }
            }
            if let type = declared(item), let grade = floor(type) {
                evidence.append((type, grade, "data element \(item.dataElement!.rawValue)"))
            }
            guard let top = evidence.map(\.1).max() else { continue }
            let proposed = max(top, item.sensitivity ?? .l1)
            let basis =
                evidence.map { "\($0.2) → ≥ \($0.1.rawValue)" }.joined(separator: "; ")
                + (top == .l4 ? " (sensitive personal information)" : " (personal information)")
            items.append(.init(item: item.name, current: item.sensitivity, proposed: proposed, basis: basis))
        }
        let changes =
            items.contains { $0.current != $0.proposed }
            || (items.map(\.proposed).max().map { $0 > resource.sensitivity } ?? false)
        return changes ? items : nil
    }

    /// The grades a decision confirms, applied to the resource: item grades as proposed unless overridden, the
    /// resource's grade raised to its highest item (or set as decided when that is not lower).
    /// - Throws: a validation error naming an override without a reason, an item the resource no longer has, or a
    ///   resource grade below one of its items.
    package static func apply(
        _ decision: GradeDecision, of proposal: GradeProposal, to resource: Resource
    ) throws(ZhengshuError) -> Resource {
        var v: [ZhengshuError.Violation] = []
        var grades = Dictionary(proposal.items.map { ($0.item, $0.proposed) }, uniquingKeysWith: { a, _ in a })

        for (name, grade) in decision.items ?? [:] {
            guard resource.item(named: name) != nil else {
                v.append(.init(field: "items.\(name)", reason: "is not an item of \(resource.code)"))
                continue
            }
            grades[name] = grade
        }
        let proposed = Dictionary(proposal.items.map { ($0.item, $0.proposed) }, uniquingKeysWith: { a, _ in a })
        let overridden =
            (decision.items ?? [:]).contains { proposed[$0.key] != $0.value } || decision.resourceGrade != nil
        if overridden, (decision.reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            v.append(.init(field: "reason", reason: "an override of the proposed grades must give its reason"))
        }
        var next = resource
        for (k, item) in next.items.enumerated() {
            if let grade = grades[item.name] { next.items[k].sensitivity = grade }
        }
        for item in proposal.items where next.item(named: item.item) == nil {
            v.append(.init(field: "items.\(item.item)", reason: "the resource no longer has this item; scan it again"))
        }
        let highest = next.items.compactMap(\.sensitivity).max() ?? .l1
        if let wanted = decision.resourceGrade {
            if wanted < highest {
                v.append(
                    .init(
                        field: "resourceGrade",
                        reason: "must be at least \(highest.rawValue), the highest grade of its items"))
            }
            next.sensitivity = wanted
        } else {
            next.sensitivity = max(resource.sensitivity, highest)
        }
        guard v.isEmpty else { throw .validation(v) }
        return next
    }
}

package typealias GradeProposalID = RowID<GradeProposal>

/// Grades proposed from a scan, waiting for the provider or the bureau to confirm or override them.
package struct GradeProposal: Sendable, Codable, Hashable {
    package enum Status: String, Sendable, Codable, CaseIterable, Vocabulary {
        /// Waiting for review.
        case pending
        /// Applied as proposed.
        case confirmed
        /// Applied with changes (the reason is kept).
        case overridden
        /// A newer scan of the same resource replaced it.
        case superseded
    }

    package struct Item: Sendable, Codable, Hashable {
        package var item: String
        package var current: Sensitivity?
        package var proposed: Sensitivity
        /// What the proposal rests on: the types found, their share, the rule applied.
        package var basis: String

        package init(item: String, current: Sensitivity?, proposed: Sensitivity, basis: String) {
            self.item = item
            self.current = current
            self.proposed = proposed
            self.basis = basis
        }
    }

    package var id: GradeProposalID
    package var resource: ResourceCode
    package var department: DepartmentCode
    /// The catalog version the scan saw.
    package var resourceVersion: Int
    package var items: [Item]
    package var currentResourceGrade: Sensitivity
    package var proposedResourceGrade: Sensitivity
    package var status: Status
    package var createdAt: Date
    package var createdBy: String
    package var decidedAt: Date?
    package var decidedBy: String?
    /// The grades applied (item → grade) and the resource grade, once decided.
    package var decidedItems: [String: Sensitivity]?
    package var decidedResourceGrade: Sensitivity?
    package var reason: String?

    package init(
        id: GradeProposalID, resource: ResourceCode, department: DepartmentCode, resourceVersion: Int, items: [Item],
        currentResourceGrade: Sensitivity, proposedResourceGrade: Sensitivity, status: Status, createdAt: Date,
        createdBy: String, decidedAt: Date?, decidedBy: String?, decidedItems: [String: Sensitivity]?,
        decidedResourceGrade: Sensitivity?, reason: String?
    ) {
        self.id = id
        self.resource = resource
        self.department = department
        self.resourceVersion = resourceVersion
        self.items = items
        self.currentResourceGrade = currentResourceGrade
        self.proposedResourceGrade = proposedResourceGrade
        self.status = status
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.decidedItems = decidedItems
        self.decidedResourceGrade = decidedResourceGrade
        self.reason = reason
    }

    package init(resource: Resource, items: [Item], by actor: String, at now: Date) {
        id = GradeProposalID(0)
        self.resource = resource.code
        department = resource.department
        resourceVersion = resource.version
        self.items = items
        currentResourceGrade = resource.sensitivity
        proposedResourceGrade = max(resource.sensitivity, items.map(\.proposed).max() ?? .l1)
        status = .pending
        createdAt = now
        createdBy = actor
    }
}

/// A reviewer's answer to a proposal: confirm it as it is (nothing set), or override item grades and the resource's
/// grade, with a reason.
package struct GradeDecision: Sendable {
    package var items: [String: Sensitivity]?
    package var resourceGrade: Sensitivity?
    package var reason: String?

    package init(items: [String: Sensitivity]? = nil, resourceGrade: Sensitivity? = nil, reason: String? = nil) {
        self.items = items
        self.resourceGrade = resourceGrade
        self.reason = reason
    }
}
