import Foundation

/// User-facing text, zh-CN by default with English: every string the console shows comes from here.
package struct StringTable: Sendable {
    package static let languages = ["zh-CN", "en"]
    private let tables: [String: [String: String]]

    /// Loads every table shipped in the bundle. Startup fails loudly if one is missing or malformed.
    package static func load() -> StringTable {
        var tables: [String: [String: String]] = [:]
        for lang in languages {
            guard let url = Bundle.module.url(forResource: lang, withExtension: "json", subdirectory: "strings"),
                let data = try? Data(contentsOf: url),  // blocking-ok: the bundled tables, read once at start
                let table = try? JSONDecoder().decode([String: String].self, from: data)
            else {
                preconditionFailure("string table \(lang) is missing or malformed")
            }
            tables[lang] = table
        }
        return StringTable(tables: tables)
    }

    /// Every key of `lang`'s table.
    package func keys(_ lang: String) -> Set<String> { Set(tables[lang]?.keys ?? [:].keys) }

    /// Where the console's templates are (tests check the keys they read).
    package static var templatesDirectory: URL? { Bundle.module.url(forResource: "templates", withExtension: nil) }

    /// The text for `key` in `lang`, falling back to Chinese, then to the key itself.
    package func text(_ key: String, _ lang: String) -> String {
        tables[lang]?[key] ?? tables["zh-CN"]?[key] ?? key
    }

    /// The table of `lang` (over the Chinese one) as nested dictionaries, so a template writes `{{t.nav.catalog}}` for
    /// the key `nav.catalog`.
    package func tree(_ lang: String) -> [String: Any] {
        var root: [String: Any] = [:]
        func insert(_ path: ArraySlice<String>, _ value: String, into node: inout [String: Any]) {
            guard let head = path.first else { return }
            if path.count == 1 {
                node[head] = value
                return
            }
            var child = node[head] as? [String: Any] ?? [:]
            insert(path.dropFirst(), value, into: &child)
            node[head] = child
        }
        let merged = (tables["zh-CN"] ?? [:]).merging(tables[lang] ?? [:]) { _, chosen in chosen }
        for (key, value) in merged {
            insert(ArraySlice(key.split(separator: ".").map(String.init)), value, into: &root)
        }
        return root
    }

    /// `en` when asked for (query `lang=en` or an English-first Accept-Language), else `zh-CN`.
    package static func negotiate(query: String?, acceptLanguage: String?) -> String {
        if let query, languages.contains(query) { return query }
        if let accept = acceptLanguage?.lowercased(), accept.hasPrefix("en") { return "en" }
        return "zh-CN"
    }
}
