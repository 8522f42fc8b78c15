import Foundation

/// Organisation code, GB 11714-1997 (组织机构代码): 8 body characters and a check character.
package struct OrganizationCode: Hashable, Sendable, CustomStringConvertible {
    package let rawValue: String

    static let weights = [3, 7, 9, 10, 5, 8, 4, 2]

    /// Accepts `XXXXXXXX-C` or `XXXXXXXXC`.
    /// - Throws: ``OrganizationCodeError``.
    package init(validating raw: String) throws(OrganizationCodeError) {
        var chars = Array(raw.uppercased())
        if chars.count == 10, chars[8] == "-" { chars.remove(at: 8) }
        guard chars.count == 9 else { throw .length(chars.count) }
        var values: [Int] = []
        for c in chars[0..<8] {
            guard let v = Self.value(of: c) else { throw .character(c) }
            values.append(v)
        }
        let expected = Self.checkCharacter(forBodyValues: values)
        guard expected == chars[8] else { throw .checkCharacter(expected: expected) }
        self.rawValue = String(chars)
    }

    /// A digit is its value; a letter is 10 + its index in A–Z.
    package static func value(of c: Character) -> Int? {
        guard let a = c.asciiValue else { return nil }
        switch a {
        case 48...57: return Int(a) - 48
        case 65...90: return Int(a) - 65 + 10
        default: return nil
        }
    }

    package static func checkCharacter(forBodyValues values: [Int]) -> Character {
        var sum = 0
        for i in 0..<8 { sum += values[i] * weights[i] }
        let c = 11 - sum % 11
        return c == 10 ? "X" : c == 11 ? "0" : Character(String(c))
    }

    package var description: String { rawValue }
}

package enum OrganizationCodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case length(Int)
    case character(Character)
    case checkCharacter(expected: Character)

    package var description: String {
        switch self {
        case .length(let n): "organisation code must have 9 characters, found \(n)"
        case .character(let c): "organisation code character '\(c)' must be a digit or A-Z"
        case .checkCharacter(let e): "organisation code check character is wrong (GB 11714 expects \(e))"
        }
    }
}
