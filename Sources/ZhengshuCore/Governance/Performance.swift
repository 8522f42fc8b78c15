import Foundation

/// Department performance evaluation (部门绩效评价): eight indicators the platform measures itself, each a value from
/// 0 to 100 with the counts and the evidence behind it, and a weighted score.
///
/// The score is `Σ weightᵢ · valueᵢ / Σ weightᵢ` over the indicators that apply to the department in the period (an
/// indicator with nothing to measure — no service items registered, no problems, no applications received — is left
/// out and the other weights carry the score). `docs/management.md` states every indicator's formula.
package enum PerformanceIndicator: String, CaseIterable, Sendable, Codable, Vocabulary {
    /// Required metadata filled and items described, over the department's catalog (draft and published).
    case catalogCompleteness
    /// Share of the department's registered 政务服务事项 linked to a published catalog resource.
    case serviceCoverage
    /// Share of scheduled checks at which a published resource was up to date under its update cycle.
    case timeliness
    /// Mean of the latest quality score of each resource with a quality run.
    case dataQuality
    /// Share of the problems open during the period that were fixed and verified in it.
    case problemFixRate
    /// The mean time from first sight to verified fix, against the target.
    case problemFixTime
    /// Share of applications whose provider step was decided within the working-day limit.
    case applicationResponse
    /// Share of the department's shared resources that were called at least once in the period.
    case sharingUsage
}

/// What the bureau decides: the weights and the two targets. Stored as the installation setting `performance.policy`.
package struct PerformancePolicy: Sendable, Hashable, Codable {
    package var weights: [String: Double]
    /// The fix time that earns full marks; the value falls linearly to 0 at four times it.
    package var problemFixTargetHours: Double
    /// The working days a providing department has to decide an application.
    package var responseWorkingDays: Int

    package init(
        weights: [String: Double] = PerformancePolicy.defaultWeights, problemFixTargetHours: Double = 120,
        responseWorkingDays: Int = 10
    ) {
        self.weights = weights
        self.problemFixTargetHours = problemFixTargetHours
        self.responseWorkingDays = responseWorkingDays
    }

    package static let defaultWeights: [String: Double] = [
        "catalogCompleteness": 15, "serviceCoverage": 10, "timeliness": 15, "dataQuality": 20,
        "problemFixRate": 10, "problemFixTime": 5, "applicationResponse": 15, "sharingUsage": 10,
    ]

    package func weight(_ i: PerformanceIndicator) -> Double { weights[i.rawValue] ?? 0 }

    /// - Throws: `validation` naming each unknown indicator, negative or non-finite weight, and bad target.
    package func validated() throws(ZhengshuError) -> PerformancePolicy {
        var problems: [ZhengshuError.Violation] = []
        for (name, w) in weights.sorted(by: { $0.key < $1.key }) {
            if PerformanceIndicator(rawValue: name) == nil {
                problems.append(
                    .init(
                        field: "weights.\(name.prefix(40))",
                        reason:
                            "is not an indicator; use one of \(PerformanceIndicator.allCases.map(\.rawValue).joined(separator: ", "))"
                    ))
            } else if !w.isFinite || w < 0 || w > 1000 {
                problems.append(.init(field: "weights.\(name)", reason: "must be a number from 0 to 1000"))
            }
        }
        if problems.isEmpty, PerformanceIndicator.allCases.reduce(0, { $0 + weight($1) }) <= 0 {
            problems.append(.init(field: "weights", reason: "at least one indicator needs a weight above 0"))
        }
        if !problemFixTargetHours.isFinite || problemFixTargetHours < 1 || problemFixTargetHours > 8760 {
            problems.append(.init(field: "problemFixTargetHours", reason: "must be from 1 to 8760 hours"))
        }
        if !(1...60).contains(responseWorkingDays) {
            problems.append(.init(field: "responseWorkingDays", reason: "must be from 1 to 60 working days"))
        }
        guard problems.isEmpty else { throw ZhengshuError.validation(problems) }
        return self
    }
}

