import Foundation

/// Data keys of resources whose items are sealed at rest.
package protocol KeyStore: Sendable {
    /// The resource's keys, oldest version first.
    func dataKeys(_ resource: ResourceCode) async throws -> [WrappedDataKey]
    /// Stores the key unless the resource already has that version; returns the resource's keys as stored (when two
    /// nodes create the first key at once, both then use the one that won).
    func insertDataKey(_ key: WrappedDataKey) async throws -> [WrappedDataKey]
    func allDataKeys() async throws -> [WrappedDataKey]
    /// Drops the resource's data keys older than `version` (after every value was re-sealed under it).
    func retireDataKeys(_ resource: ResourceCode, below version: Int) async throws
    /// Replaces the wrapped forms of every key given and the master key's fingerprint (keeping the previous one), in one
    /// transaction with its audit entry (master key rotation).
    func rewrapDataKeys(_ keys: [WrappedDataKey], fingerprint: String, audit: AuditEvent) async throws
}
