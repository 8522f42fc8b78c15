import Foundation

/// Whose profile (一人一档 / 一企一档): a person by citizen identity number, an enterprise by credit code.
package enum ProfileKind: String, CaseIterable, Sendable, Codable, Vocabulary {
    case person, enterprise

    /// The data element whose items identify the subject in any resource.
    package var element: DataElement { self == .person ? .citizenID : .creditCode }
}

/// One attribute of a profile with its provenance: which department's resource and item said it, and when that
/// resource's data last changed.
package struct ProfileAttribute: Hashable, Sendable {
    /// What the attribute means across departments (`name`, `phone`, `address`, …), when the platform recognises it.
    package var concept: String?
    package var item: String
    package var label: String
    /// As the caller may see it (masked per policy where it must be).
    package var value: String
    package var masked: Bool
    package var department: DepartmentCode
    package var resource: ResourceCode
    package var resourceName: String
    package var updatedAt: Date?
}

/// Two or more departments hold different values of one concept for the same subject.
package struct ProfileConflict: Hashable, Sendable {
    package struct Claim: Hashable, Sendable {
        package var department: DepartmentCode
        package var resource: ResourceCode
        package var item: String
        package var value: String
    }

    package var concept: String
    package var claims: [Claim]
}

/// A resource that contributed to a profile.
package struct ProfileSource: Hashable, Sendable {
    package var resource: ResourceCode
    package var name: String
    package var department: DepartmentCode
    /// The item that identified the subject.
    package var item: String
    package var records: Int
    package var updatedAt: Date?
    /// The grant the caller read it through (none for the owning department and the bureau).
    package var grant: GrantID?
}

/// Everything the caller may see of one person or enterprise across departments.
package struct Profile: Sendable {
    package var kind: ProfileKind
    /// The identifier, masked for a person.
    package var subject: String
    package var attributes: [ProfileAttribute]
    package var conflicts: [ProfileConflict]
    package var sources: [ProfileSource]
}

/// How records about a subject become a profile: which items identify a subject, which describe it, what they mean,
/// and where departments disagree.
package enum ProfileRules {
    /// Label endings that name an identifier; what comes before is the role (`法定代表人身份号码` → `法定代表人`).
    static let identifierLabels = ["公民身份号码", "身份证号码", "居民身份证号码", "身份证号", "身份号码", "证件号码", "统一社会信用代码", "信用代码"]

    /// The items a records table indexes for profile lookups: every item identifying a person or an enterprise, except
    /// the leading key item (its unique index serves already). Positions are the items' in the resource.
    package static func lookupItems(of resource: Resource) -> [(position: Int, item: DataItem)] {
        resource.items.enumerated().filter { k, item in
            (item.dataElement == .citizenID || item.dataElement == .creditCode)
                && resource.keyItems.first?.name != item.name
        }.map { ($0.offset, $0.element) }
    }

    /// The items of `resource` that identify a subject of `kind`.
    package static func subjectItems(of resource: Resource, kind: ProfileKind) -> [DataItem] {
        resource.items.filter { $0.dataElement == kind.element }
    }

    /// The role an identifier item names: empty for the resource's own subject (`公民身份号码`), else the prefix of its
    /// label (`法定代表人` of `法定代表人身份号码`, `单位` of `单位统一社会信用代码`).
    static func role(of item: DataItem) -> String {
        let label = item.label.trimmingCharacters(in: .whitespaces)
        for suffix in identifierLabels.sorted(by: { $0.count > $1.count }) where label.hasSuffix(suffix) {
            return String(label.dropLast(suffix.count))
        }
        return ""
    }

    /// The items that describe the subject `identifier` names: for a role, the items whose label starts with it; for
    /// the resource's own subject, every item not belonging to another identifier's role.
    package static func describingItems(of resource: Resource, identifier: DataItem) -> [DataItem] {
        let role = role(of: identifier)
        if !role.isEmpty { return resource.items.filter { $0.label.hasPrefix(role) } }
        let others = resource.items.filter {
            $0.name != identifier.name && ($0.dataElement == .citizenID || $0.dataElement == .creditCode)
        }
        .map(role(of:)).filter { !$0.isEmpty }
        return resource.items.filter { item in
            item.name == identifier.name || !others.contains { item.label.hasPrefix($0) }
        }
    }

    /// What an item means, when departments can be compared on it.
    package static func concept(of item: DataItem, kind: ProfileKind, identifier: DataItem) -> String? {
        if item.name == identifier.name { return nil }
        let label = String(item.label.dropFirst(role(of: identifier).count))
        if item.dataElement == .mobile || label.contains("手机") || label.contains("电话") { return "phone" }
        if label.contains("地址") || label.contains("住址") || label.contains("住所") { return "address" }
        switch kind {
        case .person:
            // A role's bare label names its person (`法定代表人` beside `法定代表人身份证号`).
            if label.isEmpty || label.hasSuffix("姓名") || label == "名字" { return "name" }
            if item.dataElement == .sex || label == "性别" { return "sex" }
            if label.contains("出生日期") { return "birthDate" }
        case .enterprise:
            if label.hasSuffix("名称") { return "name" }
            if label.contains("法定代表人") && label.hasSuffix("姓名") { return "legalRepresentative" }
        }
        return nil
    }

    /// One compared value: who holds it and what it is in clear (never shown; only compared).
    package struct Observation: Hashable, Sendable {
        package var concept: String
        package var department: DepartmentCode
        package var resource: ResourceCode
        package var item: String
        package var clear: String
        /// As the caller sees it.
        package var shown: String

        package init(
            concept: String, department: DepartmentCode, resource: ResourceCode, item: String, clear: String,
            shown: String
        ) {
            self.concept = concept
            self.department = department
            self.resource = resource
            self.item = item
            self.clear = clear
            self.shown = shown
        }
    }

    /// Concepts on which two departments hold different values (compared in clear, trimmed, ignoring case and
    /// full-width spaces); a department that holds several values itself (history rows) is not a conflict.
    package static func conflicts(_ observations: [Observation]) -> [ProfileConflict] {
        func normal(_ s: String) -> String {
            s.replacingOccurrences(of: "\u{3000}", with: " ").trimmingCharacters(in: .whitespaces).lowercased()
        }
        var out: [ProfileConflict] = []
        for (concept, group) in Dictionary(grouping: observations.filter { !normal($0.clear).isEmpty }, by: \.concept)
            .sorted(by: { $0.key < $1.key })
        {
            let byDepartment = Dictionary(grouping: group, by: \.department)
            guard byDepartment.count > 1 else { continue }
            // Departments disagree when no single value is held by every one of them.
            let sets = byDepartment.values.map { Set($0.map { normal($0.clear) }) }
            guard sets.dropFirst().reduce(sets[0], { $0.intersection($1) }).isEmpty else { continue }
            var seen = Set<String>()
            let claims = group.sorted {
                ($0.department.rawValue, $0.resource.rawValue, $0.item) < (
                    $1.department.rawValue, $1.resource.rawValue, $1.item
                )
            }
            .filter { seen.insert("\($0.resource)\u{0}\($0.item)\u{0}\(normal($0.clear))").inserted }
            .map {
                ProfileConflict.Claim(department: $0.department, resource: $0.resource, item: $0.item, value: $0.shown)
            }
            out.append(ProfileConflict(concept: concept, claims: claims))
        }
        return out
    }
}
