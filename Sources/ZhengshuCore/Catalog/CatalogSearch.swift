import Foundation

/// A catalog search: Chinese or ASCII text plus filters, one page at a time.
package struct CatalogSearch: Sendable, Hashable {
    package var text: String?
    package var department: DepartmentCode?
    package var category: String?
    package var shareType: ShareType?
    package var gradeLevel: GradeLevel?
    package var status: ResourceStatus?
    package var limit: Int
    package var offset: Int
    package var visibility: Visibility = .all

    /// Which entries the caller may see at all.
    package enum Visibility: Sendable, Hashable {
        case all
        /// Published entries, plus every entry of this department.
        case publishedOr(DepartmentCode?)
    }

    package init(
        text: String? = nil, department: DepartmentCode? = nil, category: String? = nil,
        shareType: ShareType? = nil, gradeLevel: GradeLevel? = nil, status: ResourceStatus? = nil,
        limit: Int = 20, offset: Int = 0
    ) {
        self.text = text
        self.department = department
        self.category = category
        self.shareType = shareType
        self.gradeLevel = gradeLevel
        self.status = status
        self.limit = limit
        self.offset = offset
    }

    package struct Result: Sendable {
        package var total: Int
        package var resources: [Resource]
        package init(total: Int, resources: [Resource]) {
            self.total = total
            self.resources = resources
        }
    }
}

/// Turns text into search terms: single CJK characters and overlapping CJK bigrams, plus lower-cased ASCII words.
///
/// Most Chinese words have two characters, and SQLite's trigram tokenizer cannot match those; indexing bigrams
/// lets `人口` find `人口基础信息` on every engine.
package enum SearchTerms {
    /// Terms to index for a document.
    package static func index(_ text: String) -> [String] {
        var out: [String] = []
        for run in runs(text) {
            if run.cjk {
                out += run.chars.map { String($0) }
                if run.chars.count > 1 {
                    for i in 0..<(run.chars.count - 1) { out.append(String(run.chars[i...i + 1])) }
                }
            } else {
                out.append(String(run.chars).lowercased())
            }
        }
        return out
    }

    /// Terms that must all match for a query: a lone CJK character matches itself, longer CJK runs need each bigram.
    package static func query(_ text: String) -> [String] {
        var out: [String] = []
        for run in runs(text) {
            if run.cjk, run.chars.count > 1 {
                for i in 0..<(run.chars.count - 1) { out.append(String(run.chars[i...i + 1])) }
            } else {
                out.append(run.cjk ? String(run.chars) : String(run.chars).lowercased())
            }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    private static func isCJK(_ c: Character) -> Bool {
        guard let s = c.unicodeScalars.first else { return false }
        return (0x3400...0x9FFF).contains(s.value) || (0x20000...0x2FA1F).contains(s.value)
            || (0xF900...0xFAFF).contains(s.value)
    }

    private static func runs(_ text: String) -> [(cjk: Bool, chars: [Character])] {
        var result: [(cjk: Bool, chars: [Character])] = []
        var current: [Character] = []
        var currentCJK = false
        func flush() {
            if !current.isEmpty { result.append((currentCJK, current)) }
            current = []
        }
        for c in text {
            let cjk = isCJK(c)
            let word = cjk || (c.isASCII && (c.isLetter || c.isNumber))
            if !word {
                flush()
                continue
            }
            if !current.isEmpty && cjk != currentCJK { flush() }
            currentCJK = cjk
            current.append(c)
        }
        flush()
        return result
    }
}
