import Foundation

/// The engine's own schema.
package protocol SchemaStore: Sendable {
    /// Migrations that have run, in order.
    func appliedMigrations() async throws -> [String]
    /// Whether the schema is the one this build expects (readiness).
    func isSchemaCurrent() async throws -> Bool
}
