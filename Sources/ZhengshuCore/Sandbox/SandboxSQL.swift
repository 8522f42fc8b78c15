import Foundation

/// The engine-independent check of a workspace statement, made before an engine runs it: one statement, a query
/// (`SELECT`, `WITH` or `VALUES`), calling only listed functions, naming no engine catalog (`sqlite_…`, `pg_…`,
/// `information_schema`). Each engine confines the statement further (SQLite's authorizer; PostgreSQL's read-only
/// transaction under the workspace's role), so this is the first of two locks, not the only one.
package enum SandboxSQL {
    /// Functions a workspace statement may call, on either engine.
    package static let functions: Set<String> = [
        "abs", "avg", "count", "sum", "total", "min", "max", "round", "length", "char_length", "lower", "upper",
        "substr",
        "substring", "trim", "ltrim", "rtrim", "replace", "instr", "strpos", "position", "coalesce", "ifnull", "nullif",
        "iif", "greatest", "least", "date", "time", "datetime", "julianday", "strftime", "date_trunc", "date_part",
        "extract", "to_char", "age", "make_date", "sign", "ceil", "ceiling", "floor", "trunc", "mod", "pow", "power",
        "sqrt", "exp", "ln", "log", "log10", "group_concat", "string_agg", "row_number", "rank", "dense_rank",
        "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value", "concat",
        "concat_ws", "left", "right", "lpad", "rpad", "stddev", "variance", "percentile_cont", "percentile_disc",
        "mode",
        "bool_and", "bool_or", "every", "split_part", "typeof", "printf", "format",
    ]
    /// Words followed by `(` that are syntax, not function calls.
    static let syntax: Set<String> = [
        "select", "in", "exists", "cast", "values", "over", "filter", "as", "and", "or", "not", "on", "using", "from",
        "join", "where", "any", "all", "some", "array", "row", "within", "partition", "by", "when", "then", "else",
        "case", "is", "like", "between", "distinct", "union", "intersect", "except", "with", "recursive", "into",
        "group", "order", "having", "limit", "offset", "window", "lateral", "end", "null", "interval", "numeric",
        "decimal", "varchar", "char", "float", "double", "precision", "integer", "int", "bigint", "text", "timestamp",
        "escape", "materialized",
    ]
    static let statements: Set<String> = ["select", "with", "values"]

    /// - Throws: `forbidden` naming the first thing the sandbox does not allow; `invalidInput` for an empty or
    ///   unreadable statement.
    package static func check(_ sql: String) throws(ZhengshuError) {
        try lexicalCheck(sql)
        let tokens: [ReleaseRules.Token]
        do { tokens = try ReleaseRules.tokenize(sql) } catch {
            throw ZhengshuError(.invalidInput, "the statement has \(error.reason)")
        }
        var body = tokens
        while body.last?.text == ";" { body.removeLast() }
        guard let first = body.first else { throw ZhengshuError(.invalidInput, "the statement is empty") }
        guard let word = first.keyword, statements.contains(word) else {
            throw ZhengshuError(
                .forbidden,
                "the sandbox runs queries only (SELECT or WITH … SELECT), not \(first.text.prefix(20).uppercased())")
        }
        if body.contains(where: { $0.text == ";" }) {
            throw ZhengshuError(.forbidden, "the sandbox runs one statement at a time")
        }
        for (k, t) in body.enumerated() {
            guard let name = t.identifier.map(unquoted) else { continue }
            let lower = name.lowercased()
            if lower.hasPrefix("sqlite_") || lower.hasPrefix("pg_") || lower == "information_schema" {
                throw ZhengshuError(.forbidden, "the sandbox does not show the engine's catalog (\(name.prefix(40)))")
            }
            if t.keyword == "into" { throw ZhengshuError(.forbidden, "the sandbox does not write (SELECT … INTO)") }
            let call = k + 1 < body.count && body[k + 1].text == "(" && !isColumnList(body, at: k)
            if call, !functions.contains(lower), t.kind == .quoted || !syntax.contains(lower) {
                throw ZhengshuError(.forbidden, "function \(name.prefix(40)) is not available in the sandbox")
            }
        }
    }

    /// Refuses what would let an engine read the text otherwise than the check does, so that no call can hide from it
    /// inside what the check takes for a string, a name or a comment: dollar quoting (and `$` parameters), backslash
    /// escapes (`E'\''`), nested block comments, `[…]` and backtick names. A `--` comment ends at a carriage return
    /// as well as a line feed, as PostgreSQL ends it.
    static func lexicalCheck(_ sql: String) throws(ZhengshuError) {
        let s = Array(sql.unicodeScalars)
        var i = 0
        func refuse(_ what: String) -> ZhengshuError {
            ZhengshuError(.forbidden, "the sandbox does not accept \(what) in a statement")
        }
        while i < s.count {
            let c = s[i], next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
            switch c {
            case "-" where next == "-":
                while i < s.count, s[i] != "\n", s[i] != "\r" { i += 1 }
            case "/" where next == "*":
                i += 2
                while i < s.count, !(s[i] == "*" && i + 1 < s.count && s[i + 1] == "/") {
                    if s[i] == "/", i + 1 < s.count, s[i + 1] == "*" { throw refuse("nested comments") }
                    i += 1
                }
                i += 2
            case "'", "\"":
                i += 1
                while i < s.count {
                    if s[i] == "\\" { throw refuse("backslashes") }
                    if s[i] == c {
                        if i + 1 < s.count, s[i + 1] == c {
                            i += 2
                            continue
                        }
                        break
                    }
                    i += 1
                }
                i += 1
            case "\\": throw refuse("backslashes")
            case "$": throw refuse("$ (dollar quoting or parameters)")
            case "[", "`": throw refuse("\(c) (quote names with double quotes)")
            default: i += 1
            }
        }
    }

    /// `name (a, b) AS (…)` (a common table expression's columns) or `AS name (a, b)` (an alias's): not a call.
    static func isColumnList(_ body: [ReleaseRules.Token], at k: Int) -> Bool {
        if k > 0, body[k - 1].keyword == "as" { return true }
        var depth = 0
        for j in (k + 1)..<body.count {
            if body[j].text == "(" { depth += 1 } else if body[j].text == ")" { depth -= 1 }
            guard depth == 0 else { continue }
            guard j + 2 < body.count, body[j + 1].keyword == "as" else { return false }
            return body[j + 2].text == "(" || body[j + 2].keyword == "materialized" || body[j + 2].keyword == "not"
        }
        return false
    }

    static func unquoted(_ s: String) -> String {
        s.hasPrefix("\"") && s.hasSuffix("\"") && s.count >= 2
            ? String(s.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") : s
    }
}
