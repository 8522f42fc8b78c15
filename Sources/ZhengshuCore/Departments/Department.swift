import Foundation

/// Code of a department (部门编码): stable, ASCII, chosen by the data bureau.
package struct DepartmentCode: Hashable, Sendable, Codable, CustomStringConvertible {
    package let rawValue: String

    /// ASCII letters, digits, `-` and `_`; 1–64 characters.
    package init(validating raw: String) throws(ZhengshuError) {
        guard let first = raw.unicodeScalars.first, raw.unicodeScalars.count <= 64,
            first.isASCII, first.properties.isAlphabetic || ("0"..."9").contains(first),
            raw.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
            })
        else {
            throw ZhengshuError(
                .invalidInput, "department code '\(raw.prefix(80))' must be 1-64 ASCII letters, digits, '-' or '_'")
        }
        rawValue = raw
    }

    package init(trusted raw: String) { rawValue = raw }

    package init(from decoder: any Decoder) throws {
        self.init(trusted: try decoder.singleValueContainer().decode(String.self))
    }
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    package var description: String { rawValue }
}

/// Administrative level of a department.
package enum AdminLevel: String, CaseIterable, Sendable, Codable, Comparable {
    case province, city, county
    package static func < (a: AdminLevel, b: AdminLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A government department (部门) that provides or consumes data.
package struct Department: Hashable, Sendable {
    package init(
        code: DepartmentCode, name: String, level: AdminLevel, parent: DepartmentCode?, creditCode: String?,
        createdAt: Date, updatedAt: Date
    ) {
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
        self.creditCode = creditCode
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    package var code: DepartmentCode
    package var name: String
    package var level: AdminLevel
    package var parent: DepartmentCode?
    /// Unified social credit code of the agency (机关统一社会信用代码), GB 32100.
    package var creditCode: String?
    package var createdAt: Date
    package var updatedAt: Date
}

/// What an admin submits to create or change a department.
package struct DepartmentDraft: Sendable {
    package var code: String?
    package var name: String?
    package var level: AdminLevel?
    package var parent: String??
    package var creditCode: String??

    package init(
        code: String? = nil, name: String? = nil, level: AdminLevel? = nil, parent: String?? = nil,
        creditCode: String?? = nil
    ) {
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
        self.creditCode = creditCode
    }

    private enum CodingKeys: String, CodingKey { case code, name, level, parent, creditCode }

    /// Tells "absent" (keep) from `null` (clear) for the optional fields.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decodeIfPresent(String.self, forKey: .code)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        level = try c.decodeIfPresent(AdminLevel.self, forKey: .level)
        parent = c.contains(.parent) ? .some(try c.decodeIfPresent(String.self, forKey: .parent)) : .none
        creditCode = c.contains(.creditCode) ? .some(try c.decodeIfPresent(String.self, forKey: .creditCode)) : .none
    }
}

/// Pure rules for departments. The parent's existence and level are checked by the use case, which reads it.
package enum DepartmentRules {
    package static func newDepartment(from d: DepartmentDraft, now: Date) throws(ZhengshuError) -> Department {
        var missing: [ZhengshuError.Violation] = []
        if d.code == nil { missing.append(.init(field: "code", reason: "is required")) }
        if d.name == nil { missing.append(.init(field: "name", reason: "is required")) }
        if d.level == nil { missing.append(.init(field: "level", reason: "is required")) }
        guard missing.isEmpty, let code = d.code, let name = d.name, let level = d.level else {
            throw .validation(missing)
        }
        if code.uppercased().hasPrefix(MemberProfile.codePrefix) {
            throw .validation([
                .init(
                    field: "code", reason: "codes starting \(MemberProfile.codePrefix) are the open portal's members'")
            ])
        }
        let department = Department(
            code: try DepartmentCode(validating: code), name: name, level: level,
            parent: try (d.parent ?? nil).map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) },
            creditCode: d.creditCode ?? nil, createdAt: now, updatedAt: now)
        try validate(department)
        return department
    }

    package static func applying(
        _ d: DepartmentDraft, to current: Department, now: Date
    ) throws(ZhengshuError) -> Department {
        if let code = d.code, code != current.code.rawValue {
            throw .validation([.init(field: "code", reason: "is stable and cannot be changed")])
        }
        var next = current
        if let v = d.name { next.name = v }
        if let v = d.level { next.level = v }
        if let v = d.parent {
            next.parent = try v.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        }
        if let v = d.creditCode { next.creditCode = v }
        try validate(next)
        if next != current { next.updatedAt = now }
        return next
    }

    package static func validate(_ d: Department) throws(ZhengshuError) {
        var v: [ZhengshuError.Violation] = []
        let name = d.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 100 { v.append(.init(field: "name", reason: "must be 1-100 characters")) }
        if let credit = d.creditCode, let problem = DataElement.creditCode.problem(with: credit) {
            v.append(.init(field: "creditCode", reason: problem))
        }
        if d.parent == d.code { v.append(.init(field: "parent", reason: "a department cannot be its own parent")) }
        guard v.isEmpty else { throw .validation(v) }
    }

    /// A child sits at its parent's level or below (a province bureau may hold province-level offices).
    package static func checkParent(_ parent: Department, of child: Department) throws(ZhengshuError) {
        guard parent.level <= child.level else {
            throw .validation([
                .init(
                    field: "parent",
                    reason:
                        "a \(child.level.rawValue)-level department cannot sit under the \(parent.level.rawValue)-level \(parent.code)"
                )
            ])
        }
    }
}