/// A calendar month in China time, the unit of the monthly report.
package struct PerformancePeriod: Sendable, Hashable, CustomStringConvertible {
    package var year: Int
    package var month: Int

    package init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
            (2000...2100).contains(y), (1...12).contains(m)
        else { return nil }
        year = y
        month = m
    }

    package init(containing instant: Date) {
        let day = CivilDate(chinaTime: instant)
        year = day.year
        month = day.month
    }

    package var description: String { String(format: "%04d-%02d", year, month) }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let p = PerformancePeriod(text) else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "\(text.prefix(20)) is not a month written YYYY-MM")
        }
        self = p
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
    package var firstDay: CivilDate { CivilDate(year: year, month: month, day: 1)! }
    package var lastDay: CivilDate {
        CivilDate(year: year, month: month, day: CivilDate.daysIn(month: month, year: year))!
    }
    package var start: Date { firstDay.chinaStart }
    package var end: Date { lastDay.adding(days: 1).chinaStart }
    package var previous: PerformancePeriod {
        PerformancePeriod(month == 1 ? "\(year - 1)-12" : String(format: "%04d-%02d", year, month - 1))!
    }
}

/// One fact behind an indicator: a resource, job, quality run, problem, application or service item.
package struct PerformanceEvidence: Sendable, Hashable {
    /// `resource`, `qualityRun`, `problem`, `application`, `serviceItem`.
    package var kind: String
    package var id: String
    /// Whether it counts for the department (filled, on schedule, fixed, answered in time, called).
    package var ok: Bool
    package var detail: String

    package init(kind: String, id: String, ok: Bool, detail: String) {
        self.kind = kind
        self.id = id
        self.ok = ok
        self.detail = detail
    }
}

package struct IndicatorResult: Sendable, Hashable {
    package var indicator: PerformanceIndicator
    /// 0…100, or `nil` when there is nothing to measure in the period.
    package var value: Double?
    package var numerator: Double
    package var denominator: Double
    package var weight: Double
    /// A second measure where one explains the value (mean hours to fix).
    package var measure: Double?
    package var evidence: [PerformanceEvidence]
}

package struct PerformanceReport: Sendable, Hashable {
    package var department: DepartmentCode
    package var period: PerformancePeriod
    /// The instant measured to: the end of the period, or now for the running month.
    package var asOf: Date
    /// 0…100, or `nil` when no indicator applies.
    package var score: Double?
    package var indicators: [IndicatorResult]

    package func indicator(_ i: PerformanceIndicator) -> IndicatorResult? { indicators.first { $0.indicator == i } }
}

/// Everything the evaluation reads about one department, gathered by the use case.
package struct PerformanceInputs: Sendable {
    package var department: DepartmentCode
    package var period: PerformancePeriod
    package var asOf: Date
    /// The department's resources, retired ones excluded.
    package var resources: [Resource]
    /// The last successful update of each of them (a load or an API write).
    package var lastUpdates: [ResourceCode: Date]
    /// The department's succeeded ingestion jobs.
    package var jobs: [IngestJob]
    /// The department's quality runs.
    package var qualityRuns: [QualityRunRecord]
    package var problems: [Problem]
    /// Applications for the department's resources.
    package var applications: [ShareApplication]
    /// The period's usage of the department's resources.
    package var usage: [ShareUsage]
    /// The department's registered service items (事项清单).
    package var serviceItems: [String]
    /// Service items any published resource links.
    package var linkedServiceItems: Set<String>
    package var calendar: WorkingCalendar

    package init(
        department: DepartmentCode, period: PerformancePeriod, asOf: Date, resources: [Resource],
        lastUpdates: [ResourceCode: Date],
        jobs: [IngestJob], qualityRuns: [QualityRunRecord], problems: [Problem], applications: [ShareApplication],
        usage: [ShareUsage], serviceItems: [String], linkedServiceItems: Set<String>, calendar: WorkingCalendar
    ) {
        self.department = department
        self.period = period
        self.asOf = asOf
        self.resources = resources
        self.lastUpdates = lastUpdates
        self.jobs = jobs
        self.qualityRuns = qualityRuns
        self.problems = problems
        self.applications = applications
        self.usage = usage
        self.serviceItems = serviceItems
        self.linkedServiceItems = linkedServiceItems
        self.calendar = calendar
    }
}

