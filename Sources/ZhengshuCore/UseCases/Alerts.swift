import Foundation

/// Risk monitoring (风险识别): the rules of ``RiskRules`` run over the audit trail as it grows, and the bureau works
/// the alerts they raise.
package struct Alerts: Sendable {
    let store: any AlertStore
    let audit: any AuditStore
    let shares: any SharingStore
    let clock: PlatformClock
    let thresholds: RiskThresholds

    package init(
        store: any AlertStore, audit: any AuditStore, shares: any SharingStore, clock: PlatformClock,
        thresholds: RiskThresholds = RiskThresholds(), page: Int = 5000
    ) {
        self.page = page
        self.store = store
        self.audit = audit
        self.shares = shares
        self.clock = clock
        self.thresholds = thresholds
    }

    /// The windows look back this far before the first new entry (at most ten pages of entries are kept for them).
    static let lookback: TimeInterval = 3600
    /// Entries read at a time.
    let page: Int

    /// Reads the audit entries written since the last scan (with an hour before them, the windows' history), raises
    /// what the rules find, and moves the cursor. Safe on several nodes at once: alerts are unique per window.
    /// - Returns: the alerts raised.
    @discardableResult
    package func scan() async throws -> [RiskAlert] {
        let cursor = try await store.riskCursor()
        let now = clock.current()
        var raised: [RiskAlert] = []
        var after = cursor
        var history: [AuditEntry]?
        while true {
            let fresh = try await audit.auditEntries(AuditFilter(after: after, limit: page))
            guard let first = fresh.first, let last = fresh.last else { break }
            // The hour before the first new entry, for the windows: read once, then carried from page to page.
            let earlier: [AuditEntry]
            if let history {
                earlier = history
            } else {
                earlier = try await audit.auditEntries(
                    AuditFilter(
                        after: max(0, after - Int64(page)), limit: page,
                        from: first.event.at.addingTimeInterval(-Self.lookback))
                )
                .filter { $0.sequence <= after }
            }
            raised += try await store.insertAlerts(
                RiskRules.evaluate(earlier + fresh, newAfter: after, thresholds: thresholds, now: now))
            try await store.setRiskCursor(last.sequence)
            after = last.sequence
            history = Array(
                (earlier + fresh).filter { last.event.at.timeIntervalSince($0.event.at) < Self.lookback }.suffix(
                    10 * page))
            if fresh.count < page { break }
        }
        raised += try await store.insertAlerts(try await volume(now: now))
        return raised
    }

    /// Today's use of every grant against its last two weeks.
    func volume(now: Date) async throws -> [RiskAlert] {
        let today = CivilDate(chinaTime: now)
        let use = try await shares.shareUsage(from: today.adding(days: -14), to: today, department: nil)
        let current = use.filter { $0.day == today }
        guard !current.isEmpty else { return [] }
        let found = RiskRules.volume(
            today: current, history: use.filter { $0.day != today && $0.calls > 0 }, thresholds: thresholds,
            evidence: [:], now: now)
        guard !found.isEmpty else { return [] }
        // Evidence: today's audit entries of each grant flagged (its calls on its resource).
        let resources = Dictionary(current.map { ("grant:\($0.grant)", $0.resource) }, uniquingKeysWith: { a, _ in a })
        var out: [RiskAlert] = []
        for var alert in found {
            let grant = alert.subject.dropFirst("grant:".count)
            let entries = try await audit.auditEntries(
                AuditFilter(
                    after: 0, limit: 1000, target: resources[alert.subject].map { "resource:\($0)" },
                    from: today.chinaStart))
            alert.evidence = Array(
                entries.filter { $0.event.detail?.hasPrefix("grant: \(grant);") == true }.map(\.sequence).suffix(50))
            out.append(alert)
        }
        return out
    }

    // MARK: Working the alerts

    func requireReader(_ caller: Caller) throws {
        try caller.principal.require(anyOf: [.admin, .auditor], to: "reading risk alerts")
    }

    package func list(state: String?, rule: String?, by caller: Caller) async throws -> [RiskAlert] {
        try requireReader(caller)
        return try await store.alerts(
            state: try RiskAlert.State.parse(state, parameter: "state"),
            rule: try RiskAlert.Rule.parse(rule, parameter: "rule"), limit: 500)
    }

    package func get(_ id: String, by caller: Caller) async throws -> RiskAlert {
        try requireReader(caller)
        guard let n = Int64(id), let alert = try await store.alert(AlertID(n)) else {
            throw ZhengshuError(.notFound, "alert \(id.prefix(20)) does not exist")
        }
        return alert
    }

    /// Acknowledges or closes an alert (the bureau), with a note; closing needs one.
    package func change(
        _ id: String, to state: RiskAlert.State, note: String?, by caller: Caller
    ) async throws -> RiskAlert {
        try caller.principal.require(anyOf: [.admin], to: "working risk alerts")
        let alert = try await get(id, by: caller)
        let note = note?.trimmingCharacters(in: .whitespacesAndNewlines)
        if state == .closed, (note ?? "").isEmpty {
            throw ZhengshuError.validation([
                .init(field: "note", reason: "closing an alert needs a note saying what was found")
            ])
        }
        if (note ?? "").count > 2000 {
            throw ZhengshuError.validation([.init(field: "note", reason: "must be at most 2000 characters")])
        }
        let now = clock.current()
        let changed = try await store.updateAlert(
            alert.id,
            audit: caller.audit(
                "alert.\(state.rawValue)", "alert:\(alert.id)", at: now,
                detail: note.map { "note: \($0.prefix(300))" })
        ) { current in
            switch (current.state, state) {
            case (.open, .acknowledged), (.open, .closed), (.acknowledged, .closed), (.closed, .open),
                (.acknowledged, .open):
                break
            default:
                throw ZhengshuError(
                    .conflict, "alert \(current.id) is \(current.state.rawValue) and cannot become \(state.rawValue)")
            }
            var next = current
            next.state = state
            next.updatedAt = now
            next.updatedBy = caller.principal.name
            if let note, !note.isEmpty { next.note = note }
            return next
        }
        if state == .closed { try await resumeAutomaticSuspension(changed, by: caller, at: now) }
        return changed
    }

    /// Closing an enumeration alert clears the automatic response it reported: the grant it suspended is resumed,
    /// unless someone has since revoked it or suspended it for a reason of their own.
    func resumeAutomaticSuspension(_ alert: RiskAlert, by caller: Caller, at now: Date) async throws {
        guard alert.rule == .enumeration, alert.subject.hasPrefix("grant:"),
            let id = Int64(alert.subject.dropFirst("grant:".count)),
            let grant = try await shares.grant(GrantID(id)), grant.status == .suspended,
            grant.statusReason?.hasPrefix(DataAccess.automaticSuspension) == true
        else { return }
        _ = try await shares.updateGrant(
            grant.id,
            audit: caller.audit(
                "grant.resume", "grant:\(id)", at: now,
                detail: "alert \(alert.id) closed; resource: \(grant.resource); consumer: \(grant.consumer)")
        ) { current in
            var next = current
            guard current.status == .suspended,
                current.statusReason?.hasPrefix(DataAccess.automaticSuspension) == true
            else { return next }
            next.status = .active
            next.statusReason = "alert \(alert.id) closed: \(alert.note ?? "")"
            next.updatedAt = now
            return next
        }
        // The tuples that tripped it would trip it again at the grant's next call.
        try await shares.forgetVerificationVariants(grant: grant.id)
    }
}
