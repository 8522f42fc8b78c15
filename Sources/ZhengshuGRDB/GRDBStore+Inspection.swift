import GRDB
import ZhengshuCore

extension GRDBStore {
    /// Every text value in every table, for tests that prove a secret is not stored.
    package func dumpAllText() async throws -> String {
        try await writer.read { db in
            var out = ""
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            for table in tables {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                    for (_, value) in row { out += value.description + "\n" }
                }
            }
            return out
        }
    }
}

extension GRDBStore {
    /// The platform's tables and their columns (names lower-cased), without SQLite's own and the search index's
    /// tables: to compare the two engines' schemas.
    package func platformColumns() async throws -> [String: Set<String>] {
        try await writer.read { db in
            var out: [String: Set<String>] = [:]
            let tables = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                    AND name NOT LIKE 'resourceSearch%' AND name NOT LIKE 'grdb\\_%' ESCAPE '\\'
                    """)
            for table in tables {
                out[table.lowercased()] = Set(
                    try Row.fetchAll(db, sql: "PRAGMA table_info(\"\(table)\")").map {
                        ($0["name"] as String).lowercased()
                    })
            }
            return out
        }
    }
}

extension GRDBStore {
    /// The columns the records table of `code` indexes for profile lookups (its `_lk` indexes).
    package func lookupIndexColumns(of code: ResourceCode) async throws -> Set<String> {
        try await writer.read { db in
            guard let (id, _) = try Self.fetchResource(code, db) else { return [] }
            let names = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name LIKE ?",
                arguments: ["rec_\(id)", "rec_\(id)_lk%"])
            return Set(
                try names.flatMap { name in
                    try Row.fetchAll(db, sql: "PRAGMA index_info(\"\(name)\")").map { $0["name"] as String }
                })
        }
    }
}
