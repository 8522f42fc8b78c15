import Foundation
import Synchronization

/// Administrative division codes, GB/T 2260: province (2) · city (2) · county (2).
///
/// Only the province level is code; the county list is data the governance layer loads and an admin can replace.
package enum Division {
    package static let provinces: [String: String] = [
        "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
        "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
        "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
        "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
        "63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
    ]

    /// The full list in force (code → name), installed from the data file at startup; empty checks provinces only.
    private static let list = Mutex<[String: String]>([:])

    /// Puts a division list in force for the whole process (the administrator's file, or the one shipped).
    package static func install(_ codes: [String: String]) { list.withLock { $0 = codes } }

    /// How many codes the list in force holds (0: only the province level is checked).
    package static var installedCount: Int { list.withLock { $0.count } }

    /// The name of a code in the list in force.
    package static func name(of code: String) -> String? { list.withLock { $0[code] } }

    /// Why `code` is not a division code, or `nil` when it is: six digits, a province code, and — once a list is
    /// installed — a code of that list.
    package static func problem(with code: String) -> String? {
        guard code.count == 6, code.allSatisfy(\.isASCIIDigit) else { return "division code must be 6 digits" }
        guard provinces[String(code.prefix(2))] != nil else {
            return "division code \(code) does not start with a GB/T 2260 province code"
        }
        let known = list.withLock { $0.isEmpty ? nil : $0[code] != nil }
        if known == false { return "division code \(code) is not in the GB/T 2260 list in force" }
        return nil
    }

    /// Reads a division list: CSV lines `code,name` (a header line is allowed). - Throws: the line that is wrong.
    package static func parseList(_ text: String) throws(ZhengshuError) -> [String: String] {
        var codes: [String: String] = [:]
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || (n == 0 && line.lowercased().hasPrefix("code")) { continue }
            let parts = line.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].count == 6, parts[0].allSatisfy(\.isASCIIDigit), !parts[1].isEmpty else {
                throw ZhengshuError(
                    .invalidInput,
                    "division list, line \(n + 1): expected 'code,name' with a 6-digit code, got '\(line.prefix(60))'")
            }
            guard provinces[String(parts[0].prefix(2))] != nil else {
                throw ZhengshuError(
                    .invalidInput, "division list, line \(n + 1): \(parts[0]) does not start with a province code")
            }
            codes[parts[0]] = parts[1]
        }
        guard !codes.isEmpty else { throw ZhengshuError(.invalidInput, "the division list holds no codes") }
        return codes
    }
}
