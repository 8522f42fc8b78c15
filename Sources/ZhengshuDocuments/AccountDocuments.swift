import Foundation
import ZhengshuCore

extension MemberProfile: Stored { package typealias Document = MemberProfileDocument }

package struct MemberProfileDocument: StoredDocument {
    var user: UserID
    var kind: MemberKind
    var identifierMasked: String
    var identifierDigest: String
    var contact: String
    var createdAt: Date

    package init(_ p: MemberProfile) {
        user = p.user
        kind = p.kind
        identifierMasked = p.identifierMasked
        identifierDigest = p.identifierDigest
        contact = p.contact
        createdAt = p.createdAt
    }

    package func value() -> MemberProfile {
        MemberProfile(
            user: user, kind: kind, identifierMasked: identifierMasked, identifierDigest: identifierDigest,
            contact: contact, createdAt: createdAt)
    }
}

extension BackupRun: Stored { package typealias Document = BackupRunDocument }

package struct BackupRunDocument: StoredDocument {
    var id: BackupRunID
    var node: String
    var file: String
    var status: BackupRun.Status
    var startedAt: Date
    var finishedAt: Date?
    var bytes: Int64?
    var milliseconds: Int?
    var error: String?
    var pruned: [String]

    package init(_ r: BackupRun) {
        id = r.id
        node = r.node
        file = r.file
        status = r.status
        startedAt = r.startedAt
        finishedAt = r.finishedAt
        bytes = r.bytes
        milliseconds = r.milliseconds
        error = r.error
        pruned = r.pruned
    }

    package func value() -> BackupRun {
        BackupRun(
            id: id, node: node, file: file, status: status, startedAt: startedAt, finishedAt: finishedAt,
            bytes: bytes, milliseconds: milliseconds, error: error, pruned: pruned)
    }
}

extension BreakGlass: Stored { package typealias Document = BreakGlassDocument }

package struct BreakGlassDocument: StoredDocument {
    var id: BreakGlassID
    var resource: ResourceCode
    var department: DepartmentCode
    var requestedBy: String
    var reason: String
    var minutes: Int
    var status: BreakGlass.Status
    var requestedAt: Date
    var decidedBy: String?
    var decidedAt: Date?
    var expiresAt: Date?
    var endedBy: String?
    var endedAt: Date?

    package init(_ b: BreakGlass) {
        id = b.id
        resource = b.resource
        department = b.department
        requestedBy = b.requestedBy
        reason = b.reason
        minutes = b.minutes
        status = b.status
        requestedAt = b.requestedAt
        decidedBy = b.decidedBy
        decidedAt = b.decidedAt
        expiresAt = b.expiresAt
        endedBy = b.endedBy
        endedAt = b.endedAt
    }

    package func value() -> BreakGlass {
        BreakGlass(
            id: id, resource: resource, department: department, requestedBy: requestedBy, reason: reason,
            minutes: minutes, status: status, requestedAt: requestedAt, decidedBy: decidedBy, decidedAt: decidedAt,
            expiresAt: expiresAt, endedBy: endedBy, endedAt: endedAt)
    }
}
