import Foundation

/// The dimensions a quality score is made of (GB/T 36344 data quality evaluation, as the bureaus use it).
package enum QualityDimension: String, CaseIterable, Sendable, Codable, Vocabulary {
    case completeness, uniqueness, validity, consistency, timeliness, referential

    /// The dimension's weight in a resource's score when its rules carry no weight of their own.
    package var defaultWeight: Double {
        switch self {
        case .completeness, .validity: 0.25
        case .uniqueness, .consistency: 0.15
        case .timeliness, .referential: 0.10
        }
    }
}

/// What a failing row does: `reject` keeps it out at ingest (quarantined with its reason); `flag` lets it land and
/// records a problem for the providing department.
package enum RuleSeverity: String, CaseIterable, Sendable, Codable, Vocabulary {
    case reject, flag
}

/// What a rule checks, by item name. Each check belongs to one dimension.
package enum RuleCheck: Hashable, Sendable, Codable {
    /// The item has a value (not empty).
    case required(item: String)
    /// No two rows share these items' values; every occurrence after the first fails.
    case unique(items: [String])
    /// The value conforms to a data element (GB 11643 check character, GB 32100, a code list…).
    case element(item: String, element: DataElement)
    /// The text matches a regular expression (whole value).
    case pattern(item: String, regex: String)
    /// The value lies within bounds, compared as the item's type (numbers as numbers, dates as dates).
    case range(item: String, min: String?, max: String?)
    /// The value is one of a list of codes.
    case codeList(item: String, codes: [String])
    /// The birth date encoded in a citizen ID equals the birth-date item.
    case idBirthDate(id: String, date: String)
    /// The sex encoded in a citizen ID (17th digit: odd male, even female) equals the GB/T 2261.1 sex item.
    case idSex(id: String, sex: String)
    /// `left op right`, compared as the items' type (e.g. a registration date not before the founding date).
    case compare(left: String, op: ComparisonOperator, right: String)
    /// A date or instant is not after the run's time.
    case notInFuture(item: String)
    /// The value exists in another resource's item (e.g. a legal representative's ID in the population resource).
    case references(item: String, resource: ResourceCode, target: String)

    package var dimension: QualityDimension {
        switch self {
        case .required: .completeness
        case .unique: .uniqueness
        case .element, .pattern, .range, .codeList: .validity
        case .idBirthDate, .idSex, .compare: .consistency
        case .notInFuture: .timeliness
        case .references: .referential
        }
    }

    /// The items the check reads; the first is the field a failure is reported on.
    package var items: [String] {
        switch self {
        case .required(let i), .element(let i, _), .pattern(let i, _), .range(let i, _, _), .codeList(let i, _), .notInFuture(let i),
             .references(let i, _, _): [i]
        case .unique(let items): items
        case .idBirthDate(let id, let date): [date, id]
        case .idSex(let id, let sex): [sex, id]
        case .compare(let l, _, let r): [l, r]
        }
    }
}

package enum ComparisonOperator: String, CaseIterable, Sendable, Codable {
    case lt, le, eq, ne, ge, gt
}

/// A quality rule of a resource.
package struct QualityRule: Hashable, Sendable, Codable {
    package var id: Int64
    package var check: RuleCheck
    package var severity: RuleSeverity
    /// Relative weight of the rule within its dimension.
    package var weight: Double
    package var enabled: Bool

    package var dimension: QualityDimension { check.dimension }

    package init(id: Int64 = 0, check: RuleCheck, severity: RuleSeverity = .flag, weight: Double = 1, enabled: Bool = true) {
        self.id = id
        self.check = check
        self.severity = severity
        self.weight = weight
        self.enabled = enabled
    }
}

/// The rules a resource gets proposed when it is published, from its items and their data elements.
package enum QualityRules {
    /// Elements that identify the record they stand in (a registry's leading identifier is unique).
    static let identifiers: Set<DataElement> = [.citizenID, .creditCode, .organizationCode]

    /// - completeness for every required item;
    /// - uniqueness on the key items, or, without a key, on the leading item when it is an identifier (citizen ID,
    ///   credit code, organisation code) — another identifier further on (a legal representative's ID) may repeat;
    /// - validity for every item with a data element;
    /// - consistency of the first citizen ID with the sex item and the birth-date item, when the resource has them;
    /// - timeliness: no date or instant in the future.
    package static func proposed(for resource: Resource, severity: RuleSeverity = .flag) -> [QualityRule] {
        var checks: [RuleCheck] = resource.items.filter(\.required).map { .required(item: $0.name) }
        if !resource.keyItems.isEmpty {
            checks.append(.unique(items: resource.keyItems.map(\.name)))
        } else if let first = resource.items.first, let element = first.dataElement, identifiers.contains(element) {
            checks.append(.unique(items: [first.name]))
        }
        for item in resource.items {
            if let element = item.dataElement { checks.append(.element(item: item.name, element: element)) }
        }
        if let id = resource.items.first(where: { $0.dataElement == .citizenID }) {
            if let sex = resource.items.first(where: { $0.dataElement == .sex }) {
                checks.append(.idSex(id: id.name, sex: sex.name))
            }
            if let birth = resource.items.first(where: isBirthDate) {
                checks.append(.idBirthDate(id: id.name, date: birth.name))
            }
        }
        for item in resource.items where item.type == .date || item.type == .datetime {
            checks.append(.notInFuture(item: item.name))
        }
        return checks.map { QualityRule(check: $0, severity: severity) }
    }

    /// A date item that holds a birth date, by its name or its Chinese label.
    static func isBirthDate(_ item: DataItem) -> Bool {
        guard item.type == .date else { return false }
        return ["csrq", "birth_date", "birthdate", "birthday", "date_of_birth"].contains(item.name) || item.label.contains("出生")
    }
}
