import PostgresNIO

extension PostgresStore {
    /// Every row of every table of the platform's schema as text (tests use it to prove a value is gone).
    package func dumpAllText() async throws -> String {
        try await read { db in
            let tables = try await db.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()", logger: PostgresLocation.logger)
                .collect().map { try $0.decode(String.self) }
            var out = ""
            for table in tables {
                for row in try await db.query(PostgresQuery(unsafeSQL: "SELECT t::text FROM \(PostgresValues.quote(table)) t"),
                                              logger: PostgresLocation.logger).collect() {
                    out += try row.decode(String.self) + "\n"
                }
            }
            return out
        }
    }
}
