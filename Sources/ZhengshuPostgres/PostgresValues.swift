import Foundation
import PostgresNIO
import ZhengshuCore

/// How record values cross to and from PostgreSQL: typed columns (dates as `date`, decimals as exact `numeric`),
/// values sent as text the server parses for the column they meet, and read back as text in a fixed form.
enum PostgresValues {
    static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The PostgreSQL type of an item's column.
    static func type(of item: DataItem) -> String { type(of: item.type) }

    static func type(of type: DataType) -> String {
        switch type {
        case .string: "text"
        case .integer: "bigint"
        case .decimal: "numeric"
        case .date: "date"
        case .datetime: "timestamptz"
        case .boolean: "boolean"
        }
    }

    /// A value bound for a column of its item's type (`NULL` stays `NULL`).
    static func bind(_ value: RecordValue, into binds: inout PostgresBindings) {
        if case .null = value { binds.appendNull() } else { binds.append(UntypedText(value: value.text)) }
    }

    /// The select expression reading `column` as text in the form ``value(_:as:)`` reads back.
    static func output(_ column: String, as item: DataItem) -> String {
        item.type == .datetime
            ? "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')" : "(\(column))::text"
    }

    /// A cell's text back to the item's value; a value the item's type cannot hold is reported, not dropped.
    static func value(_ text: String?, as item: DataItem) throws -> RecordValue {
        guard let text else { return .null }
        var loose = item
        loose.required = false
        loose.dataElement = nil
        loose.length = nil
        switch RecordValidator.convert(.string(text), for: loose) {
        case .success(let v): return v
        case .failure(let reason):
            throw ZhengshuError(.conflict, "a stored \(item.name) cannot be read: \(reason.text)")
        }
    }

    /// Conditions for typed filters, with their values appended to `binds`.
    static func filters(_ filters: [RecordQuery.Filter], _ binds: inout PostgresBindings) -> [String] {
        filters.map { f in
            let column = quote(f.item.name)
            binds.append(UntypedText(value: f.value.text))
            let op = ["eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "prefix": ""][f.op.rawValue]!
            return f.op == .prefix ? "starts_with(\(column), $\(binds.count))" : "\(column) \(op) $\(binds.count)"
        }
    }
}
