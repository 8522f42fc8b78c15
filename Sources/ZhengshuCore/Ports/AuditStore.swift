import Foundation

/// The audit trail.
package protocol AuditStore: Sendable {
    /// Appends an entry that is not tied to a change (a data read, a denial). - Returns: the entry's sequence number.
    @discardableResult func appendAudit(_ event: AuditEvent) async throws -> Int64
    /// Entries in order that meet the filter.
    func auditEntries(_ filter: AuditFilter) async throws -> [AuditEntry]
    /// Stores a checkpoint; one that exists already (another node signed it) is kept.
    func insertAuditCheckpoint(_ checkpoint: AuditCheckpoint) async throws
    /// Checkpoints in order, after `sequence`.
    func auditCheckpoints(after sequence: Int64, limit: Int) async throws -> [AuditCheckpoint]
    func latestAuditCheckpoint() async throws -> AuditCheckpoint?
    /// The last entry's sequence (0 when the trail is empty).
    func auditHead() async throws -> Int64
}

extension AuditStore {
    /// Entries in order, after `sequence`, at most `limit`, optionally only one action or one target.
    package func auditEntries(
        after sequence: Int64, limit: Int, action: String?, target: String?
    ) async throws -> [AuditEntry] {
        try await auditEntries(AuditFilter(after: sequence, limit: limit, action: action, target: target))
    }
}
