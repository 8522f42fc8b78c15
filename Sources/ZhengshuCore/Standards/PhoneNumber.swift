import Foundation

/// PRC telephone numbers: mobile `1[3-9]` + 9 digits; landline with optional area code `0\d{2,3}-` + 7–8 digits.
package enum PhoneNumber {
    package static func isMobile(_ s: String) -> Bool {
        let u = s.utf8
        guard u.count == 11 else { return false }
        var i = 0
        for b in u {
            guard (48...57).contains(b) else { return false }
            if i == 0 && b != UInt8(ascii: "1") { return false }
            if i == 1 && b < UInt8(ascii: "3") { return false }
            i += 1
        }
        return true
    }

    package static func isLandline(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        let local: Substring
        switch parts.count {
        case 1: local = parts[0]
        case 2:
            let area = parts[0]
            guard area.first == "0", (3...4).contains(area.count), area.allSatisfy(\.isASCIIDigit) else { return false }
            local = parts[1]
        default: return false
        }
        return (7...8).contains(local.count) && local.allSatisfy(\.isASCIIDigit)
    }
}
