import Foundation
import PostgresNIO
import ZhengshuCore

extension PostgresStore: AuditStore {
    /// Appends `event` to the hash chain inside the caller's transaction. The chain's advisory lock, held to the end of
    /// the transaction, makes appends from every node take turns: the chain stays gapless and totally ordered.
    @discardableResult
    static func appendAudit(_ event: AuditEvent, in db: PostgresConnection) async throws -> Int64 {
        try await appendAudits([event], in: db)[0]
    }

    /// Appends entries in order under one hold of the chain's lock (held to the end of the transaction).
    /// - Returns: their sequences.
    /// - Parameter after: a `WITH` clause and its bindings that the first statement of entries runs with (a change
    ///   that needs no round trip of its own).
    static func appendAudits(
        _ events: [AuditEvent], after: (sql: String, binds: PostgresBindings)? = nil, in db: PostgresConnection
    ) async throws -> [Int64] {
        // The lock, then the head as the previous holder left it (`zhengshu_audit_head`, migration v25).
        var head = try await db.query(
            "SELECT sequence, hash FROM zhengshu_audit_head(\(Lock.auditChain.rawValue))",
            logger: PostgresLocation.logger
        )
        .collect().first.map { try $0.decode((Int64, String).self) }
        // The installation's first entry takes the algorithm its crypto profile chose; every later one its predecessor's.
        var algorithm = DigestAlgorithm.sha256
        if head == nil,
            let name = try await db.query(
                "SELECT value FROM installationSetting WHERE name = \(AuditChain.algorithmSetting)",
                logger: PostgresLocation.logger
            ).collect().first?.decode(String.self)
        {
            algorithm = DigestAlgorithm(rawValue: name) ?? .sha256
        }
        // One statement for the lot (at most 1,000 rows, 10,000 parameters, a statement): the chain's lock is held
        // for one round trip to the database, not one an entry.
        var sequences: [Int64] = []
        var prefix = after
        for chunk in stride(from: 0, to: events.count, by: 1000).map({ events[$0..<min($0 + 1000, events.count)] }) {
            var binds = prefix?.binds ?? PostgresBindings(capacity: chunk.count * 10)
            var rows: [String] = []
            for event in chunk {
                let entry = AuditChain.entry(
                    after: head.map { (sequence: $0.0, hash: $0.1) }, event: event, algorithm: algorithm)
                let first = binds.count + 1
                binds.append(entry.sequence)
                binds.append(event.actor)
                binds.append(event.actorDepartment)
                binds.append(event.action)
                binds.append(event.target)
                binds.append(event.at.millis)
                binds.append(event.requestID)
                binds.append(event.detail)
                binds.append(entry.previousHash)
                binds.append(entry.hash)
                rows.append("(" + (first..<first + 10).map { "$\($0)" }.joined(separator: ", ") + ")")
                head = (entry.sequence, entry.hash)
                sequences.append(entry.sequence)
            }
            try await db.query(
                PostgresQuery(
                    unsafeSQL: (prefix.map { $0.sql + "\n" } ?? "") + """
                        INSERT INTO auditEntry (sequence, actor, actorDepartment, action, target, at, requestId, detail, previousHash, hash)
                        VALUES \(rows.joined(separator: ", "))
                        """, binds: binds), logger: PostgresLocation.logger)
            prefix = nil
        }
        return sequences
    }

    /// An entry of its own (no other change with it), group-committed with the others arriving meanwhile.
    @discardableResult
    package func appendAudit(_ event: AuditEvent) async throws -> Int64 {
        try await audits.submit(event)
    }

