import Foundation

/// PRC telephone numbers: mobile `1[3-9]` + 9 digits; landline with optional area code `0\d{2,3}-` + 7–8 digits.
package enum PhoneNumber {
    package static func isMobile(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return u.count == 11 && u[0] == UInt8(ascii: "1") && (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(u[1])
            && u.allSatisfy { (48...57).contains($0) }
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
