import Foundation
import Testing
import ZhengshuCore

/// The risk rules over hand-made audit trails: each fires on its pattern, stays quiet just below it, and raises one
/// alert per window however often the same entries are looked at.
@Suite struct RiskRulesTests {
    /// 2026-11-23 08:00 China time.
    let base = Date(timeIntervalSince1970: 1_795_399_200)

    func entry(
        _ seq: Int64, _ actor: String, _ action: String, at offset: TimeInterval, detail: String? = nil,
        target: String = "resource:RK-1"
    ) -> AuditEntry {
        AuditEntry(
            sequence: seq,
            event: AuditEvent(
                actor: actor, actorDepartment: "C-SCJG", action: action, target: target,
                at: base.addingTimeInterval(offset), requestID: "r", detail: detail),
            previousHash: "", hash: "")
    }

    @Test func burstsOfDenialsAndFailedSignIns() {
        let nine = (1...9).map { entry(Int64($0), "consumer", "share.query.denied", at: Double($0) * 30) }
        #expect(RiskRules.evaluate(nine, newAfter: 0, now: base).isEmpty)
        let ten = nine + [entry(10, "consumer", "share.query.denied", at: 300)]
        let alerts = RiskRules.evaluate(ten, newAfter: 0, now: base)
        #expect(
            alerts.count == 1 && alerts[0].rule == .denials && alerts[0].severity == .high
                && alerts[0].subject == "consumer")
        #expect(alerts[0].evidence == Array(1...10))
        // Seen again later (as history), nothing new.
        #expect(RiskRules.evaluate(ten, newAfter: 10, now: base).isEmpty)
        // Spread over an hour: no burst.
        #expect(
            RiskRules.evaluate(
                (1...10).map { entry(Int64($0), "consumer", "share.query.denied", at: Double($0) * 360) }, newAfter: 0,
                now: base
            ).isEmpty)
        // Failed sign-ins count against the name tried, whoever sends them.
        let logins = (1...12).map {
            entry(Int64($0), "anonymous", "login.failed", at: Double($0), target: "login:wang")
        }
        #expect(RiskRules.evaluate(logins, newAfter: 0, now: base).map(\.subject) == ["login:wang"])
    }

    @Test func enumerationThroughVerification() {
        // 900 tuples, all matching: a normal batch.
        let normal = [
            entry(
                1, "system:C-SCJG/app", "share.verify", at: 0,
                detail: "grant: 3; purpose: x; items: citizen_id; rows: 900; matched: 880; request: h")
        ]
        #expect(RiskRules.evaluate(normal, newAfter: 0, now: base).isEmpty)
        // 1,200 tuples in two calls, most not matching: probing.
        let probing: [AuditEntry] = [
            entry(
                1, "consumer", "share.verify", at: 0,
                detail: "grant: 3; purpose: 核验; rows: 0; items: citizen_id; rows: 600; matched: 10; request: h"),
            entry(
                2, "consumer", "share.verify", at: 600,
                detail: "grant: 3; purpose: 核验; items: citizen_id; rows: 600; matched: 12; request: h"),
        ]
        let found = RiskRules.evaluate(probing, newAfter: 0, now: base)
        #expect(
            found.count == 1 && found[0].rule == .enumeration && found[0].evidence == [1, 2]
                && found[0].summary.contains("1200 tuples"))
        // A purpose that forges "rows: 0" does not hide the real count (the last one counts).
        // 5,000 matching tuples within an hour: too many anyway.
        let bulk = (1...5).map {
            entry(
                Int64($0), "consumer", "share.verify", at: Double($0) * 60,
                detail: "grant: 3; rows: 1000; matched: 1000; request: h")
        }
        #expect(RiskRules.evaluate(bulk, newAfter: 0, now: base).map(\.rule) == [.enumeration])
    }

    @Test func quietHoursAndNewNetworks() {
        // 00:30 China time.
        let night: TimeInterval = -(7.5 * 3600)
        let entries = [
            entry(1, "consumer", "share.query", at: night), entry(2, "consumer", "share.export", at: night + 60),
            entry(3, "system:C-SCJG/app", "share.query", at: night), entry(4, "consumer", "share.query", at: 0),
            entry(5, "ga", "records.query", at: night),
            entry(
                6, "system:C-SCJG/app", "system-account.new-network", at: 10,
                detail: "from: 10.9.8.7; network: 10.9.8.0/24"),
        ]
        let alerts = RiskRules.evaluate(entries, newAfter: 0, now: base)
        #expect(alerts.map(\.rule) == [.offHours, .newNetwork])
        #expect(alerts[0].subject == "consumer" && alerts[0].evidence == [1, 2] && alerts[0].severity == .low)
        #expect(alerts[1].evidence == [6] && alerts[1].summary.contains("10.9.8.0/24"))
    }

    @Test func volumeAgainstTheGrantsOwnBaseline() {
        let today = CivilDate(chinaTime: base)
        func use(_ grant: Int64, _ day: Int, calls: Int, rows: Int) -> ShareUsage {
            ShareUsage(
                grant: GrantID(grant), day: today.adding(days: day), resource: ResourceCode(trusted: "RK-1"),
                provider: DepartmentCode(trusted: "C-GA"), consumer: DepartmentCode(trusted: "C-SCJG"), calls: calls,
                rows: rows)
        }
        let history =
            (1...5).flatMap { [use(1, -$0, calls: 20, rows: 400), use(2, -$0, calls: 20, rows: 400)] } + [
                use(3, -1, calls: 1, rows: 10)
            ]
        let today1 = [
            use(1, 0, calls: 30, rows: 9000), use(2, 0, calls: 40, rows: 1900), use(3, 0, calls: 500, rows: 50_000),
        ]
        let alerts = RiskRules.volume(today: today1, history: history, evidence: [GrantID(1): [7, 8]], now: base)
        // Grant 1: 9,000 rows against a mean of 400. Grant 2: under five times. Grant 3: no baseline yet.
        #expect(
            alerts.map(\.subject) == ["grant:1"] && alerts[0].evidence == [7, 8]
                && alerts[0].dedupeKey == "volume:1:\(today)")
    }
}
