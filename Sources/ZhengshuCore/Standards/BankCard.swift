import Foundation

/// Bank card numbers: 16–19 digits passing the Luhn check (ISO/IEC 7812); UnionPay cards start with 62.
package enum BankCard {
    package static func isValid(_ s: String) -> Bool {
        let digits = s.utf8.map { Int($0) - 48 }
        guard (16...19).contains(digits.count), digits.allSatisfy({ (0...9).contains($0) }) else { return false }
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            sum += i % 2 == 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d
        }
        return sum % 10 == 0
    }
}
