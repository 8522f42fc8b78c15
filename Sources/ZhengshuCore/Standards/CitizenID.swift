import Foundation

/// Citizen identity number, GB 11643-1999 (公民身份号码).
///
/// Valid by construction: an instance always holds 18 characters whose birth date is a real date and whose
/// check character matches.
package struct CitizenID: Hashable, Sendable, CustomStringConvertible {
    package let rawValue: String

    /// Weights 2^(17-i) mod 11, GB 11643-1999 §5.
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters = Array("10X98765432")

    /// - Throws: ``CitizenIDError`` naming the failing part.
    package init(validating raw: String) throws(CitizenIDError) {
        // Fast path on the UTF-8 bytes, without allocating: the common case of 18 ASCII characters.
        switch Self.check(utf8: raw.utf8) {
        case .valid(let upper):
            rawValue = upper ? raw.uppercased() : raw
            try Self.checkAddress(rawValue)
            return
        case .invalid(let error): throw error
        case .notASCII: break
        }
        let chars = Array(raw.uppercased())
        if chars.count == 15, chars.allSatisfy(\.isASCIIDigit) { throw .legacy15Digit }
        guard chars.count == 18 else { throw .length(chars.count) }
        guard chars[0..<17].allSatisfy(\.isASCIIDigit), chars[17].isASCIIDigit || chars[17] == "X" else {
            throw .characters
        }
        let digits = chars[0..<17].map { Int($0.asciiValue! - 48) }
        guard
            let date = CivilDate(
                year: digits[6..<10].reduce(0) { $0 * 10 + $1 },
                month: digits[10] * 10 + digits[11],
                day: digits[12] * 10 + digits[13])
        else { throw .birthDate }
        guard date <= CivilDate.today else { throw .futureBirthDate }
        let expected = Self.checkCharacter(forBody: digits)
        guard expected == chars[17] else { throw .checkCharacter(expected: expected) }
        self.rawValue = String(chars)
        try Self.checkAddress(rawValue)
    }

    /// Once a GB/T 2260 list is installed: the address code (positions 1–6) is a division code of the list or of its
    /// history, and not one retired before the holder was born (a number is issued at birth or later).
    static func checkAddress(_ id: String) throws(CitizenIDError) {
        let code = id.prefix(6)
        switch Division.standing(of: code) {
        case nil, .current: return
        case .unknown: throw .addressCode(String(code))
        case .retired(let span):
            let born = Int(id.dropFirst(6).prefix(4)) ?? 0
            if let last = span.to, last < born { throw .addressRetired(String(code), span.name, last, born) }
        }
    }

    enum FastCheck {
        /// Valid; `true` when a lower-case x needs upper-casing.
        case valid(Bool)
        case invalid(CitizenIDError)
        /// Not 17 ASCII digits and a digit or X: the careful path decides.
        case notASCII
    }

    /// Checks 18 bytes of digits (and a final X) without allocating: birth date and check character.
    static func check(utf8 u: some Collection<UInt8>) -> FastCheck {
        guard u.count == 18 else { return .notASCII }
        var sum = 0, year = 0, month = 0, day = 0, i = 0
        var last: UInt8 = 0
        for b in u {
            if i < 17 {
                guard (48...57).contains(b) else { return .notASCII }
                let d = Int(b) - 48
                sum += d * weights[i]
                switch i {
                case 6...9: year = year * 10 + d
                case 10...11: month = month * 10 + d
                case 12...13: day = day * 10 + d
                default: break
                }
            } else {
                last = b
            }
            i += 1
        }
        let upper = last == UInt8(ascii: "x")
        if upper { last = UInt8(ascii: "X") }
        guard (48...57).contains(last) || last == UInt8(ascii: "X") else { return .notASCII }
        guard let birth = CivilDate(year: year, month: month, day: day) else { return .invalid(.birthDate) }
        guard birth <= CivilDate.today else { return .invalid(.futureBirthDate) }
        let expected = checkCharacters[sum % 11]
        guard expected.asciiValue == last else { return .invalid(.checkCharacter(expected: expected)) }
        return .valid(upper)
    }

    /// Whether 18 bytes are a valid number (the scanner's test, without allocating).
    package static func isValid(utf8 u: UnsafeBufferPointer<UInt8>) -> Bool {
        if case .valid = check(utf8: u) { return true }
        return false
    }

    /// The check character for the first 17 digits.
    package static func checkCharacter(forBody digits: [Int]) -> Character {
        precondition(digits.count == 17)
        var sum = 0
        for i in 0..<17 { sum += digits[i] * weights[i] }
        return checkCharacters[sum % 11]
    }

    /// Birth date encoded in positions 7–14.
    package var birthDate: CivilDate {
        let d = Array(rawValue.utf8).map { Int($0) - 48 }
        return CivilDate(
            year: d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9], month: d[10] * 10 + d[11],
            day: d[12] * 10 + d[13])!
    }

    /// Sex from the parity of the 17th digit (odd male, even female), as a GB/T 2261.1 code.
    package var sex: Sex {
        let digit = Int(Array(rawValue.utf8)[16]) - 48
        return digit % 2 == 1 ? .male : .female
    }

    /// The GB/T 2260 division code of the place of first registration (first six digits).
    package var divisionCode: String { String(rawValue.prefix(6)) }

    /// The two-digit province code.
    package var provinceCode: String { String(rawValue.prefix(2)) }

    package var description: String { rawValue }
}

/// Why a string is not a valid 18-digit citizen identity number.
package enum CitizenIDError: Error, Equatable, Sendable, CustomStringConvertible {
    case length(Int)
    case characters
    case birthDate
    case futureBirthDate
    case checkCharacter(expected: Character)
    /// A 15-digit number issued before 1999: recognised, never accepted as a valid 18-digit number.
    case legacy15Digit
    /// The address code is no GB/T 2260 division, in force or retired.
    case addressCode(String)
    /// The address code was retired (its name, the last year in use) before the holder's birth year.
    case addressRetired(String, String, Int, Int)

    package var description: String {
        switch self {
        case .length(let n): "citizen ID must have 18 characters, found \(n)"
        case .characters: "citizen ID must be 17 digits followed by a digit or X"
        case .birthDate: "citizen ID birth date (positions 7-14) is not a real date"
        case .futureBirthDate: "citizen ID birth date (positions 7-14) is in the future"
        case .checkCharacter(let expected): "citizen ID check character is wrong (GB 11643 expects \(expected))"
        case .legacy15Digit: "legacy 15-digit citizen ID (issued before 1999); an 18-digit number is required"
        case .addressCode(let code):
            "citizen ID address code (positions 1-6) \(code) is no GB/T 2260 division code, in force or retired"
        case .addressRetired(let code, let name, let last, let born):
            "citizen ID address code (positions 1-6) \(code) (\(name)) was retired after \(last), before the holder was born in \(born)"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
