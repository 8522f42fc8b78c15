import Foundation

/// Record values that free text carries (an audit entry's detail: a problem's row key, a sandbox statement, a reason a
/// person typed), found by their structure and masked as their display masks mask them: citizen IDs (GB 11643, the
/// check character right), mobile numbers (11 digits from 13–19) and bank card numbers (16–19 digits, Luhn right).
/// A run of digits longer or shorter than these, or failing its check, is left as it is.
package enum TextRedaction {
    package static func masked(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var changed = false
        var i = 0
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        while i < bytes.count {
            guard isDigit(bytes[i]) else {
                out.append(bytes[i])
                i += 1
                continue
            }
            var j = i
            while j < bytes.count, isDigit(bytes[j]) { j += 1 }
            // A citizen ID may end in X.
            if j - i == 17, j < bytes.count, bytes[j] == 0x58 || bytes[j] == 0x78 { j += 1 }
            // Part of a longer token (letters on either side): not a value of its own.
            let bounded =
                (i == 0 || !isWordByte(bytes[i - 1])) && (j == bytes.count || !isWordByte(bytes[j]))
            let run = Array(bytes[i..<j])
            if bounded, let mask = mask(of: run) {
                out += Array(mask.apply(String(decoding: run, as: UTF8.self)).utf8)
                changed = true
            } else {
                out += run
            }
            i = j
        }
        return changed ? String(decoding: out, as: UTF8.self) : text
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    static func mask(of run: [UInt8]) -> DisplayMask? {
        let upper = run.map { $0 == 0x78 ? 0x58 : $0 }
        if upper.count == 18, upper.withUnsafeBufferPointer({ CitizenID.isValid(utf8: $0) }) { return .citizenID }
        guard upper.allSatisfy({ $0 != 0x58 }) else { return nil }
        let digits = upper.map { Int($0 - 0x30) }
        if digits.count == 11, digits[0] == 1, digits[1] >= 3 { return .mobile }
        if (16...19).contains(digits.count), luhn(digits) { return .bankCard }
        return nil
    }

    static func luhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (k, d) in digits.reversed().enumerated() {
            let v = k % 2 == 1 ? d * 2 : d
            sum += v > 9 ? v - 9 : v
        }
        return sum % 10 == 0
    }
}
