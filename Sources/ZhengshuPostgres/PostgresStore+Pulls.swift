import Foundation
import PostgresNIO
import ZhengshuCore

extension PostgresStore: PullStore {
    package func insertPullSource(_ s: PullSource, audit: AuditEvent) async throws -> PullSource {
        try await write { db in
            let id = try await db.query(
                """
                INSERT INTO pullSource (resource, department, kind, location, query, format, mode, intervalSeconds, watermarkColumn,
                    nextRunAt, enabled, live, createdBy, createdAt)
                VALUES (\(s.resource.rawValue), \(s.department.rawValue), \(s.kind.rawValue), \(s.location), \(s.query), \(s.format.rawValue),
                        \(s.mode.rawValue), \(s.intervalSeconds), \(s.watermarkColumn), \(s.nextRunAt.millis), true, \(s.live), \(s.createdBy),
                        \(s.createdAt.millis)) RETURNING id
                """, logger: PostgresLocation.logger
            ).collect()[0].decode(Int64.self)
            var event = audit
            event.detail = [audit.detail, "pull: \(id)"].compactMap { $0 }.joined(separator: "; ")
            try await Self.appendAudit(event, in: db)
            return try await Self.fetchPullSources("id = \(id)", db)[0]
        }
    }

    package func pullSources(resource: ResourceCode?, department: DepartmentCode?) async throws -> [PullSource] {
        try await read { db in
            try await Self.fetchPullSources(
                """
                (\(resource?.rawValue)::text IS NULL OR resource = \(resource?.rawValue))
                AND (\(department?.rawValue)::text IS NULL OR department = \(department?.rawValue)) ORDER BY id
                """, db)
        }
    }

    package func pullSource(_ id: PullSourceID) async throws -> PullSource? {
        try await read { db in try await Self.fetchPullSources("id = \(id.rawValue)", db).first }
    }

    /// Due sources are locked with `SKIP LOCKED` and their next run moved forward in the same transaction: when several
    /// nodes claim at once, each due source goes to exactly one of them.
    package func claimDuePullSources(now: Date) async throws -> [PullSource] {
        try await write { db in
            let due = try await Self.fetchPullSources(
                """
                enabled AND NOT live AND nextRunAt <= \(now.millis) ORDER BY nextRunAt FOR UPDATE SKIP LOCKED
                """, db)
            for s in due {
                try await db.query(
                    "UPDATE pullSource SET nextRunAt = \(now.millis + Int64(s.intervalSeconds) * 1000) WHERE id = \(s.id.rawValue)",
                    logger: PostgresLocation.logger)
            }
            return due
        }
    }

    package func recordPull(
        _ id: PullSourceID, watermark: String?, job: JobID?, error: String?, nextRunAt: Date
    ) async throws {
        try await write { db in
            try await db.query(
                """
                UPDATE pullSource SET lastWatermark = \(watermark), lastJob = COALESCE(\(job?.rawValue), lastJob), lastError = \(error),
                    nextRunAt = \(nextRunAt.millis) WHERE id = \(id.rawValue)
                """, logger: PostgresLocation.logger)
        }
    }

    package func deletePullSource(_ id: PullSourceID, audit: AuditEvent) async throws {
        try await write { db in
            try await db.query("DELETE FROM pullSource WHERE id = \(id.rawValue)", logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
        }
    }

    package func liveSource(for resource: ResourceCode) async throws -> PullSource? {
        try await read { db in
            try await Self.fetchPullSources(
                "resource = \(resource.rawValue) AND live AND enabled ORDER BY id LIMIT 1", db
            ).first
        }
    }

    static func fetchPullSources(_ condition: PostgresQuery, _ db: PostgresConnection) async throws -> [PullSource] {
        var query = condition
        query.sql = """
            SELECT id, resource, department, kind, location, query, format, mode, intervalSeconds, watermarkColumn, lastWatermark,
                nextRunAt, lastJob, lastError, enabled, live, createdBy, createdAt FROM pullSource WHERE
            """ + " " + condition.sql
        return try await db.query(query, logger: PostgresLocation.logger).collect().map { row in
            let (
                id, resource, department, kind, location, sql, format, mode, interval, watermarkColumn, lastWatermark,
                nextRunAt, lastJob, lastError, enabled, live, createdBy, createdAt
            ) =
                try row.decode(
                    (
                        Int64, String, String, String, String, String?, String, String, Int, String?, String?,
                        Int64, Int64?, String?, Bool, Bool, String, Int64
                    ).self)
            return PullSource(
                id: PullSourceID(id), resource: ResourceCode(trusted: resource),
                department: DepartmentCode(trusted: department),
                kind: PullKind(rawValue: kind) ?? .sqlite, location: location, query: sql,
                format: SourceFormat(rawValue: format) ?? .csv, mode: ImportMode(rawValue: mode) ?? .upsert,
                intervalSeconds: interval, watermarkColumn: watermarkColumn, lastWatermark: lastWatermark,
                nextRunAt: Date(millis: nextRunAt), lastJob: lastJob.map(JobID.init), lastError: lastError,
                enabled: enabled, live: live, createdBy: createdBy, createdAt: Date(millis: createdAt))
        }
    }
}
