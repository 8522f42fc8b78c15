import Foundation
import PostgresNIO
import ZhengshuCore

/// Reads a department's own PostgreSQL database for a scheduled pull or a live (logically collected) resource.
/// Every session is read-only (`default_transaction_read_only`), and the extended protocol runs one statement only.
package enum PostgresSourceExport {
    /// Writes the rows of `query` above `watermark` as JSON Lines to `output`, in watermark order.
    /// - Returns: the number of rows and the highest watermark value seen (as PostgreSQL prints it).
    static func quote(_ name: String) -> String { PostgresValues.quote(name) }

    package static func export(
        _ location: PostgresLocation, address: String?, query: String, watermarkColumn: String?,
        after watermark: String?, to output: URL
    ) async throws -> (rows: Int, watermark: String?) {
        var sql = "SELECT row_to_json(src)::text, "
        var binds = PostgresBindings()
        if let column = watermarkColumn {
            let quoted = quote(column)
            sql += "(src.\(quoted))::text FROM (\(query)) AS src"
            if let watermark {
                binds.append(UntypedText(value: watermark))
                sql += " WHERE src.\(quoted) > $1"
            }
            sql += " ORDER BY src.\(quoted)"
        } else {
            sql += "NULL::text FROM (\(query)) AS src"
        }
        _ = FileManager.default.createFile(atPath: output.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        return try await location.withConnection(address: address, readOnly: true) { connection in
            var count = 0
            var highest: String?
            var buffer = Data()
            do {
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: sql, binds: binds), logger: PostgresLocation.logger)
                for try await row in rows {
                    let (json, mark) = try row.decode((String, String?).self)
                    buffer.append(contentsOf: json.utf8)
                    buffer.append(0x0A)
                    if let mark { highest = mark }
                    count += 1
                    if buffer.count > 1 << 20 {
                        try await BlockingPool.shared.run { [buffer] in try handle.write(contentsOf: buffer) }
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
            } catch let error as PSQLError {
                throw ZhengshuError(
                    .conflict,
                    "the PostgreSQL source \(location.redacted) could not be read: \(PostgresLocation.message(error))")
            }
            try await BlockingPool.shared.run { [buffer] in try handle.write(contentsOf: buffer) }
            return (count, highest)
        }
    }

    /// One page of a live resource read from the source at query time. The source's SELECT names its columns as the
    /// items (`SELECT gmsfhm AS citizen_id …`); items it lacks read as NULL. Values are cast to the items' types, so
    /// filters compare as the catalog says (dates as dates, numbers as numbers).
    package static func page(
        _ location: PostgresLocation, address: String?, query sourceQuery: String, items: [DataItem],
        query: RecordQuery
    ) async throws -> RecordPage {
        var binds = PostgresBindings()
        let projected = items.map { item in
            "(to_jsonb(src) ->> '\(item.name.replacingOccurrences(of: "'", with: "''"))')::\(PostgresValues.type(of: item)) AS \(quote(item.name))"
        }
        let conditions = PostgresValues.filters(query.filters, &binds)
        let direction = query.descending ? "DESC" : "ASC"
        // A source table has no stable row id: order by the sort item, then every item, and page by offset.
        let order =
            ((query.sort.map { ["\(quote($0.name)) \(direction)"] } ?? [])
            + items.map { "\(quote($0.name)) ASC NULLS FIRST" })
            .joined(separator: ", ")
        let offset = query.after.map { Int($0.id) } ?? 0
        let selected = query.fields + (query.sort.map { query.fields.contains($0) ? [] : [$0] } ?? [])
        let output = selected.map { PostgresValues.output(quote($0.name), as: $0) }
        let sql =
            "SELECT \(output.joined(separator: ", ")) FROM (SELECT \(projected.joined(separator: ", ")) FROM (\(sourceQuery)) AS src) AS live"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY \(order) LIMIT \(query.limit + 1) OFFSET \(offset)"
        return try await location.withConnection(address: address, readOnly: true, statementTimeoutSeconds: 60) {
            connection in
            var rows: [[RecordValue]] = []
            do {
                let result = try await connection.query(
                    PostgresQuery(unsafeSQL: sql, binds: binds), logger: PostgresLocation.logger)
                for try await row in result {
                    var values: [RecordValue] = []
                    values.reserveCapacity(selected.count)
                    for (cell, item) in zip(row, selected) {
                        values.append(try PostgresValues.value(try cell.decode(String?.self), as: item))
                    }
                    rows.append(values)
                }
            } catch let error as PSQLError {
                throw ZhengshuError(
                    .conflict,
                    "the live source \(location.redacted) could not be read: \(PostgresLocation.message(error))")
            }
            let page = rows.prefix(query.limit)
            var next: RecordQuery.Cursor?
            if rows.count > query.limit, let last = page.last {
                let value = query.sort.flatMap { sort in selected.firstIndex(of: sort).map { last[$0] } }
                next = RecordQuery.Cursor(value: value ?? .null, id: Int64(offset + query.limit))
            }
            return RecordPage(fields: query.fields, rows: page.map { Array($0.prefix(query.fields.count)) }, next: next)
        }
    }
}
