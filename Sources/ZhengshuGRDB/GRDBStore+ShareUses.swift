import GRDB
import ZhengshuCore

extension GRDBStore {
    /// Group commit of data-service calls (see ``GroupCommitter``): with `synchronous = FULL` every commit waits for
    /// the disk, so calls that arrive while one is on its way share the next.
    static func shareUseCommitter(_ writer: any DatabaseWriter) -> GroupCommitter<ShareUseWrite, Int64> {
        GroupCommitter { batch in try await writer.write { db in try batch.map { try Self.write($0, db) } } }
    }

    /// Group commit of verifications' counts: every verification call writes one before it answers, so under load they
    /// share a disk flush as data-service calls do.
    static func verificationCommitter(
        _ writer: any DatabaseWriter
    ) -> GroupCommitter<VerificationUse, VerificationCount> {
        GroupCommitter { batch in
            try await writer.write { db in try batch.map { try Self.recordVerification($0, db) } }
        }
    }

    static func write(_ c: ShareUseWrite, _ db: Database) throws -> Int64 {
        try db.cachedStatement(
            sql: """
                INSERT INTO shareUsage (grantId, day, resource, provider, consumer, calls, rowCount) VALUES (?, ?, ?, ?, ?, 1, ?)
                ON CONFLICT (grantId, day) DO UPDATE SET calls = calls + 1, rowCount = rowCount + excluded.rowCount
                """
        ).execute(arguments: [
            c.grant.id.rawValue, c.day.description, c.grant.resource.rawValue, c.grant.provider.rawValue,
            c.grant.consumer.rawValue, c.rows,
        ])
        return try appendAudit(c.audit, in: db)
    }
}
