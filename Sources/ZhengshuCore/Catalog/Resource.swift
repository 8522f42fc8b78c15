import Foundation

/// Code of a catalog resource (信息资源代码): unique and stable across versions.
package struct ResourceCode: Hashable, Sendable, Codable, CustomStringConvertible {
    package let rawValue: String

    /// ASCII letters, digits, `-`, `_` and `.`; 1–64 characters, starting with a letter or digit.
    package init(validating raw: String) throws(ZhengshuError) {
        guard Self.isValid(raw) else {
            throw ZhengshuError(
                .invalidInput, "resource code '\(raw.prefix(80))' must be 1-64 ASCII letters, digits, '-', '_' or '.'")
        }
        rawValue = raw
    }

    package init(trusted raw: String) { rawValue = raw }

    static func isValid(_ raw: String) -> Bool {
        guard let first = raw.unicodeScalars.first, raw.unicodeScalars.count <= 64 else { return false }
        func ok(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) }
        return ok(first) && raw.unicodeScalars.allSatisfy { ok($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }

    package init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        self.init(trusted: raw)
    }
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    package var description: String { rawValue }
}

/// A data resource in the government information resource catalog (政务信息资源目录), GB/T 21063 core metadata.
package struct Resource: Hashable, Sendable {
    package init(
        code: ResourceCode, name: String, abstract: String, department: DepartmentCode, category: String,
        items: [DataItem], shareType: ShareType, shareCondition: String?, openType: OpenType, updateCycle: UpdateCycle,
        gradeLevel: GradeLevel, sensitivity: Sensitivity, serviceItems: [String], sourceSystem: String?, format: String,
        status: ResourceStatus, version: Int, publishedAt: Date?, createdAt: Date, updatedAt: Date
    ) {
        self.code = code
        self.name = name
        self.abstract = abstract
        self.department = department
        self.category = category
        self.items = items
        self.shareType = shareType
        self.shareCondition = shareCondition
        self.openType = openType
        self.updateCycle = updateCycle
        self.gradeLevel = gradeLevel
        self.sensitivity = sensitivity
        self.serviceItems = serviceItems
        self.sourceSystem = sourceSystem
        self.format = format
        self.status = status
        self.version = version
        self.publishedAt = publishedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    package var code: ResourceCode
    package var name: String
    package var abstract: String
    package var department: DepartmentCode
    package var category: String
    package var items: [DataItem]
    package var shareType: ShareType
    /// The condition for `conditional` sharing, or the law or policy a `none` share type rests on.
    package var shareCondition: String?
    package var openType: OpenType
    package var updateCycle: UpdateCycle
    package var gradeLevel: GradeLevel
    package var sensitivity: Sensitivity
    /// Related government service items (政务服务事项).
    package var serviceItems: [String]
    package var sourceSystem: String?
    package var format: String
    package var status: ResourceStatus
    /// Incremented by every change; version 1 is the creation.
    package var version: Int
    package var publishedAt: Date?
    package var createdAt: Date
    package var updatedAt: Date

    package var keyItems: [DataItem] { items.filter(\.key) }

    package func item(named name: String) -> DataItem? { items.first { $0.name == name } }
}

/// The editable metadata of a resource: what a provider submits to create or change a catalog entry.
package struct ResourceDraft: Sendable {
    package var code: String?
    package var name: String?
    package var abstract: String?
    package var department: String?
    package var category: String?
    package var items: [DataItem]?
    package var shareType: ShareType?
    package var shareCondition: String?
    package var openType: OpenType?
    package var updateCycle: UpdateCycle?
    package var gradeLevel: GradeLevel?
    package var sensitivity: Sensitivity?
    package var serviceItems: [String]?
    package var sourceSystem: String?
    package var format: String?

    package init() {}
}
