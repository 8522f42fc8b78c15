import Foundation

/// What may leave a sandbox (数据可用不可见): only aggregates, and only when every group covers at least k rows.
///
/// Free SQL runs inside the workspace; a result asked to be taken out must be a plain aggregate query —
/// `SELECT` group-by columns and `count`/`sum`/`avg`/`total` of expressions `FROM … [WHERE …] [GROUP BY …] [HAVING …]
/// [ORDER BY …] [LIMIT …]` — so that the platform can learn each group's size by running it with `count(*)` added.
/// Anything that could carry one row's value out (a bare column not grouped by, `min`, `max`, `group_concat`, a
/// subquery inside an aggregate, window functions, compound selects) is refused.
package enum ReleaseRules {
    package static let defaultK = 5
    /// The column the platform adds to learn each group's size.
    package static let groupRowsColumn = "zs_group_rows"
    static let aggregates: Set<String> = ["count", "sum", "avg", "total"]
    static let reservedInArguments: Set<String> = [
        "case", "when", "then", "else", "end", "and", "or", "not", "is", "in", "like", "glob",
        "between", "null", "select", "exists", "cast", "collate", "escape", "regexp", "match",
    ]

    /// A release query understood: its group-by expressions and the statement that also returns each group's size first.
    package struct AggregateQuery: Sendable, Hashable {
        package var groupBy: [String]
        /// `SELECT count(*) AS zs_group_rows, <the query's columns> …`.
        package var withGroupSizes: String { head + "count(*) AS \(groupRowsColumn), " + rest }
        /// The workspace tables the top-level FROM reads (a table's name, and the name its columns are qualified by
        /// there), in order; nil when FROM reads something else (a subquery, a function).
        package var sources: [(table: String, qualifier: String)]?
        /// The statement's text after SELECT (and after DISTINCT or ALL, kept in `head`).
        var head: String
        var rest: String

        package static func == (a: Self, b: Self) -> Bool { (a.head, a.rest) == (b.head, b.rest) }
        package func hash(into hasher: inout Hasher) {
            hasher.combine(head)
            hasher.combine(rest)
        }

        /// The statement that returns, before the query's own columns, each group's size and then, for each source,
        /// the identities of the rows it covers there (`list` of `identity`, as the engine writes them); nil when the
        /// sources are not known.
        package func withGroupMembers(
            identity: (_ qualifier: String) -> String, list: (_ expression: String) -> String
        ) -> String? {
            guard let sources, !sources.isEmpty else { return nil }
            let members = sources.enumerated().map { k, s in "\(list(identity(s.qualifier))) AS zs_members_\(k)" }
            return head + "count(*) AS \(groupRowsColumn), " + (members + [rest]).joined(separator: ", ")
        }
    }

    /// Checks `sql` is a releasable aggregate. - Throws: `validation` on field `sql`, saying what is not allowed.
    package static func aggregate(_ sql: String) throws(ZhengshuError) -> AggregateQuery {
        func refuse(_ reason: String) -> ZhengshuError {
            .validation([.init(field: "sql", reason: "a released result must be an aggregate query: \(reason)")])
        }
        let tokens: [Token]
        do { tokens = try tokenize(sql) } catch { throw refuse(error.reason) }
        var body = tokens
        while body.last?.text == ";" { body.removeLast() }
        guard let first = body.first, first.keyword == "select" else { throw refuse("it must start with SELECT") }
        if body.contains(where: { $0.text == ";" }) { throw refuse("one statement only") }
        // Top-level clauses (depth 0).
        var depth = 0
        var marks: [(keyword: String, index: Int)] = []
        for (k, t) in body.enumerated() {
            if t.text == "(" { depth += 1 } else if t.text == ")" { depth -= 1 }
            guard depth == 0, let word = t.keyword else { continue }
            switch word {
            case "union", "intersect", "except": throw refuse("compound selects (\(word.uppercased())) are not allowed")
            case "from", "where", "having", "limit", "window": marks.append((word, k))
            case "group" where body.count > k + 1 && body[k + 1].keyword == "by": marks.append(("group", k))
            case "order" where body.count > k + 1 && body[k + 1].keyword == "by": marks.append(("order", k))
            default: break
            }
        }
        if let window = marks.first(where: { $0.keyword == "window" }) {
            _ = window
            throw refuse("window definitions are not allowed")
        }
        guard let from = marks.first(where: { $0.keyword == "from" }) else { throw refuse("it must read FROM a table") }
        var selectList = Array(body[1..<from.index])
        if selectList.first?.keyword == "distinct" || selectList.first?.keyword == "all" { selectList.removeFirst() }
        func clause(_ keyword: String, skip: Int) -> [Token] {
            guard let m = marks.first(where: { $0.keyword == keyword }) else { return [] }
            let end = marks.first { $0.index > m.index }?.index ?? body.count
            return Array(body[(m.index + skip)..<end])
        }
        let groupBy = split(clause("group", skip: 2)).map(normalized)
        if body.contains(where: { $0.keyword == "over" }) { throw refuse("window functions (OVER) are not allowed") }
        if body.contains(where: { $0.keyword == "filter" }) { throw refuse("aggregate FILTER clauses are not allowed") }
        let items = split(selectList)
        guard !items.isEmpty else { throw refuse("it selects nothing") }
        for item in items {
            var expr = item
            // `expr AS name` or `expr name`.
            if expr.count >= 3, expr[expr.count - 2].keyword == "as" {
                expr.removeLast(2)
            } else if expr.count >= 2, expr.last!.isIdentifier, !expr[expr.count - 2].isOperator {
                expr.removeLast()
            }
            let text = normalized(expr)
            if groupBy.contains(text) { continue }
            guard expr.count >= 3, let name = expr[0].keyword ?? expr[0].identifier?.lowercased(), expr[1].text == "(",
                expr.last?.text == ")",
                balancedCall(expr)
            else {
                throw refuse("'\(display(item))' is neither grouped by nor an aggregate (count, sum, avg, total)")
            }
            guard aggregates.contains(name) else {
                throw refuse("'\(display(item))': \(name) can give one row's value; use count, sum, avg or total")
            }
            if expr.dropFirst(2).contains(where: { $0.keyword == "select" }) {
                throw refuse("'\(display(item))' has a subquery inside the aggregate")
            }
            // Inside an aggregate: columns, numbers and arithmetic only. A condition or a function there could pick
            // one row out of a large group (sum(CASE WHEN id = … THEN amount ELSE 0 END)); filter with WHERE instead,
            // where the group's size shows it.
            var argument = Array(expr[2..<(expr.count - 1)])
            if argument.first?.keyword == "distinct" { argument.removeFirst() }
            for (k, t) in argument.enumerated() {
                let call = k + 1 < argument.count && argument[k + 1].text == "("
                let allowed =
                    switch t.kind {
                    case .word: !call && !reservedInArguments.contains(t.text.lowercased())
                    case .quoted, .number: true
                    case .symbol: ["+", "-", "*", "/", "(", ")", "."].contains(t.text)
                    case .string: false
                    }
                guard allowed else {
                    throw refuse(
                        "'\(display(item))': inside an aggregate only columns, numbers and + - * / are allowed; filter rows with WHERE"
                    )
                }
            }
        }
        let quantifier = body.count > 1 && ["distinct", "all"].contains(body[1].keyword ?? "")
        let head = quantifier ? "SELECT \(body[1].text) " : "SELECT "
        let rest = body[(quantifier ? 2 : 1)...].map(\.text).joined(separator: " ")
        return AggregateQuery(
            groupBy: groupBy,
            sources: sources(clause("from", skip: 1)), head: head, rest: rest)
    }

    /// Words after a table's name in FROM that are not its alias.
    static let afterTable: Set<String> = [
        "on", "using", "join", "left", "right", "full", "inner", "outer", "cross", "natural", "where", "group", "order",
        "having", "limit",
    ]

    /// The tables a FROM clause joins, each with the name that qualifies its columns; nil when it reads anything but
    /// named tables.
    static func sources(_ from: [Token]) -> [(table: String, qualifier: String)]? {
        var out: [(table: String, qualifier: String)] = []
        var expecting = true
        var depth = 0
        var k = 0
        while k < from.count {
            let t = from[k]
            if expecting {
                guard t.isIdentifier, t.keyword.map({ afterTable.contains($0) || $0 == "lateral" }) != true,
                    !(k + 1 < from.count && from[k + 1].text == "(")
                else { return nil }
                var name = t
                var next = k + 1
                if next + 1 < from.count, from[next].text == ".", from[next + 1].isIdentifier {
                    name = from[next + 1]
                    next += 2
                }
                let table = name.kind == .quoted ? SandboxSQL.unquoted(name.text) : name.text
                var qualifier = name.text
                if next + 1 < from.count, from[next].keyword == "as", from[next + 1].isIdentifier {
                    qualifier = from[next + 1].text
                    next += 2
                } else if next < from.count, from[next].isIdentifier, !afterTable.contains(from[next].keyword ?? "") {
                    qualifier = from[next].text
                    next += 1
                }
                out.append((table.lowercased(), qualifier))
                expecting = false
                k = next
                continue
            }
            if t.text == "(" { depth += 1 } else if t.text == ")" { depth -= 1 }
            if depth == 0, t.text == "," || t.keyword == "join" { expecting = true }
            k += 1
        }
        return expecting ? nil : out
    }

    /// Two releases isolate a few rows when a group of one and a group of the other, over the same table, differ by
    /// fewer than k of its rows (and by some): subtracting the two answers gives those rows' values.
    package struct Isolation: Sendable, Hashable {
        /// The earlier release.
        package var release: ReleaseID
        /// 1-based result rows: the new release's group and the earlier release's.
        package var group: Int
        package var earlierGroup: Int
        package var table: String
        /// How many rows one of the two groups covers that the other does not.
        package var rows: Int

        package init(release: ReleaseID, group: Int, earlierGroup: Int, table: String, rows: Int) {
            self.release = release
            self.group = group
            self.earlierGroup = earlierGroup
            self.table = table
            self.rows = rows
        }
    }

    /// The rows each group of a release covers, per workspace table (row identities as the engine gives them).
    package typealias Members = [[String: Set<String>]]

    /// The first pair of groups, one from `groups` and one from an earlier release's, whose difference isolates fewer
    /// than `k` rows of a table; nil when every difference is empty or covers at least k rows.
    package static func isolation(
        _ groups: Members, against earlier: [(release: ReleaseID, groups: Members)], k: Int
    ) -> Isolation? {
        for (release, old) in earlier {
            var index: [String: [String: [Int]]] = [:]  // table → row → the earlier groups covering it
            for (h, group) in old.enumerated() {
                for (table, rows) in group {
                    for row in rows { index[table, default: [:]][row, default: []].append(h) }
                }
            }
            for (g, group) in groups.enumerated() {
                for (table, rows) in group.sorted(by: { $0.key < $1.key }) {
                    guard let tableIndex = index[table] else { continue }
                    var shared: [Int: Int] = [:]
                    for row in rows { for h in tableIndex[row] ?? [] { shared[h, default: 0] += 1 } }
                    for (h, common) in shared.sorted(by: { $0.key < $1.key }) {
                        let theirs = old[h][table]?.count ?? 0
                        for difference in [rows.count - common, theirs - common] where difference > 0 && difference < k
                        {
                            return Isolation(
                                release: release, group: g + 1, earlierGroup: h + 1, table: table, rows: difference)
                        }
                    }
                }
            }
        }
        return nil
    }

    /// Reads a members result (`withGroupMembers`): per group, the rows of each source's table it covers.
    package static func members(
        _ rows: [[RecordValue]], sources: [(table: String, qualifier: String)]
    ) -> Members {
        rows.map { row in
            var group: [String: Set<String>] = [:]
            for (k, source) in sources.enumerated() where k + 1 < row.count {
                guard case .string(let list) = row[k + 1] else { continue }
                group[source.table, default: []].formUnion(list.split(separator: ";").map(String.init))
            }
            return group
        }
    }

    /// The groups of a result (its group-size column first) that cover fewer than `k` rows: their 1-based row numbers.
    package static func smallGroups(_ sizes: [Int64], k: Int = defaultK) -> [Int] {
        sizes.enumerated().filter { $0.element < Int64(k) }.map { $0.offset + 1 }
    }

    // MARK: Tokens

    struct Token: Sendable, Hashable {
        enum Kind: Sendable, Hashable { case word, quoted, string, number, symbol }
        var kind: Kind
        var text: String
        var keyword: String? { kind == .word ? text.lowercased() : nil }
        var identifier: String? { kind == .word || kind == .quoted ? text : nil }
        var isIdentifier: Bool { kind == .word || kind == .quoted }
        var isOperator: Bool { kind == .symbol && text != ")" }
    }

    struct TokenError: Error { var reason: String }

    static func tokenize(_ sql: String) throws(TokenError) -> [Token] {
        let s = Array(sql.unicodeScalars)
        var out: [Token] = []
        var i = 0
        func isWord(_ c: Unicode.Scalar) -> Bool {
            c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "$"
        }
        while i < s.count {
            let c = s[i]
            if c.properties.isWhitespace {
                i += 1
                continue
            }
            if c == "-", i + 1 < s.count, s[i + 1] == "-" {
                // PostgreSQL ends the comment at a carriage return too (SQLite only at a line feed, and then reads less).
                while i < s.count, s[i] != "\n", s[i] != "\r" { i += 1 }
                continue
            }
            if c == "/", i + 1 < s.count, s[i + 1] == "*" {
                i += 2
                while i + 1 < s.count, !(s[i] == "*" && s[i + 1] == "/") { i += 1 }
                guard i + 1 < s.count else { throw TokenError(reason: "an unterminated comment") }
                i += 2
                continue
            }
            if c == "'" || c == "\"" || c == "`" || c == "[" {
                let close: Unicode.Scalar = c == "[" ? "]" : c
                var text = String.UnicodeScalarView()
                i += 1
                while true {
                    guard i < s.count else {
                        throw TokenError(reason: "an unterminated \(c == "'" ? "string" : "quoted name")")
                    }
                    if s[i] == close {
                        if close != "]", i + 1 < s.count, s[i + 1] == close {
                            text.append(close)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    text.append(s[i])
                    i += 1
                }
                out.append(
                    c == "'"
                        ? Token(kind: .string, text: "'" + String(text).replacingOccurrences(of: "'", with: "''") + "'")
                        : Token(
                            kind: .quoted, text: "\"" + String(text).replacingOccurrences(of: "\"", with: "\"\"") + "\""
                        ))
                continue
            }
            if ("0"..."9").contains(c) || (c == "." && i + 1 < s.count && ("0"..."9").contains(s[i + 1])) {
                var text = String.UnicodeScalarView()
                while i < s.count, isWord(s[i]) || s[i] == "." {
                    text.append(s[i])
                    i += 1
                }
                out.append(Token(kind: .number, text: String(text)))
                continue
            }
            if isWord(c) {
                var text = String.UnicodeScalarView()
                while i < s.count, isWord(s[i]) {
                    text.append(s[i])
                    i += 1
                }
                out.append(Token(kind: .word, text: String(text)))
                continue
            }
            let two = i + 1 < s.count ? String(String.UnicodeScalarView([c, s[i + 1]])) : ""
            if ["<=", ">=", "<>", "!=", "==", "||", "<<", ">>", "->"].contains(two) {
                out.append(Token(kind: .symbol, text: two))
                i += 2
                continue
            }
            out.append(Token(kind: .symbol, text: String(c)))
            i += 1
        }
        return out
    }

    /// Splits tokens at top-level commas.
    static func split(_ tokens: [Token]) -> [[Token]] {
        var parts: [[Token]] = [[]]
        var depth = 0
        for t in tokens {
            if t.text == "(" { depth += 1 } else if t.text == ")" { depth -= 1 }
            if depth == 0, t.text == "," { parts.append([]) } else { parts[parts.count - 1].append(t) }
        }
        return parts.filter { !$0.isEmpty }
    }

    /// `name ( … )` whose opening parenthesis closes at the very end.
    static func balancedCall(_ expr: [Token]) -> Bool {
        var depth = 0
        for (k, t) in expr.enumerated().dropFirst() {
            if t.text == "(" { depth += 1 } else if t.text == ")" { depth -= 1 }
            if depth == 0 { return k == expr.count - 1 }
        }
        return false
    }

    /// An expression compared case-insensitively, quotes around plain names dropped.
    static func normalized(_ expr: [Token]) -> String {
        expr.map { t in
            switch t.kind {
            case .word: t.text.lowercased()
            case .quoted:
                String(t.text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"").lowercased()
            default: t.text
            }
        }.joined(separator: " ")
    }

    static func display(_ expr: [Token]) -> String { String(expr.map(\.text).joined(separator: " ").prefix(80)) }
}
