import Foundation
import PostgresNIO
import ZhengshuCore
import ZhengshuDocuments

extension PostgresStore: QualityStore {
    package func qualityRules(of resource: ResourceCode) async throws -> [QualityRule] {
        try await read { db in
            try await db.query(
                "SELECT id, document FROM qualityRule WHERE resource = \(resource.rawValue) ORDER BY position",
                logger: PostgresLocation.logger
            ).collect().map { row in
                let (id, document) = try row.decode((Int64, String).self)
                var rule = try Documents.value(QualityRule.self, document)
                rule.id = id
                return rule
            }
        }
    }

    package func replaceQualityRules(
        _ rules: [QualityRule], of resource: ResourceCode, audit: AuditEvent
    ) async throws -> [QualityRule] {
        try await write { db in
            try await db.query(
                "DELETE FROM qualityRule WHERE resource = \(resource.rawValue)", logger: PostgresLocation.logger)
            var stored: [QualityRule] = []
            for (position, rule) in rules.enumerated() {
                var r = rule
                r.id = try await db.query(
                    """
                    INSERT INTO qualityRule (resource, position, document) VALUES (\(resource.rawValue), \(position), \(try Documents.text(rule))) RETURNING id
                    """, logger: PostgresLocation.logger
                ).collect()[0].decode(Int64.self)
                stored.append(r)
            }
            try await Self.appendAudit(audit, in: db)
            return stored
        }
    }

    package func insertQualityRun(_ run: QualityRunRecord, audit: AuditEvent) async throws -> QualityRunRecord {
        try await write { db in
            var stored = run
            stored.id = QualityRunID(
                try await db.query(
                    """
                    INSERT INTO qualityRun (resource, department, trigger, startedAt, finishedAt, rowsChecked, score, results)
                    VALUES (\(run.resource.rawValue), \(run.department.rawValue), \(run.trigger), \(run.startedAt.millis), \(run.finishedAt.millis),
                            \(run.rowsChecked), \(run.score), \(try Documents.text(run.results))) RETURNING id
                    """, logger: PostgresLocation.logger
                ).collect()[0].decode(Int64.self))
            try await Self.appendAudit(audit, in: db)
            return stored
        }
    }

    package func claimScheduledRun(_ resource: ResourceCode, now: Date, until: Date) async throws -> Bool {
        try await read { db in
            try await db.query(
                """
                INSERT INTO qualitySchedule (resource, claimedUntil) VALUES (\(resource.rawValue), \(until.millis))
                ON CONFLICT (resource) DO UPDATE SET claimedUntil = excluded.claimedUntil WHERE qualitySchedule.claimedUntil <= \(now.millis)
                RETURNING resource
                """, logger: PostgresLocation.logger
            ).collect().count > 0
        }
    }

    package func releaseScheduledRun(_ resource: ResourceCode) async throws {
        try await read { db in
            try await db.query(
                "UPDATE qualitySchedule SET claimedUntil = 0 WHERE resource = \(resource.rawValue)",
                logger: PostgresLocation.logger)
        }
    }

    package func qualityRuns(
        resource: ResourceCode?, department: DepartmentCode?, limit: Int
    ) async throws -> [QualityRunRecord] {
        try await read { db in
            try await db.query(
                """
                SELECT id, resource, department, trigger, startedAt, finishedAt, rowsChecked, score, results FROM qualityRun
                WHERE (\(resource?.rawValue)::text IS NULL OR resource = \(resource?.rawValue))
                  AND (\(department?.rawValue)::text IS NULL OR department = \(department?.rawValue))
                ORDER BY id DESC LIMIT \(limit)
                """, logger: PostgresLocation.logger
            ).collect().map { row in
                let (id, resource, department, trigger, started, finished, rows, score, results) =
                    try row.decode((Int64, String, String, String, Int64, Int64, Int, Double, String).self)
                return QualityRunRecord(
                    id: QualityRunID(id), resource: ResourceCode(trusted: resource),
                    department: DepartmentCode(trusted: department),
                    trigger: trigger, startedAt: Date(millis: started), finishedAt: Date(millis: finished),
                    rowsChecked: rows,
                    score: score,
                    results: try Documents.values([QualityRun.RuleResult].self, results))
            }
        }
    }

    package func latestQualityRuns(department: DepartmentCode?) async throws -> [QualityRunRecord] {
        try await read { db in
            try await db.query(
                """
                SELECT q.id, q.resource, q.department, q.trigger, q.startedAt, q.finishedAt, q.rowsChecked, q.score FROM qualityRun q
                JOIN (SELECT MAX(id) AS id FROM qualityRun GROUP BY resource) m ON q.id = m.id
                WHERE \(department?.rawValue)::text IS NULL OR q.department = \(department?.rawValue) ORDER BY q.resource
                """, logger: PostgresLocation.logger
            ).collect().map { row in
                let (id, resource, department, trigger, started, finished, rows, score) =
                    try row.decode((Int64, String, String, String, Int64, Int64, Int, Double).self)
                return QualityRunRecord(
                    id: QualityRunID(id), resource: ResourceCode(trusted: resource),
                    department: DepartmentCode(trusted: department),
                    trigger: trigger, startedAt: Date(millis: started), finishedAt: Date(millis: finished),
                    rowsChecked: rows,
                    score: score, results: [])
            }
        }
    }
}
