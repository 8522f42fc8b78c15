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

    /// A code the standard's editions retired, or one in use that the list in force lacks (added by a later
    /// edition): its name and the years it was in use (`nil`: before 1980, or still in use).
    package struct Span: Hashable, Sendable {
        package var name: String
        package var from: Int?
        package var to: Int?

        package init(name: String, from: Int?, to: Int?) {
            self.name = name
            self.from = from
            self.to = to
        }
    }

    /// Where a code stands.
    package enum Standing: Hashable, Sendable {
        /// In the list in force, or in use since it was made (a later edition's).
        case current(name: String)
        /// Retired: accepted as legacy (numbers issued before keep it), and reported.
        case retired(Span)
        case unknown
    }

    private struct Lists {
        var current: [String: String] = [:]
        var history: [String: Span] = [:]
    }

    /// The list in force (code → name) and the history beside it, installed at startup; empty checks provinces only.
    private static let lists = Mutex(Lists())

    /// Puts a division list in force for the whole process (the administrator's file, or the one shipped), with the
    /// codes its editions retired or added since (``parseHistory(_:)``).
    package static func install(_ codes: [String: String], history: [String: Span] = [:]) {
        lists.withLock { $0 = Lists(current: codes, history: history) }
    }

    /// How many codes the list in force holds (0: only the province level is checked).
    package static var installedCount: Int { lists.withLock { $0.current.count } }

    /// The name of a code in the list in force.
    package static func name(of code: String) -> String? { lists.withLock { $0.current[code] } }

    /// Where `code` stands; `nil` when no list is installed. A code the history says retired is retired even where
    /// the list in force still names it.
    package static func standing(of code: some StringProtocol) -> Standing? {
        lists.withLock { l -> Standing? in
            guard !l.current.isEmpty else { return nil }
            let code = String(code)
            if let span = l.history[code] {
                return span.to == nil ? .current(name: span.name) : .retired(span)
            }
            return l.current[code].map { .current(name: $0) } ?? .unknown
        }
    }

    /// Why `code` is not a division code, or `nil` when it is: six digits, a province code, and — once a list is
    /// installed — a code of that list or of its history (a retired code is accepted as legacy).
    package static func problem(with code: String) -> String? {
        guard code.count == 6, code.allSatisfy(\.isASCIIDigit) else { return "division code must be 6 digits" }
        guard provinces[String(code.prefix(2))] != nil else {
            return "division code \(code) does not start with a GB/T 2260 province code"
        }
        if standing(of: code) == .unknown {
            return "division code \(code) is neither in the GB/T 2260 list in force nor a code its editions retired"
        }
        return nil
    }

    /// Why a retired code is reported: its name and the last year it was in use; `nil` for a code in use.
    package static func retirement(of code: some StringProtocol) -> String? {
        guard case .retired(let span) = standing(of: code) else { return nil }
        return "\(code) (\(span.name)) is a GB/T 2260 code retired after \(span.to ?? 0); accepted as legacy"
    }

    /// Reads the history beside a list: CSV lines `code,name,from,to` after a header (years may be empty).
    /// - Throws: the line that is wrong.
    package static func parseHistory(_ text: String) throws(ZhengshuError) -> [String: Span] {
        var spans: [String: Span] = [:]
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || (n == 0 && line.lowercased().hasPrefix("code")) { continue }
            let parts = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            func year(_ s: String) -> Int?? {
                s.isEmpty ? .some(nil) : Int(s).flatMap { (1949...2100).contains($0) ? $0 : nil }
            }
            guard parts.count == 4, parts[0].count == 6, parts[0].allSatisfy(\.isASCIIDigit), !parts[1].isEmpty,
                let from = year(parts[2]), let to = year(parts[3])
            else {
                throw ZhengshuError(
                    .invalidInput,
                    "division history, line \(n + 1): expected 'code,name,from,to' with a 6-digit code and years, got '\(line.prefix(60))'"
                )
            }
            spans[parts[0]] = Span(name: parts[1], from: from, to: to)
        }
        return spans
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
