import CZhengshuSQLite
import Foundation
import GRDB
import Synchronization
import ZhengshuCore
import ZhengshuDocuments

/// The SQLite engine: every Core port over one GRDB writer.
///
/// A `DatabasePool` (WAL, concurrent reads) on disk; an in-memory `DatabaseQueue` in tests — same code.
package final class GRDBStore: SchemaStore {
    let writer: any DatabaseWriter
    /// Decoded catalog entries of this database, each valid while its row's version, update time and document length
    /// are the ones it was decoded from (checked on every read: the database stays the truth, for every node).
    let resourceCache = Mutex<[String: (stamp: String, resource: Resource)]>([:])
    /// Group commit of data-service calls, of verifications' counts and of audit entries on their own.
    let shareUses: GroupCommitter<ShareUseWrite, Int64>
    let verifications: GroupCommitter<VerificationUse, VerificationCount>
    let audits: GroupCommitter<AuditEvent, Int64>
    /// Where sandbox workspaces keep their data, a file each (`sandbox/` beside the database).
    let sandboxFolder: URL

    /// Opens (creating when needed) the database at `path` and migrates it to the current schema.
    /// - Parameter readers: reader connections of the pool (`database.readers`); a read waits, suspended, for a free one.
    package convenience init(path: String, readers: Int = 8) throws {
        _ = Self.configured
        var config = Configuration()
        config.maximumReaderCount = max(1, readers)
        config.busyMode = .timeout(10)
        config.label = "zhengshu"
        config.prepareDatabase { db in
            // WAL with FULL sync: a commit (with its audit entry) is on the disk before the call returns, and survives a
            // power loss. Imports write their staging batches with NORMAL (see `stage`): a crash fails such a job anyway.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try self.init(
            DatabasePool(path: path, configuration: config),
            sandboxFolder: URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("sandbox"))
    }

    /// An in-memory database, for tests.
    package static func inMemory() throws -> GRDBStore {
        _ = configured
        return try GRDBStore(DatabaseQueue())
    }

    /// Process-wide SQLite settings, made once before the first connection (later calls are refused by SQLite).
    static let configured: Int32 = zhengshu_sqlite_configure()

    /// - Parameter sandboxFolder: where workspaces keep their files; a fresh temporary folder when not given.
    package init(_ writer: any DatabaseWriter, sandboxFolder: URL? = nil) throws {
        self.writer = writer
        self.sandboxFolder =
            sandboxFolder
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("zhengshu-sandbox-\(UUID().uuidString)")
        shareUses = Self.shareUseCommitter(writer)
        verifications = Self.verificationCommitter(writer)
        audits = GroupCommitter { batch in
            try await writer.write { db in try batch.map { try Self.appendAudit($0, in: db) } }
        }
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

    /// A short read of the request path, without an explicit transaction: each such read is one statement, or
    /// statements that need not agree (a stamp and then the document it stamps). GRDB's asynchronous form: the task
    /// suspends while it waits for a reader connection and while the read runs on GRDB's queue. (A synchronous read
    /// here once waited for a free reader on a cooperative thread; with every such thread waiting, the tasks holding
    /// the readers could never resume to return them, and the server stopped at six concurrent requests.)
    func quickRead<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await writer.unsafeRead(body)
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
