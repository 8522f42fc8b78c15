import Foundation

/// The default display masks of GB/T 37964 practice (STANDARDS.md), applied to every item a grant does not show in
/// clear: ID `110105********002X`, mobile `138****1234`, name `张*` / `欧阳*`, bank card first 6 and last 4, address to
/// the district. The security issue's named policies replace the choice of mask; this is where values are masked.
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
        if label.hasSuffix("姓名") || label == "法定代表人" || label == "联系人" || item.name == "xm" || item.name.hasSuffix("_xm") {
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
        // Unicode scalars, not Characters: the values are IDs, numbers, Chinese names and addresses (one scalar a
        // character), and grapheme breaking would cost more than the masking.
        let c = Array(s.unicodeScalars)
        func text(_ part: ArraySlice<Unicode.Scalar>) -> String {
            var out = String.UnicodeScalarView()
            out.append(contentsOf: part)
            return String(out)
        }
        func keep(_ head: Int, _ tail: Int) -> String {
            var out = String.UnicodeScalarView()
            guard c.count > head + tail else {
                out.append(contentsOf: repeatElement("*", count: c.count))
                return String(out)
            }
            out.append(contentsOf: c[..<head])
            out.append(contentsOf: repeatElement("*", count: c.count - head - tail))
            out.append(contentsOf: c[(c.count - tail)...])
            return String(out)
        }
        switch self {
        case .none: return s
        case .citizenID, .bankCard: return keep(6, 4)
        case .mobile: return keep(3, 4)
        case .landline: return keep(c.count > 8 ? 4 : 0, 2)
        case .email:
            guard let at = c.firstIndex(of: "@"), at > 0 else { return keep(1, 0) }
            return text(c.prefix(1)) + "***" + text(c[at...])
        case .personName:
            guard c.count > 1 else { return s }
            let surname = c.count > 2 && Self.compoundSurnames.contains(text(c.prefix(2))) ? 2 : 1
            return text(c.prefix(surname)) + String(repeating: "*", count: c.count - surname)
        case .address:
            // Keep the text up to the county-level division (区, 县, 旗, or a county-level 市 after a prefecture).
            var cut = c.firstIndex { $0 == "区" || $0 == "县" || $0 == "旗" }.map { $0 + 1 }
            if cut == nil, let city = c.indices.filter({ c[$0] == "市" }).dropFirst().first { cut = city + 1 }
            guard let cut, cut < c.count else { return text(c.prefix(min(6, c.count))) + "****" }
            return text(c.prefix(cut)) + "****"
        }
    }

    /// Compound surnames (复姓) that keep two characters.
    static let compoundSurnames: Set<String> = [
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木",
        "独孤", "南宫", "西门", "百里", "呼延", "轩辕", "太史", "申屠", "钟离", "闻人", "赫连", "澹台", "公冶", "宗政", "濮阳",
        "淳于", "单于", "太叔", "仲孙", "司空", "万俟", "拓跋", "完颜", "第五", "鲜于",
    ]
}
