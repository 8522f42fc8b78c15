import Foundation
import GRDB
import GRDBSQLite
import ZhengshuCore
import ZhengshuDocuments

extension GRDBStore: IngestStore {
    /// The staging table of a job: shaped like the records table plus the source row number, with no index, so
    /// bulk inserts are as cheap as SQLite allows. No reader ever queries it.
    static func stagingTable(_ job: JobID) -> String { "\"stage_\(job.rawValue)\"" }

    /// The unique key index built on a staging table that is to become the records table.
    static func stagedKeyIndex(_ resource: Int64, _ job: JobID) -> String { "\"rec_\(resource)_key_j\(job.rawValue)\"" }

    package func createJob(_ job: NewIngestJob, audit: AuditEvent) async throws -> IngestJob {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO ingestJob (resource, department, mode, format, encoding, source, status, bytesTotal, maxErrors,
                        createdBy, createdAt, startedAt, node, heartbeatAt) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    job.resource.rawValue, job.department.rawValue, job.mode.rawValue, job.format.rawValue,
                    job.encoding.rawValue, job.source, job.bytesTotal, job.maxErrors, job.createdBy,
                    job.createdAt.millis, job.createdAt.millis, job.node, job.createdAt.millis,
                ])
            let id = db.lastInsertedRowID
            var event = audit
            event.detail = [audit.detail, "job: \(id)"].compactMap { $0 }.joined(separator: "; ")
            try Self.appendAudit(event, in: db)
            return try Self.fetchJob(JobID(id), db)!
        }
    }

    package func beginStaging(_ job: JobID, resource: Resource, header: [String]) async throws {
        try await writer.write { db in
            let columns =
                ["\"_id\" INTEGER PRIMARY KEY", "\"_row\" INTEGER", "\"_rev\" INTEGER"]
                + resource.items.map(Self.columnDefinition)
            try db.execute(sql: "DROP TABLE IF EXISTS \(Self.stagingTable(job))")
            try db.execute(sql: "CREATE TABLE \(Self.stagingTable(job)) (\(columns.joined(separator: ", ")))")
            try db.execute(
                sql: "UPDATE ingestJob SET header = ? WHERE id = ?", arguments: [try Self.json(header), job.rawValue])
        }
    }

    package func stage(_ rows: [(row: Int, values: RecordValidator.Row)], job: JobID, resource: Resource) async throws {
        // Staged rows need not outlive a crash (the job fails and is run again): no fsync for them.
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            try db.inTransaction {
                try Self.stageRows(rows, job: job, resource: resource, db)
                return .commit
            }
        }
    }

    static func stageRows(
        _ rows: [(row: Int, values: RecordValidator.Row)], job: JobID, resource: Resource, _ db: Database
    ) throws {
        let columns = (["\"_row\""] + resource.items.map(Self.column)).joined(separator: ", ")
        let marks = Array(repeating: "?", count: resource.items.count + 1).joined(separator: ", ")
        let statement = try db.cachedStatement(
            sql: "INSERT INTO \(Self.stagingTable(job)) (\(columns)) VALUES (\(marks))")
        // The hot loop of every import: bind straight into SQLite, skipping GRDB's argument boxing.
        let handle = statement.sqliteStatement
        for (row, values) in rows {
            sqlite3_reset(handle)
            sqlite3_bind_int64(handle, 1, Int64(row))
            for (i, value) in values.enumerated() { Self.bind(value, to: handle, at: Int32(i + 2)) }
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
        }
        sqlite3_reset(handle)
    }

    @inline(__always)
    static func bind(_ value: RecordValue, to handle: OpaquePointer?, at index: Int32) {
        switch value {
        case .null: sqlite3_bind_null(handle, index)
        case .string(var s): bindText(&s, handle, index)
        case .integer(let i): sqlite3_bind_int64(handle, index, i)
        case .decimal(let d):
            if let i = Int64(d) {
                sqlite3_bind_int64(handle, index, i)
            } else if let x = Double(d) {
                sqlite3_bind_double(handle, index, x)
            } else {
                var s = d
                bindText(&s, handle, index)
            }
        case .date(let d):
            // YYYY-MM-DD written into a stack buffer: no allocation per value on the import's hot path.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 10) { b in
                let (y, m, day) = (d.year, d.month, d.day)
                b[0] = UInt8(48 + y / 1000)
                b[1] = UInt8(48 + y / 100 % 10)
                b[2] = UInt8(48 + y / 10 % 10)
                b[3] = UInt8(48 + y % 10)
                b[4] = 0x2D
                b[5] = UInt8(48 + m / 10)
                b[6] = UInt8(48 + m % 10)
                b[7] = 0x2D
                b[8] = UInt8(48 + day / 10)
                b[9] = UInt8(48 + day % 10)
                _ = sqlite3_bind_text(
                    handle, index, UnsafeRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self), 10,
                    sqliteTransient)
            }
        case .datetime(let t):
            var s = RecordValue.formatDatetime(t)
            bindText(&s, handle, index)
        case .boolean(let b): sqlite3_bind_int64(handle, index, b ? 1 : 0)
        }
    }

    @inline(__always)
    static func bindText(_ s: inout String, _ handle: OpaquePointer?, _ index: Int32) {
        s.withUTF8 { buffer in
            guard let base = buffer.baseAddress else {
                _ = sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
                return
            }
            _ = sqlite3_bind_text(
                handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(buffer.count),
                sqliteTransient)
        }
    }

    /// SQLite copies the bytes before the call returns.
    static let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    package func quarantine(_ rejects: [RejectedRow], job: JobID) async throws {
        guard !rejects.isEmpty else { return }
        try await writer.write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT INTO ingestReject (jobId, row, field, reason, original) VALUES (?, ?, ?, ?, ?)")
            for r in rejects {
                try statement.execute(arguments: [job.rawValue, r.row, r.field, r.reason, try Self.json(r.original)])
            }
        }
    }

    package func saveProgress(_ job: JobID, _ p: JobProgress) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE ingestJob SET bytesRead = ?, rowsRead = ?, rowsAccepted = ?, rowsRejected = ?, encoding = ?, unknownColumns = ?
                    WHERE id = ?
                    """,
                arguments: [
                    p.bytesRead, p.rowsRead, p.rowsAccepted, p.rowsRejected, p.encoding.rawValue,
                    try Self.json(p.unknownColumns), job.rawValue,
                ])
        }
    }

    /// Runs a large sort (an index build) with SQLite's sorter on helper threads: the parsing core is idle by then.
    static func withSortThreads(_ db: Database, _ body: () throws -> Void) throws {
        try db.execute(sql: "PRAGMA threads = 2")
        defer { try? db.execute(sql: "PRAGMA threads = 0") }
        try body()
    }

    package func takeDuplicates(
        _ job: JobID, resource: Resource, mode: ImportMode
    ) async throws
        -> [(row: Int, values: RecordValidator.Row, reason: String)]
    {
        let keys = resource.keyItems
        guard !keys.isEmpty else { return [] }
        return try await writer.write { db in
            guard let (id, _) = try Self.fetchResource(resource.code, db) else {
                throw ZhengshuError(.notFound, "resource \(resource.code) does not exist")
            }
            let stage = Self.stagingTable(job)
            let keyList = keys.map(Self.column).joined(separator: ", ")
            let keyName = keys.map(\.name).joined(separator: ",")
            var found: [(row: Int, values: RecordValidator.Row, reason: String)] = []
            let select =
                "SELECT s.\"_id\", s.\"_row\", " + resource.items.map { "s.\(Self.column($0))" }.joined(separator: ", ")
            func collect(_ sql: String, reason: (Row) -> String) throws {
                var ids: [Int64] = []
                for r in try Row.fetchAll(db, sql: sql) {
                    ids.append(r["_id"])
                    let values = resource.items.enumerated().map { Self.recordValue(r[$0.offset + 2], as: $0.element) }
                    found.append((r["_row"], values, reason(r)))
                }
                for chunk in stride(from: 0, to: ids.count, by: 500) {
                    let part = ids[chunk..<min(chunk + 500, ids.count)]
                    try db.execute(
                        sql: "DELETE FROM \(stage) WHERE \"_id\" IN (\(part.map(String.init).joined(separator: ",")))")
                }
            }
            // A snapshot (or a first load) becomes the table as staged, and needs its unique key index anyway: built
            // now, it proves in the same sort that the file repeats no key. Only when it cannot be built are the
            // repeats looked for: every occurrence after the first, by one grouping sort.
            let empty =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM \(Self.recordsTable(id)) LIMIT 1)") == 0
            var unique = false
            if mode == .replace || (mode == .append && empty) {
                do {
                    try Self.withSortThreads(db) {
                        try db.execute(
                            sql: "CREATE UNIQUE INDEX \(Self.stagedKeyIndex(id, job)) ON \(stage) (\(keyList))")
                    }
                    unique = true
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {}
            }
            let match = keys.map { "t.\(Self.column($0)) = s.\(Self.column($0))" }.joined(separator: " AND ")
            if !unique {
                try collect(
                    """
                    WITH firsts AS (SELECT MIN("_id") AS first, \(keyList) FROM \(stage) GROUP BY \(keyList) HAVING COUNT(*) > 1)
                    \(select), (SELECT "_row" FROM \(stage) f WHERE f."_id" = t.first) AS firstRow
                    FROM \(stage) s JOIN firsts t ON \(match) WHERE s."_id" <> t.first ORDER BY s."_id"
                    """
                ) { "duplicate key (\(keyName)): same key as row \($0["firstRow"] as Int) of this file" }
            }
            if mode == .append, !empty {
                try collect(
                    """
                    \(select) FROM \(stage) s JOIN \(Self.recordsTable(id)) t ON \(match) ORDER BY s."_id"
                    """
                ) { _ in
                    "duplicate key (\(keyName)): a record with this key is already stored; use upsert to replace it"
                }
            }
            return found
        }
    }

    package func commitImport(
        _ job: JobID, resource: Resource, mode: ImportMode, clock: PlatformClock, audit: AuditEvent
    ) async throws
        -> IngestJob
    {
        let stage = Self.stagingTable(job)
        // Build the unique key index on the staging table first, outside the commit: readers never see this table,
        // and an index built by one sort is far cheaper than keeping it up to date row by row.
        let (id, swap) = try await writer.write { db -> (Int64, Bool) in
            guard let (id, current) = try Self.fetchResource(resource.code, db), current.status == .published else {
                throw ZhengshuError(.conflict, "resource \(resource.code) is no longer published")
            }
            guard current.stored.items == resource.items else {
                throw ZhengshuError(
                    .conflict, "resource \(resource.code) changed its items during the import; run it again")
            }
            let empty =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM \(Self.recordsTable(id)) LIMIT 1)") == 0
            let swap = mode == .replace || (mode == .append && empty)
            if swap, !resource.keyItems.isEmpty {
                try db.execute(
                    sql:
                        "CREATE UNIQUE INDEX IF NOT EXISTS \(Self.stagedKeyIndex(id, job)) ON \(stage) (\(resource.keyItems.map(Self.column).joined(separator: ", ")))"
                )
            }
            return (id, swap)
        }
        return try await writer.write { db in
            let at = clock.current()
            let main = Self.recordsTable(id)
            let columns = resource.items.map(Self.column).joined(separator: ", ")
            if swap {
                // A new generation: its rows are the base snapshot (`_rev` NULL); subscribers start their copies anew.
                try db.execute(sql: "DROP TABLE \(main)")
                try db.execute(sql: "ALTER TABLE \(stage) RENAME TO \"rec_\(id)\"")
                try Self.createRevisionIndex(id, db)
                try Self.createLookupIndexes(for: resource, id: id, db)
                try db.execute(
                    sql: "UPDATE resource SET dataGeneration = dataGeneration + 1, dataRevision = 0 WHERE id = ?",
                    arguments: [id])
            } else if mode == .append {
                let revision = try Self.nextRevision(id, db)
                try db.execute(
                    sql:
                        "INSERT INTO \(main) (\"_rev\", \(columns)) SELECT \(revision), \(columns) FROM \(stage) ORDER BY \"_id\""
                )
                try db.execute(sql: "DROP TABLE \(stage)")
            } else {
                let revision = try Self.nextRevision(id, db)
                let keys = resource.keyItems.map(Self.column)
                let updates =
                    resource.items.filter { !$0.key }.map { "\(Self.column($0)) = excluded.\(Self.column($0))" } + [
                        "\"_rev\" = excluded.\"_rev\""
                    ]
                let conflict =
                    keys.isEmpty
                    ? ""
                    : " ON CONFLICT (\(keys.joined(separator: ", "))) DO UPDATE SET " + updates.joined(separator: ", ")
                // `WHERE true` lets SQLite parse an upsert after a SELECT.
                try db.execute(
                    sql:
                        "INSERT INTO \(main) (\"_rev\", \(columns)) SELECT \(revision), \(columns) FROM \(stage) WHERE true ORDER BY \"_id\"\(conflict)"
                )
                try db.execute(sql: "DROP TABLE \(stage)")
            }
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(main)") ?? 0
            let rejected =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(DISTINCT row) FROM ingestReject WHERE jobId = ?", arguments: [job.rawValue])
                ?? 0
            try db.execute(
                sql: "UPDATE resource SET recordCount = ?, lastUpdatedAt = ? WHERE id = ?",
                arguments: [count, at.millis, id])
            try db.execute(
                sql: """
                    UPDATE ingestJob SET status = 'succeeded', finishedAt = ?, rowsRejected = ?, rowsAccepted = rowsRead - ? WHERE id = ?
                    """, arguments: [at.millis, rejected, rejected, job.rawValue])
            let finished = try Self.fetchJob(job, db)!
            var event = audit
            event.at = at
            event.detail =
                "job: \(job); mode: \(mode.rawValue); rows accepted: \(finished.rowsAccepted); rejected: \(finished.rowsRejected)"
            try Self.appendAudit(event, in: db)
            return finished
        }
    }

    package func finishJob(
        _ job: JobID, status: JobStatus, error: String, at: Date, audit: AuditEvent
    ) async throws -> IngestJob {
        try await writer.write { db in
            try db.execute(sql: "DROP TABLE IF EXISTS \(Self.stagingTable(job))")
            try db.execute(
                sql: "UPDATE ingestJob SET status = ?, error = ?, finishedAt = ? WHERE id = ?",
                arguments: [status.rawValue, error, at.millis, job.rawValue])
            try Self.appendAudit(audit, in: db)
            guard let finished = try Self.fetchJob(job, db) else {
                throw ZhengshuError(.notFound, "job \(job) does not exist")
            }
            return finished
        }
    }

    package func job(_ id: JobID) async throws -> IngestJob? {
        try await writer.read { db in try Self.fetchJob(id, db) }
    }

    package func jobHeader(_ id: JobID) async throws -> [String] {
        try await writer.read { db in
            guard
                let text = try String.fetchOne(
                    db, sql: "SELECT header FROM ingestJob WHERE id = ?", arguments: [id.rawValue])
            else { return [] }
            return try Self.decoder.decode([String].self, from: Data(text.utf8))
        }
    }

    package func jobs(department: DepartmentCode?, resource: ResourceCode?, limit: Int) async throws -> [IngestJob] {
        try await writer.read { db in
            var sql = "SELECT * FROM ingestJob WHERE 1 = 1"
            var args: StatementArguments = []
            if let department {
                sql += " AND department = ?"
                args += [department.rawValue]
            }
            if let resource {
                sql += " AND resource = ?"
                args += [resource.rawValue]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            args += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: args).map(Self.job(from:))
        }
    }

    package func rejects(of job: JobID, after row: Int, limit: Int) async throws -> [RejectedRow] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM ingestReject WHERE jobId = ? AND row > ? ORDER BY row, rowid LIMIT ?",
                arguments: [job.rawValue, row, limit]
            ).map { r in
                RejectedRow(
                    row: r["row"], field: r["field"], reason: r["reason"],
                    original: (try? Self.decoder.decode([String].self, from: Data((r["original"] as String).utf8)))
                        ?? [])
            }
        }
    }

    package func updateTimes(department: DepartmentCode?) async throws -> [(resource: Resource, lastUpdatedAt: Date?)] {
        try await writer.read { db in
            var sql = "SELECT document, lastUpdatedAt FROM resource WHERE status = 'published'"
            var args: StatementArguments = []
            if let department {
                sql += " AND department = ?"
                args += [department.rawValue]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY department, code", arguments: args).map { row in
                (
                    try Documents.value(Resource.self, (row["document"] as String)),
                    (row["lastUpdatedAt"] as Int64?).map(Date.init(millis:))
                )
            }
        }
    }

    package func heartbeat(_ job: JobID, at: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE ingestJob SET heartbeatAt = ? WHERE id = ? AND status = 'running'",
                arguments: [at.millis, job.rawValue])
        }
    }

    package func requestCancel(_ job: JobID) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE ingestJob SET cancelRequested = 1 WHERE id = ? AND status = 'running'",
                arguments: [job.rawValue])
            return db.changesCount > 0
        }
    }

    package func isCancelRequested(_ job: JobID) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT cancelRequested FROM ingestJob WHERE id = ?", arguments: [job.rawValue])
                ?? false
        }
    }

    package func failInterruptedJobs(node: String?, staleBefore: Date, reason: String, at: Date) async throws -> [JobID]
    {
        try await writer.write { db in
            let ids = try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM ingestJob WHERE status IN ('queued', 'running')
                    AND (node = ? OR COALESCE(heartbeatAt, createdAt) < ?) ORDER BY id
                    """, arguments: [node, staleBefore.millis])
            for id in ids {
                try db.execute(sql: "DROP TABLE IF EXISTS \(Self.stagingTable(JobID(id)))")
                try db.execute(
                    sql: "UPDATE ingestJob SET status = 'failed', error = ?, finishedAt = ? WHERE id = ?",
                    arguments: [reason, at.millis, id])
                try Self.appendAudit(
                    AuditEvent(
                        actor: "system", actorDepartment: nil, action: "ingest.interrupted",
                        target: "job:\(id)", at: at, requestID: "startup", detail: reason), in: db)
            }
            // Staging tables of jobs that no longer run (a crash between commit steps) are dropped too.
            for table in try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'stage\\_%' ESCAPE '\\'")
            {
                let jobID = Int64(table.dropFirst("stage_".count)) ?? -1
                let status = try String.fetchOne(
                    db, sql: "SELECT status FROM ingestJob WHERE id = ?", arguments: [jobID])
                if status != "running" && status != "queued" { try db.execute(sql: "DROP TABLE \"\(table)\"") }
            }
            return ids.map(JobID.init)
        }
    }

    static func fetchJob(_ id: JobID, _ db: Database) throws -> IngestJob? {
        try Row.fetchOne(db, sql: "SELECT * FROM ingestJob WHERE id = ?", arguments: [id.rawValue]).map(job(from:))
    }

    static func job(from r: Row) -> IngestJob {
        IngestJob(
            id: JobID(r["id"]), resource: ResourceCode(trusted: r["resource"]),
            department: DepartmentCode(trusted: r["department"]),
            mode: ImportMode(rawValue: r["mode"]) ?? .append, format: SourceFormat(rawValue: r["format"]) ?? .csv,
            encoding: SourceEncoding(rawValue: r["encoding"]) ?? .auto, source: r["source"],
            status: JobStatus(rawValue: r["status"]) ?? .failed, bytesTotal: r["bytesTotal"], bytesRead: r["bytesRead"],
            rowsRead: r["rowsRead"], rowsAccepted: r["rowsAccepted"], rowsRejected: r["rowsRejected"],
            maxErrors: r["maxErrors"],
            unknownColumns: (try? decoder.decode([String].self, from: Data((r["unknownColumns"] as String).utf8)))
                ?? [],
            error: r["error"], createdBy: r["createdBy"], createdAt: Date(millis: r["createdAt"]),
            startedAt: (r["startedAt"] as Int64?).map(Date.init(millis:)),
            finishedAt: (r["finishedAt"] as Int64?).map(Date.init(millis:)))
    }
}
