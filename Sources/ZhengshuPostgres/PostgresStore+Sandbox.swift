import Foundation
import PostgresNIO
import ZhengshuCore
import ZhengshuDocuments

/// Sandbox workspaces on PostgreSQL, so that any node serves any workspace: each workspace's data is a schema of its
/// own (`zs_ws_N`), readable by a role of its own (NOLOGIN, `USAGE` on that schema and `SELECT` on its tables, no
/// other privilege). A statement runs in a read-only transaction under that role (`SET LOCAL ROLE`), with the
/// workspace's schema alone on the search path and a statement timeout, as one prepared statement (never two).
/// The platform's own tables grant nothing to other roles, so they stay out of reach; the engine-independent check
/// (``SandboxSQL``) has already refused function calls off its list (`set_config`, `pg_read_file`, …) and catalogs.
/// The platform's database user needs `CREATEROLE`.
extension PostgresStore: SandboxStore {
    static func workspaceSchema(_ id: WorkspaceID) -> String { "zs_ws_\(id.rawValue)" }

    /// Roles belong to the cluster, so the name carries the database's (hashed) as well as the workspace's.
    static func workspaceRole(_ id: WorkspaceID, _ db: PostgresConnection) async throws -> String {
        let rows = try await db.query("SELECT substr(md5(current_database()), 1, 10)", logger: PostgresLocation.logger)
            .collect()
        return "zs_sbx_\(try rows[0].decode(String.self))_\(id.rawValue)"
    }

    package func insertWorkspace(_ workspace: Workspace, audit: AuditEvent) async throws -> Workspace {
        try await write { db in
            let rows = try await db.query(
                "INSERT INTO sandboxWorkspace (consumer, document) VALUES (\(workspace.consumer.rawValue), '') RETURNING id",
                logger: PostgresLocation.logger
            ).collect()
            var w = workspace
            w.id = WorkspaceID(try rows[0].decode(Int64.self))
            try await db.query(
                "UPDATE sandboxWorkspace SET document = \(try Documents.text(w)) WHERE id = \(w.id.rawValue)",
                logger: PostgresLocation.logger)
            let (schema, role) = (Self.workspaceSchema(w.id), try await Self.workspaceRole(w.id, db))
            for statement in [
                "DROP SCHEMA IF EXISTS \(schema) CASCADE",
                "CREATE SCHEMA \(schema)",
                // A role left by a dropped database of the same name is taken over (it holds nothing here).
                "DO $$ BEGIN CREATE ROLE \(role) NOLOGIN NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
                "GRANT \(role) TO CURRENT_USER",
                "GRANT USAGE ON SCHEMA \(schema) TO \(role)",
                // Statements run inside this function, as its owner the workspace's role: PostgreSQL refuses any change
                // of role inside a security-definer function, so `set_config('role', …)` cannot undo the confinement.
                // Each row comes back as a JSON array of [column, value] pairs, in the columns' order.
                """
                CREATE FUNCTION \(schema).zs_run(statement text, max_rows integer) RETURNS SETOF json LANGUAGE plpgsql SECURITY DEFINER
                SET search_path = \(schema) AS $f$
                BEGIN
                  RETURN QUERY EXECUTE 'SELECT (SELECT json_agg(json_build_array(key, value) ORDER BY n) FROM json_each(row_to_json(zs_q)) '
                    || 'WITH ORDINALITY AS e(key, value, n)) FROM (' || chr(10) || statement || chr(10) || ') AS zs_q LIMIT ' || max_rows;
                END $f$
                """,
                "ALTER FUNCTION \(schema).zs_run(text, integer) OWNER TO \(role)",
                "REVOKE ALL ON FUNCTION \(schema).zs_run(text, integer) FROM PUBLIC",
            ] {
                try await db.query(PostgresQuery(unsafeSQL: statement), logger: PostgresLocation.logger)
            }
            try await Self.appendAudit(audit, in: db)
            return w
        }
    }

    package func updateWorkspace(
        _ id: WorkspaceID, audit: AuditEvent?, change: @Sendable (Workspace) throws -> Workspace
    ) async throws -> Workspace {
        try await write { db in
            guard
                let current = try await Self.documents(
                    Workspace.self, "SELECT document FROM sandboxWorkspace WHERE id = \(id.rawValue) FOR UPDATE", db
                ).first
            else {
                throw ZhengshuError(.notFound, "workspace \(id) does not exist")
            }
            let next = try change(current)
            try await db.query(
                "UPDATE sandboxWorkspace SET document = \(try Documents.text(next)) WHERE id = \(id.rawValue)",
                logger: PostgresLocation.logger)
            if let audit { try await Self.appendAudit(audit, in: db) }
            return next
        }
    }

