import Foundation

/// A read of a resource's records: chosen items, filters, one sort key and a keyset cursor (never OFFSET).
package struct RecordQuery: Sendable, Hashable {
    package init(fields: [DataItem], filters: [Filter], sort: DataItem?, descending: Bool, limit: Int, after: Cursor?) {
        self.fields = fields
        self.filters = filters
        self.sort = sort
        self.descending = descending
        self.limit = limit
        self.after = after
    }

    package enum Operator: String, Sendable, CaseIterable {
        case eq, ne, lt, le, gt, ge
        /// Text starts with the value.
        case prefix
    }

    package struct Filter: Sendable, Hashable {
        package init(item: DataItem, op: Operator, value: RecordValue) {
            self.item = item
            self.op = op
            self.value = value
        }

        package var item: DataItem
        package var op: Operator
        package var value: RecordValue
    }

    /// Where the previous page ended: the sort value of its last row and that row's internal id.
    package struct Cursor: Sendable, Hashable, Codable {
        package init(value: RecordValue, id: Int64) {
            self.value = value
            self.id = id
        }

        package var value: RecordValue
        package var id: Int64
    }

    /// Items to return, in order.
    package var fields: [DataItem]
    package var filters: [Filter]
    /// `nil` sorts by insertion order (the internal id).
    package var sort: DataItem?
    package var descending: Bool
    package var limit: Int
    package var after: Cursor?

    package static let defaultLimit = 100
    package static let maxLimit = 1000

    /// Parses the query string of `GET …/records`: `fields=a,b`, `filter=item:op:value` (repeatable),
    /// `sort=item` or `sort=-item`, `limit=N`, `cursor=…`.
    package static func parse(
        resource: Resource, fields: String?, filters: [String], sort: String?, limit: String?,
        cursor: String?
    ) throws(ZhengshuError) -> RecordQuery {
        func item(_ name: String, _ parameter: String) throws(ZhengshuError) -> DataItem {
            guard let i = resource.item(named: name) else {
                throw ZhengshuError(
                    .invalidInput, "\(parameter): '\(name.prefix(60))' is not an item of \(resource.code)",
                    violations: [.init(field: parameter, reason: "unknown item '\(name.prefix(60))'")])
            }
            return i
        }
        var chosen = resource.items
        if let fields, !fields.isEmpty {
            chosen = []
            for name in fields.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
                let i = try item(name, "fields")
                if !chosen.contains(i) { chosen.append(i) }
            }
        }
        var parsed: [Filter] = []
        for raw in filters {
            let parts = raw.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let op = Operator(rawValue: parts[1]) else {
                throw ZhengshuError(
                    .invalidInput,
                    "filter '\(raw.prefix(80))' must look like item:op:value with op one of "
                        + Operator.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let target = try item(parts[0], "filter")
            if op == .prefix, target.type != .string {
                throw ZhengshuError(
                    .invalidInput, "filter: prefix applies to string items; \(target.name) is \(target.type.rawValue)")
            }
            var loose = target
            loose.required = false
            loose.dataElement = nil
            loose.length = nil
            let json: JSONValue =
                target.type == .string || target.type == .date || target.type == .datetime
                ? .string(parts[2])
                : (parts[2] == "true" || parts[2] == "false" ? .bool(parts[2] == "true") : .string(parts[2]))
            switch RecordValidator.convert(json, for: loose) {
            case .success(let v) where v != .null: parsed.append(Filter(item: target, op: op, value: v))
            case .success: throw ZhengshuError(.invalidInput, "filter on \(target.name) needs a value")
            case .failure(let reason): throw ZhengshuError(.invalidInput, "filter on \(target.name): \(reason.text)")
            }
        }
        var sortItem: DataItem?
        var descending = false
        if var s = sort, !s.isEmpty {
            if s.hasPrefix("-") {
                descending = true
                s.removeFirst()
            }
            let i = try item(s, "sort")
            guard i.required else {
                throw ZhengshuError(
                    .invalidInput, "sort: \(i.name) is optional; sort by a required item so paging is exact")
            }
            sortItem = i
        }
        var n = defaultLimit
        if let limit {
            guard let v = Int(limit), (1...maxLimit).contains(v) else {
                throw ZhengshuError(.invalidInput, "limit must be an integer from 1 to \(maxLimit)")
            }
            n = v
        }
        var after: Cursor?
        if let cursor, !cursor.isEmpty {
            guard var c = Cursor(token: cursor) else {
                throw ZhengshuError(.invalidInput, "cursor is not one this server issued")
            }
            if let sortItem {
                // The token carries plain JSON; give the value its item's type again.
                var loose = sortItem
                loose.dataElement = nil
                loose.length = nil
                let json: JSONValue =
                    switch c.value {
                    case .integer(let i): .integer(i)
                    case .boolean(let b): .bool(b)
                    case .string(let s), .decimal(let s): .string(s)
                    default: .null
                    }
                guard case .success(let typed) = RecordValidator.convert(json, for: loose) else {
                    throw ZhengshuError(.invalidInput, "cursor does not belong to sort=\(sort ?? "")")
                }
                c.value = typed
            }
            after = c
        }
        return RecordQuery(
            fields: chosen, filters: parsed, sort: sortItem, descending: descending, limit: n, after: after)
    }
}

extension RecordQuery.Cursor {
    /// An opaque, URL-safe token.
    package var token: String {
        // The common cursor (insertion order, no sort value) is written directly; others through the encoder.
        let data =
            value == .null ? Data("{\"id\":\(id),\"value\":null}".utf8) : ((try? JSONEncoder().encode(self)) ?? Data())
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    package init?(token: String) {
        guard token.count <= 4096 else { return nil }
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let c = try? JSONDecoder().decode(Self.self, from: data) else {
            return nil
        }
        self = c
    }
}

/// One page of records.
package struct RecordPage: Sendable, Hashable {
    package init(fields: [DataItem], rows: [[RecordValue]], next: RecordQuery.Cursor?) {
        self.fields = fields
        self.rows = rows
        self.next = next
    }

    package var fields: [DataItem]
    package var rows: [[RecordValue]]
    package var next: RecordQuery.Cursor?
}

/// Where a consumer's copy of a resource stands in its change feed: the data generation (a full replacement starts a
/// new one), the revision (each load or write after it is one), and the last row delivered. Revision 0 is the
/// generation's base snapshot, delivered in row order.
package struct ChangeCursor: Sendable, Hashable, Codable {
    package var generation: Int64
    package var revision: Int64
    package var id: Int64

    package init(generation: Int64, revision: Int64, id: Int64) {
        self.generation = generation
        self.revision = revision
        self.id = id
    }

    /// An opaque, URL-safe token.
    package var token: String {
        let text = "c1.\(generation).\(revision).\(id)"
        return Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    package init?(token: String) {
        guard token.count <= 200 else { return nil }
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ".")
        guard parts.count == 4, parts[0] == "c1", let g = Int64(parts[1]), let r = Int64(parts[2]),
            let i = Int64(parts[3]),
            g >= 0, r >= 0, i >= 0
        else { return nil }
        self.init(generation: g, revision: r, id: i)
    }
}

/// Changed rows since a cursor, in delivery order.
package struct ChangePage: Sendable {
    package var fields: [DataItem]
    package var rows: [[RecordValue]]
    /// Where to continue (also when nothing changed: poll again with it).
    package var next: ChangeCursor
    /// The data was replaced since the cursor: drop the copy; these rows start it anew.
    package var reset: Bool
    /// More changes wait: call again at once.
    package var more: Bool

    package init(fields: [DataItem], rows: [[RecordValue]], next: ChangeCursor, reset: Bool, more: Bool) {
        self.fields = fields
        self.rows = rows
        self.next = next
        self.reset = reset
        self.more = more
    }
}
