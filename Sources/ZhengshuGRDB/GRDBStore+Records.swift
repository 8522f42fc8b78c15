import Foundation
import GRDB
import ZhengshuCore

extension GRDBStore: RecordStore {
    /// The physical table of a published resource: named by the platform, never by user input.
    static func recordsTable(_ id: Int64) -> String { "\"rec_\(id)\"" }

    static func column(_ item: DataItem) -> String { "\"\(item.name)\"" }

    static func columnDefinition(_ item: DataItem) -> String {
        let type =
            switch item.type {
            case .string, .date, .datetime: "TEXT"
            case .integer, .boolean: "INTEGER"
            case .decimal: "NUMERIC"
            }
        // Only key items are NOT NULL in the table: whether a required item may land empty is its quality rule's call
        // (a `flag` lets the row in and reports it).
        return "\(column(item)) \(type)\(item.key ? " NOT NULL" : "")"
    }

    /// Typed columns from the items; an internal `_id` orders rows and anchors cursors; `_rev` is the revision that last
    /// wrote the row (NULL: the generation's base snapshot); key items are unique.
    static func createRecordsTable(for r: Resource, id: Int64, _ db: Database) throws {
        let columns = ["\"_id\" INTEGER PRIMARY KEY", "\"_rev\" INTEGER"] + r.stored.items.map(columnDefinition)
        try db.execute(sql: "CREATE TABLE \(recordsTable(id)) (\(columns.joined(separator: ", ")))")
        if !r.keyItems.isEmpty {
            try db.execute(
                sql:
                    "CREATE UNIQUE INDEX \"rec_\(id)_key\" ON \(recordsTable(id)) (\(r.keyItems.map(column).joined(separator: ", ")))"
            )
        }
        try createRevisionIndex(id, db)
        try createLookupIndexes(for: r, id: id, db)
    }

    /// Profile lookups (一人一档): an index on every identifying item, kept by SQLite as rows are written.
    static func createLookupIndexes(for r: Resource, id: Int64, _ db: Database) throws {
        for (k, item) in ProfileRules.lookupItems(of: r) {
            try db.execute(
                sql: "CREATE INDEX IF NOT EXISTS \"rec_\(id)_lk\(k)\" ON \(recordsTable(id)) (\(column(item)))")
        }
    }

    /// The change feed's index: only rows written after the base snapshot, so building it on a fresh snapshot is free.
    static func createRevisionIndex(_ id: Int64, _ db: Database) throws {
        try db.execute(
            sql:
                "CREATE INDEX IF NOT EXISTS \"rec_\(id)_rev\" ON \(recordsTable(id)) (\"_rev\", \"_id\") WHERE \"_rev\" IS NOT NULL"
        )
    }

    /// Starts a revision of the resource's data (a load or a write that keeps the rest). - Returns: its number.
    static func nextRevision(_ id: Int64, _ db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE resource SET dataRevision = dataRevision + 1 WHERE id = ?", arguments: [id])
        return try Int64.fetchOne(db, sql: "SELECT dataRevision FROM resource WHERE id = ?", arguments: [id]) ?? 1
    }

