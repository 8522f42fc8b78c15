import Foundation
import GRDB
import ZhengshuCore
import ZhengshuDocuments

/// What a database file holds, as a backup manifest records it and a restore checks it.
package struct DatabaseFacts: Sendable, Hashable {
    /// Rows per table (the platform's tables and every resource's records tables; SQLite's and the search index's
    /// internal tables left out).
    package var tables: [String: Int64]
    /// The last schema migration applied.
    package var schemaVersion: String
    package var auditHead: BackupManifest.AuditHead?
}

extension GRDBStore {
    /// The database file the store works on (`nil` in memory).
    package var databasePath: String? {
        let path = writer.path
        return path.isEmpty || path == ":memory:" || path.hasPrefix("file::memory:") ? nil : path
    }

    /// Writes a consistent copy of the database to `path` while other connections and processes keep writing:
    /// SQLite's online backup API, every page in one step inside one read transaction of a connection of its own
    /// (the store's own are not held up; writers go on in the WAL).
    package func snapshot(to path: String) throws {
        BlockingPool.assertMayBlock("a database snapshot")
        guard let source = databasePath else {
            throw ZhengshuError(.invalidInput, "an in-memory database cannot be backed up")
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        config.label = "zhengshu-backup"
        let reader = try DatabaseQueue(path: source, configuration: config)
        let copy = try DatabaseQueue(path: path)
        try reader.backup(to: copy)
        // One self-contained file (the copied header says WAL): no -wal or -shm beside it.
        try copy.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
        try copy.close()
        try reader.close()
    }

    /// Reads what the database file at `path` holds, without migrating or changing it; with `check`, SQLite's
    /// integrity check first.
    package static func facts(ofDatabaseAt path: String, check: Bool = true) throws -> DatabaseFacts {
        BlockingPool.assertMayBlock("reading a database file's facts")
        var config = Configuration()
        config.readonly = true
        config.label = "zhengshu-facts"
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: path, configuration: config) } catch {
            throw ZhengshuError(.invalidInput, "\(path) is not a SQLite database: \(error)")
        }
        defer { try? queue.close() }
        return try queue.read { db in
            if check, try String.fetchOne(db, sql: "PRAGMA quick_check") != "ok" {
                throw ZhengshuError(.invalidInput, "the database \(path) fails SQLite's integrity check")
            }
            let names = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                    AND name NOT LIKE 'resourceSearch\\_%' ESCAPE '\\' ORDER BY name
                    """)
            var tables: [String: Int64] = [:]
            for name in names {
                tables[name] = try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(name.quotedDatabaseIdentifier)") ?? 0
            }
            let applied = names.contains("grdb_migrations") ? try Self.migrator.appliedIdentifiers(db) : []
            let version = Self.migrator.migrations.last(where: applied.contains) ?? ""
            let head =
                names.contains("auditEntry")
                ? try Row.fetchOne(db, sql: "SELECT sequence, hash FROM auditEntry ORDER BY sequence DESC LIMIT 1")
                    .map { BackupManifest.AuditHead(sequence: $0["sequence"], hash: $0["hash"]) }
                : nil
            return DatabaseFacts(tables: tables, schemaVersion: version, auditHead: head)
        }
    }
}

extension GRDBStore: BackupRunStore {
    package func claimBackupRun(_ run: BackupRun, unlessStartedAfter cutoff: Date) async throws -> BackupRun? {
        try await writer.write { db in
            if let last = try String.fetchOne(db, sql: "SELECT document FROM backupRun ORDER BY id DESC LIMIT 1")
                .map({ try Documents.value(BackupRun.self, $0) }), last.startedAt > cutoff
            {
                return nil
            }
            try db.execute(sql: "INSERT INTO backupRun (document) VALUES ('')")
            var r = run
            r.id = BackupRunID(db.lastInsertedRowID)
            try db.execute(
                sql: "UPDATE backupRun SET document = ? WHERE id = ?",
                arguments: [try Documents.text(r), r.id.rawValue])
            return r
        }
    }

    package func updateBackupRun(_ run: BackupRun) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE backupRun SET document = ? WHERE id = ?",
                arguments: [try Documents.text(run), run.id.rawValue])
        }
    }

    package func backupRuns(limit: Int) async throws -> [BackupRun] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM backupRun ORDER BY id DESC LIMIT ?", arguments: [limit])
                .map { try Documents.value(BackupRun.self, $0) }
        }
    }
}

extension GRDBStore: BreakGlassStore {
    package func insertBreakGlass(
        _ access: BreakGlass, audit: @Sendable (BreakGlass) -> [AuditEvent]
    ) async throws -> BreakGlass {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO breakGlass (requestedBy, resource, document) VALUES (?, ?, '')",
                arguments: [access.requestedBy, access.resource.rawValue])
            var b = access
            b.id = BreakGlassID(db.lastInsertedRowID)
            try db.execute(
                sql: "UPDATE breakGlass SET document = ? WHERE id = ?",
                arguments: [try Documents.text(b), b.id.rawValue])
            for event in audit(b) { try Self.appendAudit(event, in: db) }
            return b
        }
    }

    package func updateBreakGlass(
        _ id: BreakGlassID, audit: [AuditEvent], change: @Sendable (BreakGlass) throws -> BreakGlass
    ) async throws -> BreakGlass {
        try await writer.write { db in
            guard
                let current = try String.fetchOne(
                    db, sql: "SELECT document FROM breakGlass WHERE id = ?", arguments: [id.rawValue]
                ).map({ try Documents.value(BreakGlass.self, $0) })
            else { throw ZhengshuError(.notFound, "break-glass access \(id) does not exist") }
            let next = try change(current)
            try db.execute(
                sql: "UPDATE breakGlass SET document = ? WHERE id = ?",
                arguments: [try Documents.text(next), id.rawValue])
            for event in audit { try Self.appendAudit(event, in: db) }
            return next
        }
    }

    package func breakGlass(_ id: BreakGlassID) async throws -> BreakGlass? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT document FROM breakGlass WHERE id = ?", arguments: [id.rawValue])
                .map { try Documents.value(BreakGlass.self, $0) }
        }
    }

    package func breakGlasses(requestedBy: String?, resource: ResourceCode?, limit: Int) async throws -> [BreakGlass] {
        try await writer.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT document FROM breakGlass WHERE (? IS NULL OR requestedBy = ?) AND (? IS NULL OR resource = ?)
                    ORDER BY id DESC LIMIT ?
                    """,
                arguments: [requestedBy, requestedBy, resource?.rawValue, resource?.rawValue, limit]
            ).map { try Documents.value(BreakGlass.self, $0) }
        }
    }
}
