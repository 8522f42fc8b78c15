import Foundation
import PostgresNIO
import ZhengshuCore
import ZhengshuDocuments

/// Moving an installation between engines: what the PostgreSQL side reads (in one repeatable-read snapshot) and
/// writes (into an empty installation, in one transaction). Values cross as ``TransferValue``: booleans as 0/1,
/// numerics as exact text, datetimes as RecordValue's text (UTC, seconds), bytea as bytes.
extension PostgresStore {
    /// One connection inside one transaction: a consistent read, or the whole load.
    package struct Transfer: Sendable {
        let db: PostgresConnection

        static func name(_ table: String) -> String { PostgresValues.quote(table.lowercased()) }

        /// Column → data type, by lower-case name.
        func types(of table: String) async throws -> [String: String] {
            let rows = try await db.query(
                """
                SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table.lowercased())
                """, logger: PostgresLocation.logger
            ).collect()
            var out: [String: String] = [:]
            for row in rows {
                let (column, type) = try row.decode((String, String).self)
                out[column] = type
            }
            guard !out.isEmpty else {
                throw ZhengshuError(.invalidInput, "table \(table) does not exist on PostgreSQL")
            }
            return out
        }

        /// The table's column names (lower case).
        package func columnNames(of table: String) async throws -> Set<String> { Set(try await types(of: table).keys) }

        /// Which tables reference which (lower-case names), for the load order.
        package func references() async throws -> [String: Set<String>] {
            let rows = try await db.query(
                """
                SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
                JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = current_schema()
                """, logger: PostgresLocation.logger
            ).collect()
            var out: [String: Set<String>] = [:]
            for row in rows {
                let (from, to) = try row.decode((String, String).self)
                out[from.replacingOccurrences(of: "\"", with: ""), default: []].insert(
                    to.replacingOccurrences(of: "\"", with: ""))
            }
            return out
        }

        /// The ids of the resources whose records table exists.
        package func recordsTableIDs() async throws -> [Int64] {
            let rows = try await db.query(
                "SELECT id FROM resource WHERE to_regclass('rec_' || id) IS NOT NULL ORDER BY id",
                logger: PostgresLocation.logger
            ).collect()
            return try rows.map { try $0.decode(Int64.self) }
        }

        /// Reads the table's `columns` (named as SQLite names them) a page at a time.
        package func readRows(
            _ table: TransferTable, page: Int = 5000, _ body: ([[TransferValue]]) async throws -> Void
        ) async throws {
            let types = try await types(of: table.name)
            let kinds = try table.columns.map { column throws -> String in
                guard let type = types[column.lowercased()] else {
                    throw ZhengshuError(.invalidInput, "column \(table.name).\(column) does not exist on PostgreSQL")
                }
                return type
            }
            let expressions = zip(table.columns, kinds).map { column, type -> String in
                let c = PostgresValues.quote(column.lowercased())
                switch type {
                case "boolean": return "(\(c)::int)::text"
                case "timestamp with time zone":
                    return "to_char(\(c) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                case "bytea": return "encode(\(c), 'hex')"
                default: return "\(c)::text"
                }
            }
            try await db.query(
                PostgresQuery(
                    unsafeSQL:
                        "DECLARE zs_transfer NO SCROLL CURSOR FOR SELECT \(expressions.joined(separator: ", ")) FROM \(Self.name(table.name))"
                ),
                logger: PostgresLocation.logger)
            while true {
                let rows = try await db.query(
                    PostgresQuery(unsafeSQL: "FETCH \(page) FROM zs_transfer"), logger: PostgresLocation.logger
                ).collect()
                if rows.isEmpty { break }
                var page: [[TransferValue]] = []
                page.reserveCapacity(rows.count)
                for row in rows {
                    let cells = PostgresRandomAccessRow(row)
                    page.append(
                        try kinds.indices.map { k in
                            guard let text = try cells[k].decode(String?.self) else { return .null }
                            switch kinds[k] {
                            case "bigint", "integer", "smallint", "boolean":
                                guard let i = Int64(text) else {
                                    throw ZhengshuError(
                                        .invalidInput, "\(table.name).\(table.columns[k]): '\(text)' is not an integer")
                                }
                                return .integer(i)
                            case "double precision", "real": return Double(text).map(TransferValue.real) ?? .text(text)
                            case "bytea": return .blob(Self.bytes(hex: text))
                            default: return .text(text)
                            }
                        })
                }
                try await body(page)
            }
            try await db.query("CLOSE zs_transfer", logger: PostgresLocation.logger)
        }

        /// Empties the given tables (a fresh installation's seeded rows) at once.
        package func clear(_ tables: [TransferTable]) async throws {
            guard !tables.isEmpty else { return }
            try await db.query(
                PostgresQuery(
                    unsafeSQL: "TRUNCATE \(tables.map { Self.name($0.name) }.joined(separator: ", ")) CASCADE"),
                logger: PostgresLocation.logger)
        }

        /// Appends rows, each value cast to its column's type.
        package func appendRows(_ table: TransferTable, _ rows: [[TransferValue]]) async throws {
            guard !rows.isEmpty else { return }
            let types = try await types(of: table.name)
            let casts = try table.columns.map { column throws -> String in
                guard let type = types[column.lowercased()] else {
                    throw ZhengshuError(.invalidInput, "column \(table.name).\(column) does not exist on PostgreSQL")
                }
                return type
            }
            let columns = table.columns.map { PostgresValues.quote($0.lowercased()) }.joined(separator: ", ")
            let perStatement = max(1, 60_000 / max(1, table.columns.count))
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(rows.count, start + perStatement)]
                var binds = PostgresBindings()
                var tuples: [String] = []
                for row in chunk {
                    let first = binds.count
                    for value in row {
                        switch value {
                        case .null: binds.appendNull()
                        case .integer(let i): binds.append(UntypedText(value: String(i)))
                        case .real(let d): binds.append(UntypedText(value: String(d)))
                        case .text(let s): binds.append(UntypedText(value: s))
                        case .blob(let b): binds.append(UntypedText(value: "\\x" + b.hex))
                        }
                    }
                    tuples.append(
                        "(" + casts.indices.map { "$\(first + $0 + 1)::\(casts[$0])" }.joined(separator: ", ") + ")")
                }
                try await db.query(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(Self.name(table.name)) (\(columns)) VALUES "
                            + tuples.joined(separator: ", "), binds: binds),
                    logger: PostgresLocation.logger)
                start += chunk.count
            }
        }

        /// Creates a resource's records table as this engine lays it out (partitions, indexes).
        package func createRecordsTable(for resource: Resource, id: Int64) async throws {
            try await PostgresStore.createRecordsTable(for: resource, id: id, db)
        }

        /// Rebuilds the catalog's search index (derived from the resources and departments).
        package func rebuildSearchIndex() async throws {
            let rows = try await db.query(
                "SELECT r.id, r.document, d.name FROM resource r JOIN department d ON d.code = r.department",
                logger: PostgresLocation.logger
            ).collect()
            for row in rows {
                let (id, document, name) = try row.decode((Int64, String, String).self)
                let resource = try Documents.value(Resource.self, document)
                try await PostgresStore.index(resource, departmentName: name, resourceID: id, db)
            }
        }

        /// Every sequence (serial and identity columns) set past the largest value loaded.
        package func resetSequences() async throws {
            let rows = try await db.query(
                """
                SELECT c.table_name, c.column_name, pg_get_serial_sequence(quote_ident(c.table_name), c.column_name)
                FROM information_schema.columns c JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = current_schema()::regnamespace
                WHERE c.table_schema = current_schema() AND NOT k.relispartition
                  AND pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) IS NOT NULL
                """, logger: PostgresLocation.logger
            ).collect()
            for row in rows {
                let (table, column, sequence) = try row.decode((String, String, String).self)
                try await db.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT setval('\(sequence)', COALESCE((SELECT max(\(PostgresValues.quote(column))) FROM \(PostgresValues.quote(table))), 0) + 1, false)
                            """), logger: PostgresLocation.logger)
            }
        }

        static func bytes(hex: String) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(hex.utf8.count / 2)
            var high: UInt8?
            for c in hex.utf8 {
                let v: UInt8 = c >= 97 ? c - 87 : c >= 65 ? c - 55 : c - 48
                if let h = high {
                    out.append(h << 4 | v)
                    high = nil
                } else {
                    high = v
                }
            }
            return out
        }
    }

    /// Runs `body` in one REPEATABLE READ, READ ONLY transaction: every table it reads as of one instant.
    package func withSnapshot<T: Sendable>(_ body: (Transfer) async throws -> T) async throws -> T {
        try await client.withConnection { db in
            try await db.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: PostgresLocation.logger)
            do {
                let result = try await body(Transfer(db: db))
                try await db.query("COMMIT", logger: PostgresLocation.logger)
                return result
            } catch {
                _ = try? await db.query("ROLLBACK", logger: PostgresLocation.logger)
                throw error
            }
        }
    }

    /// Runs `body` in one transaction (the whole load, or nothing).
    package func withLoad<T: Sendable>(_ body: (Transfer) async throws -> T) async throws -> T {
        try await write { try await body(Transfer(db: $0)) }
    }

    /// Whether the installation holds nothing yet: no resource, user or audit entry.
    package func isEmptyInstallation() async throws -> Bool {
        try await read { db in
            let rows = try await db.query(
                """
                SELECT (SELECT count(*) FROM resource) + (SELECT count(*) FROM "user") + (SELECT count(*) FROM auditEntry)
                """, logger: PostgresLocation.logger
            ).collect()
            return try rows[0].decode(Int64.self) == 0
        }
    }
}
