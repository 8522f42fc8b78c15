import Foundation

/// A data element (数据元) an administrator defines beside the built-in national ones: a name, a type, and what a
/// conforming value looks like (a pattern, a range, a code list). Catalog items reference it by id; every change is a
/// new version.
package struct CustomDataElement: Hashable, Sendable {
    package var id: String
    package var label: String
    package var type: DataType
    package var length: Int?
    /// A regular expression the whole value matches.
    package var pattern: String?
    /// Bounds, compared as `type` (numbers as numbers, dates as dates).
    package var min: String?
    package var max: String?
    /// Code → meaning; a value must be one of the codes.
    package var codes: [String: String]?
    package var description: String?
    package var version: Int
    package var updatedAt: Date
    package var updatedBy: String

    package init(
        id: String, label: String, type: DataType, length: Int? = nil, pattern: String? = nil, min: String? = nil,
        max: String? = nil,
        codes: [String: String]? = nil, description: String? = nil, version: Int = 1, updatedAt: Date, updatedBy: String
    ) {
        self.id = id
        self.label = label
        self.type = type
        self.length = length
        self.pattern = pattern
        self.min = min
        self.max = max
        self.codes = codes
        self.description = description
        self.version = version
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }

    /// Every rule the definition breaks.
    package func validate() throws(ZhengshuError) {
        var v: [ZhengshuError.Violation] = []
        if !DataItem.isValidName(id) || DataElement(rawValue: id) != nil {
            v.append(
                .init(
                    field: "id",
                    reason: "must start with a-z, hold only a-z, 0-9 and _ (at most 48), and not be a built-in element")
            )
        }
        if label.trimmingCharacters(in: .whitespaces).isEmpty || label.count > 100 {
            v.append(.init(field: "label", reason: "must be 1-100 characters"))
        }
        if type == .datetime || type == .boolean {
            v.append(.init(field: "type", reason: "must be string, integer, decimal or date"))
        }
        if let length, !(1...65_535).contains(length) {
            v.append(.init(field: "length", reason: "must be from 1 to 65535"))
        }
        if let pattern, (try? NSRegularExpression(pattern: "^(?:\(pattern))$")) == nil || pattern.count > 500 {
            v.append(.init(field: "pattern", reason: "must be a regular expression of at most 500 characters"))
        }
        if pattern == nil, min == nil, max == nil, codes == nil, length == nil {
            v.append(.init(field: "pattern", reason: "an element needs a pattern, a range, a code list or a length"))
        }
        if let codes, codes.isEmpty || codes.count > 10_000 {
            v.append(.init(field: "codes", reason: "must hold 1 to 10000 codes"))
        }
        let probe = DataItem(name: "x", label: "x", type: type)
        for (field, bound) in [("min", min), ("max", max)] {
            guard let bound else { continue }
            if case .failure = RecordValidator.convert(.string(bound), for: probe) {
                v.append(.init(field: field, reason: "'\(bound.prefix(40))' is not a \(type.rawValue)"))
            }
        }
        guard v.isEmpty else { throw .validation(v) }
    }

    /// The checks a value of an item referencing this element must pass, as quality rules on `item`.
    package func checks(for item: String) -> [RuleCheck] {
        var out: [RuleCheck] = []
        if let pattern { out.append(.pattern(item: item, regex: pattern)) }
        if min != nil || max != nil { out.append(.range(item: item, min: min, max: max)) }
        if let codes { out.append(.codeList(item: item, codes: codes.keys.sorted())) }
        return out
    }
}
