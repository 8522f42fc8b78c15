import Foundation

/// Reading and verifying the audit trail: auditors and the bureau only.
package struct AuditTrail: Sendable {
    let store: any AuditStore

    package init(store: any AuditStore) { self.store = store }

    package func entries(after: Int64, limit: Int, action: String?, target: String?, by caller: Caller) async throws -> [AuditEntry] {
        try caller.principal.require(anyOf: [.auditor, .admin], to: "reading the audit trail")
        guard (1...1000).contains(limit) else { throw ZhengshuError(.invalidInput, "limit must be from 1 to 1000") }
        guard after >= 0 else { throw ZhengshuError(.invalidInput, "after must be 0 or more") }
        return try await store.auditEntries(after: after, limit: limit, action: action, target: target)
    }

    /// Walks the whole chain. - Returns: the number of entries checked and the first broken sequence, if any.
    package func verify() async throws -> (checked: Int, firstBreak: Int64?) {
        var previous: (sequence: Int64, hash: String)?
        var checked = 0
        while true {
            let batch = try await store.auditEntries(after: previous?.sequence ?? 0, limit: 1000, action: nil, target: nil)
            if batch.isEmpty { return (checked, nil) }
            if let broken = AuditChain.firstBreak(in: batch, after: previous) { return (checked, broken) }
            checked += batch.count
            previous = (batch.last!.sequence, batch.last!.hash)
        }
    }
}
