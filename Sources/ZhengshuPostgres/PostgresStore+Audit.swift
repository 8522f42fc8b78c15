import Foundation
import PostgresNIO
import ZhengshuCore

extension PostgresStore: AuditStore {
    /// Appends `event` to the hash chain inside the caller's transaction. The chain's advisory lock, held to the end of
    /// the transaction, makes appends from every node take turns: the chain stays gapless and totally ordered.
    @discardableResult
    static func appendAudit(_ event: AuditEvent, in db: PostgresConnection) async throws -> Int64 {
        try await db.query("SELECT pg_advisory_xact_lock(\(Lock.auditChain.rawValue))", logger: PostgresLocation.logger)
        let head = try await db.query("SELECT sequence, hash FROM auditEntry ORDER BY sequence DESC LIMIT 1", logger: PostgresLocation.logger)
            .collect().first.map { try $0.decode((Int64, String).self) }
        let entry = AuditChain.entry(after: head.map { (sequence: $0.0, hash: $0.1) }, event: event)
        try await db.query("""
            INSERT INTO auditEntry (sequence, actor, actorDepartment, action, target, at, requestId, detail, previousHash, hash)
            VALUES (\(entry.sequence), \(event.actor), \(event.actorDepartment), \(event.action), \(event.target), \(event.at.millis),
                    \(event.requestID), \(event.detail), \(entry.previousHash), \(entry.hash))
            """, logger: PostgresLocation.logger)
        return entry.sequence
    }

    @discardableResult
    package func appendAudit(_ event: AuditEvent) async throws -> Int64 {
        try await write { db in try await Self.appendAudit(event, in: db) }
    }

    package func auditEntries(after sequence: Int64, limit: Int, action: String?, target: String?) async throws -> [AuditEntry] {
        try await read { db in
            try await db.query("""
                SELECT sequence, actor, actorDepartment, action, target, at, requestId, detail, previousHash, hash FROM auditEntry
                WHERE sequence > \(sequence) AND (\(action)::text IS NULL OR action = \(action))
                  AND (\(target)::text IS NULL OR target = \(target))
                ORDER BY sequence LIMIT \(limit)
                """, logger: PostgresLocation.logger).collect().map { row in
                let (seq, actor, department, action, target, at, requestID, detail, previousHash, hash) =
                    try row.decode((Int64, String, String?, String, String, Int64, String, String?, String, String).self)
                return AuditEntry(sequence: seq,
                                  event: AuditEvent(actor: actor, actorDepartment: department, action: action, target: target,
                                                    at: Date(millis: at), requestID: requestID, detail: detail),
                                  previousHash: previousHash, hash: hash)
            }
        }
    }
}

extension PostgresStore: StatisticsStore {
    package func platformCounts() async throws -> PlatformCounts {
        try await read { db in
            let (departments, users, resources, published, records, audit) = try await db.query("""
                SELECT (SELECT COUNT(*) FROM department), (SELECT COUNT(*) FROM "user"), (SELECT COUNT(*) FROM resource),
                       (SELECT COUNT(*) FROM resource WHERE status = 'published'),
                       (SELECT COALESCE(SUM(recordCount), 0)::bigint FROM resource), (SELECT COUNT(*) FROM auditEntry)
                """, logger: PostgresLocation.logger).collect()[0].decode((Int, Int, Int, Int, Int, Int).self)
            return PlatformCounts(departments: departments, users: users, resources: resources, publishedResources: published,
                                  records: records, auditEntries: audit)
        }
    }
}
