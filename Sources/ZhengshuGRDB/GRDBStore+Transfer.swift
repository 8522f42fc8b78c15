import Foundation
import GRDB
import ZhengshuCore
import ZhengshuDocuments

/// Moving an installation between engines (a logical copy, table by table): what the SQLite side reads and writes.
extension GRDBStore {
    /// The platform's own tables with their columns: not the records tables, nor SQLite's, the search index's or the
    /// migration log's.
    package func platformTables() async throws -> [TransferTable] {
        try await writer.read { db in
            let names = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                    AND name NOT LIKE 'resourceSearch%' AND name NOT LIKE 'grdb\\_%' ESCAPE '\\' AND name NOT LIKE 'rec\\_%' ESCAPE '\\'
                    AND name NOT LIKE 'stage\\_%' ESCAPE '\\' ORDER BY name
                    """)
            return try names.map { TransferTable(name: $0, columns: try Self.columns(of: $0, db)) }
        }
    }

    /// Every published resource's records table.
    package func recordsTables() async throws -> [TransferRecords] {
        try await writer.read { db in
            var out: [TransferRecords] = []
            for row in try Row.fetchAll(db, sql: "SELECT id, document FROM resource ORDER BY id") {
                let id: Int64 = row["id"]
                let table = Self.recordsTable(id).replacingOccurrences(of: "\"", with: "")
                guard try db.tableExists(table) else { continue }
                let resource = try Documents.value(Resource.self, (row["document"] as String))
                out.append(
                    TransferRecords(
                        id: id, resource: resource,
                        table: TransferTable(name: table, columns: try Self.columns(of: table, db))))
            }
            return out
        }
    }

    static func columns(of table: String, _ db: Database) throws -> [String] {
        try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.quotedDatabaseIdentifier))").map { $0["name"] as String }
    }

    /// Reads a table's rows a page at a time (in rowid order), handing each page on.
    package func readRows(
        _ table: TransferTable, page: Int = 5000, _ body: ([[TransferValue]]) async throws -> Void
    ) async throws {
        let select =
            "SELECT rowid AS zs_rowid, " + table.columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
            + " FROM \(table.name.quotedDatabaseIdentifier) WHERE rowid > ? ORDER BY rowid LIMIT ?"
        var after: Int64 = .min
        while true {
            let from = after
            let (rows, last) = try await writer.read { db -> ([[TransferValue]], Int64?) in
                let fetched = try Row.fetchAll(db, sql: select, arguments: [from, page])
                return (
                    fetched.map { row in (1...table.columns.count).map { Self.transferValue(row[$0] as DatabaseValue) }
                    },
                    fetched.last.map { $0["zs_rowid"] as Int64 }
                )
            }
            guard let last else { return }
            try await body(rows)
            after = last
        }
    }

    /// Empties the table (a fresh store's seeded rows) and writes `rows`, in the caller's batches.
    package func clearTable(_ table: TransferTable) async throws {
        try await writer.write { db in try db.execute(sql: "DELETE FROM \(table.name.quotedDatabaseIdentifier)") }
    }

    package func appendRows(_ table: TransferTable, _ rows: [[TransferValue]]) async throws {
        guard !rows.isEmpty else { return }
        let insert =
            "INSERT INTO \(table.name.quotedDatabaseIdentifier) ("
            + table.columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
            + ") VALUES (" + Array(repeating: "?", count: table.columns.count).joined(separator: ", ") + ")"
        try await writer.write { db in
            let statement = try db.cachedStatement(sql: insert)
            for row in rows { try statement.execute(arguments: StatementArguments(row.map(Self.databaseValue))) }
        }
    }

    /// Creates a resource's records table as this engine lays it out.
    package func createRecordsTable(for resource: Resource, id: Int64) async throws {
        try await writer.write { db in try Self.createRecordsTable(for: resource, id: id, db) }
    }

    /// Rebuilds the catalog's search index (derived from the resources and departments).
    package func rebuildSearchIndex() async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM resourceSearch")
            for row in try Row.fetchAll(
                db, sql: "SELECT r.id, r.document, d.name FROM resource r JOIN department d ON d.code = r.department")
            {
                let resource = try Documents.value(Resource.self, (row["document"] as String))
                try Self.index(resource, departmentName: row["name"], resourceID: row["id"], db)
            }
        }
    }

    static func transferValue(_ v: DatabaseValue) -> TransferValue {
        switch v.storage {
        case .null: .null
        case .int64(let i): .integer(i)
        case .double(let d): .real(d)
        case .string(let s): .text(s)
        case .blob(let b): .blob(Array(b))
        }
    }

    static func databaseValue(_ v: TransferValue) -> DatabaseValue {
        switch v {
        case .null: .null
        case .integer(let i): i.databaseValue
        case .real(let d): d.databaseValue
        case .text(let s): s.databaseValue
        case .blob(let b): Data(b).databaseValue
        }
    }
}

extension GRDBStore {
    /// Which tables reference which (lower-case names), for the load order and for emptying in reverse.
    package func references() async throws -> [String: Set<String>] {
        try await writer.read { db in
            var out: [String: Set<String>] = [:]
            let names = try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
            for name in names {
                for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(name.quotedDatabaseIdentifier))") {
                    out[name.lowercased(), default: []].insert((row["table"] as String).lowercased())
                }
            }
            return out
        }
    }

    /// The resource stored under row id `id`.
    package func resource(rowID id: Int64) async throws -> Resource? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT document FROM resource WHERE id = ?", arguments: [id])
                .map { try Documents.value(Resource.self, $0) }
        }
    }

    /// The columns of a table, in order.
    package func columns(of table: String) async throws -> [String] {
        try await writer.read { db in try Self.columns(of: table, db) }
    }

    /// Foreign keys off while a copy is loaded in any order; on again, with the whole database checked.
    package func enforceForeignKeys(_ on: Bool) async throws {
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = \(on ? "ON" : "OFF")")
            if on, let broken = try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") {
                throw ZhengshuError(
                    .invalidInput,
                    "the copied data breaks a reference: a row of \(broken[0] as String) names a missing \(broken[2] as String)"
                )
            }
        }
    }
}

extension GRDBStore {
    /// Moves everything written into the database file itself (the WAL emptied), so the file alone is the database.
    package func checkpoint() async throws {
        try await writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }
}
