import Crypto
import Foundation

/// Reading, checkpointing and verifying the audit trail. Reading is for auditors and the bureau.
package struct AuditTrail: Sendable {
    let store: any AuditStore
    let clock: PlatformClock

    package init(store: any AuditStore, clock: PlatformClock = PlatformClock()) {
        self.store = store
        self.clock = clock
    }

    package func entries(_ filter: AuditFilter, by caller: Caller) async throws -> [AuditEntry] {
        try caller.principal.require(anyOf: [.auditor, .admin], to: "reading the audit trail")
        guard (1...1000).contains(filter.limit) else {
            throw ZhengshuError(.invalidInput, "limit must be from 1 to 1000")
        }
        guard filter.after >= 0 else { throw ZhengshuError(.invalidInput, "after must be 0 or more") }
        if let from = filter.from, let to = filter.to, to <= from {
            throw ZhengshuError(.invalidInput, "to must be later than from")
        }
        return try await store.auditEntries(filter).map(Self.forReading)
    }

    /// An entry as its readers see it: record values its detail carries (a problem's row key, a sandbox statement, a
    /// typed reason) masked (``TextRedaction``). Its hash stays that of the stored entry, which `zhengshu audit verify`
    /// checks where the trail is kept.
    package static func forReading(_ e: AuditEntry) -> AuditEntry {
        guard let detail = e.event.detail else { return e }
        var out = e
        out.event.detail = TextRedaction.masked(detail)
        return out
    }

    /// Every entry that meets the filter, page by page (exports). The caller is authorised and the read audited
    /// before this returns, so before the first byte leaves; the pages stop at the trail's head as it was then.
    package func export(_ filter: AuditFilter, by caller: Caller) async throws -> AuditPages {
        try caller.principal.require(anyOf: [.auditor, .admin], to: "exporting the audit trail")
        var f = filter
        f.limit = 1000
        let head = try await store.auditHead()
        try await store.appendAudit(
            caller.audit(
                "audit.export", "audit", at: clock.current(), detail: Self.describe(filter) + "; up to entry \(head)"))
        return AuditPages(store: store, filter: f, head: head)
    }

    static func describe(_ f: AuditFilter) -> String {
        [
            f.action.map { "action=\($0)" }, f.target.map { "target=\($0)" }, f.actor.map { "actor=\($0)" },
            f.department.map { "department=\($0)" }, f.from.map { "from=\($0.millis)" }, f.to.map { "to=\($0.millis)" },
        ]
        .compactMap { $0 }.joined(separator: ",")
    }

    /// What ``verify(key:)`` found.
    package struct Verification: Sendable {
        package var entries: Int
        package var checkpoints: Int
        package var broken: AuditBreak?
        /// What the chain is hashed with (that of its first entry; SHA-256 for an empty trail).
        package var algorithm: DigestAlgorithm = .sha256
    }

    /// Walks the whole chain, then checks every checkpoint against the entries and, with the installation's public
    /// key, its signature. A rewritten chain (every hash recomputed) fails the checkpoints; a truncated one leaves a
    /// checkpoint without its entry.
    package func verify(key: (any InstallationSigner)?) async throws -> Verification {
        var previous: (sequence: Int64, hash: String)?
        var checked = 0
        var hashes: [Int64: String] = [:]
        var algorithm = DigestAlgorithm.sha256
        var checkpoints = try await allCheckpoints()
        let wanted = Set(checkpoints.map(\.sequence))
        while true {
            let batch = try await store.auditEntries(
                after: previous?.sequence ?? 0, limit: 1000, action: nil, target: nil)
            if batch.isEmpty { break }
            if previous == nil { algorithm = AuditChain.algorithm(of: batch[0].previousHash) }
            if let broken = AuditChain.firstBreak(in: batch, after: previous) {
                return Verification(
                    entries: checked + batch.prefix { $0.sequence < broken.sequence }.count, checkpoints: 0,
                    broken: broken)
            }
            for e in batch where wanted.contains(e.sequence) { hashes[e.sequence] = e.hash }
            checked += batch.count
            previous = (batch.last!.sequence, batch.last!.hash)
        }
        checkpoints.sort { $0.sequence < $1.sequence }
        for c in checkpoints {
            guard let hash = hashes[c.sequence] else {
                return Verification(
                    entries: checked, checkpoints: 0,
                    broken: AuditBreak(
                        sequence: c.sequence,
                        reason:
                            "checkpoint \(c.sequence) names an entry the trail no longer has: entries were deleted from its end"
                    ))
            }
            if hash != c.hash {
                return Verification(
                    entries: checked, checkpoints: 0,
                    broken: AuditBreak(
                        sequence: c.sequence,
                        reason: "entry \(c.sequence) differs from its signed checkpoint: the chain was rewritten"))
            }
            if let key {
                guard c.isValid(under: key) else {
                    return Verification(
                        entries: checked, checkpoints: 0,
                        broken: AuditBreak(
                            sequence: c.sequence,
                            reason: "checkpoint \(c.sequence) is not signed by this installation's key"))
                }
            }
        }
        return Verification(entries: checked, checkpoints: checkpoints.count, broken: nil, algorithm: algorithm)
    }

    func allCheckpoints() async throws -> [AuditCheckpoint] {
        var out: [AuditCheckpoint] = []
        while true {
            let page = try await store.auditCheckpoints(after: out.last?.sequence ?? 0, limit: 1000)
            if page.isEmpty { return out }
            out += page
        }
    }

    /// Signs a checkpoint at every multiple of `every` the trail has passed since the last one. - Returns: how many.
    @discardableResult
    package func checkpoint(with key: any InstallationSigner, every: Int64) async throws -> Int {
        precondition(every > 0)
        let head = try await store.auditHead()
        let last = try await store.latestAuditCheckpoint()?.sequence ?? 0
        var signed = 0
        var next = (last / every + 1) * every
        while next <= head {
            guard let entry = try await store.auditEntries(after: next - 1, limit: 1, action: nil, target: nil).first,
                entry.sequence == next
            else { break }
            try await store.insertAuditCheckpoint(try AuditCheckpoint(signing: entry, with: key, at: clock.current()))
            signed += 1
            next += every
        }
        return signed
    }
}

/// The pages of an audit export, read one at a time as the consumer asks (a slow client holds one page).
package struct AuditPages: AsyncSequence, Sendable {
    let store: any AuditStore
    let filter: AuditFilter
    let head: Int64

    package struct AsyncIterator: AsyncIteratorProtocol {
        let store: any AuditStore
        var filter: AuditFilter
        let head: Int64

        package mutating func next() async throws -> [AuditEntry]? {
            guard filter.after < head else { return nil }
            let page = try await store.auditEntries(filter).filter { $0.sequence <= head }.map(AuditTrail.forReading)
            guard let last = page.last else { return nil }
            filter.after = last.sequence
            return page
        }
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(store: store, filter: filter, head: head) }
}
