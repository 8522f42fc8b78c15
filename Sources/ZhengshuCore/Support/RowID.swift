/// A numeric identifier the store assigns, typed by what it identifies so a user id is never taken for a token id
/// (isowords' `Tagged<Self, UUID>`). Encodes as a bare JSON integer.
package struct RowID<Owner>: Hashable, Sendable, Codable, CustomStringConvertible {
    package let rawValue: Int64
    package init(_ rawValue: Int64) { self.rawValue = rawValue }
    package init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int64.self) }
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    package var description: String { String(rawValue) }
}
