import Foundation
import GRDB
import ZhengshuCore

extension GRDBStore: AuditStore {
    /// Appends `event` to the hash chain inside the caller's transaction. SQLite serialises writers, so reading the
    /// head and inserting after it cannot interleave with another append.
    @discardableResult
    static func appendAudit(_ event: AuditEvent, in db: Database) throws -> Int64 {
        let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM auditEntry ORDER BY sequence DESC LIMIT 1")
        let previous = head.map { (sequence: $0["sequence"] as Int64, hash: $0["hash"] as String) }
        let entry = AuditChain.entry(after: previous, event: event)
        try db.execute(sql: """
            INSERT INTO auditEntry (sequence, actor, actorDepartment, action, target, at, requestId, detail, previousHash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.sequence, event.actor, event.actorDepartment, event.action, event.target, event.at.millis,
                             event.requestID, event.detail, entry.previousHash, entry.hash])
        return entry.sequence
    }

    @discardableResult
    package func appendAudit(_ event: AuditEvent) async throws -> Int64 {
        try await writer.write { db in try Self.appendAudit(event, in: db) }
    }

    package func auditEntries(after sequence: Int64, limit: Int, action: String?, target: String?) async throws -> [AuditEntry] {
        try await writer.read { db in
            var sql = "SELECT * FROM auditEntry WHERE sequence > ?"
            var args: StatementArguments = [sequence]
            if let action { sql += " AND action = ?"; args += [action] }
            if let target { sql += " AND target = ?"; args += [target] }
            sql += " ORDER BY sequence LIMIT ?"
            args += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                AuditEntry(
                    sequence: row["sequence"],
                    event: AuditEvent(actor: row["actor"], actorDepartment: row["actorDepartment"], action: row["action"],
                                      target: row["target"], at: Date(millis: row["at"]), requestID: row["requestId"],
                                      detail: row["detail"]),
                    previousHash: row["previousHash"], hash: row["hash"])
            }
        }
    }
}

extension GRDBStore: StatisticsStore {
    package func platformCounts() async throws -> PlatformCounts {
        try await writer.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            return PlatformCounts(
                departments: try count("SELECT COUNT(*) FROM department"),
                users: try count("SELECT COUNT(*) FROM user"),
                resources: try count("SELECT COUNT(*) FROM resource"),
                publishedResources: try count("SELECT COUNT(*) FROM resource WHERE status = 'published'"),
                records: try count("SELECT COALESCE(SUM(recordCount), 0) FROM resource"),
                auditEntries: try count("SELECT COUNT(*) FROM auditEntry"))
        }
    }
}
