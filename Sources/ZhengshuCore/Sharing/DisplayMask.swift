import Foundation

/// The default display masks of GB/T 37964 practice (STANDARDS.md), applied to every item a grant does not show in
/// clear: ID `110105********002X`, mobile `138****1234`, name `张*` / `欧阳*`, bank card first 6 and last 4, address to
/// the district. The `display` method of ``MaskingPolicy``, and the default when no policy applies (``Masker``).
package enum DisplayMask: String, Sendable, Codable {
    case citizenID, mobile, landline, bankCard, email, personName, address
    /// The item carries nothing personal: shown as it is.
    case none

    /// The mask an item gets by default, from its data element, or its label and name for names and addresses.
    package static func of(_ item: DataItem) -> DisplayMask {
        switch item.dataElement {
        case .citizenID: return .citizenID
        case .mobile: return .mobile
        case .landline: return .landline
        case .bankCard: return .bankCard
        case .email: return .email
        default: break
        }
        let label = item.label
        if label.hasSuffix("姓名") || label == "法定代表人" || label == "联系人" || item.name == "xm"
            || item.name.hasSuffix("_xm")
        {
            return .personName
        }
        if label.contains("地址") || label.contains("住址") || label == "住所" || label.hasSuffix("居住地") { return .address }
        return .none
    }

    package func apply(_ value: RecordValue) -> RecordValue {
        guard self != .none, case .string(let s) = value else { return value }
        return .string(apply(s))
    }

    package func apply(_ s: String) -> String {
        if self == .none { return s }
        // Work on the UTF-8 bytes with the offsets where characters (Unicode scalars) start: the values are IDs,
        // numbers, Chinese names and addresses, one scalar a character, and this is on every row a data service returns.
        let bytes = Array(s.utf8)
        var starts: [Int] = []
        starts.reserveCapacity(bytes.count)
        for (k, b) in bytes.enumerated() where b & 0xC0 != 0x80 { starts.append(k) }
        let n = starts.count
        func offset(_ character: Int) -> Int { character < n ? starts[character] : bytes.count }
        func masked(keep head: Int, _ tail: Int) -> String {
            guard n > head + tail else { return String(repeating: "*", count: n) }
            var out = [UInt8](bytes[..<offset(head)])
            out += repeatElement(0x2A, count: n - head - tail)
            out += bytes[offset(n - tail)...]
            return String(decoding: out, as: UTF8.self)
        }
        func prefix(_ characters: Int, then stars: Int) -> String {
            var out = [UInt8](bytes[..<offset(characters)])
            out += repeatElement(0x2A, count: stars)
            return String(decoding: out, as: UTF8.self)
        }
        switch self {
        case .none: return s
        case .citizenID, .bankCard: return masked(keep: 6, 4)
        case .mobile: return masked(keep: 3, 4)
        case .landline: return masked(keep: n > 8 ? 4 : 0, 2)
        case .email:
            guard let at = bytes.firstIndex(of: 0x40), at > 0 else { return masked(keep: 1, 0) }
            return String(decoding: [UInt8](bytes[..<offset(1)]) + Array("***".utf8) + bytes[at...], as: UTF8.self)
        case .personName:
            guard n > 1 else { return s }
            let twoChars = String(decoding: bytes[..<offset(2)], as: UTF8.self)
            let surname = n > 2 && Self.compoundSurnames.contains(twoChars) ? 2 : 1
            return prefix(surname, then: n - surname)
        case .address:
            guard let cut = Self.districtEnd(s), cut < n else { return prefix(min(6, n), then: 4) }
            return prefix(cut, then: 4)
        }
    }

    /// An address up to its county-level division (区, 县, 旗, or a county-level 市 after a prefecture), or `nil`.
    package static func district(of address: String) -> String? {
        districtEnd(address).map { String(String.UnicodeScalarView(address.unicodeScalars.prefix($0))) }
    }

    /// Characters (scalars) up to and including the county-level division. (The 区 of 自治区, a province-level
    /// region, is not a district.)
    static func districtEnd(_ s: String) -> Int? {
        let scalars = Array(s.unicodeScalars)
        if let k = scalars.indices.first(where: { k in
            (scalars[k] == "区" || scalars[k] == "县" || scalars[k] == "旗")
                && !(k >= 2 && scalars[k - 2] == "自" && scalars[k - 1] == "治")
        }) {
            return k + 1
        }
        return scalars.indices.filter { scalars[$0] == "市" }.dropFirst().first.map { $0 + 1 }
    }

    /// Compound surnames (复姓) that keep two characters.
    static let compoundSurnames: Set<String> = [
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木",
        "独孤", "南宫", "西门", "百里", "呼延", "轩辕", "太史", "申屠", "钟离", "闻人", "赫连", "澹台", "公冶", "宗政", "濮阳",
        "淳于", "单于", "太叔", "仲孙", "司空", "万俟", "拓跋", "完颜", "第五", "鲜于",
    ]
}
