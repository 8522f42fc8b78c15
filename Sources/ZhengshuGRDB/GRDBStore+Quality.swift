import Foundation
import GRDB
import ZhengshuCore
import ZhengshuDocuments

extension GRDBStore: QualityStore {
    package func qualityRules(of resource: ResourceCode) async throws -> [QualityRule] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, document FROM qualityRule WHERE resource = ? ORDER BY position",
                arguments: [resource.rawValue]
            )
            .map { row in
                var rule = try Documents.value(QualityRule.self, (row["document"] as String))
                rule.id = row["id"]
                return rule
            }
        }
    }

    package func replaceQualityRules(
        _ rules: [QualityRule], of resource: ResourceCode, audit: AuditEvent
    ) async throws -> [QualityRule] {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM qualityRule WHERE resource = ?", arguments: [resource.rawValue])
            var stored: [QualityRule] = []
            for (position, rule) in rules.enumerated() {
                try db.execute(
                    sql: "INSERT INTO qualityRule (resource, position, document) VALUES (?, ?, ?)",
                    arguments: [resource.rawValue, position, try Documents.text(rule)])
                var r = rule
                r.id = db.lastInsertedRowID
                stored.append(r)
            }
            try Self.appendAudit(audit, in: db)
            return stored
        }
    }

    package func insertQualityRun(_ run: QualityRunRecord, audit: AuditEvent) async throws -> QualityRunRecord {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO qualityRun (resource, department, trigger, startedAt, finishedAt, rowsChecked, score, results)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.resource.rawValue, run.department.rawValue, run.trigger, run.startedAt.millis,
                    run.finishedAt.millis,
                    run.rowsChecked, run.score, try Documents.text(run.results),
                ])
            var stored = run
            stored.id = QualityRunID(db.lastInsertedRowID)
            try Self.appendAudit(audit, in: db)
            return stored
        }
    }

    package func claimScheduledRun(_ resource: ResourceCode, now: Date, until: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO qualitySchedule (resource, claimedUntil) VALUES (?, ?)
                    ON CONFLICT (resource) DO UPDATE SET claimedUntil = excluded.claimedUntil WHERE qualitySchedule.claimedUntil <= ?
                    """, arguments: [resource.rawValue, until.millis, now.millis])
            return db.changesCount > 0
        }
    }

    package func releaseScheduledRun(_ resource: ResourceCode) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE qualitySchedule SET claimedUntil = 0 WHERE resource = ?", arguments: [resource.rawValue])
        }
    }

    package func qualityRuns(
        resource: ResourceCode?, department: DepartmentCode?, limit: Int
    ) async throws -> [QualityRunRecord] {
        try await writer.read { db in
            var sql = "SELECT * FROM qualityRun WHERE 1 = 1"
            var args: StatementArguments = []
            if let resource {
                sql += " AND resource = ?"
                args += [resource.rawValue]
            }
            if let department {
                sql += " AND department = ?"
                args += [department.rawValue]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id DESC LIMIT ?", arguments: args + [limit]).map { r in
                var run = Self.qualityRun(from: r)
                run.results = try Documents.values([QualityRun.RuleResult].self, (r["results"] as String))
                return run
            }
        }
    }

    package func latestQualityRuns(department: DepartmentCode?) async throws -> [QualityRunRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT q.id, q.resource, q.department, q.trigger, q.startedAt, q.finishedAt, q.rowsChecked, q.score FROM qualityRun q
                    JOIN (SELECT MAX(id) AS id FROM qualityRun GROUP BY resource) m ON q.id = m.id
                    WHERE ? IS NULL OR q.department = ? ORDER BY q.resource
                    """, arguments: [department?.rawValue, department?.rawValue]
            ).map(Self.qualityRun(from:))
        }
    }

    static func qualityRun(from r: Row) -> QualityRunRecord {
        QualityRunRecord(
            id: QualityRunID(r["id"]), resource: ResourceCode(trusted: r["resource"]),
            department: DepartmentCode(trusted: r["department"]), trigger: r["trigger"],
            startedAt: Date(millis: r["startedAt"]), finishedAt: Date(millis: r["finishedAt"]),
            rowsChecked: r["rowsChecked"], score: r["score"], results: [])
    }
}
