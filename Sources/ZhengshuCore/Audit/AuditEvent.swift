import Crypto
import Foundation

/// What happened, as a use case describes it; the store appends it, in the same transaction as the change.
package struct AuditEvent: Sendable, Hashable, Codable {
    /// Who acted (login name, or `local-operator` for the CLI).
    package var actor: String
    package var actorDepartment: String?
    /// A dotted verb such as `department.create`, `token.issue`, `records.insert`.
    package var action: String
    /// What was acted on: `department:GA`, `resource:RK-0001`, `user:12`.
    package var target: String
    package var at: Date
    /// The HTTP request id (or `cli`) that ties the entry to the server log.
    package var requestID: String
    /// A short factual note (changed fields, row count); never row values or secrets.
    package var detail: String?

    package init(actor: String, actorDepartment: String?, action: String, target: String, at: Date, requestID: String,
                 detail: String? = nil) {
        self.actor = actor
        self.actorDepartment = actorDepartment
        self.action = action
        self.target = target
        self.at = at
        self.requestID = requestID
        self.detail = detail
    }
}

/// An audit event as stored: its place in the one, totally ordered trail and the hash that chains it to the previous.
package struct AuditEntry: Sendable, Hashable, Codable {
    package init(sequence: Int64, event: AuditEvent, previousHash: String, hash: String) {
        self.sequence = sequence
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
    }

    package var sequence: Int64
    package var event: AuditEvent
    package var previousHash: String
    package var hash: String
}

/// The hash chain over the audit trail: each entry's hash covers its fields and the previous entry's hash,
/// so removing, reordering or editing an entry breaks every hash after it.
package enum AuditChain {
    package static let genesis = String(repeating: "0", count: 64)

    package static func hash(sequence: Int64, event e: AuditEvent, previousHash: String) -> String {
        let millis = Int64((e.at.timeIntervalSince1970 * 1000).rounded())
        let fields = [String(sequence), previousHash, e.actor, e.actorDepartment ?? "", e.action, e.target,
                      String(millis), e.requestID, e.detail ?? ""]
        // Length-prefixed fields, so no separator inside a value can forge a different entry.
        var bytes: [UInt8] = []
        for f in fields {
            let u = Array(f.utf8)
            bytes += Array(String(u.count).utf8) + [0x3A] + u
        }
        return SHA256.hash(data: bytes).hex
    }

    package static func entry(after previous: (sequence: Int64, hash: String)?, event: AuditEvent) -> AuditEntry {
        let sequence = (previous?.sequence ?? 0) + 1
        let prev = previous?.hash ?? genesis
        return AuditEntry(sequence: sequence, event: event, previousHash: prev,
                          hash: hash(sequence: sequence, event: event, previousHash: prev))
    }

    /// The first entry (in order) that does not follow from its predecessor, or `nil` when the chain holds.
    package static func firstBreak(in entries: [AuditEntry], after previous: (sequence: Int64, hash: String)?) -> Int64? {
        var prev = previous
        for e in entries {
            let expectedSeq = (prev?.sequence ?? 0) + 1
            let expectedPrev = prev?.hash ?? genesis
            if e.sequence != expectedSeq || e.previousHash != expectedPrev
                || e.hash != hash(sequence: e.sequence, event: e.event, previousHash: e.previousHash) {
                return e.sequence
            }
            prev = (e.sequence, e.hash)
        }
        return nil
    }
}
