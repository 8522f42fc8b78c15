import Foundation

/// One cell of a table copied between engines: what SQLite can hold, which PostgreSQL values are converted to and from
/// (booleans as 0/1, numerics as exact text, datetimes as RecordValue's text, bytea as bytes).
package enum TransferValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A table as the SQLite engine names it, and its columns in order.
package struct TransferTable: Sendable, Hashable {
    package var name: String
    package var columns: [String]
    package init(name: String, columns: [String]) {
        self.name = name
        self.columns = columns
    }
}

/// A resource's records table: the resource (for its engine-specific layout), its row id and the table.
package struct TransferRecords: Sendable {
    package var id: Int64
    package var resource: Resource
    package var table: TransferTable
    package init(id: Int64, resource: Resource, table: TransferTable) {
        self.id = id
        self.resource = resource
        self.table = table
    }
}

extension TransferTable {
    /// `tables` ordered so that every table comes after the tables it references (`references[t]`), so rows can be
    /// loaded with foreign keys enforced. A reference to a table outside the list, or to itself, does not order.
    package static func loadOrder(_ tables: [TransferTable], references: [String: Set<String>]) -> [TransferTable] {
        var done: Set<String> = []
        var out: [TransferTable] = []
        let byName = Dictionary(tables.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        func visit(_ name: String, _ path: Set<String>) {
            guard !done.contains(name), !path.contains(name), let table = byName[name] else { return }
            for dependency in (references[name] ?? []).sorted() where dependency != name {
                visit(dependency, path.union([name]))
            }
            done.insert(name)
            out.append(table)
        }
        for t in tables { visit(t.name.lowercased(), []) }
        return out
    }
}
