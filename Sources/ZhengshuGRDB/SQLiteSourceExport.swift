import Foundation
import GRDB
import ZhengshuCore

/// Reads a department's own SQLite database (opened read-only) for a scheduled pull.
package enum SQLiteSourceExport {
    /// Writes the rows of `query` above `watermark` as JSON Lines to `output`, in watermark order.
    /// - Returns: the number of rows and the highest watermark value seen.
    package static func export(
        path: String, query: String, watermarkColumn: String?, after watermark: String?, to output: URL
    ) async throws
        -> (rows: Int, watermark: String?)
    {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ZhengshuError(.conflict, "the SQLite source \(path) does not exist or cannot be read")
        }
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        var sql = "SELECT * FROM (\(query)) AS src"
        var arguments = StatementArguments()
        if let column = watermarkColumn {
            let quoted = "\"" + column.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            if let watermark {
                sql += " WHERE \(quoted) > ?"
                arguments = [
                    Int64(watermark).map { $0.databaseValue } ?? Double(watermark).map { $0.databaseValue }
                        ?? watermark.databaseValue
                ]
            }
            sql += " ORDER BY \(quoted)"
        }
        FileManager.default.createFile(atPath: output.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // GRDB's asynchronous read: the statement and the file writes run on the connection's own queue, and a
        // cancelled pull interrupts the statement.
        return try await queue.read { [sql, arguments] db in
            var count = 0
            var highest: String?
            var buffer = Data()
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try cursor.next() {
                var object: [String: JSONValue] = [:]
                for (column, value) in row {
                    let json: JSONValue =
                        switch value.storage {
                        case .null: .null
                        case .int64(let i): .integer(i)
                        case .double(let d): .number(d)
                        case .string(let s): .string(s)
                        case .blob(let b): .string(b.base64EncodedString())
                        }
                    object[column] = json
                    if column == watermarkColumn {
                        switch value.storage {
                        case .int64(let i): highest = String(i)
                        case .double(let d): highest = String(d)
                        case .string(let s): highest = s
                        default: break
                        }
                    }
                }
                buffer.append(try encoder.encode(object))
                buffer.append(0x0A)
                count += 1
                if buffer.count > 1 << 20 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: buffer)
            return (count, highest)
        }
    }
}

extension SQLiteSourceExport {
    /// One page of a live (logically collected) resource, read from the source database at query time. The source's
    /// SELECT must name its columns as the items (`SELECT gmsfhm AS citizen_id …`).
    package static func page(
        path: String, query sourceQuery: String, items: [DataItem], query: RecordQuery
    ) async throws -> RecordPage {
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        let (conditions, filterArguments) = GRDBStore.filterSQL(query.filters)
        var args = filterArguments
        let direction = query.descending ? "DESC" : "ASC"
        // A source table has no stable row id: order by the sort item, then every item, and page by offset.
        let order =
            ((query.sort.map { ["\(GRDBStore.column($0)) \(direction)"] } ?? [])
            + items.map { "\(GRDBStore.column($0)) ASC" })
            .joined(separator: ", ")
        let offset = query.after.map { Int($0.id) } ?? 0
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        args += [query.limit + 1, offset]
        do {
            // Asynchronous: on the connection's queue, interrupted when the request is cancelled (its time is up).
            return try await queue.read { [args] db in
                // Items the source does not have read as NULL, so the source may carry a subset of the items.
                let available = Set(
                    try db.makeStatement(sql: "SELECT * FROM (\(sourceQuery)) AS src LIMIT 0").columnNames)
                let projected = items.map {
                    available.contains($0.name) ? GRDBStore.column($0) : "NULL AS \(GRDBStore.column($0))"
                }
                let selected = query.fields + (query.sort.map { query.fields.contains($0) ? [] : [$0] } ?? [])
                let sql =
                    "SELECT \(selected.map(GRDBStore.column).joined(separator: ", ")) FROM "
                    + "(SELECT \(projected.joined(separator: ", ")) FROM (\(sourceQuery)) AS src) AS live\(whereClause) "
                    + "ORDER BY \(order) LIMIT ? OFFSET ?"
                let rows = try Row.fetchAll(db, sql: sql, arguments: args)
                let page = rows.prefix(query.limit)
                let values = page.map { row in query.fields.map { GRDBStore.recordValue(row[$0.name], as: $0) } }
                // The offset does the paging; the sort value rides along so the cursor reads as any other.
                var next: RecordQuery.Cursor?
                if rows.count > query.limit, let last = page.last {
                    let value = query.sort.flatMap { sort in
                        selected.firstIndex(of: sort).map { GRDBStore.recordValue(last[$0], as: sort) }
                    }
                    next = RecordQuery.Cursor(value: value ?? .null, id: Int64(offset + query.limit))
                }
                return RecordPage(fields: query.fields, rows: values, next: next)
            }
        } catch let error as DatabaseError {
            throw ZhengshuError(
                .conflict, "the live source could not be read: \(error.message ?? "SQLite error \(error.resultCode)")")
        }
    }
}
