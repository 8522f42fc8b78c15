import Foundation

/// A closed list of string codes (share types, roles, levels …). Decoding an unknown code names the allowed ones,
/// so a client learns exactly what to send.
package protocol Vocabulary: RawRepresentable, CaseIterable, Decodable where RawValue == String {}

extension Vocabulary {
    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let raw = try c.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: Self.unknown(raw))
        }
        self = value
    }

    package static func unknown(_ raw: String) -> String {
        "'\(raw.prefix(60))' is not one of: " + allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// Parses a query-string value. - Throws: `invalidInput` naming the parameter and the allowed values.
    package static func parse(_ raw: String?, parameter: String) throws(ZhengshuError) -> Self? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let v = Self(rawValue: raw) else { throw ZhengshuError(.invalidInput, "\(parameter): \(unknown(raw))") }
        return v
    }
}

extension ShareType: Vocabulary {}
extension OpenType: Vocabulary {}
extension UpdateCycle: Vocabulary {}
extension GradeLevel: Vocabulary {}
extension Sensitivity: Vocabulary {}
extension ResourceStatus: Vocabulary {}
extension DataType: Vocabulary {}
extension AdminLevel: Vocabulary {}
extension Role: Vocabulary {}
extension DataElement: Vocabulary {}

extension String {
    /// The string without leading and trailing spaces and tabs; itself (no copy) when there are none, which is the
    /// hot-path case of every imported value.
    package var trimmingASCIISpaces: String {
        let u = utf8
        guard let first = u.first, let last = u.last else { return self }
        func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        if !space(first) && !space(last) { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}
