import PostgresNIO
import ZhengshuCore

extension PostgresStore {
    /// Every row of every table of the platform's schema as text (tests use it to prove a value is gone).
    package func dumpAllText() async throws -> String {
        try await read { db in
            let tables = try await db.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()", logger: PostgresLocation.logger
            )
            .collect().map { try $0.decode(String.self) }
            var out = ""
            for table in tables {
                for row in try await db.query(
                    PostgresQuery(unsafeSQL: "SELECT t::text FROM \(PostgresValues.quote(table)) t"),
                    logger: PostgresLocation.logger
                ).collect() {
                    out += try row.decode(String.self) + "\n"
                }
            }
            return out
        }
    }
}

extension PostgresStore {
    /// The partitions of a resource's records table and their row counts (operators' view; tests).
    package func partitionCounts(of code: String) async throws -> [(name: String, rows: Int)] {
        try await read { db in
            guard let (id, _) = try await Self.fetchResource(ResourceCode(trusted: code), db) else { return [] }
            let names = try await db.query(
                """
                SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = \(Self.recordsTable(id))::regclass ORDER BY 1
                """, logger: PostgresLocation.logger
            ).collect().map { try $0.decode(String.self) }
            var out: [(name: String, rows: Int)] = []
            for name in names {
                let rows = try await db.query(
                    PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(PostgresValues.quote(name))"),
                    logger: PostgresLocation.logger
                ).collect()[0].decode(Int.self)
                out.append((name, rows))
            }
            return out
        }
    }
}

extension PostgresStore {
    /// The platform's tables and their columns, without the migration log and the search index (see the SQLite twin).
    package func platformColumns() async throws -> [String: Set<String>] {
        try await read { db in
            var out: [String: Set<String>] = [:]
            for row in try await db.query(
                """
                SELECT table_name::text, column_name::text FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name NOT IN ('schema_migration', 'resourcesearch')
                """, logger: PostgresLocation.logger
            ).collect() {
                let (table, column) = try row.decode((String, String).self)
                out[table, default: []].insert(column)
            }
            return out
        }
    }
}

extension PostgresStore {
    /// The columns the records table of `code` indexes for profile lookups (its `_lk` indexes).
    package func lookupIndexColumns(of code: ResourceCode) async throws -> Set<String> {
        try await read { db in
            guard let (id, _) = try await Self.fetchResource(code, db) else { return [] }
            let table = Self.recordsTable(id)
            return Set(
                try await db.query(
                    """
                    SELECT a.attname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                    WHERE i.indrelid = \(table)::regclass AND c.relname LIKE \(table + "_lk%")
                    """, logger: PostgresLocation.logger
                ).collect().map { try $0.decode(String.self) })
        }
    }
}
