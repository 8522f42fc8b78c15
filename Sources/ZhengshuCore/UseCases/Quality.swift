import Foundation

/// Data quality (数据治理): a resource's rules, runs over its stored records, and scores.
package struct Quality: Sendable {
    let catalog: any CatalogStore
    let records: any RecordStore
    let store: any QualityStore
    let problems: (any ProblemStore)?
    let standards: (any StandardsStore)?
    let updates: (any IngestStore)?
    let masking: MaskerSource?
    let sealer: Sealer?
    let clock: PlatformClock
    package var meter: any PlatformMeter = NoMeter()

    /// Rows read from the store per page during a run.
    static let pageSize = 5000

    /// Failing values kept as problem records per run, at most (a file that fails everywhere needs fixing at the source).
    static let maxSightings = 1_000_000

    package init(
        catalog: any CatalogStore, records: any RecordStore, store: any QualityStore,
        problems: (any ProblemStore)? = nil,
        standards: (any StandardsStore)? = nil, updates: (any IngestStore)? = nil, masking: MaskerSource? = nil,
        sealer: Sealer? = nil, clock: PlatformClock
    ) {
        self.masking = masking
        self.sealer = sealer
        self.standards = standards
        self.updates = updates
        self.catalog = catalog
        self.records = records
        self.store = store
        self.problems = problems
        self.clock = clock
    }

    /// The rules in force: those stored, or (never set) the ones proposed from the items. - Returns: rules, proposed?
    package func rules(of code: String, by caller: Caller) async throws -> (rules: [QualityRule], proposed: Bool) {
        let resource = try await catalog.visibleResource(code, to: caller.principal)
        return try await rules(of: resource)
    }

    func rules(of resource: Resource) async throws -> (rules: [QualityRule], proposed: Bool) {
        let stored = try await store.qualityRules(of: resource.code)
        return stored.isEmpty
            ? (QualityRules.proposed(for: resource, elements: try await standards?.dataElements() ?? []), true)
            : (stored, false)
    }

    /// Replaces a resource's rules: its provider or an admin. Every rule must name the resource's items.
    package func setRules(of code: String, _ rules: [QualityRule], by caller: Caller) async throws -> [QualityRule] {
        let resource = try await catalog.visibleResource(code, to: caller.principal)
        try caller.principal.requireProvider(
            of: resource.department, to: "setting the quality rules of \(resource.code)")
        guard rules.count <= 500 else { throw ZhengshuError(.invalidInput, "at most 500 rules per resource") }
        for (k, rule) in rules.enumerated() { try rule.validate(at: k) }
        _ = try QualityRun(resource: resource, rules: rules, at: clock.current())
        return try await store.replaceQualityRules(
            rules.map {
                var r = $0
                r.id = 0
                return r
            }, of: resource.code,
            audit: caller.audit(
                "quality.rules", "resource:\(resource.code)", at: clock.current(),
                detail: "\(rules.count) rules"))
    }

    /// Runs the rules over every stored record, keeps the result in the history and returns it. Its provider, an
    /// admin or an auditor may run it. - Parameter onFailure: every failing row (for problem records; tests).
    package func run(
        _ code: String, by caller: Caller, trigger: String = "manual",
        onFailure: @Sendable (QualityRun.Failure, QualityRule) -> Void = { _, _ in }
    ) async throws -> QualityRunRecord {
        let resource = try await catalog.visibleResource(code, to: caller.principal)
        let p = caller.principal
        if !(p.roles.contains(.auditor)) {
            try p.requireProvider(of: resource.department, to: "running the quality rules of \(resource.code)")
        }
        try resource.requirePublished("publish it before checking its data")
        let started = clock.current()
        let (rules, _) = try await rules(of: resource)
        var run = try QualityRun(
            resource: resource, rules: rules, at: started, references: try await references(for: rules),
            masker: try await masking?.current() ?? .defaults)
        let inForce = run.rules
        var rows = 0
        // Problems are filed under the row's key, so the department finds the row (and a corrected row closes them).
        let keyPositions = Self.keyPositions(resource, inForce)
        var sightings: [ProblemSighting] = []
        try await eachRow(of: resource, items: resource.items) { row in
            rows += 1
            run.check(row, number: rows) { failure in
                onFailure(failure, inForce[failure.rule])
                guard sightings.count < Self.maxSightings else { return }
                sightings.append(
                    ProblemSighting(
                        rowKey: Self.rowKey(row, keyPositions, number: failure.row), field: failure.field,
                        rule: inForce[failure.rule].check.kindName,
                        value: failure.value, reason: failure.reason))
            }
        }
        if let problems {
            _ = try await problems.recordSightings(
                Self.distinct(sightings), resource: resource.code, department: resource.department, at: started,
                closeUnseen: true)
        }
        if let updates,
            let last = try await updates.updateTimes(department: resource.department).first(where: {
                $0.resource.code == resource.code
            })
        {
            let (status, _) = Freshness.status(
                cycle: resource.updateCycle, lastUpdated: last.lastUpdatedAt, since: resource.publishedAt, now: started)
            run.recordFreshness(status, lastUpdated: last.lastUpdatedAt)
        }
        let results = run.results()
        let record = QualityRunRecord(
            id: QualityRunID(0), resource: resource.code, department: resource.department, trigger: trigger,
            startedAt: started, finishedAt: clock.current(), rowsChecked: rows,
            score: QualityRun.score(results), results: results)
        let stored = try await store.insertQualityRun(
            record,
            audit: caller.audit(
                "quality.run", "resource:\(resource.code)", at: clock.current(),
                detail: "rows: \(rows); score: \(record.score)"))
        meter.record(.qualityRun(rows: rows))
        return stored
    }

    /// One problem per row key, field and rule (a key repeated in the file is one row to fix); the last sighting wins.
    static func distinct(_ sightings: [ProblemSighting]) -> [ProblemSighting] {
        var seen = Set<String>()
        return sightings.reversed().filter { seen.insert("\($0.rowKey)\u{1F}\($0.field)\u{1F}\($0.rule)").inserted }
            .reversed()
    }

    /// The key a problem is filed under: the row's key items, or the items of its first uniqueness rule.
    static func keyPositions(_ resource: Resource, _ rules: [QualityRule]) -> [Int] {
        let names =
            !resource.keyItems.isEmpty
            ? resource.keyItems.map(\.name)
            : rules.lazy.compactMap { if case .unique(let items) = $0.check { items } else { nil } }.first ?? []
        return names.compactMap { name in resource.items.firstIndex { $0.name == name } }
    }

    static func rowKey(_ row: RecordValidator.Row, _ positions: [Int], number: Int) -> String {
        positions.isEmpty ? "row \(number)" : positions.map { row[$0].text }.joined(separator: "|")
    }

    /// Runs the rules of every published resource whose data changed since its last run, or whose last run is older
    /// than `every` (the scheduler calls this). - Returns: the runs made.
    package func runDue(
        updates: [(resource: Resource, lastUpdatedAt: Date?)], every: TimeInterval
    ) async throws -> [QualityRunRecord] {
        let now = clock.current()
        let latest = Dictionary(try await store.latestQualityRuns(department: nil).map { ($0.resource, $0.startedAt) })
        { a, _ in a }
        var runs: [QualityRunRecord] = []
        for (resource, updated) in updates {
            guard let updated else { continue }  // nothing loaded yet
            let last = latest[resource.code]
            guard last.map({ $0 < updated || now.timeIntervalSince($0) >= every }) ?? true else { continue }
            // One node runs it: the others see the claim (and, once it finished, its run).
            guard
                try await store.claimScheduledRun(
                    resource.code, now: now, until: now.addingTimeInterval(Self.scheduleLease))
            else { continue }
            // Another node may have run it and released its claim between our look and our claim.
            let fresh = try await store.latestQualityRuns(department: resource.department).first {
                $0.resource == resource.code
            }?.startedAt
            if let fresh, fresh != last, !(fresh < updated || now.timeIntervalSince(fresh) >= every) {
                try? await store.releaseScheduledRun(resource.code)
                continue
            }
            if let run = try? await run(resource.code.rawValue, by: Self.scheduler, trigger: "schedule") {
                runs.append(run)
            }
            try? await store.releaseScheduledRun(resource.code)
        }
        return runs
    }

    /// How long a node holds a scheduled run before another may take it (a run that outlives it may be repeated).
    static let scheduleLease: TimeInterval = 1800

    /// Who the scheduler acts as in runs and the audit trail.
    static let scheduler = Caller(
        Principal(kind: .localOperator, name: "scheduler", roles: [.admin], department: nil), requestID: "scheduler")

    /// The values the target items of referential rules hold (read once per run).
    func references(for rules: [QualityRule]) async throws -> [Int: Set<String>] {
        var out: [Int: Set<String>] = [:]
        for (k, rule) in rules.filter(\.enabled).enumerated() {
            guard case .references(_, let code, let target) = rule.check else { continue }
            guard let other = try await catalog.resource(code), let item = other.item(named: target) else {
                throw ZhengshuError(.conflict, "rule \(k) refers to \(code).\(target), which does not exist")
            }
            var values = Set<String>()
            try await eachRow(of: other, items: [item]) { row in
                if !QualityRun.isEmpty(row[0]) { values.insert(row[0].text) }
            }
            out[k] = values
        }
        return out
    }

    /// Reads every stored record of `resource` (the given items), page by page in insertion order.
    func eachRow(of resource: Resource, items: [DataItem], _ body: ([RecordValue]) throws -> Void) async throws {
        var query = RecordQuery(
            fields: items, filters: [], sort: nil, descending: false, limit: Self.pageSize, after: nil)
        repeat {
            let page =
                if let sealer { try await sealer.records(records, of: resource, query: query) } else {
                    try await records.records(of: resource, query: query)
                }
            for row in page.rows { try body(row) }
            query.after = page.next
        } while query.after != nil
    }

    /// Score history of a resource, newest first.
    package func history(of code: String, limit: Int, by caller: Caller) async throws -> [QualityRunRecord] {
        let resource = try await catalog.visibleResource(code, to: caller.principal)
        guard (1...1000).contains(limit) else { throw ZhengshuError(.invalidInput, "limit must be from 1 to 1000") }
        return try await store.qualityRuns(resource: resource.code, department: nil, limit: limit)
    }

    /// The latest score of every resource that has one (or one department's), and each department's mean.
    /// Admins and auditors see every department's; anyone else their own department's.
    package func scores(
        department: String?, by caller: Caller
    ) async throws -> (resources: [QualityScore], departments: [QualityScore]) {
        var filter = try department.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        let p = caller.principal
        if !p.isAdmin, !p.roles.contains(.auditor) {
            guard let own = p.department, filter == nil || filter == own else {
                throw ZhengshuError(.forbidden, "quality scores of other departments are for the bureau and auditors")
            }
            filter = own
        }
        let resources = try await store.latestQualityRuns(department: filter)
            .map { QualityScore(resource: $0.resource, department: $0.department, score: $0.score, at: $0.finishedAt) }
        var departments: [QualityScore] = []
        for (department, scores) in Dictionary(grouping: resources, by: \.department) {
            let mean: Double = scores.map(\.score).reduce(0, +) / Double(scores.count)
            let at: Date = scores.map(\.at).max() ?? Date(millis: 0)
            departments.append(
                QualityScore(resource: nil, department: department, score: (mean * 10).rounded() / 10, at: at))
        }
        departments.sort { $0.department.rawValue < $1.department.rawValue }
        return (resources, departments)
    }
}
