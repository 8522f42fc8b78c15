import Foundation
import GRDB
import ZhengshuCore

extension GRDBStore: AuditStore {
    /// Appends `event` to the hash chain inside the caller's transaction. SQLite serialises writers, so reading the
    /// head and inserting after it cannot interleave with another append.
    @discardableResult
    static func appendAudit(_ event: AuditEvent, in db: Database) throws -> Int64 {
        let head = try Row.fetchOne(
            try db.cachedStatement(sql: "SELECT sequence, hash FROM auditEntry ORDER BY sequence DESC LIMIT 1"))
        let previous = head.map { (sequence: $0["sequence"] as Int64, hash: $0["hash"] as String) }
        // The installation's first entry takes the algorithm its crypto profile chose; every later one its predecessor's.
        let algorithm =
            previous != nil
            ? .sha256
            : DigestAlgorithm(
                rawValue: try String.fetchOne(
                    db, sql: "SELECT value FROM installationSetting WHERE name = ?",
                    arguments: [AuditChain.algorithmSetting]) ?? "") ?? .sha256
        let entry = AuditChain.entry(after: previous, event: event, algorithm: algorithm)
        try db.cachedStatement(
            sql: """
                INSERT INTO auditEntry (sequence, actor, actorDepartment, action, target, at, requestId, detail, previousHash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            entry.sequence, event.actor, event.actorDepartment, event.action, event.target, event.at.millis,
            event.requestID, event.detail, entry.previousHash, entry.hash,
        ])
        return entry.sequence
    }

    /// An entry of its own (no other change with it), group-committed with the others arriving meanwhile.
    @discardableResult
    package func appendAudit(_ event: AuditEvent) async throws -> Int64 {
        try await audits.submit(event)
    }

    package func auditEntries(_ f: AuditFilter) async throws -> [AuditEntry] {
        try await writer.read { db in
            var sql = "SELECT * FROM auditEntry WHERE sequence > ?"
            var args: StatementArguments = [f.after]
            if let v = f.action {
                sql += " AND action = ?"
                args += [v]
            }
            if let v = f.target {
                sql += " AND target = ?"
                args += [v]
            }
            if let v = f.actor {
                sql += " AND actor = ?"
                args += [v]
            }
            if let v = f.department {
                sql += " AND actorDepartment = ?"
                args += [v]
            }
            if let v = f.from {
                sql += " AND at >= ?"
                args += [v.millis]
            }
            if let v = f.to {
                sql += " AND at < ?"
                args += [v.millis]
            }
            sql += " ORDER BY sequence LIMIT ?"
            args += [f.limit]
            return try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                AuditEntry(
                    sequence: row["sequence"],
                    event: AuditEvent(
                        actor: row["actor"], actorDepartment: row["actorDepartment"], action: row["action"],
                        target: row["target"], at: Date(millis: row["at"]), requestID: row["requestId"],
                        detail: row["detail"]),
                    previousHash: row["previousHash"], hash: row["hash"])
            }
        }
    }

    package func insertAuditCheckpoint(_ c: AuditCheckpoint) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO auditCheckpoint (sequence, hash, signature, publicKey, at, algorithm) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (sequence) DO NOTHING
                    """, arguments: [c.sequence, c.hash, c.signature, c.publicKey, c.at.millis, c.algorithm])
        }
    }

    package func auditCheckpoints(after sequence: Int64, limit: Int) async throws -> [AuditCheckpoint] {
        try await writer.read { db in
            try Self.checkpoints("sequence > ? ORDER BY sequence LIMIT ?", [sequence, limit], db)
        }
    }

    package func latestAuditCheckpoint() async throws -> AuditCheckpoint? {
        try await writer.read { db in try Self.checkpoints("1 = 1 ORDER BY sequence DESC LIMIT 1", [], db).first }
    }

    static func checkpoints(
        _ condition: String, _ arguments: StatementArguments, _ db: Database
    ) throws -> [AuditCheckpoint] {
        try Row.fetchAll(db, sql: "SELECT * FROM auditCheckpoint WHERE \(condition)", arguments: arguments).map { r in
            AuditCheckpoint(
                sequence: r["sequence"], hash: r["hash"], signature: r["signature"], publicKey: r["publicKey"],
                at: Date(millis: r["at"]),
                algorithm: r["algorithm"])
        }
    }

    package func auditHead() async throws -> Int64 {
        try await writer.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM auditEntry") ?? 0 }
    }
}

extension GRDBStore: StatisticsStore {
    /// The audit trail counted by its head (the chain is gapless from 1): an index lookup, where `COUNT(*)` reads a
    /// trail that grows by every call, on every scrape of `/metrics` and every cockpit.
    static let auditEntryCount = "SELECT COALESCE(MAX(sequence), 0) FROM auditEntry"

    package func platformCounts() async throws -> PlatformCounts {
        try await writer.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            return PlatformCounts(
                departments: try count("SELECT COUNT(*) FROM department"),
                users: try count("SELECT COUNT(*) FROM user"),
                resources: try count("SELECT COUNT(*) FROM resource"),
                publishedResources: try count("SELECT COUNT(*) FROM resource WHERE status = 'published'"),
                records: try count("SELECT COALESCE(SUM(recordCount), 0) FROM resource"),
                auditEntries: try count(Self.auditEntryCount))
        }
    }
}
