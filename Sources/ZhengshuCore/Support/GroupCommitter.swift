import Synchronization

/// Group commit: writes that must each be durable before their caller goes on (a data-service call's usage count and
/// audit entry, a verification's count) are gathered while a commit is on its way and committed together by the next
/// one, in one transaction, each in turn seeing the ones before it. Every audited write takes the audit chain's head
/// in turn, so one transaction of many entries holds it once instead of many times; with synchronous commits, one
/// disk flush serves them all.
///
/// A batch that fails is retried one write at a time, so one bad write cannot fail the others.
package final class GroupCommitter<Write: Sendable, Outcome: Sendable>: Sendable {
    private struct Waiting {
        var write: Write
        var done: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var pending: [Waiting] = []
        var committing = false
    }

    /// Commits a batch in one transaction. - Returns: each write's outcome, in order.
    private let commit: @Sendable ([Write]) async throws -> [Outcome]
    private let state = Mutex(State())

    package init(commit: @escaping @Sendable ([Write]) async throws -> [Outcome]) { self.commit = commit }

    /// Waits until `write` is committed, with others or alone. - Returns: its outcome (a data-service call's audit
    /// sequence).
    package func submit(_ write: Write) async throws -> Outcome {
        try await withCheckedThrowingContinuation { done in
            let lead = state.withLock { s in
                s.pending.append(Waiting(write: write, done: done))
                if s.committing { return false }
                s.committing = true
                return true
            }
            // Above the calls being answered: a batch holds the audit chain's lock until it commits, and every
            // caller in it waits for it (nor does a load's lower priority pass to the others' commits).
            if lead { Task(priority: .high) { await self.drain() } }
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
                let outcomes = try await commit(batch.map(\.write))
                for (w, outcome) in zip(batch, outcomes) { w.done.resume(returning: outcome) }
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
