import Foundation
import ZhengshuCore

extension MaskingPolicy: Stored { package typealias Document = MaskingPolicyDocument }

package struct MaskingPolicyDocument: StoredDocument {
    var name: String
    var method: MaskingPolicy.Method
    var keepFirst: Int?
    var keepLast: Int?
    var to: MaskingPolicy.Generalisation?
    var width: Double?
    var elements: [String]
    var description: String?
    var updatedAt: Date?
    var updatedBy: String?

    package init(_ p: MaskingPolicy) {
        name = p.name
        method = p.method
        keepFirst = p.keepFirst
        keepLast = p.keepLast
        to = p.to
        width = p.width
        elements = p.elements
        description = p.description
        updatedAt = p.updatedAt
        updatedBy = p.updatedBy
    }

    package func value() -> MaskingPolicy {
        var p = MaskingPolicy(
            name: name, method: method, keepFirst: keepFirst, keepLast: keepLast, to: to, width: width,
            elements: elements, description: description)
        p.updatedAt = updatedAt
        p.updatedBy = updatedBy
        return p
    }
}

extension GradeProposal: Stored { package typealias Document = GradeProposalDocument }

package struct GradeProposalDocument: StoredDocument {
    var id: GradeProposalID
    var resource: ResourceCode
    var department: DepartmentCode
    var resourceVersion: Int
    var items: [Item]
    var currentResourceGrade: Sensitivity
    var proposedResourceGrade: Sensitivity
    var status: GradeProposal.Status
    var createdAt: Date
    var createdBy: String
    var decidedAt: Date?
    var decidedBy: String?
    var decidedItems: [String: Sensitivity]?
    var decidedResourceGrade: Sensitivity?
    var reason: String?

    package init(_ p: GradeProposal) {
        id = p.id
        resource = p.resource
        department = p.department
        resourceVersion = p.resourceVersion
        items = p.items.map { Item(item: $0.item, current: $0.current, proposed: $0.proposed, basis: $0.basis) }
        currentResourceGrade = p.currentResourceGrade
        proposedResourceGrade = p.proposedResourceGrade
        status = p.status
        createdAt = p.createdAt
        createdBy = p.createdBy
        decidedAt = p.decidedAt
        decidedBy = p.decidedBy
        decidedItems = p.decidedItems
        decidedResourceGrade = p.decidedResourceGrade
        reason = p.reason
    }

    package func value() -> GradeProposal {
        GradeProposal(
            id: id, resource: resource, department: department, resourceVersion: resourceVersion,
            items: items.map { .init(item: $0.item, current: $0.current, proposed: $0.proposed, basis: $0.basis) },
            currentResourceGrade: currentResourceGrade, proposedResourceGrade: proposedResourceGrade, status: status,
            createdAt: createdAt, createdBy: createdBy, decidedAt: decidedAt, decidedBy: decidedBy,
            decidedItems: decidedItems, decidedResourceGrade: decidedResourceGrade, reason: reason)
    }

    struct Item: Codable {
        var item: String
        var current: Sensitivity?
        var proposed: Sensitivity
        var basis: String
    }
}

extension RiskAlert: Stored { package typealias Document = RiskAlertDocument }

package struct RiskAlertDocument: StoredDocument {
    var id: AlertID
    var rule: RiskAlert.Rule
    var severity: RiskAlert.Severity
    var state: RiskAlert.State
    var subject: String
    var department: String?
    var summary: String
    var evidence: [Int64]
    var from: Date
    var to: Date
    var raisedAt: Date
    var dedupeKey: String
    var updatedAt: Date?
    var updatedBy: String?
    var note: String?

    package init(_ a: RiskAlert) {
        id = a.id
        rule = a.rule
        severity = a.severity
        state = a.state
        subject = a.subject
        department = a.department
        summary = a.summary
        evidence = a.evidence
        from = a.from
        to = a.to
        raisedAt = a.raisedAt
        dedupeKey = a.dedupeKey
        updatedAt = a.updatedAt
        updatedBy = a.updatedBy
        note = a.note
    }

    package func value() -> RiskAlert {
        var a = RiskAlert(
            rule: rule, severity: severity, subject: subject, department: department, summary: summary,
            evidence: evidence, from: from, to: to, raisedAt: raisedAt, dedupeKey: dedupeKey)
        a.id = id
        a.state = state
        a.evidence = evidence
        a.updatedAt = updatedAt
        a.updatedBy = updatedBy
        a.note = note
        return a
    }
}
