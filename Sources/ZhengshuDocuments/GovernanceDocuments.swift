import Foundation
import ZhengshuCore

extension QualityRule: Stored { package typealias Document = QualityRuleDocument }

/// A quality rule: its check's fields flat beside the rule's own (`ruleId`, `severity`, `weight`, `enabled`, and the
/// dimension the check measures, written for readers of the database).
package struct QualityRuleDocument: StoredDocument {
    enum Kind: String, Codable {
        case required, unique, element, pattern, range, codeList, idBirthDate, idSex, compare, notInFuture, references,
            fresh, currentDivision
    }

    var kind: Kind
    var item: String?
    var items: [String]?
    var element: DataElement?
    var regex: String?
    var min: String?
    var max: String?
    var codes: [String]?
    var id: String?
    var date: String?
    var sex: String?
    var left: String?
    var op: ComparisonOperator?
    var right: String?
    var resource: String?
    var target: String?
    /// Absent in documents written before they were always written: 0, `flag`, 1 and enabled.
    var ruleId: Int64?
    var severity: RuleSeverity?
    var weight: Double?
    var enabled: Bool?
    var dimension: QualityDimension?

    package init(_ rule: QualityRule) {
        ruleId = rule.id
        severity = rule.severity
        weight = rule.weight
        enabled = rule.enabled
        dimension = rule.dimension
        switch rule.check {
        case .required(let i): (kind, item) = (.required, i)
        case .unique(let i): (kind, items) = (.unique, i)
        case .element(let i, let e): (kind, item, element) = (.element, i, e)
        case .pattern(let i, let r): (kind, item, regex) = (.pattern, i, r)
        case .range(let i, let lo, let hi): (kind, item, min, max) = (.range, i, lo, hi)
        case .codeList(let i, let c): (kind, item, codes) = (.codeList, i, c)
        case .idBirthDate(let i, let d): (kind, id, date) = (.idBirthDate, i, d)
        case .idSex(let i, let x): (kind, id, sex) = (.idSex, i, x)
        case .compare(let l, let o, let r): (kind, left, op, right) = (.compare, l, o, r)
        case .notInFuture(let i): (kind, item) = (.notInFuture, i)
        case .currentDivision(let i): (kind, item) = (.currentDivision, i)
        case .references(let i, let r, let t): (kind, item, resource, target) = (.references, i, r.rawValue, t)
        case .fresh: kind = .fresh
        }
    }

    package func value() throws -> QualityRule {
        func need<T>(_ value: T?, _ field: String) throws -> T {
            guard let value else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [], debugDescription: "a \(kind.rawValue) rule has no \(field)"))
            }
            return value
        }
        let check: RuleCheck =
            switch kind {
            case .required: .required(item: try need(item, "item"))
            case .unique: .unique(items: try need(items, "items"))
            case .element: .element(item: try need(item, "item"), element: try need(element, "element"))
            case .pattern: .pattern(item: try need(item, "item"), regex: try need(regex, "regex"))
            case .range: .range(item: try need(item, "item"), min: min, max: max)
            case .codeList: .codeList(item: try need(item, "item"), codes: try need(codes, "codes"))
            case .idBirthDate: .idBirthDate(id: try need(id, "id"), date: try need(date, "date"))
            case .idSex: .idSex(id: try need(id, "id"), sex: try need(sex, "sex"))
            case .compare:
                .compare(left: try need(left, "left"), op: try need(op, "op"), right: try need(right, "right"))
            case .notInFuture: .notInFuture(item: try need(item, "item"))
            case .currentDivision: .currentDivision(item: try need(item, "item"))
            case .references:
                .references(
                    item: try need(item, "item"),
                    resource: try ResourceCode(validating: try need(resource, "resource")),
                    target: try need(target, "target"))
            case .fresh: .fresh
            }
        return QualityRule(
            id: ruleId ?? 0, check: check, severity: severity ?? .flag, weight: weight ?? 1, enabled: enabled ?? true)
    }
}

extension QualityRun.RuleResult: Stored { package typealias Document = RuleResultDocument }

package struct RuleResultDocument: StoredDocument {
    var rule: QualityRuleDocument
    var checked: Int
    var failed: Int
    var samples: [Sample]

    package init(_ r: QualityRun.RuleResult) {
        rule = QualityRuleDocument(r.rule)
        checked = r.checked
        failed = r.failed
        samples = r.samples.map { Sample(row: $0.row, field: $0.field, value: $0.value, reason: $0.reason) }
    }

    package func value() throws -> QualityRun.RuleResult {
        QualityRun.RuleResult(
            rule: try rule.value(), checked: checked, failed: failed,
            samples: samples.map { .init(row: $0.row, field: $0.field, value: $0.value, reason: $0.reason) })
    }

    struct Sample: Codable {
        var row: Int
        var field: String
        var value: String
        var reason: String
    }
}
