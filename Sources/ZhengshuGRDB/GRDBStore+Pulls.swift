import Foundation
import GRDB
import ZhengshuCore

extension GRDBStore: PullStore {
    package func insertPullSource(_ s: PullSource, audit: AuditEvent) async throws -> PullSource {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO pullSource (resource, department, kind, location, query, format, mode, intervalSeconds, watermarkColumn,
                        nextRunAt, enabled, live, createdBy, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
                    """,
                arguments: [
                    s.resource.rawValue, s.department.rawValue, s.kind.rawValue, s.location, s.query, s.format.rawValue,
                    s.mode.rawValue, s.intervalSeconds, s.watermarkColumn, s.nextRunAt.millis, s.live, s.createdBy,
                    s.createdAt.millis,
                ])
            let id = db.lastInsertedRowID
            var event = audit
            event.detail = [audit.detail, "pull: \(id)"].compactMap { $0 }.joined(separator: "; ")
            try Self.appendAudit(event, in: db)
            return try Self.fetchPullSource(PullSourceID(id), db)!
        }
    }

    package func pullSources(resource: ResourceCode?, department: DepartmentCode?) async throws -> [PullSource] {
        try await writer.read { db in
            var sql = "SELECT * FROM pullSource WHERE 1 = 1"
            var args: StatementArguments = []
            if let resource {
                sql += " AND resource = ?"
                args += [resource.rawValue]
            }
            if let department {
                sql += " AND department = ?"
                args += [department.rawValue]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: args).map(Self.pullSource(from:))
        }
    }

    package func pullSource(_ id: PullSourceID) async throws -> PullSource? {
        try await writer.read { db in try Self.fetchPullSource(id, db) }
    }

    package func claimDuePullSources(now: Date) async throws -> [PullSource] {
        try await writer.write { db in
            let due = try Row.fetchAll(
                db,
                sql: "SELECT * FROM pullSource WHERE enabled = 1 AND live = 0 AND nextRunAt <= ? ORDER BY nextRunAt",
                arguments: [now.millis]
            ).map(Self.pullSource(from:))
            for s in due {
                // Claimed: the next run moves forward now, so a second claim before this run ends skips the source.
                try db.execute(
                    sql: "UPDATE pullSource SET nextRunAt = ? WHERE id = ?",
                    arguments: [now.millis + Int64(s.intervalSeconds) * 1000, s.id.rawValue])
            }
            return due
        }
    }

    package func recordPull(
        _ id: PullSourceID, watermark: String?, job: JobID?, error: String?, nextRunAt: Date
    ) async throws {
        try await writer.write { db in
            try db.execute(
                sql:
                    "UPDATE pullSource SET lastWatermark = ?, lastJob = COALESCE(?, lastJob), lastError = ?, nextRunAt = ? WHERE id = ?",
                arguments: [watermark, job?.rawValue, error, nextRunAt.millis, id.rawValue])
        }
    }

    package func deletePullSource(_ id: PullSourceID, audit: AuditEvent) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM pullSource WHERE id = ?", arguments: [id.rawValue])
            try Self.appendAudit(audit, in: db)
        }
    }

    package func liveSource(for resource: ResourceCode) async throws -> PullSource? {
        try await quickRead { db in
            try Row.fetchOne(
                try db.cachedStatement(
                    sql: "SELECT * FROM pullSource WHERE resource = ? AND live = 1 AND enabled = 1 ORDER BY id LIMIT 1"),
                arguments: [resource.rawValue]
            ).map(Self.pullSource(from:))
        }
    }

    static func fetchPullSource(_ id: PullSourceID, _ db: Database) throws -> PullSource? {
        try Row.fetchOne(db, sql: "SELECT * FROM pullSource WHERE id = ?", arguments: [id.rawValue]).map(
            pullSource(from:))
    }

    static func pullSource(from r: Row) -> PullSource {
        PullSource(
            id: PullSourceID(r["id"]), resource: ResourceCode(trusted: r["resource"]),
            department: DepartmentCode(trusted: r["department"]),
            kind: PullKind(rawValue: r["kind"]) ?? .sqlite, location: r["location"], query: r["query"],
            format: SourceFormat(rawValue: r["format"]) ?? .csv, mode: ImportMode(rawValue: r["mode"]) ?? .upsert,
            intervalSeconds: r["intervalSeconds"], watermarkColumn: r["watermarkColumn"],
            lastWatermark: r["lastWatermark"],
            nextRunAt: Date(millis: r["nextRunAt"]), lastJob: (r["lastJob"] as Int64?).map(JobID.init),
            lastError: r["lastError"],
            enabled: r["enabled"], live: r["live"], createdBy: r["createdBy"], createdAt: Date(millis: r["createdAt"]))
    }
}
