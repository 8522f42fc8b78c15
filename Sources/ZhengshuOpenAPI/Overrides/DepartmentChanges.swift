/// The `DepartmentPatch` schema of openapi.yaml, written by hand and put in place of the generated type by the
/// generator's `typeOverrides`: a patch must tell a field left out (keep it) from a field sent as `null` (clear it),
/// and a generated struct decodes both as `nil`. Its fields are the schema's; unknown fields are ignored, as the
/// schema's `additionalProperties: true` allows.
package struct DepartmentChanges: Codable, Hashable, Sendable {
    package var code: String?
    package var name: String?
    package var level: Components.Schemas.AdminLevel?
    /// `nil`: unchanged; `.some(nil)`: no parent any more.
    package var parent: String??
    /// `nil`: unchanged; `.some(nil)`: cleared.
    package var creditCode: String??

    package init(
        code: String? = nil, name: String? = nil, level: Components.Schemas.AdminLevel? = nil, parent: String?? = nil,
        creditCode: String?? = nil
    ) {
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
        self.creditCode = creditCode
    }

    private enum CodingKeys: String, CodingKey { case code, name, level, parent, creditCode }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decodeIfPresent(String.self, forKey: .code)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        level = try c.decodeIfPresent(Components.Schemas.AdminLevel.self, forKey: .level)
        func nullable(_ key: CodingKeys) throws -> String?? {
            guard c.contains(key) else { return nil }
            return .some(try c.decodeNil(forKey: key) ? nil : try c.decode(String.self, forKey: key))
        }
        parent = try nullable(.parent)
        creditCode = try nullable(.creditCode)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(code, forKey: .code)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(level, forKey: .level)
        if let parent { try c.encode(parent, forKey: .parent) }
        if let creditCode { try c.encode(creditCode, forKey: .creditCode) }
    }
}
