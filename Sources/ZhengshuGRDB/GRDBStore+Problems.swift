import Foundation
import GRDB
import ZhengshuCore

extension GRDBStore: ProblemStore {
    package func recordSightings(
        _ sightings: [ProblemSighting], resource: ResourceCode, department: DepartmentCode, at: Date,
        closeUnseen: Bool
    ) async throws -> (opened: Int, closed: Int) {
        try await writer.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO problem (resource, department, source, rowKey, field, rule, value, reason, status, firstSeenAt, lastSeenAt)
                    VALUES (?, ?, 'quality', ?, ?, ?, ?, ?, 'open', ?, ?)
                    ON CONFLICT (resource, source, rowKey, field, rule) WHERE source = 'quality' DO UPDATE SET
                        lastSeenAt = excluded.lastSeenAt, value = excluded.value, reason = excluded.reason,
                        status = CASE WHEN problem.status IN ('fixed', 'verified') THEN 'open' ELSE problem.status END,
                        closedAt = CASE WHEN problem.status IN ('fixed', 'verified') THEN NULL ELSE problem.closedAt END
                    """)
            for s in sightings {
                try statement.execute(arguments: [
                    resource.rawValue, department.rawValue, s.rowKey, s.field, s.rule, s.value, s.reason,
                    at.millis, at.millis,
                ])
            }
            let opened =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM problem WHERE resource = ? AND source = 'quality' AND firstSeenAt = ?",
                    arguments: [resource.rawValue, at.millis]) ?? 0
            guard closeUnseen else { return (opened, 0) }
            try db.execute(
                sql: """
                    UPDATE problem SET status = 'verified', closedAt = ? WHERE resource = ? AND source = 'quality'
                    AND rule NOT LIKE 'profile.%' AND status IN ('open', 'acknowledged', 'fixed') AND lastSeenAt < ?
                    """, arguments: [at.millis, resource.rawValue, at.millis])
            return (opened, db.changesCount)
        }
    }

    package func insertProblem(_ p: Problem, audit: AuditEvent) async throws -> Problem {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO problem (resource, department, source, rowKey, field, rule, value, reason, status, firstSeenAt, lastSeenAt, closedAt,
                                         raisedBy, note)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    p.resource.rawValue, p.department.rawValue, p.source, p.rowKey, p.field, p.rule, p.value, p.reason,
                    p.status.rawValue, p.firstSeenAt.millis, p.lastSeenAt.millis, p.closedAt?.millis, p.raisedBy,
                    p.note,
                ])
            var stored = p
            stored.id = ProblemID(db.lastInsertedRowID)
            var event = audit
            event.detail = [audit.detail, "problem: \(stored.id)"].compactMap { $0 }.joined(separator: "; ")
            try Self.appendAudit(event, in: db)
            return stored
        }
    }

    package func problem(_ id: ProblemID) async throws -> Problem? {
        try await writer.read { db in try Self.fetchProblem(id, db) }
    }

    package func problems(
        department: DepartmentCode?, resource: ResourceCode?, status: ProblemStatus?, after: Int64, limit: Int
    ) async throws -> [Problem] {
        try await writer.read { db in
            var sql = "SELECT * FROM problem WHERE id > ?"
            var args: StatementArguments = [after]
            if let department {
                sql += " AND department = ?"
                args += [department.rawValue]
            }
            if let resource {
                sql += " AND resource = ?"
                args += [resource.rawValue]
            }
            if let status {
                sql += " AND status = ?"
                args += [status.rawValue]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id LIMIT ?", arguments: args + [limit]).map(
                Self.problem(from:))
        }
    }

    package func updateProblem(
        _ id: ProblemID, audit: AuditEvent, change: @Sendable (Problem) throws -> Problem
    ) async throws -> Problem {
        try await writer.write { db in
            guard let current = try Self.fetchProblem(id, db) else {
                throw ZhengshuError(.notFound, "problem \(id) does not exist")
            }
            let next = try change(current)
            try db.execute(
                sql: "UPDATE problem SET status = ?, note = ?, closedAt = ? WHERE id = ?",
                arguments: [next.status.rawValue, next.note, next.closedAt?.millis, id.rawValue])
            try Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func problemStats(department: DepartmentCode?) async throws -> [ProblemStats] {
        try await writer.read { db in
            var counts: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT department, status, COUNT(*) AS n FROM problem WHERE (? IS NULL OR department = ?) GROUP BY department, status
                    """, arguments: [department?.rawValue, department?.rawValue])
            {
                counts[row["department"], default: [:]][row["status"]] = row["n"]
            }
            var hours: [String: Double] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT department, AVG((closedAt - firstSeenAt) / 3600000.0) AS h FROM problem
                    WHERE status = 'verified' AND closedAt IS NOT NULL AND (? IS NULL OR department = ?) GROUP BY department
                    """, arguments: [department?.rawValue, department?.rawValue])
            {
                hours[row["department"]] = row["h"]
            }
            return counts.keys.sorted().map {
                ProblemStats(department: DepartmentCode(trusted: $0), counts: counts[$0]!, meanHoursToFix: hours[$0])
            }
        }
    }

    static func fetchProblem(_ id: ProblemID, _ db: Database) throws -> Problem? {
        try Row.fetchOne(db, sql: "SELECT * FROM problem WHERE id = ?", arguments: [id.rawValue]).map(problem(from:))
    }

    static func problem(from r: Row) -> Problem {
        Problem(
            id: ProblemID(r["id"]), resource: ResourceCode(trusted: r["resource"]),
            department: DepartmentCode(trusted: r["department"]),
            source: r["source"], rowKey: r["rowKey"], field: r["field"], rule: r["rule"], value: r["value"],
            reason: r["reason"],
            status: ProblemStatus(rawValue: r["status"]) ?? .open, firstSeenAt: Date(millis: r["firstSeenAt"]),
            lastSeenAt: Date(millis: r["lastSeenAt"]), closedAt: (r["closedAt"] as Int64?).map(Date.init(millis:)),
            raisedBy: r["raisedBy"], note: r["note"])
    }
}
