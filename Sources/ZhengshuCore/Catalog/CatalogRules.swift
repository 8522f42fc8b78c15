import Foundation

/// Pure rules of the catalog: what a well-formed entry is, and how an entry may change.
package enum CatalogRules {
    static let maxItems = 500
    static let maxStringLength = 65_535

    /// Builds a new draft resource from submitted metadata, or lists every rule it breaks.
    package static func newResource(from draft: ResourceDraft, now: Date) throws(ZhengshuError) -> Resource {
        var missing: [ZhengshuError.Violation] = []
        func require<T>(_ value: T?, _ field: String) -> T? {
            if value == nil { missing.append(.init(field: field, reason: "is required")) }
            return value
        }
        let code = require(draft.code, "code")
        let department = require(draft.department, "department")
        let name = require(draft.name, "name")
        let category = require(draft.category, "category")
        let items = require(draft.items, "items")
        let shareType = require(draft.shareType, "shareType")
        guard missing.isEmpty, let code, let department, let name, let category, let items, let shareType else {
            throw .validation(missing)
        }
        let resourceCode = try ResourceCode(validating: code)
        let departmentCode = try DepartmentCode(validating: department)
        let resource = Resource(
            code: resourceCode, name: name, abstract: draft.abstract ?? "", department: departmentCode,
            category: category, items: items, shareType: shareType, shareCondition: draft.shareCondition,
            openType: draft.openType ?? .none, updateCycle: draft.updateCycle ?? .irregular,
            gradeLevel: draft.gradeLevel ?? .general,
            sensitivity: draft.sensitivity ?? max(.l2, items.compactMap(\.sensitivity).max() ?? .l2),
            serviceItems: draft.serviceItems ?? [], sourceSystem: draft.sourceSystem, format: draft.format ?? "表格",
            status: .draft, version: 1, publishedAt: nil, createdAt: now, updatedAt: now)
        try validate(resource)
        return resource
    }

    /// Applies a partial change to `current`. Code and department never change; a published resource may only
    /// gain optional items, because its records table already exists.
    package static func applying(
        _ draft: ResourceDraft, to current: Resource, now: Date
    ) throws(ZhengshuError) -> Resource {
        var violations: [ZhengshuError.Violation] = []
        if let code = draft.code, code != current.code.rawValue {
            violations.append(.init(field: "code", reason: "is stable and cannot be changed"))
        }
        if let department = draft.department, department != current.department.rawValue {
            violations.append(.init(field: "department", reason: "cannot be changed; register the resource anew"))
        }
        if current.status == .retired {
            throw ZhengshuError(.conflict, "resource \(current.code) is retired and can no longer be edited")
        }
        guard violations.isEmpty else { throw .validation(violations) }
        var next = current
        if let v = draft.name { next.name = v }
        if let v = draft.abstract { next.abstract = v }
        if let v = draft.category { next.category = v }
        if let v = draft.items {
            if current.status == .published { try checkPublishedItemChange(from: current.items, to: v) }
            next.items = v
        }
        if let v = draft.shareType { next.shareType = v }
        if let v = draft.shareCondition { next.shareCondition = v.isEmpty ? nil : v }
        if let v = draft.openType { next.openType = v }
        if let v = draft.updateCycle { next.updateCycle = v }
        if let v = draft.gradeLevel { next.gradeLevel = v }
        if let v = draft.sensitivity {
            next.sensitivity = v
        } else if let highest = next.items.compactMap(\.sensitivity).max(), highest > next.sensitivity {
            next.sensitivity = highest  // 就高从严: a resource follows its most sensitive item up
        }
        if let v = draft.serviceItems { next.serviceItems = v }
        if let v = draft.sourceSystem { next.sourceSystem = v.isEmpty ? nil : v }
        if let v = draft.format { next.format = v }
        try validate(next)
        guard next != current else { return current }
        next.version = current.version + 1
        next.updatedAt = now
        return next
    }

    /// Moves a resource through its lifecycle: draft → published → retired.
    package static func transition(
        _ current: Resource, to status: ResourceStatus, now: Date
    ) throws(ZhengshuError) -> Resource {
        let allowed: Bool =
            switch (current.status, status) {
            case (.draft, .published), (.published, .retired): true
            default: false
            }
        guard allowed else {
            throw ZhengshuError(
                .conflict, "resource \(current.code) is \(current.status.rawValue) and cannot become \(status.rawValue)"
            )
        }
        var next = current
        next.status = status
        next.version += 1
        next.updatedAt = now
        if status == .published { next.publishedAt = now }
        return next
    }

    /// Every rule a complete resource must satisfy, reported together.
    package static func validate(_ r: Resource) throws(ZhengshuError) {
        var v: [ZhengshuError.Violation] = []
        func check(_ ok: Bool, _ field: String, _ reason: String) {
            if !ok { v.append(.init(field: field, reason: reason)) }
        }
        let name = r.name.trimmingCharacters(in: .whitespaces)
        check(!name.isEmpty && name.count <= 200, "name", "must be 1-200 characters")
        check(r.abstract.count <= 4000, "abstract", "must be at most 4000 characters")
        check(
            SubjectCategory.all.contains(r.category), "category",
            "must be one of \(SubjectCategory.all.joined(separator: ", "))")
        check(!r.items.isEmpty, "items", "a resource needs at least one item")
        check(r.items.count <= maxItems, "items", "at most \(maxItems) items")
        switch r.shareType {
        case .conditional:
            check(!(r.shareCondition ?? "").isEmpty, "shareCondition", "conditional sharing must state its condition")
        case .none:
            check(
                !(r.shareCondition ?? "").isEmpty, "shareCondition",
                "a resource that is not shared must cite the law, regulation or policy it rests on")
        case .unconditional: break
        }
        check(
            r.serviceItems.allSatisfy { !$0.isEmpty && $0.count <= 200 }, "serviceItems",
            "entries must be 1-200 characters")
        check(r.format.count <= 50, "format", "must be at most 50 characters")
        var seen: Set<String> = []
        for (i, item) in r.items.enumerated() {
            let f = "items[\(i)]"
            check(
                DataItem.isValidName(item.name), "\(f).name",
                "'\(item.name.prefix(60))' must start with a-z and hold only a-z, 0-9 and _ (at most 48, not _id)")
            check(seen.insert(item.name).inserted, "\(f).name", "duplicate item name '\(item.name)'")
            check(!item.label.isEmpty && item.label.count <= 100, "\(f).label", "must be 1-100 characters")
            if let length = item.length {
                switch item.type {
                case .string:
                    check((1...maxStringLength).contains(length), "\(f).length", "must be 1-\(maxStringLength)")
                case .decimal: check((1...38).contains(length), "\(f).length", "decimal precision must be 1-38 digits")
                default: check(false, "\(f).length", "applies to string and decimal items only")
                }
            }
            if item.dataElement != nil {
                check(item.type == .string, "\(f).dataElement", "data elements apply to string items")
            }
            if let policy = item.masking {
                check(
                    MaskingPolicy.isValidName(policy), "\(f).masking",
                    "'\(policy.prefix(60))' is not a masking policy name")
            }
        }
        if let highest = r.items.compactMap(\.sensitivity).max() {
            check(
                r.sensitivity >= highest, "sensitivity",
                "must be at least \(highest.rawValue), the highest grade of its items (a resource is graded by its most sensitive item)"
            )
        }
        guard v.isEmpty else { throw .validation(v) }
    }

    static func checkPublishedItemChange(from old: [DataItem], to new: [DataItem]) throws(ZhengshuError) {
        var v: [ZhengshuError.Violation] = []
        let newByName = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for item in old {
            guard let changed = newByName[item.name] else {
                v.append(.init(field: "items", reason: "item '\(item.name)' of a published resource cannot be removed"))
                continue
            }
            if changed.type != item.type || changed.key != item.key || changed.required != item.required
                || changed.dataElement != item.dataElement || (changed.length ?? .max) < (item.length ?? .max)
            {
                v.append(
                    .init(
                        field: "items",
                        reason:
                            "item '\(item.name)' of a published resource may only change its label, description, grade or masking policy, or widen its length"
                    ))
            }
        }
        let oldNames = Set(old.map(\.name))
        for item in new where !oldNames.contains(item.name) && (item.key || item.required) {
            v.append(
                .init(
                    field: "items",
                    reason: "item '\(item.name)' added to a published resource must be optional and not a key"))
        }
        guard v.isEmpty else { throw .validation(v) }
    }
}
