import Foundation
import GRDB
import Synchronization
import ZhengshuCore

/// Group commit of data-service calls: each call's usage count and audit entry must be durable before its answer is
/// sent, and with `synchronous = FULL` every commit waits for the disk. Calls that arrive while a commit is on its
/// way wait for the next one, which takes them all in one transaction (one fsync) and then answers each with its audit
/// entry's sequence. A batch that fails is retried one call at a time, so one bad call cannot fail the others.
final class ShareUseCommitter: Sendable {
    struct Call: Sendable {
        var grant: Grant
        var day: CivilDate
        var rows: Int
        var audit: AuditEvent
        var done: CheckedContinuation<Int64, any Error>
    }

    struct State {
        var pending: [Call] = []
        var committing = false
    }

    let writer: any DatabaseWriter
    let state = Mutex(State())

    init(writer: any DatabaseWriter) { self.writer = writer }

    func commit(_ grant: Grant, day: CivilDate, rows: Int, audit: AuditEvent) async throws -> Int64 {
        try await withCheckedThrowingContinuation { done in
            let lead = state.withLock { s in
                s.pending.append(Call(grant: grant, day: day, rows: rows, audit: audit, done: done))
                if s.committing { return false }
                s.committing = true
                return true
            }
            if lead { Task { await self.drain() } }
        }
    }

    /// Commits batches until no call waits.
    func drain() async {
        while true {
            let batch = state.withLock { s -> [Call] in
                let b = s.pending
                s.pending = []
                if b.isEmpty { s.committing = false }
                return b
            }
            if batch.isEmpty { return }
            do {
                let sequences = try await writer.write { db in try batch.map { try Self.write($0, db) } }
                for (call, sequence) in zip(batch, sequences) { call.done.resume(returning: sequence) }
            } catch {
                for call in batch {
                    do { call.done.resume(returning: try await writer.write { db in try Self.write(call, db) }) }
                    catch { call.done.resume(throwing: error) }
                }
            }
        }
    }

    static func write(_ c: Call, _ db: Database) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO shareUsage (grantId, day, resource, provider, consumer, calls, rowCount) VALUES (?, ?, ?, ?, ?, 1, ?)
            ON CONFLICT (grantId, day) DO UPDATE SET calls = calls + 1, rowCount = rowCount + excluded.rowCount
            """).execute(arguments: [c.grant.id.rawValue, c.day.description, c.grant.resource.rawValue, c.grant.provider.rawValue,
                                     c.grant.consumer.rawValue, c.rows])
        return try GRDBStore.appendAudit(c.audit, in: db)
    }
}
