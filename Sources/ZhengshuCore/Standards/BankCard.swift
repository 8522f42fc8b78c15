import Foundation

/// Bank card numbers: 16–19 digits passing the Luhn check (ISO/IEC 7812); UnionPay cards start with 62.
package enum BankCard {
    package static func isValid(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { isValid(utf8: $0) }
    }

    package static func isValid(utf8 u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard (16...19).contains(u.count) else { return false }
        var sum = 0
        for k in 0..<u.count {
            let d = Int(u[u.count - 1 - k]) - 48
            guard (0...9).contains(d) else { return false }
            sum += k % 2 == 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d
        }
        return sum % 10 == 0
    }
}
