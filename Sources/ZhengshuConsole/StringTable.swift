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
                  let data = try? Data(contentsOf: url),
                  let table = try? JSONDecoder().decode([String: String].self, from: data) else {
                preconditionFailure("string table \(lang) is missing or malformed")
            }
            tables[lang] = table
        }
        return StringTable(tables: tables)
    }

    /// The text for `key` in `lang`, falling back to Chinese, then to the key itself.
    package func text(_ key: String, _ lang: String) -> String {
        tables[lang]?[key] ?? tables["zh-CN"]?[key] ?? key
    }

    /// `en` when asked for (query `lang=en` or an English-first Accept-Language), else `zh-CN`.
    package static func negotiate(query: String?, acceptLanguage: String?) -> String {
        if let query, languages.contains(query) { return query }
        if let accept = acceptLanguage?.lowercased(), accept.hasPrefix("en") { return "en" }
        return "zh-CN"
    }
}
