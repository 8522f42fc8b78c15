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
///
/// In JSON a check is flat: `{"kind": "element", "item": "gmsfhm", "element": "citizen_id"}`.
package enum RuleCheck: Hashable, Sendable {
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
    /// The GB/T 2260 division code the value carries (a citizen ID's address code, a credit code's registering
    /// authority, a division code itself) is in use, not one the standard's editions retired: a retired code is
    /// accepted as legacy by the element check and reported by this one.
    case currentDivision(item: String)
    /// The value exists in another resource's item (e.g. a legal representative's ID in the population resource).
    case references(item: String, resource: ResourceCode, target: String)
    /// The resource was updated within its declared update cycle (a check of the resource, once a run, not of rows):
    /// fresh or due passes, overdue fails.
    case fresh

    package var dimension: QualityDimension {
        switch self {
        case .required: .completeness
        case .unique: .uniqueness
        case .element, .pattern, .range, .codeList, .currentDivision: .validity
        case .idBirthDate, .idSex, .compare: .consistency
        case .notInFuture, .fresh: .timeliness
        case .references: .referential
        }
    }

    /// The check's kind as JSON names it (`required`, `element`, …).
    package var kindName: String {
        switch self {
        case .required: "required"
        case .unique: "unique"
        case .element: "element"
        case .pattern: "pattern"
        case .range: "range"
        case .codeList: "codeList"
        case .idBirthDate: "idBirthDate"
        case .idSex: "idSex"
        case .compare: "compare"
        case .notInFuture: "notInFuture"
        case .currentDivision: "currentDivision"
        case .references: "references"
        case .fresh: "fresh"
        }
    }

    /// The items the check reads; the first is the field a failure is reported on.
    package var items: [String] {
        switch self {
        case .required(let i), .element(let i, _), .pattern(let i, _), .range(let i, _, _), .codeList(let i, _),
            .notInFuture(let i), .currentDivision(let i),
            .references(let i, _, _):
            [i]
        case .unique(let items): items
        case .idBirthDate(let id, let date): [date, id]
        case .idSex(let id, let sex): [sex, id]
        case .compare(let l, _, let r): [l, r]
        case .fresh: []
        }
    }
}

extension RuleCheck {
    /// The elements whose values carry a GB/T 2260 division code.
    package static let carriesDivision: Set<DataElement> = [.citizenID, .creditCode, .divisionCode]

    /// The division code `value` carries as a value of `element` (nil when it carries none).
    package static func divisionCode(in value: String, as element: DataElement?) -> Substring? {
        switch element {
        case .citizenID: value.utf8.count == 18 ? value.prefix(6) : nil
        case .creditCode: value.utf8.count == 18 ? value.dropFirst(2).prefix(6) : nil
        case .divisionCode: value.utf8.count == 6 ? value[...] : nil
        default: value.utf8.count == 6 ? value[...] : nil
        }
    }
}

package enum ComparisonOperator: String, CaseIterable, Sendable, Codable {
    case lt, le, eq, ne, ge, gt
}

extension RuleCheck: Codable {
    enum Kind: String, CaseIterable, Codable {
        case required, unique, element, pattern, range, codeList, idBirthDate, idSex, compare, notInFuture, references,
            fresh, currentDivision
    }