    package func workspace(_ id: WorkspaceID) async throws -> Workspace? {
        try await read { db in
            try await Self.documents(
                Workspace.self, "SELECT document FROM sandboxWorkspace WHERE id = \(id.rawValue)", db
            ).first
        }
    }

    package func workspaces(consumer: DepartmentCode?) async throws -> [Workspace] {
        try await read { db in
            try await Self.documents(
                Workspace.self,
                """
                SELECT document FROM sandboxWorkspace WHERE \(consumer?.rawValue)::text IS NULL OR consumer = \(consumer?.rawValue) ORDER BY id DESC LIMIT 500
                """, db)
        }
    }

    package func createWorkspaceTable(_ id: WorkspaceID, table: String, columns: [WorkspaceColumn]) async throws {
        let name = "\(Self.workspaceSchema(id)).\(PostgresValues.quote(table))"
        let definitions = columns.map {
            "\(PostgresValues.quote($0.name)) \($0.masked ? "text" : PostgresValues.type(of: $0.type))"
        }
        try await write { db in
            try await db.query(
                PostgresQuery(unsafeSQL: "CREATE TABLE \(name) (\(definitions.joined(separator: ", ")))"),
                logger: PostgresLocation.logger)
            try await db.query(
                PostgresQuery(unsafeSQL: "GRANT SELECT ON \(name) TO \(try await Self.workspaceRole(id, db))"),
                logger: PostgresLocation.logger)
        }
    }

