import CZhengshuSQLite
import Foundation
import GRDB
import ZhengshuCore

/// The SQLite engine: every Core port over one GRDB writer.
///
/// A `DatabasePool` (WAL, concurrent reads) on disk; an in-memory `DatabaseQueue` in tests — same code.
package final class GRDBStore: SchemaStore {
    let writer: any DatabaseWriter

    /// Opens (creating when needed) the database at `path` and migrates it to the current schema.
    package convenience init(path: String) throws {
        _ = Self.configured
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "zhengshu"
        config.prepareDatabase { db in
            // WAL with NORMAL sync: a commit survives a process crash (SIGKILL); only a power loss can drop the
            // last commits, never corrupt the file. FULL would fsync every staging batch of an import.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        try self.init(DatabasePool(path: path, configuration: config))
    }

    /// An in-memory database, for tests.
    package static func inMemory() throws -> GRDBStore {
        _ = configured
        return try GRDBStore(DatabaseQueue())
    }

    /// Process-wide SQLite settings, made once before the first connection (later calls are refused by SQLite).
    static let configured: Int32 = zhengshu_sqlite_configure()

    package init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// Migrations that have run, in order.
    package func appliedMigrations() async throws -> [String] {
        // In the order they were defined (v10 after v9, which a sort by name would not give).
        try await writer.read { db in
            let applied = try Self.migrator.appliedIdentifiers(db)
            return Self.migrator.migrations.filter(applied.contains)
        }
    }

    /// Whether the schema is the one this build expects.
    package func isSchemaCurrent() async throws -> Bool {
        try await writer.read { db in try Self.migrator.hasCompletedMigrations(db) }
    }

    static var encoder: JSONEncoder { DocumentCoding.encoder }
    static var decoder: JSONDecoder { DocumentCoding.decoder }
}

extension DatabaseError {
    var isUniqueViolation: Bool {
        extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
    }
    var isForeignKeyViolation: Bool { extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY }
}
