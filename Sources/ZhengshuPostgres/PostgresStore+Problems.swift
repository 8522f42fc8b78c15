import Foundation
import PostgresNIO
import ZhengshuCore

extension PostgresStore: ProblemStore {
    /// Sightings go in batches of 5,000 through `unnest`, one statement a batch.
    package func recordSightings(
        _ sightings: [ProblemSighting], resource: ResourceCode, department: DepartmentCode, at: Date,
        closeUnseen: Bool
    ) async throws -> (opened: Int, closed: Int) {
        try await write { db in
            for start in stride(from: 0, to: sightings.count, by: 5000) {
                let batch = sightings[start..<min(start + 5000, sightings.count)]
                try await db.query(
                    """
                    INSERT INTO problem (resource, department, source, rowKey, field, rule, value, reason, status, firstSeenAt, lastSeenAt)
                    SELECT \(resource.rawValue), \(department.rawValue), 'quality', k, f, r, v, why, 'open', \(at.millis), \(at.millis)
                    FROM unnest(\(batch.map(\.rowKey))::text[], \(batch.map(\.field))::text[], \(batch.map(\.rule))::text[],
                                \(batch.map(\.value))::text[], \(batch.map(\.reason))::text[]) AS t(k, f, r, v, why)
                    ON CONFLICT (resource, source, rowKey, field, rule) WHERE source = 'quality' DO UPDATE SET
                        lastSeenAt = excluded.lastSeenAt, value = excluded.value, reason = excluded.reason,
                        status = CASE WHEN problem.status IN ('fixed', 'verified') THEN 'open' ELSE problem.status END,
                        closedAt = CASE WHEN problem.status IN ('fixed', 'verified') THEN NULL ELSE problem.closedAt END
                    """, logger: PostgresLocation.logger)
            }
            let opened = try await db.query(
                """
                SELECT COUNT(*) FROM problem WHERE resource = \(resource.rawValue) AND source = 'quality' AND firstSeenAt = \(at.millis)
                """, logger: PostgresLocation.logger
            ).collect()[0].decode(Int.self)
            guard closeUnseen else { return (opened, 0) }
            let closed = try await db.query(
                """
                UPDATE problem SET status = 'verified', closedAt = \(at.millis) WHERE resource = \(resource.rawValue) AND source = 'quality'
                AND rule NOT LIKE 'profile.%' AND status IN ('open', 'acknowledged', 'fixed') AND lastSeenAt < \(at.millis) RETURNING id
                """, logger: PostgresLocation.logger
            ).collect().count
            return (opened, closed)
        }
    }

    package func insertProblem(_ p: Problem, audit: AuditEvent) async throws -> Problem {
        try await write { db in
            var stored = p
            stored.id = ProblemID(
                try await db.query(
                    """
                    INSERT INTO problem (resource, department, source, rowKey, field, rule, value, reason, status, firstSeenAt, lastSeenAt, closedAt,
                                         raisedBy, note)
                    VALUES (\(p.resource.rawValue), \(p.department.rawValue), \(p.source), \(p.rowKey), \(p.field), \(p.rule), \(p.value), \(p.reason),
                            \(p.status.rawValue), \(p.firstSeenAt.millis), \(p.lastSeenAt.millis), \(p.closedAt?.millis), \(p.raisedBy), \(p.note)) RETURNING id
                    """, logger: PostgresLocation.logger
                ).collect()[0].decode(Int64.self))
            var event = audit
            event.detail = [audit.detail, "problem: \(stored.id)"].compactMap { $0 }.joined(separator: "; ")
            try await Self.appendAudit(event, in: db)
            return stored
        }
    }

    package func problem(_ id: ProblemID) async throws -> Problem? {
        try await read { db in try await Self.fetchProblems("id = \(id.rawValue)", db).first }
    }

    package func problems(
        department: DepartmentCode?, resource: ResourceCode?, status: ProblemStatus?, after: Int64, limit: Int
    ) async throws -> [Problem] {
        try await read { db in
            try await Self.fetchProblems(
                """
                id > \(after) AND (\(department?.rawValue)::text IS NULL OR department = \(department?.rawValue))
                AND (\(resource?.rawValue)::text IS NULL OR resource = \(resource?.rawValue))
                AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)) ORDER BY id LIMIT \(limit)
                """, db)
        }
    }

    package func updateProblem(
        _ id: ProblemID, audit: AuditEvent, change: @Sendable (Problem) throws -> Problem
    ) async throws -> Problem {
        try await write { db in
            guard let current = try await Self.fetchProblems("id = \(id.rawValue) FOR UPDATE", db).first else {
                throw ZhengshuError(.notFound, "problem \(id) does not exist")
            }
            let next = try change(current)
            try await db.query(
                """
                UPDATE problem SET status = \(next.status.rawValue), note = \(next.note), closedAt = \(next.closedAt?.millis) WHERE id = \(id.rawValue)
                """, logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func problemStats(department: DepartmentCode?) async throws -> [ProblemStats] {
        try await read { db in
            var counts: [String: [String: Int]] = [:]
            for row in try await db.query(
                """
                SELECT department, status, COUNT(*) FROM problem WHERE (\(department?.rawValue)::text IS NULL OR department = \(department?.rawValue))
                GROUP BY department, status
                """, logger: PostgresLocation.logger
            ).collect() {
                let (d, s, n) = try row.decode((String, String, Int).self)
                counts[d, default: [:]][s] = n
            }
            var hours: [String: Double] = [:]
            for row in try await db.query(
                """
                SELECT department, AVG((closedAt - firstSeenAt) / 3600000.0)::double precision FROM problem
                WHERE status = 'verified' AND closedAt IS NOT NULL AND (\(department?.rawValue)::text IS NULL OR department = \(department?.rawValue))
                GROUP BY department
                """, logger: PostgresLocation.logger
            ).collect() {
                let (d, h) = try row.decode((String, Double).self)
                hours[d] = h
            }
            return counts.keys.sorted().map {
                ProblemStats(department: DepartmentCode(trusted: $0), counts: counts[$0]!, meanHoursToFix: hours[$0])
            }
        }
    }

    static func fetchProblems(_ condition: PostgresQuery, _ db: PostgresConnection) async throws -> [Problem] {
        var query = condition
        query.sql = """
            SELECT id, resource, department, source, rowKey, field, rule, value, reason, status, firstSeenAt, lastSeenAt, closedAt, raisedBy, note
            FROM problem WHERE
            """ + " " + condition.sql
        return try await db.query(query, logger: PostgresLocation.logger).collect().map { r in
            let (
                id, resource, department, source, rowKey, field, rule, value, reason, status, first, last, closed,
                raisedBy, note
            ) =
                try r.decode(
                    (
                        Int64, String, String, String, String, String, String, String, String, String, Int64, Int64,
                        Int64?, String?, String?
                    ).self)
            return Problem(
                id: ProblemID(id), resource: ResourceCode(trusted: resource),
                department: DepartmentCode(trusted: department),
                source: source, rowKey: rowKey, field: field, rule: rule, value: value, reason: reason,
                status: ProblemStatus(rawValue: status) ?? .open, firstSeenAt: Date(millis: first),
                lastSeenAt: Date(millis: last),
                closedAt: closed.map(Date.init(millis:)), raisedBy: raisedBy, note: note)
        }
    }
}
