import Foundation

package typealias AlertID = RowID<RiskAlert>

/// A risk found in the audit trail (风险识别), with the entries that show it.
package struct RiskAlert: Sendable, Hashable {
    package enum Rule: String, Sendable, Codable, CaseIterable, Vocabulary {
        /// A grant's calls or rows today far above its own daily baseline.
        case volume
        /// Data read by a person between midnight and six in the morning (China time).
        case offHours = "off_hours"
        /// Many tuples verified in an hour, or many that did not match: someone probing which IDs exist.
        case enumeration
        /// A burst of refused calls or failed sign-ins by one actor.
        case denials
        /// A system account's key used from a network it never used before.
        case newNetwork = "new_network"
        /// A scheduled backup failed.
        case backupFailed = "backup_failed"
        /// A bureau administrator opened a break-glass access (``BreakGlass``).
        case breakGlass = "break_glass"
    }

    package enum Severity: String, Sendable, Codable, CaseIterable, Vocabulary, Comparable {
        case low, medium, high
        package static func < (a: Severity, b: Severity) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    package enum State: String, Sendable, Codable, CaseIterable, Vocabulary {
        case open, acknowledged, closed
    }

    package var id: AlertID
    package var rule: Rule
    package var severity: Severity
    package var state: State
    /// Who or what: an actor (`consumer`, `system:C-MZ/app`), or `grant:7`.
    package var subject: String
    package var department: String?
    package var summary: String
    /// Sequence numbers of the audit entries that show it (at most 50).
    package var evidence: [Int64]
    package var from: Date
    package var to: Date
    package var raisedAt: Date
    /// One alert per rule, subject and window: a second scan of the same entries raises nothing new.
    package var dedupeKey: String
    package var updatedAt: Date?
    package var updatedBy: String?
    package var note: String?

    package init(
        rule: Rule, severity: Severity, subject: String, department: String?, summary: String, evidence: [Int64],
        from: Date, to: Date, raisedAt: Date, dedupeKey: String
    ) {
        id = AlertID(0)
        self.rule = rule
        self.severity = severity
        state = .open
        self.subject = subject
        self.department = department
        self.summary = summary
        self.evidence = Array(evidence.prefix(50))
        self.from = from
        self.to = to
        self.raisedAt = raisedAt
        self.dedupeKey = dedupeKey
    }
}

/// The thresholds of the risk rules (defaults suit a city platform; the bureau may tighten them).
package struct RiskThresholds: Sendable, Hashable {
    /// Refusals or failed sign-ins by one actor within `denialWindow`.
    package var denials = 10
    package var denialWindow: TimeInterval = 600
    /// Tuples verified by one actor within an hour, or fewer when most of them do not match.
    package var verifiedPerHour = 5000
    package var probingTuples = 1000
    package var probingMatchRatio = 0.5
    /// Hours (China time) when people do not read data: `[start, end)`.
    package var quietHours = 0..<6
    /// A day's use above `volumeFactor` times the grant's mean over days with use in the last two weeks (at least
    /// `baselineDays` of them), and at least `volumeMinimumRows` rows or `volumeMinimumCalls` calls.
    package var volumeFactor = 5.0
    package var baselineDays = 3
    package var volumeMinimumRows = 1000
    package var volumeMinimumCalls = 100

    package init() {}
}

/// The rules, pure: entries in, alerts out.
package enum RiskRules {
    /// Actions that read data through a data service.
    static let dataReads: Set<String> = [
        "share.query", "share.verify", "share.export", "share.changes", "share.export.download",
    ]

    /// The alerts the entries show. Only windows ending in an entry after `newAfter` raise one (earlier entries are
    /// there as the windows' history).
    package static func evaluate(
        _ entries: [AuditEntry], newAfter: Int64, thresholds t: RiskThresholds = RiskThresholds(),
        now: Date
    ) -> [RiskAlert] {
        var out: [RiskAlert] = []
        var denials: [String: [AuditEntry]] = [:]
        var verified: [String: [(entry: AuditEntry, rows: Int, matched: Int)]] = [:]
        var quiet: [String: [AuditEntry]] = [:]
        func chinaHour(_ d: Date) -> Int {
            Int(((Int64(d.timeIntervalSince1970.rounded(.down)) + 8 * 3600) % 86_400 + 86_400) % 86_400 / 3600)
        }
        func window(_ date: Date, _ seconds: TimeInterval) -> Int { Int(date.timeIntervalSince1970 / seconds) }

        for e in entries {
            let ev = e.event
            let isNew = e.sequence > newAfter
            if ev.action.hasSuffix(".denied") || ev.action == "login.failed" {
                // Failed sign-ins count against the name tried.
                let who = ev.action == "login.failed" ? ev.target : ev.actor
                var list = denials[who, default: []]
                list.append(e)
                list.removeAll { ev.at.timeIntervalSince($0.event.at) >= t.denialWindow }
                denials[who] = list
                if isNew, list.count >= t.denials {
                    out.append(
                        RiskAlert(
                            rule: .denials, severity: .high, subject: who, department: ev.actorDepartment,
                            summary:
                                "\(list.count) refused calls or failed sign-ins within \(Int(t.denialWindow / 60)) minutes",
                            evidence: list.map(\.sequence), from: list[0].event.at, to: ev.at, raisedAt: now,
                            dedupeKey: "denials:\(who):\(window(list[0].event.at, t.denialWindow))"))
                }
            }
            if ev.action == "share.verify" {
                let rows = lastNumber(after: "; rows: ", in: ev.detail) ?? 0
                let matched = lastNumber(after: "; matched: ", in: ev.detail) ?? rows
                var list = verified[ev.actor, default: []]
                list.append((e, rows, matched))
                list.removeAll { ev.at.timeIntervalSince($0.entry.event.at) >= 3600 }
                verified[ev.actor] = list
                let total = list.reduce(0) { $0 + $1.rows }, hits = list.reduce(0) { $0 + $1.matched }
                let probing = total >= t.probingTuples && Double(hits) < t.probingMatchRatio * Double(total)
                if isNew, total >= t.verifiedPerHour || probing {
                    out.append(
                        RiskAlert(
                            rule: .enumeration, severity: .high, subject: ev.actor, department: ev.actorDepartment,
                            summary: "\(total) tuples verified within an hour, \(hits) matched"
                                + (probing ? " (mostly misses: probing)" : ""),
                            evidence: list.map(\.entry.sequence), from: list[0].entry.event.at, to: ev.at,
                            raisedAt: now,
                            dedupeKey: "enumeration:\(ev.actor):\(window(list[0].entry.event.at, 3600))"))
                }
            }
            if dataReads.contains(ev.action), !ev.actor.hasPrefix("system:"), ev.actor != Principal.localOperator.name,
                t.quietHours.contains(chinaHour(ev.at))
            {
                let night = CivilDate(chinaTime: ev.at).description
                quiet["\(ev.actor) \(night)", default: []].append(e)
                if isNew {
                    let list = quiet["\(ev.actor) \(night)"]!
                    out.append(
                        RiskAlert(
                            rule: .offHours, severity: .low, subject: ev.actor, department: ev.actorDepartment,
                            summary:
                                "\(list.count) data reads between \(t.quietHours.lowerBound):00 and \(t.quietHours.upperBound):00 on \(night)",
                            evidence: list.map(\.sequence), from: list[0].event.at, to: ev.at, raisedAt: now,
                            dedupeKey: "off_hours:\(ev.actor):\(night)"))
                }
            }
            if ev.action == "system-account.new-network", isNew {
                out.append(
                    RiskAlert(
                        rule: .newNetwork, severity: .medium, subject: ev.actor, department: ev.actorDepartment,
                        summary: "key used from a new network: \(ev.detail ?? "")", evidence: [e.sequence], from: ev.at,
                        to: ev.at,
                        raisedAt: now, dedupeKey: "new_network:\(e.sequence)"))
            }
        }
        // A window that grows raises one alert (its key), with the evidence as the last entry left it.
        var last: [String: RiskAlert] = [:]
        for a in out { last[a.dedupeKey] = a }
        return out.map(\.dedupeKey).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.map { last[$0]! }
    }

    /// Grants whose use on `day` is far above their own baseline. `history` holds the grants' use on earlier days.
    package static func volume(
        today: [ShareUsage], history: [ShareUsage], thresholds t: RiskThresholds = RiskThresholds(),
        evidence: [GrantID: [Int64]], now: Date
    ) -> [RiskAlert] {
        let past = Dictionary(grouping: history, by: \.grant)
        return today.compactMap { u in
            let days = past[u.grant] ?? []
            guard days.count >= t.baselineDays else { return nil }
            let meanRows = Double(days.reduce(0) { $0 + $1.rows }) / Double(days.count)
            let meanCalls = Double(days.reduce(0) { $0 + $1.calls }) / Double(days.count)
            let rowsHigh = u.rows >= t.volumeMinimumRows && Double(u.rows) > t.volumeFactor * meanRows
            let callsHigh = u.calls >= t.volumeMinimumCalls && Double(u.calls) > t.volumeFactor * meanCalls
            guard rowsHigh || callsHigh else { return nil }
            return RiskAlert(
                rule: .volume, severity: .medium, subject: "grant:\(u.grant)", department: u.consumer.rawValue,
                summary: "\(u.calls) calls and \(u.rows) rows on \(u.day) against a daily mean of "
                    + String(format: "%.0f calls and %.0f rows", meanCalls, meanRows) + " over \(days.count) days",
                evidence: evidence[u.grant] ?? [], from: now, to: now, raisedAt: now,
                dedupeKey: "volume:\(u.grant):\(u.day)")
        }
    }

    /// The number after the last occurrence of `marker` (the caller's own text comes earlier in a detail).
    static func lastNumber(after marker: String, in detail: String?) -> Int? {
        guard let detail, let r = detail.range(of: marker, options: .backwards) else { return nil }
        return Int(detail[r.upperBound...].prefix { $0.isNumber })
    }
}
