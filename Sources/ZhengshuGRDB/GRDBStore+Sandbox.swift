import Foundation
import GRDB
import ZhengshuCore
import ZhengshuDocuments

/// Sandbox workspaces on SQLite: their records in the platform's database; each workspace's data in a file of its own
/// (`sandbox/ws-N.sqlite`), which statements open read-only under SQLite's authorizer (``SandboxSQLite``) — so no
/// statement can reach the platform's tables or another workspace's file.
extension GRDBStore: SandboxStore {
    func workspaceFile(_ id: WorkspaceID) -> String {
        sandboxFolder.appendingPathComponent("ws-\(id.rawValue).sqlite").path
    }

    package func insertWorkspace(_ workspace: Workspace, audit: AuditEvent) async throws -> Workspace {
        try FileManager.default.createDirectory(at: sandboxFolder, withIntermediateDirectories: true)
        let stored = try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO sandboxWorkspace (consumer, document) VALUES (?, '')",
                arguments: [workspace.consumer.rawValue])
            var w = workspace
            w.id = WorkspaceID(db.lastInsertedRowID)
            try db.execute(
                sql: "UPDATE sandboxWorkspace SET document = ? WHERE id = ?",
                arguments: [try Documents.text(w), w.id.rawValue])
            try Self.appendAudit(audit, in: db)
            return w
        }
        // A file left by a workspace of an earlier database in this folder is not this one's.
        try? FileManager.default.removeItem(atPath: workspaceFile(stored.id))
        return stored
    }

    package func updateWorkspace(
        _ id: WorkspaceID, audit: AuditEvent?, change: @Sendable (Workspace) throws -> Workspace
    ) async throws -> Workspace {
        try await writer.write { db in
            guard let current = try Self.document(Workspace.self, "sandboxWorkspace", id.rawValue, db) else {
                throw ZhengshuError(.notFound, "workspace \(id) does not exist")
            }
            let next = try change(current)
            try db.execute(
                sql: "UPDATE sandboxWorkspace SET document = ? WHERE id = ?",
                arguments: [try Documents.text(next), id.rawValue])
            if let audit { try Self.appendAudit(audit, in: db) }
            return next
        }
    }

    package func workspace(_ id: WorkspaceID) async throws -> Workspace? {
        try await writer.read { db in try Self.document(Workspace.self, "sandboxWorkspace", id.rawValue, db) }
    }

    package func workspaces(consumer: DepartmentCode?) async throws -> [Workspace] {
        try await writer.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT document FROM sandboxWorkspace WHERE ? IS NULL OR consumer = ? ORDER BY id DESC LIMIT 500",
                arguments: [consumer?.rawValue, consumer?.rawValue]
            )
            .map { try Documents.value(Workspace.self, $0) }
        }
    }

    package func createWorkspaceTable(_ id: WorkspaceID, table: String, columns: [WorkspaceColumn]) async throws {
        let definitions = columns.map { c in
            let type: String =
                switch c.masked ? .string : c.type {
                case .string, .date, .datetime: "TEXT"
                case .integer, .boolean: "INTEGER"
                case .decimal: "NUMERIC"
                }
            return "\"\(c.name)\" \(type)"
        }
        try await BlockingPool.shared.run { [path = workspaceFile(id)] in
            BlockingPool.assertMayBlock("a sandbox workspace file")
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(sql: "CREATE TABLE \"\(table)\" (\(definitions.joined(separator: ", ")))")
            }
        }
    }

    package func appendWorkspaceRows(
        _ id: WorkspaceID, table: String, columns: [WorkspaceColumn], rows: [[RecordValue]]
    ) async throws {
        guard !rows.isEmpty else { return }
        try await BlockingPool.shared.run { [path = workspaceFile(id)] in
            BlockingPool.assertMayBlock("a sandbox workspace file")
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                let statement = try db.makeStatement(
                    sql:
                        "INSERT INTO \"\(table)\" VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
                )
                for row in rows { try statement.execute(arguments: StatementArguments(row.map(Self.databaseValue))) }
            }
        }
    }

    package func runWorkspaceQuery(
        _ id: WorkspaceID, sql: String, tables: [String], limits: SandboxLimits
    ) async throws -> SandboxResult {
        let path = workspaceFile(id)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ZhengshuError(.conflict, "workspace \(id) holds no data")
        }
        let r = try await SandboxSQLite.run(
            sql, in: path, tables: tables, timeout: limits.timeout, maxRows: limits.maxRows)
        return SandboxResult(columns: r.columns, rows: r.rows, truncated: r.truncated)
    }

    package func workspaceRowIdentity(_ qualifier: String) -> String { "CAST(\(qualifier).rowid AS TEXT)" }
    package func workspaceList(_ expression: String) -> String { "group_concat(\(expression), ';')" }

    package func dropWorkspaceData(_ id: WorkspaceID) async throws {
        let path = workspaceFile(id)
        for suffix in ["", "-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.removeItem(atPath: path + suffix)
        }
    }

    package func insertSandboxQuery(_ query: SandboxQueryRecord, audit: AuditEvent) async throws -> SandboxQueryRecord {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO sandboxQuery (workspace, document) VALUES (?, '')",
                arguments: [query.workspace.rawValue])
            var q = query
            q.id = SandboxQueryID(db.lastInsertedRowID)
            try db.execute(
                sql: "UPDATE sandboxQuery SET document = ? WHERE id = ?",
                arguments: [try Documents.text(q), q.id.rawValue])
            try Self.appendAudit(audit, in: db)
            return q
        }
    }

    package func sandboxQuery(_ id: SandboxQueryID) async throws -> SandboxQueryRecord? {
        try await writer.read { db in try Self.document(SandboxQueryRecord.self, "sandboxQuery", id.rawValue, db) }
    }

    package func sandboxQueries(workspace: WorkspaceID, limit: Int) async throws -> [SandboxQueryRecord] {
        try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT document FROM sandboxQuery WHERE workspace = ? ORDER BY id DESC LIMIT ?",
                arguments: [workspace.rawValue, limit]
            )
            .map { try Documents.value(SandboxQueryRecord.self, $0) }
        }
    }

    package func insertRelease(_ release: SandboxRelease, audit: AuditEvent) async throws -> SandboxRelease {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO sandboxRelease (workspace, document) VALUES (?, '')",
                arguments: [release.workspace.rawValue])
            var r = release
            r.id = ReleaseID(db.lastInsertedRowID)
            try db.execute(
                sql: "UPDATE sandboxRelease SET document = ? WHERE id = ?",
                arguments: [try Documents.text(r), r.id.rawValue])
            try Self.appendAudit(audit, in: db)
            return r
        }
    }

    package func updateRelease(
        _ id: ReleaseID, audit: AuditEvent, change: @Sendable (SandboxRelease) throws -> SandboxRelease
    ) async throws -> SandboxRelease {
        try await writer.write { db in
            guard let current = try Self.document(SandboxRelease.self, "sandboxRelease", id.rawValue, db) else {
                throw ZhengshuError(.notFound, "release \(id) does not exist")
            }
            let next = try change(current)
            try db.execute(
                sql: "UPDATE sandboxRelease SET document = ? WHERE id = ?",
                arguments: [try Documents.text(next), id.rawValue])
            try Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func release(_ id: ReleaseID) async throws -> SandboxRelease? {
        try await writer.read { db in try Self.document(SandboxRelease.self, "sandboxRelease", id.rawValue, db) }
    }

    package func releases(limit: Int) async throws -> [SandboxRelease] {
        try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT document FROM sandboxRelease ORDER BY id DESC LIMIT ?", arguments: [limit]
            )
            .map { try Documents.value(SandboxRelease.self, $0) }
        }
    }

    package func releases(of workspace: WorkspaceID) async throws -> [SandboxRelease] {
        try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT document FROM sandboxRelease WHERE workspace = ? ORDER BY id DESC",
                arguments: [workspace.rawValue]
            )
            .map { try Documents.value(SandboxRelease.self, $0) }
        }
    }

    /// The document of row `id` of a table whose rows are documents (the table's name is the platform's, never input).
    static func document<T: Stored>(_ type: T.Type, _ table: String, _ id: Int64, _ db: Database) throws -> T? {
        try String.fetchOne(db, sql: "SELECT document FROM \(table) WHERE id = ?", arguments: [id]).map {
            try Documents.value(T.self, $0)
        }
    }
}
