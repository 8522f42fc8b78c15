import GRDB

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
