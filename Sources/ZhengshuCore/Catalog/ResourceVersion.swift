import Foundation

/// One saved state of a catalog entry: every change appends one.
package struct ResourceVersion: Sendable, Hashable {
    package var code: ResourceCode
    package var version: Int
    package var action: String
    package var actor: String
    package var at: Date
    package var snapshot: Resource

    package init(code: ResourceCode, version: Int, action: String, actor: String, at: Date, snapshot: Resource) {
        self.code = code
        self.version = version
        self.action = action
        self.actor = actor
        self.at = at
        self.snapshot = snapshot
    }
}

/// A field-level difference between two versions of a resource.
package struct FieldChange: Sendable, Hashable {
    package init(field: String, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }

    /// A path such as `name`, `items[birth_date].length` or `serviceItems`.
    package var field: String
    package var before: String?
    package var after: String?
}

package enum ResourceDiff {
    /// Field-level changes from `a` to `b`; items are matched by name, so a reordering is not a change.
    package static func between(_ a: Resource, _ b: Resource) -> [FieldChange] {
        let left = flatten(a), right = flatten(b)
        return Set(left.keys).union(right.keys).sorted().compactMap { key in
            left[key] == right[key] ? nil : FieldChange(field: key, before: left[key], after: right[key])
        }
    }

    static func flatten(_ r: Resource) -> [String: String] {
        var out: [String: String] = [
            "name": r.name, "abstract": r.abstract, "category": r.category, "shareType": r.shareType.rawValue,
            "openType": r.openType.rawValue, "updateCycle": r.updateCycle.rawValue, "gradeLevel": r.gradeLevel.rawValue,
            "sensitivity": r.sensitivity.rawValue, "format": r.format, "status": r.status.rawValue,
            "serviceItems": r.serviceItems.joined(separator: "; "),
        ]
        out["shareCondition"] = r.shareCondition
        out["sourceSystem"] = r.sourceSystem
        for item in r.items {
            let p = "items[\(item.name)]"
            out["\(p).label"] = item.label
            out["\(p).type"] = item.type.rawValue
            out["\(p).length"] = item.length.map(String.init)
            out["\(p).required"] = String(item.required)
            out["\(p).key"] = String(item.key)
            out["\(p).dataElement"] = item.dataElement?.rawValue
            out["\(p).description"] = item.description
            out["\(p).sensitivity"] = item.sensitivity?.rawValue
            out["\(p).masking"] = item.masking
        }
        return out
    }
}