    package func auditEntries(_ f: AuditFilter) async throws -> [AuditEntry] {
        try await read { db in
            try await db.query(
                """
                SELECT sequence, actor, actorDepartment, action, target, at, requestId, detail, previousHash, hash FROM auditEntry
                WHERE sequence > \(f.after) AND (\(f.action)::text IS NULL OR action = \(f.action))
                  AND (\(f.target)::text IS NULL OR target = \(f.target))
                  AND (\(f.actor)::text IS NULL OR actor = \(f.actor))
                  AND (\(f.department)::text IS NULL OR actorDepartment = \(f.department))
                  AND (\(f.from?.millis)::bigint IS NULL OR at >= \(f.from?.millis))
                  AND (\(f.to?.millis)::bigint IS NULL OR at < \(f.to?.millis))
                ORDER BY sequence LIMIT \(f.limit)
                """, logger: PostgresLocation.logger
            ).collect().map { row in
                let (seq, actor, department, action, target, at, requestID, detail, previousHash, hash) =
                    try row.decode(
                        (Int64, String, String?, String, String, Int64, String, String?, String, String).self)
                return AuditEntry(
                    sequence: seq,
                    event: AuditEvent(
                        actor: actor, actorDepartment: department, action: action, target: target,
                        at: Date(millis: at), requestID: requestID, detail: detail),
                    previousHash: previousHash, hash: hash)
            }
        }
    }

    package func insertAuditCheckpoint(_ c: AuditCheckpoint) async throws {
        try await write { db in
            try await db.query(
                """
                INSERT INTO auditCheckpoint (sequence, hash, signature, publicKey, at, algorithm)
                VALUES (\(c.sequence), \(c.hash), \(c.signature), \(c.publicKey), \(c.at.millis), \(c.algorithm)) ON CONFLICT (sequence) DO NOTHING
                """, logger: PostgresLocation.logger)
        }
    }

    package func auditCheckpoints(after sequence: Int64, limit: Int) async throws -> [AuditCheckpoint] {
        try await read { db in try await Self.checkpoints("sequence > \(sequence) ORDER BY sequence LIMIT \(limit)", db)
        }
    }

    package func latestAuditCheckpoint() async throws -> AuditCheckpoint? {
        try await read { db in try await Self.checkpoints("true ORDER BY sequence DESC LIMIT 1", db).first }
    }

    static func checkpoints(_ condition: PostgresQuery, _ db: PostgresConnection) async throws -> [AuditCheckpoint] {
        var query = condition
        query.sql =
            "SELECT sequence, hash, signature, publicKey, at, algorithm FROM auditCheckpoint WHERE " + condition.sql
        return try await db.query(query, logger: PostgresLocation.logger).collect().map { r in
            let (sequence, hash, signature, key, at, algorithm) = try r.decode(
                (Int64, String, String, String, Int64, String?).self)
            return AuditCheckpoint(
                sequence: sequence, hash: hash, signature: signature, publicKey: key, at: Date(millis: at),
                algorithm: algorithm)
        }
    }

    package func auditHead() async throws -> Int64 {
        try await read { db in
            try await db.query(
                "SELECT COALESCE(MAX(sequence), 0)::bigint FROM auditEntry", logger: PostgresLocation.logger
            ).collect()[0].decode(Int64.self)
        }
    }
}

extension PostgresStore: StatisticsStore {
    /// Every scrape of `/metrics` and every cockpit asks: the audit trail is counted by its head (the chain is gapless
    /// from 1), an index lookup, not by a scan that grows with the trail.
    package func platformCounts() async throws -> PlatformCounts {
        try await read { db in
            let (departments, users, resources, published, records, audit) = try await db.query(
                """
                SELECT (SELECT COUNT(*) FROM department), (SELECT COUNT(*) FROM "user"), (SELECT COUNT(*) FROM resource),
                       (SELECT COUNT(*) FROM resource WHERE status = 'published'),
                       (SELECT COALESCE(SUM(recordCount), 0)::bigint FROM resource), (SELECT COALESCE(MAX(sequence), 0)::bigint FROM auditEntry)
                """, logger: PostgresLocation.logger
            ).collect()[0].decode((Int, Int, Int, Int, Int, Int).self)
            return PlatformCounts(
                departments: departments, users: users, resources: resources, publishedResources: published,
                records: records, auditEntries: audit)
        }
    }
}