    package func appendWorkspaceRows(
        _ id: WorkspaceID, table: String, columns: [WorkspaceColumn], rows: [[RecordValue]]
    ) async throws {
        guard !rows.isEmpty else { return }
        let name = "\(Self.workspaceSchema(id)).\(PostgresValues.quote(table))"
        let casts = columns.map { $0.masked ? "text" : PostgresValues.type(of: $0.type) }
        // Up to 60,000 bound values a statement (the protocol's limit is 65,535).
        let perStatement = max(1, 60_000 / max(1, columns.count))
        try await write { db in
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(rows.count, start + perStatement)]
                var binds = PostgresBindings()
                var tuples: [String] = []
                for row in chunk {
                    let first = binds.count
                    for value in row { PostgresValues.bind(value, into: &binds) }
                    tuples.append(
                        "(" + casts.indices.map { "$\(first + $0 + 1)::\(casts[$0])" }.joined(separator: ", ") + ")")
                }
                try await db.query(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(name) VALUES " + tuples.joined(separator: ", "), binds: binds),
                    logger: PostgresLocation.logger)
                start += chunk.count
            }
        }
    }

    package func runWorkspaceQuery(
        _ id: WorkspaceID, sql: String, tables: [String], limits: SandboxLimits
    ) async throws -> SandboxResult {
        let ms = Int(
            limits.timeout.components.seconds * 1000 + limits.timeout.components.attoseconds / 1_000_000_000_000_000)
        var body = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        while body.hasSuffix(";") { body.removeLast() }
        do {
            return try await client.withConnection { db in
                try await db.query("BEGIN READ ONLY", logger: PostgresLocation.logger)
                do {
                    try await db.query(
                        PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(max(1, ms))"),
                        logger: PostgresLocation.logger)
                    // The statement is a bound value: the function runs it as one query (PostgreSQL refuses a second).
                    let rows = try await db.query(
                        "SELECT \(unescaped: Self.workspaceSchema(id)).zs_run(\(body), \(limits.maxRows + 1)::integer)::text",
                        logger: PostgresLocation.logger
                    ).collect()
                    try await db.query("ROLLBACK", logger: PostgresLocation.logger)
                    var columns: [String] = []
                    var values: [[RecordValue]] = []
                    for row in rows.prefix(limits.maxRows) {
                        let pairs = try JSONDecoder().decode(
                            [[JSONValue]].self, from: Data(try row.decode(String.self).utf8))
                        if values.isEmpty {
                            columns = pairs.map { if case .string(let name) = $0.first { name } else { "?" } }
                        }
                        values.append(pairs.map { Self.sandboxValue($0.count > 1 ? $0[1] : .null) })
                    }
                    return SandboxResult(columns: columns, rows: values, truncated: rows.count > limits.maxRows)
                } catch {
                    _ = try? await db.query("ROLLBACK", logger: PostgresLocation.logger)
                    throw error
                }
            }
        } catch let e as PSQLError {
            let message = e.serverInfo?[.message] ?? PostgresLocation.message(e)
            switch e.serverInfo?[.sqlState] {
            case "57014": throw ZhengshuError(.conflict, "the statement ran longer than \(ms / 1000) s and was stopped")
            case "42501", "25006":
                throw ZhengshuError(
                    .forbidden, "the sandbox allows one SELECT over the workspace's own tables only: \(message)")
            default: throw ZhengshuError(.invalidInput, "PostgreSQL could not run the statement: \(message)")
            }
        } catch {
            throw Self.translate(error)
        }
    }

    package func workspaceRowIdentity(_ qualifier: String) -> String { "CAST(\(qualifier).ctid AS text)" }
    package func workspaceList(_ expression: String) -> String { "string_agg(\(expression), ';')" }

    package func dropWorkspaceData(_ id: WorkspaceID) async throws {
        try await write { db in
            let role = try await Self.workspaceRole(id, db)
            try await db.query(
                PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(Self.workspaceSchema(id)) CASCADE"),
                logger: PostgresLocation.logger)
            try await db.query(PostgresQuery(unsafeSQL: "DROP ROLE IF EXISTS \(role)"), logger: PostgresLocation.logger)
        }
    }

    package func insertSandboxQuery(_ query: SandboxQueryRecord, audit: AuditEvent) async throws -> SandboxQueryRecord {
        try await write { db in
            let rows = try await db.query(
                "INSERT INTO sandboxQuery (workspace, document) VALUES (\(query.workspace.rawValue), '') RETURNING id",
                logger: PostgresLocation.logger
            ).collect()
            var q = query
            q.id = SandboxQueryID(try rows[0].decode(Int64.self))
            try await db.query(
                "UPDATE sandboxQuery SET document = \(try Documents.text(q)) WHERE id = \(q.id.rawValue)",
                logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
            return q
        }
    }

    package func sandboxQuery(_ id: SandboxQueryID) async throws -> SandboxQueryRecord? {
        try await read { db in
            try await Self.documents(
                SandboxQueryRecord.self, "SELECT document FROM sandboxQuery WHERE id = \(id.rawValue)", db
            ).first
        }
    }

    package func sandboxQueries(workspace: WorkspaceID, limit: Int) async throws -> [SandboxQueryRecord] {
        try await read { db in
            try await Self.documents(
                SandboxQueryRecord.self,
                "SELECT document FROM sandboxQuery WHERE workspace = \(workspace.rawValue) ORDER BY id DESC LIMIT \(limit)",
                db)
        }
    }

    package func insertRelease(_ release: SandboxRelease, audit: AuditEvent) async throws -> SandboxRelease {
        try await write { db in
            let rows = try await db.query(
                "INSERT INTO sandboxRelease (workspace, document) VALUES (\(release.workspace.rawValue), '') RETURNING id",
                logger: PostgresLocation.logger
            ).collect()
            var r = release
            r.id = ReleaseID(try rows[0].decode(Int64.self))
            try await db.query(
                "UPDATE sandboxRelease SET document = \(try Documents.text(r)) WHERE id = \(r.id.rawValue)",
                logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
            return r
        }
    }

    package func updateRelease(
        _ id: ReleaseID, audit: AuditEvent, change: @Sendable (SandboxRelease) throws -> SandboxRelease
    ) async throws -> SandboxRelease {
        try await write { db in
            guard
                let current = try await Self.documents(
                    SandboxRelease.self, "SELECT document FROM sandboxRelease WHERE id = \(id.rawValue) FOR UPDATE", db
                ).first
            else {
                throw ZhengshuError(.notFound, "release \(id) does not exist")
            }
            let next = try change(current)
            try await db.query(
                "UPDATE sandboxRelease SET document = \(try Documents.text(next)) WHERE id = \(id.rawValue)",
                logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func release(_ id: ReleaseID) async throws -> SandboxRelease? {
        try await read { db in
            try await Self.documents(
                SandboxRelease.self, "SELECT document FROM sandboxRelease WHERE id = \(id.rawValue)", db
            ).first
        }
    }

    package func releases(limit: Int) async throws -> [SandboxRelease] {
        try await read { db in
            try await Self.documents(
                SandboxRelease.self, "SELECT document FROM sandboxRelease ORDER BY id DESC LIMIT \(limit)", db)
        }
    }

    package func releases(of workspace: WorkspaceID) async throws -> [SandboxRelease] {
        try await read { db in
            try await Self.documents(
                SandboxRelease.self,
                "SELECT document FROM sandboxRelease WHERE workspace = \(workspace.rawValue) ORDER BY id DESC", db)
        }
    }

    static func documents<T: Stored>(
        _ type: T.Type, _ query: PostgresQuery, _ db: PostgresConnection
    ) async throws -> [T] {
        try await db.query(query, logger: PostgresLocation.logger).collect().map {
            try Documents.value(T.self, try $0.decode(String.self))
        }
    }

    /// A result value of a consumer's statement (as `row_to_json` gives it).
    static func sandboxValue(_ v: JSONValue) -> RecordValue {
        switch v {
        case .null: .null
        case .bool(let b): .boolean(b)
        case .integer(let i): .integer(i)
        case .number(let d): .decimal(String(d))
        case .string(let s): .string(s)
        case .array, .object: .string(String(decoding: (try? JSONEncoder().encode(v)) ?? Data(), as: UTF8.self))
        }
    }
}

extension PostgresStore: BackupRunStore {
    package func claimBackupRun(_ run: BackupRun, unlessStartedAfter cutoff: Date) async throws -> BackupRun? {
        try await write { db in
            // Nodes claim one at a time: the lock is held to the end of this transaction.
            try await db.query("LOCK TABLE backupRun IN EXCLUSIVE MODE", logger: PostgresLocation.logger)
            if let last = try await Self.documents(
                BackupRun.self, "SELECT document FROM backupRun ORDER BY id DESC LIMIT 1", db
            ).first,
                last.startedAt > cutoff
            {
                return nil
            }
            let rows = try await db.query(
                "INSERT INTO backupRun (document) VALUES ('') RETURNING id", logger: PostgresLocation.logger
            ).collect()
            var r = run
            r.id = BackupRunID(try rows[0].decode(Int64.self))
            try await db.query(
                "UPDATE backupRun SET document = \(try Documents.text(r)) WHERE id = \(r.id.rawValue)",
                logger: PostgresLocation.logger)
            return r
        }
    }

    package func updateBackupRun(_ run: BackupRun) async throws {
        try await write { db in
            try await db.query(
                "UPDATE backupRun SET document = \(try Documents.text(run)) WHERE id = \(run.id.rawValue)",
                logger: PostgresLocation.logger)
        }
    }

    package func backupRuns(limit: Int) async throws -> [BackupRun] {
        try await read { db in
            try await Self.documents(
                BackupRun.self, "SELECT document FROM backupRun ORDER BY id DESC LIMIT \(limit)", db)
        }
    }
}

extension PostgresStore: BreakGlassStore {
    package func insertBreakGlass(
        _ access: BreakGlass, audit: @Sendable (BreakGlass) -> [AuditEvent]
    ) async throws -> BreakGlass {
        try await write { db in
            let id = try await db.query(
                """
                INSERT INTO breakGlass (requestedBy, resource, document) VALUES (\(access.requestedBy), \(access.resource.rawValue), '')
                RETURNING id
                """, logger: PostgresLocation.logger
            ).collect().first!.decode(Int64.self)
            var b = access
            b.id = BreakGlassID(id)
            try await db.query(
                "UPDATE breakGlass SET document = \(try Documents.text(b)) WHERE id = \(id)",
                logger: PostgresLocation.logger)
            for event in audit(b) { try await Self.appendAudit(event, in: db) }
            return b
        }
    }

    package func updateBreakGlass(
        _ id: BreakGlassID, audit: [AuditEvent], change: @Sendable (BreakGlass) throws -> BreakGlass
    ) async throws -> BreakGlass {
        try await write { db in
            guard
                let current = try await Self.fetchDocuments(
                    BreakGlass.self, "breakGlass", "id = \(id.rawValue) FOR UPDATE", db
                ).first
            else { throw ZhengshuError(.notFound, "break-glass access \(id) does not exist") }
            let next = try change(current)
            try await db.query(
                "UPDATE breakGlass SET document = \(try Documents.text(next)) WHERE id = \(id.rawValue)",
                logger: PostgresLocation.logger)
            for event in audit { try await Self.appendAudit(event, in: db) }
            return next
        }
    }

    package func breakGlass(_ id: BreakGlassID) async throws -> BreakGlass? {
        try await read { db in
            try await Self.fetchDocuments(BreakGlass.self, "breakGlass", "id = \(id.rawValue)", db).first
        }
    }

    package func breakGlasses(requestedBy: String?, resource: ResourceCode?, limit: Int) async throws -> [BreakGlass] {
        try await read { db in
            try await Self.fetchDocuments(
                BreakGlass.self, "breakGlass",
                """
                (\(requestedBy)::text IS NULL OR requestedBy = \(requestedBy)) AND (\(resource?.rawValue)::text IS NULL OR resource = \(resource?.rawValue))
                ORDER BY id DESC LIMIT \(limit)
                """, db)
        }
    }
}
