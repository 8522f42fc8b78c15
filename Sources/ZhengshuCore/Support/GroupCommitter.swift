import Synchronization

/// Group commit: writes that must each be durable before their caller goes on (a data-service call's usage count and
/// audit entry) are gathered while a commit is on its way and committed together by the next one, in one
/// transaction. Every audited write takes the audit chain's head in turn, so one transaction of many entries holds it
/// once instead of many times; with synchronous commits, one disk flush serves them all.
///
/// A batch that fails is retried one write at a time, so one bad write cannot fail the others.
package final class GroupCommitter<Write: Sendable>: Sendable {
    private struct Waiting {
        var write: Write
        var done: CheckedContinuation<Int64, any Error>
    }

    private struct State {
        var pending: [Waiting] = []
        var committing = false
    }

    /// Commits a batch in one transaction. - Returns: each write's audit sequence, in order.
    private let commit: @Sendable ([Write]) async throws -> [Int64]
    private let state = Mutex(State())

    package init(commit: @escaping @Sendable ([Write]) async throws -> [Int64]) { self.commit = commit }

    /// Waits until `write` is committed, with others or alone. - Returns: its audit entry's sequence.
    package func submit(_ write: Write) async throws -> Int64 {
        try await withCheckedThrowingContinuation { done in
            let lead = state.withLock { s in
                s.pending.append(Waiting(write: write, done: done))
                if s.committing { return false }
                s.committing = true
                return true
            }
            if lead { Task { await self.drain() } }
        }
    }

    /// Commits batches until no write waits.
    private func drain() async {
        while true {
            let batch = state.withLock { s -> [Waiting] in
                let b = s.pending
                s.pending = []
                if b.isEmpty { s.committing = false }
                return b
            }
            if batch.isEmpty { return }
            do {
                let sequences = try await commit(batch.map(\.write))
                for (w, sequence) in zip(batch, sequences) { w.done.resume(returning: sequence) }
            } catch {
                for w in batch {
                    do { w.done.resume(returning: try await commit([w.write])[0]) } catch {
                        w.done.resume(throwing: error)
                    }
                }
            }
        }
    }
}

/// One data-service call's usage, with its audit entry: what both engines commit in groups.
package struct ShareUseWrite: Sendable {
    package var grant: Grant
    package var day: CivilDate
    package var rows: Int
    package var audit: AuditEvent

    package init(grant: Grant, day: CivilDate, rows: Int, audit: AuditEvent) {
        self.grant = grant
        self.day = day
        self.rows = rows
        self.audit = audit
    }
}