package enum PerformanceEvaluation {
    package static func evaluate(_ input: PerformanceInputs, policy: PerformancePolicy) -> PerformanceReport {
        let results = PerformanceIndicator.allCases.map { i -> IndicatorResult in
            var r =
                switch i {
                case .catalogCompleteness: catalogCompleteness(input)
                case .serviceCoverage: serviceCoverage(input)
                case .timeliness: timeliness(input)
                case .dataQuality: dataQuality(input)
                case .problemFixRate: problemFixRate(input)
                case .problemFixTime: problemFixTime(input, target: policy.problemFixTargetHours)
                case .applicationResponse: applicationResponse(input, workingDays: policy.responseWorkingDays)
                case .sharingUsage: sharingUsage(input)
                }
            r.weight = policy.weight(i)
            return r
        }
        return PerformanceReport(
            department: input.department, period: input.period, asOf: input.asOf,
            score: score(results), indicators: results)
    }

    /// The weighted mean over the indicators that apply and carry weight, rounded to 0.1.
    package static func score(_ results: [IndicatorResult]) -> Double? {
        let counted = results.filter { $0.value != nil && $0.weight > 0 }
        let weights = counted.reduce(0) { $0 + $1.weight }
        guard weights > 0 else { return nil }
        return round1(counted.reduce(0) { $0 + $1.weight * $1.value! } / weights)
    }

    static func round1(_ v: Double) -> Double { (v * 10).rounded() / 10 }

    static func result(
        _ i: PerformanceIndicator, _ numerator: Double, _ denominator: Double, measure: Double? = nil,
        _ evidence: [PerformanceEvidence]
    ) -> IndicatorResult {
        IndicatorResult(
            indicator: i, value: denominator > 0 ? round1(100 * numerator / denominator) : nil, numerator: numerator,
            denominator: denominator, weight: 0, measure: measure, evidence: evidence)
    }

    /// The metadata a resource must carry, and what it lacks.
    package static func missingMetadata(_ r: Resource) -> (checks: Int, missing: [String]) {
        var checks: [(String, Bool)] = [
            ("abstract", !r.abstract.trimmingCharacters(in: .whitespaces).isEmpty),
            ("category", !r.category.trimmingCharacters(in: .whitespaces).isEmpty),
            ("sourceSystem", !(r.sourceSystem ?? "").trimmingCharacters(in: .whitespaces).isEmpty),
            ("serviceItems", !r.serviceItems.isEmpty),
            ("items", !r.items.isEmpty),
        ]
        if r.shareType != .unconditional {
            checks.append(("shareCondition", !(r.shareCondition ?? "").trimmingCharacters(in: .whitespaces).isEmpty))
        }
        for item in r.items {
            let labelled = !item.label.isEmpty && item.label != item.name
            let defined = item.dataElement != nil || item.element != nil || !(item.description ?? "").isEmpty
            checks.append(("items.\(item.name)", labelled && defined))
        }
        return (checks.count, checks.filter { !$0.1 }.map(\.0))
    }

    static func catalogCompleteness(_ input: PerformanceInputs) -> IndicatorResult {
        var filled = 0, total = 0
        let evidence = input.resources.map { r in
            let (checks, missing) = missingMetadata(r)
            total += checks
            filled += checks - missing.count
            return PerformanceEvidence(
                kind: "resource", id: r.code.rawValue, ok: missing.isEmpty,
                detail: missing.isEmpty
                    ? "\(checks)/\(checks)"
                    : "\(checks - missing.count)/\(checks); missing: \(missing.joined(separator: ", "))")
        }
        return result(.catalogCompleteness, Double(filled), Double(total), evidence)
    }

    static func serviceCoverage(_ input: PerformanceInputs) -> IndicatorResult {
        let items = Array(Set(input.serviceItems)).sorted()
        let evidence = items.map {
            PerformanceEvidence(
                kind: "serviceItem", id: $0, ok: input.linkedServiceItems.contains($0),
                detail: input.linkedServiceItems.contains($0) ? "linked" : "no published resource links it")
        }
        return result(.serviceCoverage, Double(evidence.filter(\.ok).count), Double(items.count), evidence)
    }

    /// Checks at `asOf`, `asOf − cycle`, `asOf − 2·cycle`, … back to the later of the period's start and the
    /// publication: at each the resource must not be overdue (see ``Freshness/status(cycle:lastUpdated:since:now:)``)
    /// counting the updates made by then.
    static func timeliness(_ input: PerformanceInputs) -> IndicatorResult {
        var updates: [ResourceCode: [Date]] = [:]
        for job in input.jobs where job.status == .succeeded {
            if let at = job.finishedAt { updates[job.resource, default: []].append(at) }
        }
        for (code, at) in input.lastUpdates { updates[code, default: []].append(at) }
        var ok = 0, total = 0
        var evidence: [PerformanceEvidence] = []
        for r in input.resources where r.status == .published {
            guard let interval = Freshness.interval(r.updateCycle), let published = r.publishedAt,
                published < input.asOf
            else { continue }
            let from = max(input.period.start, published)
            let times = (updates[r.code] ?? []).sorted()
            var at = input.asOf, checks = 0, onTime = 0
            while at >= from {
                let last = times.last { $0 <= at }
                if Freshness.status(cycle: r.updateCycle, lastUpdated: last, since: published, now: at).0 != .overdue {
                    onTime += 1
                }
                checks += 1
                at = at.addingTimeInterval(-interval)
            }
            ok += onTime
            total += checks
            let last = times.last { $0 <= input.asOf }.map(CivilDate.chinaMinute) ?? "never"
            evidence.append(
                PerformanceEvidence(
                    kind: "resource", id: r.code.rawValue, ok: onTime == checks,
                    detail: "\(onTime)/\(checks) checks on schedule (\(r.updateCycle.rawValue)); last update: \(last)"))
        }
        return result(.timeliness, Double(ok), Double(total), evidence)
    }

    static func dataQuality(_ input: PerformanceInputs) -> IndicatorResult {
        let codes = Set(input.resources.map(\.code))
        var latest: [ResourceCode: QualityRunRecord] = [:]
        for run in input.qualityRuns where run.finishedAt <= input.asOf && codes.contains(run.resource) {
            if let seen = latest[run.resource], seen.finishedAt >= run.finishedAt { continue }
            latest[run.resource] = run
        }
        let runs = latest.values.sorted { $0.resource.rawValue < $1.resource.rawValue }
        let evidence = runs.map {
            PerformanceEvidence(
                kind: "qualityRun", id: String($0.id.rawValue), ok: $0.score >= 90,
                detail:
                    "\($0.resource): \(String(format: "%.1f", $0.score)) over \($0.rowsChecked) rows at \(CivilDate.chinaMinute($0.finishedAt))"
            )
        }
        // Points scored over points possible: the mean of the latest scores.
        return result(.dataQuality, runs.reduce(0) { $0 + $1.score }, 100 * Double(runs.count), evidence)
    }

    /// Problems open at some time in the period (first seen before its end, not verified before its start), disputed
    /// ones aside; fixed = verified by the end of the period (or now).
    static func problemsInPeriod(_ input: PerformanceInputs) -> [Problem] {
        input.problems.filter { p in
            p.status != .disputed && p.firstSeenAt < input.asOf && (p.closedAt.map { $0 >= input.period.start } ?? true)
        }
    }

    static func isFixed(_ p: Problem, _ input: PerformanceInputs) -> Bool {
        p.status == .verified && p.closedAt.map { $0 >= input.period.start && $0 <= input.asOf } ?? false
    }

    static func problemFixRate(_ input: PerformanceInputs) -> IndicatorResult {
        let problems = problemsInPeriod(input)
        let evidence = problems.map { p in
            PerformanceEvidence(
                kind: "problem", id: String(p.id.rawValue), ok: isFixed(p, input),
                detail:
                    "\(p.resource) \(p.field): \(p.status.rawValue), first seen \(CivilDate.chinaMinute(p.firstSeenAt))"
            )
        }
        return result(.problemFixRate, Double(evidence.filter(\.ok).count), Double(problems.count), evidence)
    }

    static func problemFixTime(_ input: PerformanceInputs, target: Double) -> IndicatorResult {
        let fixed = problemsInPeriod(input).filter { isFixed($0, input) }
        let hours = fixed.map { ($0, $0.closedAt!.timeIntervalSince($0.firstSeenAt) / 3600) }
        let evidence = hours.map { p, h in
            PerformanceEvidence(
                kind: "problem", id: String(p.id.rawValue), ok: h <= target,
                detail: "\(p.resource) \(p.field): fixed in \(String(format: "%.1f", h)) h")
        }
        guard !hours.isEmpty else { return result(.problemFixTime, 0, 0, evidence) }
        let mean = hours.reduce(0) { $0 + $1.1 } / Double(hours.count)
        let value = mean <= target ? 100 : max(0, 100 * (1 - (mean - target) / (3 * target)))
        var r = result(.problemFixTime, value, 100, measure: round1(mean), evidence)
        r.value = round1(value)
        return r
    }

    /// The provider step of an application: when it began (the event after which the application moved to the
    /// provider) and when the provider answered (its `provider.approve` or `provider.reject`), if it has.
    package static func providerStep(_ a: ShareApplication) -> (began: Date, decided: Date?)? {
        let h = a.history
        let answer = h.firstIndex { $0.action.hasPrefix("provider.") }
        guard answer != nil || a.status == .provider,
            let entered = h[..<(answer ?? h.endIndex)].last(where: { $0.status != .provider })
        else { return nil }
        return (entered.at, answer.map { h[$0].at })
    }

    /// Applications whose provider step began in the period: on time when decided by the deadline; late when decided
    /// after it or still undecided past it; still within the deadline and undecided, not counted yet.
    static func applicationResponse(_ input: PerformanceInputs, workingDays: Int) -> IndicatorResult {
        var evidence: [PerformanceEvidence] = []
        for a in input.applications.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
            guard a.provider == input.department, let step = providerStep(a), step.began >= input.period.start,
                step.began < input.asOf
            else { continue }
            let deadline = input.calendar.deadline(after: step.began, workingDays: workingDays)
            if let decided = step.decided, decided <= input.asOf || decided <= deadline {
                let days = input.calendar.workingDays(from: step.began, to: decided)
                evidence.append(
                    PerformanceEvidence(
                        kind: "application", id: String(a.id.rawValue), ok: decided <= deadline,
                        detail: "\(a.resource) for \(a.consumer): decided in \(days) working day(s)"))
            } else if input.asOf > deadline {
                evidence.append(
                    PerformanceEvidence(
                        kind: "application", id: String(a.id.rawValue), ok: false,
                        detail:
                            "\(a.resource) for \(a.consumer): undecided past the deadline \(CivilDate.chinaMinute(deadline))"
                    ))
            }
        }
        return result(.applicationResponse, Double(evidence.filter(\.ok).count), Double(evidence.count), evidence)
    }

    static func sharingUsage(_ input: PerformanceInputs) -> IndicatorResult {
        var calls: [ResourceCode: Int] = [:]
        for u in input.usage
        where u.provider == input.department && u.day >= input.period.firstDay && u.day <= input.period.lastDay {
            calls[u.resource, default: 0] += u.calls
        }
        let shared = input.resources.filter { $0.status == .published && $0.shareType != .none }
        let evidence = shared.map { r in
            PerformanceEvidence(
                kind: "resource", id: r.code.rawValue, ok: (calls[r.code] ?? 0) > 0,
                detail: "\(calls[r.code] ?? 0) call(s) in \(input.period)")
        }
        return result(.sharingUsage, Double(evidence.filter(\.ok).count), Double(shared.count), evidence)
    }
}