    enum Keys: String, CodingKey {
        case kind, item, items, element, regex, min, max, codes, id, date, sex, left, op, right, resource, target
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let kind = try c.decode(Kind.self, forKey: .kind)
        func item(_ key: Keys = .item) throws -> String { try c.decode(String.self, forKey: key) }
        switch kind {
        case .required: self = .required(item: try item())
        case .unique: self = .unique(items: try c.decode([String].self, forKey: .items))
        case .element: self = .element(item: try item(), element: try c.decode(DataElement.self, forKey: .element))
        case .pattern: self = .pattern(item: try item(), regex: try c.decode(String.self, forKey: .regex))
        case .range:
            self = .range(
                item: try item(), min: try c.decodeIfPresent(String.self, forKey: .min),
                max: try c.decodeIfPresent(String.self, forKey: .max))
        case .codeList: self = .codeList(item: try item(), codes: try c.decode([String].self, forKey: .codes))
        case .idBirthDate: self = .idBirthDate(id: try item(.id), date: try item(.date))
        case .idSex: self = .idSex(id: try item(.id), sex: try item(.sex))
        case .compare:
            self = .compare(
                left: try item(.left), op: try c.decode(ComparisonOperator.self, forKey: .op), right: try item(.right))
        case .notInFuture: self = .notInFuture(item: try item())
        case .currentDivision: self = .currentDivision(item: try item())
        case .fresh: self = .fresh
        case .references:
            let code = try c.decode(String.self, forKey: .resource)
            guard let resource = try? ResourceCode(validating: code) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .resource, in: c, debugDescription: "not a resource code: \(code.prefix(40))")
            }
            self = .references(item: try item(), resource: resource, target: try item(.target))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .required(let i):
            try c.encode(Kind.required, forKey: .kind)
            try c.encode(i, forKey: .item)
        case .unique(let items):
            try c.encode(Kind.unique, forKey: .kind)
            try c.encode(items, forKey: .items)
        case .element(let i, let e):
            try c.encode(Kind.element, forKey: .kind)
            try c.encode(i, forKey: .item)
            try c.encode(e, forKey: .element)
        case .pattern(let i, let r):
            try c.encode(Kind.pattern, forKey: .kind)
            try c.encode(i, forKey: .item)
            try c.encode(r, forKey: .regex)
        case .range(let i, let lo, let hi):
            try c.encode(Kind.range, forKey: .kind)
            try c.encode(i, forKey: .item)
            try c.encodeIfPresent(lo, forKey: .min)
            try c.encodeIfPresent(hi, forKey: .max)
        case .codeList(let i, let codes):
            try c.encode(Kind.codeList, forKey: .kind)
            try c.encode(i, forKey: .item)
            try c.encode(codes, forKey: .codes)
        case .idBirthDate(let id, let d):
            try c.encode(Kind.idBirthDate, forKey: .kind)
            try c.encode(id, forKey: .id)
            try c.encode(d, forKey: .date)
        case .idSex(let id, let x):
            try c.encode(Kind.idSex, forKey: .kind)
            try c.encode(id, forKey: .id)
            try c.encode(x, forKey: .sex)
        case .compare(let l, let op, let r):
            try c.encode(Kind.compare, forKey: .kind)
            try c.encode(l, forKey: .left)
            try c.encode(op, forKey: .op)
            try c.encode(r, forKey: .right)
        case .notInFuture(let i):
            try c.encode(Kind.notInFuture, forKey: .kind)
            try c.encode(i, forKey: .item)
        case .currentDivision(let i):
            try c.encode(Kind.currentDivision, forKey: .kind)
            try c.encode(i, forKey: .item)
        case .fresh: try c.encode(Kind.fresh, forKey: .kind)
        case .references(let i, let r, let t):
            try c.encode(Kind.references, forKey: .kind)
            try c.encode(i, forKey: .item)
            try c.encode(r.rawValue, forKey: .resource)
            try c.encode(t, forKey: .target)
        }
    }
}

/// A quality rule of a resource: a check, how a failure counts (`severity`, `weight`) and whether it runs.
package struct QualityRule: Hashable, Sendable {
    package var id: Int64
    package var check: RuleCheck
    package var severity: RuleSeverity
    /// Relative weight of the rule within its dimension.
    package var weight: Double
    package var enabled: Bool

    package var dimension: QualityDimension { check.dimension }

    package init(
        id: Int64 = 0, check: RuleCheck, severity: RuleSeverity = .flag, weight: Double = 1, enabled: Bool = true
    ) {
        self.id = id
        self.check = check
        self.severity = severity
        self.weight = weight
        self.enabled = enabled
    }

    package func validate(at index: Int) throws(ZhengshuError) {
        guard weight.isFinite, (0...100).contains(weight) else {
            throw .validation([.init(field: "items[\(index)].weight", reason: "must be from 0 to 100")])
        }
        if case .unique(let items) = check, items.isEmpty || items.count > 8 {
            throw .validation([.init(field: "items[\(index)].items", reason: "must name 1 to 8 items")])
        }
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
    /// - timeliness: no date or instant in the future;
    /// - a retired GB/T 2260 code reported (flag) in every citizen ID, credit code and division code.
    ///
    /// Severities match what ingest does for items without rules: completeness, validity and uniqueness of the key
    /// `reject`; the rest `flag`. `severity` sets them all instead.
    package static func proposed(
        for resource: Resource, elements: [CustomDataElement] = [], severity: RuleSeverity? = nil
    ) -> [QualityRule] {
        let registered = Dictionary(elements.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var checks: [RuleCheck] = resource.items.filter(\.required).map { .required(item: $0.name) }
        if !resource.keyItems.isEmpty {
            checks.append(.unique(items: resource.keyItems.map(\.name)))
        } else if let first = resource.items.first, let element = first.dataElement, identifiers.contains(element) {
            checks.append(.unique(items: [first.name]))
        }
        var custom: [RuleCheck] = []
        for item in resource.items {
            if let element = item.dataElement { checks.append(.element(item: item.name, element: element)) }
            if let element = item.dataElement, RuleCheck.carriesDivision.contains(element) {
                checks.append(.currentDivision(item: item.name))
            }
            if let id = item.element, let element = registered[id] { custom += element.checks(for: item.name) }
        }
        checks += custom
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
        if Freshness.interval(resource.updateCycle) != nil { checks.append(.fresh) }
        return checks.map { check in
            let natural: RuleSeverity =
                switch check {
                case .required, .element: .reject
                case .pattern, .range, .codeList: .reject  // a registered element's own checks
                case .unique: resource.keyItems.isEmpty ? .flag : .reject
                default: .flag
                }
            return QualityRule(check: check, severity: severity ?? natural)
        }
    }

    /// A date item that holds a birth date, by its name or its Chinese label.
    static func isBirthDate(_ item: DataItem) -> Bool {
        guard item.type == .date else { return false }
        return ["csrq", "birth_date", "birthdate", "birthday", "date_of_birth"].contains(item.name)
            || item.label.contains("出生")
    }
}
