import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

/// The sharing part of the storage contract, on every engine.
@Suite struct SharingStoreTests {
    let admin = Caller(.localOperator, requestID: "store-test")

    func application(_ status: ApplicationStatus, at now: Date) -> ShareApplication {
        let today = CivilDate(chinaTime: now)
        return ShareApplication(
            id: ApplicationID(0), resource: ResourceCode(trusted: "RK-0001"), provider: DepartmentCode(trusted: "C-GA"),
            consumer: DepartmentCode(trusted: "C-SCJG"), applicant: "consumer", items: ["citizen_id", "name"],
            services: [.query, .verify], purpose: "企业开办核验", legalBasis: "政务数据共享条例", serviceItem: nil,
            validFrom: today, validUntil: today.adding(days: 30), expectedRowsPerDay: 100, status: status,
            dueAt: now.addingTimeInterval(-60), needsBureauApproval: false,
            terms: GrantTerms(clearItems: ["name"], callsPerDay: 5), history: [], createdAt: now, updatedAt: now)
    }

    @Test(arguments: StoreEngine.allCases)
    func applicationsBecomeGrantsInTheirTransaction(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let now = PlatformClock().current()
        let event = admin.audit("application.submit", "resource:RK-0001", at: now)
        let (pending, none) = try await store.insertApplication(application(.review, at: now), audit: event)
        #expect(pending.id.rawValue > 0 && none == nil && pending.grant == nil)
        // Overdue pending steps are found; the filter by department covers both sides.
        #expect(try await store.applications(ApplicationFilter(overdueAt: now, limit: 10)).map(\.id) == [pending.id])
        #expect(
            try await store.applications(ApplicationFilter(department: DepartmentCode(trusted: "C-GA"), limit: 10))
                .count == 1)
        #expect(
            try await store.applications(ApplicationFilter(consumer: DepartmentCode(trusted: "C-GA"), limit: 10))
                .isEmpty)
        let (granted, grant) = try await store.updateApplication(
            pending.id, audit: admin.audit("application.approve", "application:1", at: now)
        ) {
            var a = $0
            a.status = .granted
            a.dueAt = nil
            return a
        }
        let g = try #require(grant)
        #expect(granted.grant == g.id && g.application == pending.id)
        #expect(
            g.clearItems == ["name"] && g.callsPerDay == 5 && g.rowsPerDay == Grant.defaultRowsPerDay
                && g.services == [.query, .verify])
        #expect(try await store.application(pending.id) == granted)
        #expect(try await store.applications(ApplicationFilter(overdueAt: now, limit: 10)).isEmpty)
        #expect(
            try await store.grants(consumer: DepartmentCode(trusted: "C-SCJG"), provider: nil, resource: nil) == [g])
        // A second update keeps the one grant.
        let (_, again) = try await store.updateApplication(
            pending.id, audit: admin.audit("x", "application:1", at: now)
        ) { $0 }
        #expect(again == nil)
        // A failing change leaves everything as it was, audit trail included.
        let before = try await store.auditEntries(after: 0, limit: 100, action: nil, target: nil).count
        await #expect(throws: ZhengshuError.self) {
            try await store.updateGrant(g.id, audit: admin.audit("grant.suspend", "grant:1", at: now)) { _ in
                throw ZhengshuError(.conflict, "no")
            }
        }
        #expect(try await store.auditEntries(after: 0, limit: 100, action: nil, target: nil).count == before)
        let suspended = try await store.updateGrant(g.id, audit: admin.audit("grant.suspend", "grant:1", at: now)) {
            var x = $0
            x.status = .suspended
            return x
        }
        #expect(try await store.grant(g.id) == suspended)
    }

    @Test(arguments: StoreEngine.allCases)
    func usageAddsUpPerGrantAndDay(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let now = PlatformClock().current()
        let (_, grant) = try await store.insertApplication(
            application(.granted, at: now), audit: admin.audit("a", "r", at: now))
        let g = try #require(grant)
        let day = CivilDate(chinaTime: now)
        let first = try await store.recordShareUse(
            g, day: day, rows: 10, audit: admin.audit("share.query", "resource:RK-0001", at: now))
        let second = try await store.recordShareUse(
            g, day: day, rows: 5, audit: admin.audit("share.query", "resource:RK-0001", at: now))
        #expect(second == first + 1)
        _ = try await store.recordShareUse(
            g, day: day.adding(days: -1), rows: 1, audit: admin.audit("share.query", "resource:RK-0001", at: now))
        #expect(try await store.shareUsage(grant: g.id, day: day) == (2, 15))
        #expect(try await store.shareUsage(grant: g.id, day: day.adding(days: 5)) == (0, 0))
        let usage = try await store.shareUsage(
            from: day.adding(days: -1), to: day, department: DepartmentCode(trusted: "C-GA"))
        #expect(usage.map(\.calls) == [1, 2] && usage.map(\.rows) == [1, 15])
        #expect(try await store.shareUsage(from: day, to: day, department: DepartmentCode(trusted: "C-XX")).isEmpty)
    }

    /// Calls that arrive together are committed together (one transaction, one fsync on SQLite), each answered with its
    /// own audit entry; none is lost or counted twice.
    @Test(arguments: StoreEngine.allCases)
    func concurrentCallsAreEachCountedAndAudited(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let now = PlatformClock().current()
        let (_, grant) = try await store.insertApplication(
            application(.granted, at: now), audit: admin.audit("a", "r", at: now))
        let g = try #require(grant)
        let day = CivilDate(chinaTime: now)
        let sequences = try await withThrowingTaskGroup(of: Int64.self) { group in
            for k in 0..<200 {
                group.addTask {
                    try await store.recordShareUse(
                        g, day: day, rows: k % 7, audit: admin.audit("share.query", "resource:RK-0001", at: now))
                }
            }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(Set(sequences).count == 200)
        #expect(try await store.shareUsage(grant: g.id, day: day) == (200, (0..<200).reduce(0) { $0 + $1 % 7 }))
        let verified = try await AuditTrail(store: store).verify(key: nil)
        #expect(verified.broken == nil && verified.entries == 201)
    }

    @Test(arguments: StoreEngine.allCases)
    func theCalendarStartsWithTheStateCouncilSchedulesAndIsEditable(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        #expect(try await store.calendarDays() == WorkingCalendar.chinaDefaults.sorted { $0.date < $1.date })
        let day = CalendarDay(date: CivilDate(iso: "2027-01-01")!, kind: .holiday, name: "元旦")
        try await store.setCalendarDay(day, audit: admin.audit("calendar.set", "calendar:2027-01-01", at: Date()))
        try await store.setCalendarDay(
            CalendarDay(date: day.date, kind: .holiday, name: "新年"), audit: admin.audit("calendar.set", "x", at: Date())
        )
        #expect(try await store.calendarDays().last == CalendarDay(date: day.date, kind: .holiday, name: "新年"))
        #expect(try await store.removeCalendarDay(day.date, audit: admin.audit("calendar.remove", "x", at: Date())))
        #expect(try await !store.removeCalendarDay(day.date, audit: admin.audit("calendar.remove", "x", at: Date())))
    }

    @Test(arguments: StoreEngine.allCases)
    func systemAccountsAreFoundByKeyHashOnly(_ engine: StoreEngine) async throws {
        let p = Platform(store: try await engine.makeStore(), hasher: .fastForTesting)
        _ = try await p.departments.create(DepartmentDraft(code: "C-SCJG", name: "杭州市市场监督管理局", level: .city), by: admin)
        let (account, key) = try await p.sharing.createSystemAccount(
            SystemAccountDraft(department: "C-SCJG", name: "qykb", networks: ["10.0.0.0/8"]),
            by: admin)
        #expect(try await p.store.systemAccount(keyHash: SystemKey.hash(key))?.id == account.id)
        #expect(try await p.store.systemAccount(keyHash: key) == nil)
        await #expect(throws: ZhengshuError.self) {
            try await p.sharing.createSystemAccount(SystemAccountDraft(department: "C-SCJG", name: "qykb"), by: admin)
        }
        let principal = try await p.sharing.authenticate(systemKey: key, from: IPAddress("10.1.2.3"))
        #expect(principal.name == "system:C-SCJG/qykb" && principal.department?.rawValue == "C-SCJG")
        #expect(try await p.store.systemAccount(account.id)?.lastUsedAt != nil)
        let (_, rotated) = try await p.sharing.rotateSystemAccount(account.id.rawValue, by: admin)
        await #expect(throws: ZhengshuError.self) {
            try await p.sharing.authenticate(systemKey: key, from: IPAddress("10.1.2.3"))
        }
        _ = try await p.sharing.authenticate(systemKey: rotated, from: IPAddress("10.1.2.3"))
        // The key itself is stored nowhere.
        let text = try await engine.dumpAllText(p.store)
        #expect(!text.contains(key.dropFirst(4)) && !text.contains(rotated.dropFirst(4)))
    }
}