    package func changes(
        of resource: Resource, fields: [DataItem], after: ChangeCursor?, limit: Int
    ) async throws -> ChangePage {
        try await writer.read { db in
            guard let (id, _) = try Self.fetchResource(resource.code, db),
                let generation = try Int64.fetchOne(
                    db, sql: "SELECT dataGeneration FROM resource WHERE id = ?", arguments: [id])
            else {
                throw ZhengshuError(.notFound, "resource \(resource.code) does not exist")
            }
            let reset = after != nil && after?.generation != generation
            var cursor =
                after.flatMap { $0.generation == generation ? $0 : nil }
                ?? ChangeCursor(generation: generation, revision: 0, id: 0)
            let table = Self.recordsTable(id)
            let columns = (["\"_id\"", "\"_rev\""] + fields.map(Self.column)).joined(separator: ", ")
            var rows: [Row] = []
            if cursor.revision == 0 {
                rows = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT \(columns) FROM \(table) WHERE \"_rev\" IS NULL AND \"_id\" > ? ORDER BY \"_id\" LIMIT ?",
                    arguments: [cursor.id, limit + 1])
            }
            if rows.count <= limit {
                let r = cursor.revision, after = cursor.revision == 0 ? 0 : cursor.id
                rows += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(columns) FROM \(table) WHERE "_rev" IS NOT NULL AND ("_rev" > ? OR ("_rev" = ? AND "_id" > ?)) ORDER BY "_rev", "_id" LIMIT ?
                        """, arguments: [r, r, after, limit + 1 - rows.count])
            }
            let page = rows.prefix(limit)
            if let last = page.last {
                let rev: Int64? = last[1]
                cursor = ChangeCursor(generation: generation, revision: rev ?? 0, id: last[0])
            }
            let values = page.map { row in
                fields.enumerated().map { Self.recordValue(row[$0.offset + 2], as: $0.element) }
            }
            return ChangePage(fields: fields, rows: values, next: cursor, reset: reset, more: rows.count > limit)
        }
    }

    /// How long a client's idempotency key is remembered.
    static let idempotencyWindow: Int64 = 24 * 3600 * 1000

    package func insertRecords(
        _ rows: [RecordValidator.Row], into resource: Resource, idempotency: IdempotencyKey?,
        audit: AuditEvent
    ) async throws -> InsertOutcome {
        try await writer.write { db in
            if let idempotency {
                try db.execute(
                    sql: "DELETE FROM idempotencyKey WHERE createdAt < ?",
                    arguments: [audit.at.millis - Self.idempotencyWindow])
                if let seen = try Row.fetchOne(
                    db, sql: "SELECT * FROM idempotencyKey WHERE actor = ? AND key = ?",
                    arguments: [idempotency.actor, idempotency.key])
                {
                    guard seen["fingerprint"] == idempotency.fingerprint, seen["resource"] == resource.code.rawValue
                    else {
                        throw ZhengshuError.validation([
                            .init(
                                field: "Idempotency-Key",
                                reason: "this key was used for a different request in the last 24 hours; use a new key")
                        ])
                    }
                    return InsertOutcome(inserted: seen["inserted"], replayed: true)
                }
            }
            guard let (id, current) = try Self.fetchResource(resource.code, db), current.status == .published else {
                throw ZhengshuError(.conflict, "resource \(resource.code) is not published")
            }
            guard current.stored.items == resource.items else {
                throw ZhengshuError(
                    .conflict, "resource \(resource.code) changed while the records were checked; send them again")
            }
            let columns = (["\"_rev\""] + resource.items.map(Self.column)).joined(separator: ", ")
            let marks = Array(repeating: "?", count: resource.items.count + 1).joined(separator: ", ")
            let revision = try Self.nextRevision(id, db)
            let statement = try db.cachedStatement(
                sql: "INSERT INTO \(Self.recordsTable(id)) (\(columns)) VALUES (\(marks))")
            for (i, row) in rows.enumerated() {
                do {
                    try statement.execute(
                        arguments: StatementArguments([revision.databaseValue] + row.map(Self.databaseValue)))
                } catch let error as DatabaseError where error.isUniqueViolation {
                    let key = resource.keyItems.map(\.name).joined(separator: ",")
                    throw ZhengshuError(
                        .conflict, "row \(i) has the same key (\(key)) as a record already stored; nothing was stored",
                        violations: [.init(field: key, row: i, reason: "duplicate key")])
                }
            }
            try db.execute(
                sql: "UPDATE resource SET recordCount = recordCount + ?, lastUpdatedAt = ? WHERE id = ?",
                arguments: [rows.count, audit.at.millis, id])
            if let idempotency {
                try db.execute(
                    sql: """
                        INSERT INTO idempotencyKey (actor, key, resource, fingerprint, inserted, createdAt) VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        idempotency.actor, idempotency.key, resource.code.rawValue, idempotency.fingerprint, rows.count,
                        audit.at.millis,
                    ])
            }
            try Self.appendAudit(audit, in: db)
            return InsertOutcome(inserted: rows.count, replayed: false)
        }
    }

    package func records(of resource: Resource, queries: [RecordQuery]) async throws -> [RecordPage] {
        // A page is at most 1,000 rows by the primary key or an index.
        try await quickRead { db in
            guard let id = try Self.resourceID(resource.code, db) else {
                throw ZhengshuError(.notFound, "resource \(resource.code) does not exist")
            }
            return try queries.map { try Self.page(of: id, query: $0, db) }
        }
    }

    static func page(of id: Int64, query: RecordQuery, _ db: Database) throws -> RecordPage {
        var (conditions, args) = Self.filterSQL(query.filters)
        let direction = query.descending ? "DESC" : "ASC"
        let cmp = query.descending ? "<" : ">"
        var order = "\"_id\" \(direction)"
        if let sort = query.sort {
            let col = Self.column(sort)
            order = "\(col) \(direction), \"_id\" \(direction)"
            if let after = query.after {
                conditions.append("(\(col) \(cmp) ? OR (\(col) = ? AND \"_id\" \(cmp) ?))")
                let v = Self.databaseValue(after.value)
                args += [v, v, after.id]
            }
        } else if let after = query.after {
            conditions.append("\"_id\" \(cmp) ?")
            args += [after.id]
        }
        let columns = (["\"_id\""] + query.fields.map(Self.column)).joined(separator: ", ")
        let sortColumn = query.sort.map(Self.column)
        let selected = sortColumn.map { "\(columns), \($0) AS \"_sort\"" } ?? columns
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        // Cached per connection: the same shapes of page query come back all day.
        let rows = try Row.fetchAll(
            try db.cachedStatement(
                sql: "SELECT \(selected) FROM \(Self.recordsTable(id))\(whereClause) ORDER BY \(order) LIMIT ?"),
            arguments: args + [query.limit + 1])
        let page = rows.prefix(query.limit)
        var next: RecordQuery.Cursor?
        if rows.count > query.limit, let last = page.last {
            // Columns by position (`_id`, the fields, `_sort`): a lookup by name lower-cases names on every call.
            let value = query.sort.map { Self.recordValue(last[query.fields.count + 1], as: $0) } ?? .null
            next = RecordQuery.Cursor(value: value, id: last[0])
        }
        let values = page.map { row in
            query.fields.enumerated().map { Self.recordValue(row[$0.offset + 1], as: $0.element) }
        }
        return RecordPage(fields: query.fields, rows: values, next: next)
    }

    package func recordCount(of resource: Resource) async throws -> Int {
        try await writer.read { db in
            try Int.fetchOne(
                db, sql: "SELECT recordCount FROM resource WHERE code = ?", arguments: [resource.code.rawValue]) ?? 0
        }
    }

    /// SQL conditions and their bound values for typed filters.
    static func filterSQL(_ filters: [RecordQuery.Filter]) -> ([String], StatementArguments) {
        var conditions: [String] = []
        var args: StatementArguments = []
        for f in filters {
            let col = column(f.item)
            switch f.op {
            case .prefix:
                conditions.append("substr(\(col), 1, ?) = ?")
                if case .string(let s) = f.value { args += [s.count, s] }
            default:
                let op = ["eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="][f.op.rawValue]!
                conditions.append("\(col) \(op) ?")
                args += [databaseValue(f.value)]
            }
        }
        return (conditions, args)
    }

    static func databaseValue(_ v: RecordValue) -> DatabaseValue {
        switch v {
        case .null: .null
        case .string(let s): s.databaseValue
        case .integer(let i): i.databaseValue
        case .decimal(let d): (Int64(d)?.databaseValue) ?? (Double(d)?.databaseValue ?? d.databaseValue)
        case .date(let d): d.description.databaseValue
        case .datetime(let t): RecordValue.formatDatetime(t).databaseValue
        case .boolean(let b): b.databaseValue
        }
    }

    static func recordValue(_ dbValue: DatabaseValue, as item: DataItem) -> RecordValue {
        switch dbValue.storage {
        case .null: return .null
        case .int64(let i):
            switch item.type {
            case .boolean: return .boolean(i != 0)
            case .decimal: return .decimal(String(i))
            case .string: return .string(String(i))
            default: return .integer(i)
            }
        case .double(let d):
            return .decimal(RecordValidator.canonicalDecimal(String(d)) ?? String(d))
        case .string(let s):
            switch item.type {
            case .date: return CivilDate(iso: s).map(RecordValue.date) ?? .string(s)
            case .datetime: return RecordValue.parseDatetime(s).map(RecordValue.datetime) ?? .string(s)
            default: return .string(s)
            }
        case .blob: return .null
        }
    }
}

extension GRDBStore {
    package func rewriteColumns(
        of resource: Resource, columns: [String], transform: @Sendable ([String?]) throws -> [String?]
    ) async throws {
        guard !columns.isEmpty else { return }
        try await writer.write { db in
            guard let (id, _) = try Self.fetchResource(resource.code, db) else {
                throw ZhengshuError(.notFound, "resource \(resource.code) does not exist")
            }
            let table = Self.recordsTable(id)
            let quoted = columns.map { "\"\($0)\"" }
            let rows = try Row.fetchAll(
                db, sql: "SELECT \"_id\", \(quoted.map { "CAST(\($0) AS TEXT)" }.joined(separator: ", ")) FROM \(table)"
            )
            let update = try db.makeStatement(
                sql: "UPDATE \(table) SET \(quoted.map { "\($0) = ?" }.joined(separator: ", ")) WHERE \"_id\" = ?")
            for row in rows {
                let values = try transform((1...columns.count).map { row[$0] as String? })
                try update.execute(
                    arguments: StatementArguments(
                        values.map { $0 as (any DatabaseValueConvertible)? } + [row[0] as Int64]))
            }
        }
    }
}
