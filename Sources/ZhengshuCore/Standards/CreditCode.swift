import Foundation

/// Unified social credit code, GB 32100-2015 (统一社会信用代码), with the GB 11714 organisation code inside it.
package struct CreditCode: Hashable, Sendable, CustomStringConvertible {
    package let rawValue: String

    /// The 31 characters of GB 32100 (no I, O, S, V, Z); a character's value is its index.
    package static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    /// Weights 3^i mod 31.
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// - Throws: ``CreditCodeError`` naming the failing part.
    package init(validating raw: String) throws(CreditCodeError) {
        let chars = Array(raw.uppercased())
        guard chars.count == 18 else { throw .length(chars.count) }
        var values: [Int] = []
        for (i, c) in chars.enumerated() {
            guard let v = Self.alphabet.firstIndex(of: c) else { throw .character(position: i + 1, c) }
            values.append(v)
        }
        guard let types = Self.registrationTypes[chars[0]] else { throw .authority(chars[0]) }
        guard types.contains(chars[1]) else { throw .organisationType(authority: chars[0], chars[1]) }
        guard chars[2..<8].allSatisfy(\.isASCIIDigit) else { throw .divisionCode }
        // The registering authority's division: in the list in force or retired since (a code keeps it).
        if Division.standing(of: String(chars[2..<8])) == .unknown { throw .unknownDivision(String(chars[2..<8])) }
        do {
            _ = try OrganizationCode(validating: String(chars[8..<17]))
        } catch {
            throw .organizationCode(error)
        }
        let expected = Self.checkCharacter(forBodyValues: Array(values[0..<17]))
        guard expected == chars[17] else { throw .checkCharacter(expected: expected) }
        self.rawValue = String(chars)
    }

    /// GB 32100-2015 table 1: each registration management department's code (character 1) and the organisation
    /// types (character 2) it registers: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会,
    /// 9 工商, A 中央军委改革和编制办公室, N 农业, Y 其他.
    static let registrationTypes: [Character: Set<Character>] = [
        "1": ["1", "2", "3", "9"], "2": ["1", "9"], "3": ["1", "2", "3", "4", "5", "9"], "4": ["1", "9"],
        "5": ["1", "2", "3", "9"], "6": ["1", "2", "9"], "7": ["1", "2", "9"], "8": ["1", "9"], "9": ["1", "2", "3"],
        "A": ["1", "9"], "N": ["1", "2", "3", "9"], "Y": ["1"],
    ]

    /// The check character for the 17 body character values.
    package static func checkCharacter(forBodyValues values: [Int]) -> Character {
        var sum = 0
        for i in 0..<17 { sum += values[i] * weights[i] }
        let c = 31 - sum % 31
        return alphabet[c == 31 ? 0 : c]
    }

    /// The GB/T 2260 division code of the registering authority (positions 3–8).
    package var divisionCode: String { String(Array(rawValue)[2..<8]) }
    /// The embedded GB 11714 organisation code (positions 9–17).
    package var organizationCode: String { String(Array(rawValue)[8..<17]) }

    package var description: String { rawValue }
}

/// Why a string is not a valid unified social credit code.
package enum CreditCodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case length(Int)
    case character(position: Int, Character)
    case authority(Character)
    case organisationType(authority: Character, Character)
    case divisionCode
    case unknownDivision(String)
    case organizationCode(OrganizationCodeError)
    case checkCharacter(expected: Character)

    package var description: String {
        switch self {
        case .length(let n): "credit code must have 18 characters, found \(n)"
        case .character(let p, let c):
            "credit code character \(p) '\(c)' is not allowed (GB 32100 excludes I, O, S, V, Z)"
        case .authority(let c):
            "credit code character 1 '\(c)' is no registration management department of GB 32100 (1-9, A, N or Y)"
        case .organisationType(let a, let t):
            "credit code character 2 '\(t)' is no organisation type that department \(a) registers (GB 32100 table 1)"
        case .divisionCode: "credit code positions 3-8 must be a 6-digit division code"
        case .unknownDivision(let code):
            "credit code positions 3-8 \(code) are no GB/T 2260 division code, in force or retired"
        case .organizationCode(let e): "credit code embeds an invalid organisation code: \(e)"
        case .checkCharacter(let expected): "credit code check character is wrong (GB 32100 expects \(expected))"
        }
    }
}
