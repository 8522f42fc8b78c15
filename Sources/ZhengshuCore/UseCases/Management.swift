import Foundation

/// Management (管): department performance evaluation (绩效评价), the asset inventory (数据资产盘点) and the
/// departments' service-item lists the coverage indicator reads.
///
/// The bureau (admins) and auditors see every department; a department's users see their own.
package struct Management: Sendable {
    let store: any PlatformStore
    let clock: PlatformClock

    static let policySetting = "performance.policy"

    // MARK: - Access

    /// The departments `caller` may see: `requested` (or all) for admins and auditors, else only their own.
    func visible(_ requested: String?, by caller: Caller) async throws -> [Department] {
        let p = caller.principal
        let filter = try requested.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        if p.isAdmin || p.roles.contains(.auditor) {
            if let filter {
                guard let d = try await store.department(filter) else {
                    throw ZhengshuError(.notFound, "department \(filter) does not exist")
                }
                return [d]
            }
            return try await store.departments(parent: nil, level: nil)
        }
        guard let own = p.department, filter == nil || filter == own else {
            throw ZhengshuError(.forbidden, "other departments' evaluations and assets are for the bureau and auditors")
        }
        guard let d = try await store.department(own) else {
            throw ZhengshuError(.notFound, "department \(own) does not exist")
        }
        return [d]
    }

    // MARK: - Policy and service items

    package func policy() async throws -> PerformancePolicy {
        let stored = try await store.installationSetting(Self.policySetting, default: "")
        guard !stored.isEmpty, let policy = try? JSONDecoder().decode(PerformancePolicy.self, from: Data(stored.utf8))
        else {
            return PerformancePolicy()
        }
        return policy
    }

    /// The bureau sets the weights and targets; every later evaluation uses them.
    package func setPolicy(_ policy: PerformancePolicy, by caller: Caller) async throws -> PerformancePolicy {
        try caller.principal.require(anyOf: [.admin], to: "setting the performance weights")
        let valid = try policy.validated()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(valid), as: UTF8.self)
        try await store.setInstallationSetting(
            Self.policySetting, value: text,
            audit: caller.audit(
                "performance.policy", "setting:\(Self.policySetting)", at: clock.current(), detail: text))
        return valid
    }

    package func serviceItems(of department: String, by caller: Caller) async throws -> [String] {
        guard let d = try await visible(department, by: caller).first else { return [] }
        return try await store.serviceItems(of: d.code)
    }

    /// Replaces the department's 事项清单: an admin, or a provider of the department.
    package func setServiceItems(_ items: [String], of department: String, by caller: Caller) async throws -> [String] {
        let code = try DepartmentCode(validating: department)
        try caller.principal.requireProvider(of: code, to: "registering a department's service items")
        var seen = Set<String>(), clean: [String] = []
        var problems: [ZhengshuError.Violation] = []
        for (n, raw) in items.enumerated() {
            let item = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if item.isEmpty {
                problems.append(.init(field: "items[\(n)]", reason: "is empty"))
            } else if item.count > 200 {
                problems.append(.init(field: "items[\(n)]", reason: "is longer than 200 characters"))
            } else if seen.insert(item).inserted {
                clean.append(item)
            }
        }
        if items.count > 2000 {
            problems.append(.init(field: "items", reason: "holds \(items.count) items; at most 2000"))
        }
        guard problems.isEmpty else { throw ZhengshuError.validation(problems) }
        try await store.setServiceItems(
            clean, of: code,
            audit: caller.audit(
                "department.service-items", "department:\(code)", at: clock.current(),
                detail: "items: \(clean.count)"))
        return clean
    }

    // MARK: - Performance

    /// Every visible department's report for the period (the current month when `period` is nil), best score first.
    package func evaluations(
        period: String?, department: String? = nil, by caller: Caller
    ) async throws -> [PerformanceReport] {
        let period = try Self.period(period, now: clock.current())
        let departments = try await visible(department, by: caller)
        let shared = try await sharedInputs(period)
        var reports: [PerformanceReport] = []
        for d in departments { reports.append(try await evaluate(d.code, period, shared)) }
        return reports.sorted { ($0.score ?? -1, $1.department.rawValue) > ($1.score ?? -1, $0.department.rawValue) }
    }

    package func evaluation(of department: String, period: String?, by caller: Caller) async throws -> PerformanceReport
    {
        let period = try Self.period(period, now: clock.current())
        guard let d = try await visible(department, by: caller).first else {
            throw ZhengshuError(.notFound, "department \(department) does not exist")
        }
        return try await evaluate(d.code, period, try await sharedInputs(period))
    }

    package static func period(_ text: String?, now: Date) throws(ZhengshuError) -> PerformancePeriod {
        guard let text, !text.isEmpty else { return PerformancePeriod(containing: now) }
        guard let p = PerformancePeriod(text) else {
            throw ZhengshuError(
                .invalidInput, "period \(text.prefix(20)) is not a month written YYYY-MM (e.g. 2026-11)")
        }
        guard p.start <= now else { throw ZhengshuError(.invalidInput, "period \(p) has not begun") }
        return p
    }

    /// What every department's evaluation reads alike: the published catalog, the calendar, the policy.
    struct SharedInputs: Sendable {
        var published: [(resource: Resource, lastUpdatedAt: Date?)]
        var calendar: WorkingCalendar
        var policy: PerformancePolicy
        var asOf: Date
        var period: PerformancePeriod
    }

    func sharedInputs(_ period: PerformancePeriod) async throws -> SharedInputs {
        SharedInputs(
            published: try await store.updateTimes(department: nil),
            calendar: WorkingCalendar(try await store.calendarDays()),
            policy: try await policy(), asOf: min(period.end, clock.current()), period: period)
    }

    /// Gathers the department's raw facts and hands them to ``PerformanceEvaluation``.
    func inputs(_ department: DepartmentCode, _ s: SharedInputs) async throws -> PerformanceInputs {
        let resources = try await allResources(department).filter { $0.status != .retired }
        var lastUpdates: [ResourceCode: Date] = [:]
        for (r, at) in s.published where r.department == department { if let at { lastUpdates[r.code] = at } }
        var problems: [Problem] = []
        while true {
            let page = try await store.problems(
                department: department, resource: nil, status: nil, after: problems.last?.id.rawValue ?? 0, limit: 1000)
            problems += page
            if page.count < 1000 { break }
        }
        var applications: [ShareApplication] = []
        while true {
            let page = try await store.applications(
                ApplicationFilter(provider: department, before: applications.last?.id.rawValue, limit: 500))
            applications += page
            if page.count < 500 { break }
        }
        let linked = Set(s.published.flatMap { $0.resource.serviceItems })
        return PerformanceInputs(
            department: department, period: s.period, asOf: s.asOf, resources: resources, lastUpdates: lastUpdates,
            jobs: try await store.jobs(department: department, resource: nil, limit: 10_000).filter {
                $0.status == .succeeded
            },
            qualityRuns: try await store.qualityRuns(resource: nil, department: department, limit: 5_000),
            problems: problems, applications: applications,
            usage: try await store.shareUsage(from: s.period.firstDay, to: s.period.lastDay, department: department),
            serviceItems: try await store.serviceItems(of: department), linkedServiceItems: linked, calendar: s.calendar
        )
    }

    func evaluate(
        _ department: DepartmentCode, _ period: PerformancePeriod, _ s: SharedInputs
    ) async throws -> PerformanceReport {
        PerformanceEvaluation.evaluate(try await inputs(department, s), policy: s.policy)
    }

    func allResources(_ department: DepartmentCode?) async throws -> [Resource] {
        var out: [Resource] = []
        while true {
            let page = try await store.searchResources(
                CatalogSearch(department: department, limit: 200, offset: out.count))
            out += page.resources
            if page.resources.isEmpty || out.count >= page.total { break }
        }
        return out
    }

    // MARK: - Inventory

    /// The asset inventory of each visible department and their total.
    package func inventory(department: String?, by caller: Caller) async throws -> AssetInventory {
        let departments = try await visible(department, by: caller)
        let wanted = Set(departments.map(\.code))
        let resources = try await allResources(wanted.count == 1 ? wanted.first : nil)
            .filter { wanted.contains($0.department) }
        let sizes = try await store.storageBytes()
        var counts: [ResourceCode: Int] = [:], ruled: Set<ResourceCode> = [], consumed: Set<ResourceCode> = []
        for r in resources {
            counts[r.code] = try await store.recordCount(of: r)
            if !(try await store.qualityRules(of: r.code)).isEmpty { ruled.insert(r.code) }
        }
        for d in departments {
            for g in try await store.grants(consumer: nil, provider: d.code, resource: nil) where g.status == .active {
                consumed.insert(g.resource)
            }
        }
        func assets(_ list: [Resource], department: Department?) -> DepartmentAssets {
            var a = DepartmentAssets(department: department?.code, name: department?.name)
            for r in list {
                a.resources += 1
                a.byStatus[r.status.rawValue, default: 0] += 1
                a.byShareType[r.shareType.rawValue, default: 0] += 1
                a.byOpenType[r.openType.rawValue, default: 0] += 1
                a.byGrade[r.gradeLevel.rawValue, default: 0] += 1
                a.bySensitivity[r.sensitivity.rawValue, default: 0] += 1
                a.byCategory[r.category, default: 0] += 1
                a.records += counts[r.code] ?? 0
                a.storageBytes += sizes[r.code] ?? 0
                guard r.status == .published else { continue }
                if (counts[r.code] ?? 0) == 0 { a.withoutData.append(r.code.rawValue) }
                if !ruled.contains(r.code) { a.withoutQualityRules.append(r.code.rawValue) }
                if r.shareType != .none, !consumed.contains(r.code) { a.withoutConsumers.append(r.code.rawValue) }
            }
            return a
        }
        let byDepartment = Dictionary(grouping: resources, by: \.department)
        return AssetInventory(
            at: clock.current(), storageMeasured: !sizes.isEmpty || resources.isEmpty,
            departments: departments.map { assets(byDepartment[$0.code] ?? [], department: $0) },
            total: assets(resources, department: nil))
    }
}

/// One department's data assets (or the total's, with no department).
package struct DepartmentAssets: Sendable, Hashable {
    package var department: DepartmentCode?
    package var name: String?
    package var resources = 0
    package var byStatus: [String: Int] = [:]
    package var byShareType: [String: Int] = [:]
    package var byOpenType: [String: Int] = [:]
    package var byGrade: [String: Int] = [:]
    package var bySensitivity: [String: Int] = [:]
    package var byCategory: [String: Int] = [:]
    package var records = 0
    /// The records tables with their indexes, as the engine measures them.
    package var storageBytes: Int64 = 0
    /// Published resources with no records.
    package var withoutData: [String] = []
    /// Published resources without stored quality rules.
    package var withoutQualityRules: [String] = []
    /// Published, shared resources no department holds an active grant on.
    package var withoutConsumers: [String] = []

    init(department: DepartmentCode?, name: String?) {
        self.department = department
        self.name = name
    }
}

package struct AssetInventory: Sendable, Hashable {
    package var at: Date
    /// False when the engine could not measure storage (an SQLite built without `dbstat`).
    package var storageMeasured: Bool
    package var departments: [DepartmentAssets]
    package var total: DepartmentAssets
}
