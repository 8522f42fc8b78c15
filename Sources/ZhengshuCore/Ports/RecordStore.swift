import Foundation

/// The records of published resources.
package protocol RecordStore: Sendable {
    /// Rewrites the given columns of every stored row of `resource` as text through `transform` (values in the
    /// columns' order, `nil` for null), then gives each column the type `resource` (as stored) says, in one
    /// transaction: sealing or opening items whose grade crossed L4.
    func rewriteColumns(
        of resource: Resource, columns: [String], transform: @Sendable ([String?]) throws -> [String?]) async throws

    /// Inserts all rows or none. With an idempotency key, a retry of the same request (same caller, key and body
    /// fingerprint) stores nothing and answers as the first did.
    /// - Throws: `conflict` naming the first row whose key already exists; `validation` for a key reused with another body.
    func insertRecords(
        _ rows: [RecordValidator.Row], into resource: Resource, idempotency: IdempotencyKey?,
        audit: AuditEvent
    ) async throws -> InsertOutcome
    /// A page for each query, read together (one connection, one snapshot): a verification's lookups.
    func records(of resource: Resource, queries: [RecordQuery]) async throws -> [RecordPage]
    func recordCount(of resource: Resource) async throws -> Int
    /// Rows inserted or changed since `after` (from the start of the current data generation when `nil` or when the
    /// data was replaced since), at most `limit`.
    func changes(of resource: Resource, fields: [DataItem], after: ChangeCursor?, limit: Int) async throws -> ChangePage
}

extension RecordStore {
    package func records(of resource: Resource, query: RecordQuery) async throws -> RecordPage {
        try await records(of: resource, queries: [query])[0]
    }
}

/// What a records write did.
package struct InsertOutcome: Sendable, Hashable {
    package var inserted: Int
    /// True when this was a retry and nothing new was stored.
    package var replayed: Bool

    package init(inserted: Int, replayed: Bool) {
        self.inserted = inserted
        self.replayed = replayed
    }
}
