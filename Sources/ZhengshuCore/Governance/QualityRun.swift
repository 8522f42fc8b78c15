import Foundation

/// One pass of a resource's quality rules over its rows (at ingest, before rows land, or over the stored table).
///
/// Rows stream through ``check(_:number:onFailure:)`` one at a time; memory grows only with the keys that uniqueness
/// rules remember. Every rule counts the rows it applied to and the rows that failed, and keeps a few masked samples.
package struct QualityRun: Sendable {
    package struct Failure: Hashable, Sendable {
        /// Index of the rule in ``rules``.
        package var rule: Int
        /// 1-based row number.
        package var row: Int
        package var field: String
        /// The failing value, masked per the item's masking policy.
        package var value: String
        package var reason: String
    }

    package struct Sample: Hashable, Sendable {
        package var row: Int
        package var field: String
        package var value: String
        package var reason: String

        package init(row: Int, field: String, value: String, reason: String) {
            self.row = row
            self.field = field
            self.value = value
            self.reason = reason
        }
    }

    package struct RuleResult: Hashable, Sendable {
        package var rule: QualityRule
        /// Rows the rule applied to (its fields present); completeness applies to every row.
        package var checked: Int
        package var failed: Int
        package var samples: [Sample]

        package init(rule: QualityRule, checked: Int, failed: Int, samples: [Sample]) {
            self.rule = rule
            self.checked = checked
            self.failed = failed
            self.samples = samples
        }

        package var failureRatio: Double { checked == 0 ? 0 : Double(failed) / Double(checked) }
    }

    package let rules: [QualityRule]
    private let plans: [Plan]
    private let fields: [String]
    /// How each item's failing values are shown (masked per policy).
    private let shownAs: [FieldMask?]
    private let masker: Masker
    private let today: CivilDate
    private let now: Date
    private let sampleLimit: Int
    private var checked: [Int]
    private var failed: [Int]
    private var samples: [[Sample]]
    private var seen: [Int: Set<String>] = [:]

    /// A rule compiled against the resource's item positions.
    private enum Plan: Sendable {
        case required(Int)
        case unique([Int])
        case element(Int, DataElement)
        case pattern(Int, NSRegularExpressionBox)
        case range(Int, RecordValue?, RecordValue?)
        case codeList(Int, Set<String>)
        case idBirthDate(id: Int, date: Int)
        case idSex(id: Int, sex: Int)
        case compare(Int, ComparisonOperator, Int)
        case notInFuture(Int)
        case currentDivision(Int, DataElement?)
        case references(Int, Set<String>)
        /// Checked once a run by ``recordFreshness(_:lastUpdated:)``, not per row.
        case fresh
    }

    /// - Parameters:
    ///   - rules: the enabled rules to run (disabled ones are skipped).
    ///   - now: the run's time: what "in the future" means.
    ///   - references: for each referential rule (by index in `rules`), the values its target item holds.
    /// - Throws: ``ZhengshuError`` naming a rule that reads an item the resource does not have, or a bad pattern.
    ///   - masker: how failing values are shown in samples and problem records (the masking policies).
    package init(
        resource: Resource, rules: [QualityRule], at now: Date, references: [Int: Set<String>] = [:],
        masker: Masker = .defaults, sampleLimit: Int = 20
    ) throws(ZhengshuError) {
        let rules = rules.filter(\.enabled)
        let index = Dictionary(resource.items.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        var plans: [Plan] = []
        for (k, rule) in rules.enumerated() {
            func position(_ name: String) throws(ZhengshuError) -> Int {
                guard let i = index[name] else {
                    throw ZhengshuError.validation([
                        .init(field: "rules[\(k)]", reason: "'\(name)' is not an item of \(resource.code)")
                    ])
                }
                return i
            }
            func bound(_ text: String?, _ item: Int) throws(ZhengshuError) -> RecordValue? {
                guard let text else { return nil }
                var loose = resource.items[item]
                loose.required = false
                loose.dataElement = nil
                loose.length = nil
                guard case .success(let v) = RecordValidator.convert(.string(text), for: loose) else {
                    throw ZhengshuError.validation([
                        .init(field: "rules[\(k)]", reason: "'\(text)' is not a \(loose.type.rawValue)")
                    ])
                }
                return v
            }
            switch rule.check {
            case .required(let item): plans.append(.required(try position(item)))
            case .unique(let items):
                var positions: [Int] = []
                for item in items { positions.append(try position(item)) }
                plans.append(.unique(positions))
            case .element(let item, let element): plans.append(.element(try position(item), element))
            case .pattern(let item, let regex):
                guard let compiled = try? NSRegularExpression(pattern: "^(?:\(regex))$") else {
                    throw ZhengshuError.validation([
                        .init(field: "rules[\(k)]", reason: "not a regular expression: \(regex.prefix(80))")
                    ])
                }
                plans.append(.pattern(try position(item), NSRegularExpressionBox(compiled)))
            case .range(let item, let min, let max):
                let i = try position(item)
                plans.append(.range(i, try bound(min, i), try bound(max, i)))
            case .codeList(let item, let codes): plans.append(.codeList(try position(item), Set(codes)))
            case .idBirthDate(let id, let date):
                plans.append(.idBirthDate(id: try position(id), date: try position(date)))
            case .idSex(let id, let sex): plans.append(.idSex(id: try position(id), sex: try position(sex)))
            case .compare(let left, let op, let right):
                plans.append(.compare(try position(left), op, try position(right)))
            case .notInFuture(let item): plans.append(.notInFuture(try position(item)))
            case .currentDivision(let item):
                let i = try position(item)
                plans.append(.currentDivision(i, resource.items[i].dataElement))
            case .references(let item, _, _): plans.append(.references(try position(item), references[k] ?? []))
            case .fresh: plans.append(.fresh)
            }
        }
        self.rules = rules
        self.plans = plans
        fields = resource.items.map(\.name)
        let masks = masker.masks(resource.items)
        shownAs = resource.items.map { masks[$0.name] }
        self.masker = masker
        self.now = now
        today = CivilDate(chinaTime: now)
        self.sampleLimit = sampleLimit
        checked = Array(repeating: 0, count: rules.count)
        failed = Array(repeating: 0, count: rules.count)
        samples = Array(repeating: [], count: rules.count)
    }

    /// Checks one row (values in the resource's item order), calling `onFailure` for every rule it fails.
    package mutating func check(_ row: RecordValidator.Row, number: Int, onFailure: (Failure) -> Void = { _ in }) {
        for k in plans.indices {
            let outcome = evaluate(k, row)
            guard let (field, reason) = outcome.failure else {
                if outcome.applied { checked[k] += 1 }
                continue
            }
            checked[k] += 1
            failed[k] += 1
            let shown = masker.apply(shownAs[field], text: row[field].text)
            if samples[k].count < sampleLimit {
                samples[k].append(Sample(row: number, field: fields[field], value: shown, reason: reason))
            }
            onFailure(Failure(rule: k, row: number, field: fields[field], value: shown, reason: reason))
        }
    }

    /// Whether the rule applied to the row, and the failing field and reason if it failed.
    private mutating func evaluate(_ k: Int, _ row: RecordValidator.Row) -> (applied: Bool, failure: (Int, String)?) {
        switch plans[k] {
        case .required(let i):
            return (true, Self.isEmpty(row[i]) ? (i, "is empty") : nil)
        case .unique(let positions):
            var key = ""
            for p in positions {
                if Self.isEmpty(row[p]) { return (false, nil) }
                key += row[p].text
                key.append("\u{1F}")
            }
            let inserted = seen[k, default: []].insert(key).inserted
            return (true, inserted ? nil : (positions[0], "repeats the key of an earlier row"))
        case .element(let i, let element):
            guard case .string(let s) = row[i], !s.isEmpty else { return (false, nil) }
            return (true, element.problem(with: s).map { (i, $0) })
        case .pattern(let i, let box):
            guard !Self.isEmpty(row[i]) else { return (false, nil) }
            let s = row[i].text
            let match = box.regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
            return (true, match ? nil : (i, "does not match the required pattern"))
        case .range(let i, let min, let max):
            guard !Self.isEmpty(row[i]) else { return (false, nil) }
            if let min, Self.compare(row[i], min) == .orderedAscending { return (true, (i, "is below \(min.text)")) }
            if let max, Self.compare(row[i], max) == .orderedDescending { return (true, (i, "is above \(max.text)")) }
            return (true, nil)
        case .codeList(let i, let codes):
            guard !Self.isEmpty(row[i]) else { return (false, nil) }
            return (true, codes.contains(row[i].text) ? nil : (i, "is not in the code list"))
        case .idBirthDate(let id, let date):
            guard case .string(let s) = row[id], case .date(let d) = row[date], let encoded = Self.encodedBirthDate(s)
            else { return (false, nil) }
            return (true, encoded == d ? nil : (date, "differs from the birth date \(encoded) in the citizen ID"))
        case .idSex(let id, let sex):
            guard case .string(let s) = row[id], case .string(let x) = row[sex], x == "1" || x == "2",
                let encoded = Self.encodedSex(s)
            else { return (false, nil) }
            return (true, encoded == x ? nil : (sex, "differs from the sex \(encoded) in the citizen ID"))
        case .compare(let l, let op, let r):
            guard !Self.isEmpty(row[l]), !Self.isEmpty(row[r]), let order = Self.compare(row[l], row[r]) else {
                return (false, nil)
            }
            let holds =
                switch op {
                case .lt: order == .orderedAscending
                case .le: order != .orderedDescending
                case .eq: order == .orderedSame
                case .ne: order != .orderedSame
                case .ge: order != .orderedAscending
                case .gt: order == .orderedDescending
                }
            return (true, holds ? nil : (l, "is not \(op.rawValue) \(fields[r])"))
        case .notInFuture(let i):
            switch row[i] {
            case .date(let d): return (true, today < d ? (i, "is in the future") : nil)
            case .datetime(let t): return (true, t > now ? (i, "is in the future") : nil)
            default: return (false, nil)
            }
        case .currentDivision(let i, let element):
            guard case .string(let s) = row[i], let code = RuleCheck.divisionCode(in: s, as: element) else {
                return (false, nil)
            }
            return (true, Division.retirement(of: code).map { (i, "carries \($0)") })
        case .fresh:
            return (false, nil)
        case .references(let i, let values):
            guard !Self.isEmpty(row[i]) else { return (false, nil) }
            return (true, values.contains(row[i].text) ? nil : (i, "does not exist in the referenced resource"))
        }
    }

    /// Settles the freshness rules: the resource against its update cycle, once a run.
    package mutating func recordFreshness(_ status: FreshnessStatus, lastUpdated: Date?) {
        for k in plans.indices {
            guard case .fresh = plans[k] else { continue }
            checked[k] = 1
            if status == .overdue {
                failed[k] = 1
                samples[k] = [
                    Sample(
                        row: 0, field: "*", value: lastUpdated.map(RecordValue.formatDatetime) ?? "",
                        reason: lastUpdated == nil
                            ? "never loaded since publication" : "not updated within its update cycle")
                ]
            }
        }
    }

    /// The results so far, rule by rule.
    package func results() -> [RuleResult] {
        rules.indices.map {
            RuleResult(rule: rules[$0], checked: checked[$0], failed: failed[$0], samples: samples[$0])
        }
    }

    /// The quality score, 0–100: each dimension's pass ratio (its rules' `1 − failure ratio`, weighted by rule weight)
    /// weighted by ``QualityDimension/defaultWeight``, over the dimensions that have rules that applied to any row.
    package static func score(_ results: [RuleResult]) -> Double {
        var total = 0.0, weights = 0.0
        for dimension in QualityDimension.allCases {
            let applied = results.filter { $0.rule.dimension == dimension && $0.checked > 0 }
            let ruleWeights = applied.reduce(0) { $0 + $1.rule.weight }
            guard ruleWeights > 0 else { continue }
            let pass = applied.reduce(0) { $0 + $1.rule.weight * (1 - $1.failureRatio) } / ruleWeights
            total += dimension.defaultWeight * pass
            weights += dimension.defaultWeight
        }
        return weights == 0 ? 100 : (total / weights * 1000).rounded() / 10
    }

    // MARK: Values

    static func isEmpty(_ v: RecordValue) -> Bool {
        switch v {
        case .null: true
        case .string(let s): RecordValidator.isBlank(s)
        default: false
        }
    }

    /// Orders two values of one item type; `nil` when they do not compare.
    static func compare(_ a: RecordValue, _ b: RecordValue) -> ComparisonResult? {
        func order<T: Comparable>(_ x: T, _ y: T) -> ComparisonResult {
            x < y ? .orderedAscending : (x == y ? .orderedSame : .orderedDescending)
        }
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return order(x, y)
        case (.decimal, _), (_, .decimal), (.integer, _):
            guard let x = Double(a.text), let y = Double(b.text) else { return nil }
            return order(x, y)
        case (.date(let x), .date(let y)):
            return x < y ? .orderedAscending : (x == y ? .orderedSame : .orderedDescending)
        case (.datetime(let x), .datetime(let y)): return order(x, y)
        case (.string(let x), .string(let y)): return order(x, y)
        default: return nil
        }
    }

    /// The birth date in an 18-digit (or legacy 15-digit, 19xx) citizen ID, whatever its check character.
    static func encodedBirthDate(_ id: String) -> CivilDate? {
        let u = Array(id.utf8)
        func digits(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r {
                guard (48...57).contains(u[i]) else { return nil }
                n = n * 10 + Int(u[i] - 48)
            }
            return n
        }
        switch u.count {
        case 18:
            guard let y = digits(6..<10), let m = digits(10..<12), let d = digits(12..<14) else { return nil }
            return CivilDate(year: y, month: m, day: d)
        case 15:
            guard let y = digits(6..<8), let m = digits(8..<10), let d = digits(10..<12) else { return nil }
            return CivilDate(year: 1900 + y, month: m, day: d)
        default: return nil
        }
    }

    /// "1" (odd sequence digit) or "2" (even) from a citizen ID.
    static func encodedSex(_ id: String) -> String? {
        let u = Array(id.utf8)
        let i = u.count == 18 ? 16 : (u.count == 15 ? 14 : -1)
        guard i >= 0, (48...57).contains(u[i]) else { return nil }
        return (u[i] - 48) % 2 == 1 ? "1" : "2"
    }
}

/// `NSRegularExpression` is immutable once made; this box lets a run carry it across tasks.
struct NSRegularExpressionBox: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }
}
