import Foundation
import PostgresNIO
import ZhengshuCore
import ZhengshuDocuments

extension PostgresStore: CatalogStore {
    package func insertResource(_ resource: Resource, version: ResourceVersion, audit: AuditEvent) async throws {
        try await write { db in
            try await Self.insertResource(resource, version: version, db)
            try await Self.appendAudit(audit, in: db)
        }
    }

    /// Adds a catalog entry (and its records table when it is published) inside a write.
    static func insertResource(_ resource: Resource, version: ResourceVersion, _ db: PostgresConnection) async throws {
        if try await db.query(
            "SELECT 1 FROM resource WHERE code = \(resource.code.rawValue)", logger: PostgresLocation.logger
        )
        .collect().count > 0 {
            throw ZhengshuError(.conflict, "resource \(resource.code) already exists")
        }
        guard let department = try await Self.fetchDepartment(resource.department, db) else {
            throw ZhengshuError.validation([
                .init(field: "department", reason: "department \(resource.department) does not exist")
            ])
        }
        let id = try await db.query(
            """
            INSERT INTO resource (code, department, category, shareType, gradeLevel, status, version, document, createdAt, updatedAt)
            VALUES (\(resource.code.rawValue), \(resource.department.rawValue), \(resource.category), \(resource.shareType.rawValue),
                    \(resource.gradeLevel.rawValue), \(resource.status.rawValue), \(resource.version), \(try Documents.text(resource)),
                    \(resource.createdAt.millis), \(resource.updatedAt.millis)) RETURNING id
            """, logger: PostgresLocation.logger
        ).collect()[0].decode(Int64.self)
        try await Self.saveVersion(version, resourceID: id, db)
        try await Self.index(resource, departmentName: department.name, resourceID: id, db)
        if resource.status == .published { try await Self.createRecordsTable(for: resource, id: id, db) }
    }

    package func updateResource(
        _ code: ResourceCode, action: String, actor: String, audit: AuditEvent,
        change: @Sendable (Resource) throws -> Resource
    ) async throws -> Resource {
        try await write { db in
            guard let (id, current) = try await Self.fetchResource(code, db, forUpdate: true) else {
                throw ZhengshuError(.notFound, "resource \(code) does not exist")
            }
            let next = try change(current)
            guard next.version != current.version else { return current }
            try await db.query(
                """
                UPDATE resource SET category = \(next.category), shareType = \(next.shareType.rawValue), gradeLevel = \(next.gradeLevel.rawValue),
                    status = \(next.status.rawValue), version = \(next.version), document = \(try Documents.text(next)),
                    updatedAt = \(next.updatedAt.millis) WHERE id = \(id)
                """, logger: PostgresLocation.logger)
            try await Self.saveVersion(
                ResourceVersion(
                    code: code, version: next.version, action: action, actor: actor,
                    at: next.updatedAt, snapshot: next), resourceID: id, db)
            let departmentName =
                try await db.query(
                    "SELECT name FROM department WHERE code = \(next.department.rawValue)",
                    logger: PostgresLocation.logger
                ).collect().first?.decode(String.self) ?? ""
            try await Self.index(next, departmentName: departmentName, resourceID: id, db)
            if current.status != .published, next.status == .published {
                try await Self.createRecordsTable(for: next, id: id, db)
            } else if current.status == .published {
                let existing = Set(current.items.map(\.name))
                for item in next.items where !existing.contains(item.name) {
                    try await db.query(
                        PostgresQuery(
                            unsafeSQL:
                                "ALTER TABLE \(Self.recordsTable(id)) ADD COLUMN \(Self.columnDefinition(item.stored))"),
                        logger: PostgresLocation.logger)
                }
            }
            try await Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func resource(_ code: ResourceCode) async throws -> Resource? {
        try await read { db in try await Self.fetchResource(code, db)?.1 }
    }

    package func versions(of code: ResourceCode) async throws -> [ResourceVersion] {
        try await read { db in
            try await db.query(
                """
                SELECT v.version, v.action, v.actor, v.at, v.document FROM resourceVersion v JOIN resource r ON r.id = v.resourceId
                WHERE r.code = \(code.rawValue) ORDER BY v.version
                """, logger: PostgresLocation.logger
            ).collect().map { try Self.version(from: $0, code: code) }
        }
    }

    package func version(_ number: Int, of code: ResourceCode) async throws -> ResourceVersion? {
        try await read { db in
            try await db.query(
                """
                SELECT v.version, v.action, v.actor, v.at, v.document FROM resourceVersion v JOIN resource r ON r.id = v.resourceId
                WHERE r.code = \(code.rawValue) AND v.version = \(number)
                """, logger: PostgresLocation.logger
            ).collect().first.map { try Self.version(from: $0, code: code) }
        }
    }

    package func searchResources(_ search: CatalogSearch) async throws -> CatalogSearch.Result {
        var binds = PostgresBindings()
        func parameter(_ value: String?) -> String {
            binds.append(value)
            return "$\(binds.count)::text"
        }
        var from = "resource r"
        var conditions: [String] = []
        var order = "r.code"
        if let text = search.text {
            let terms = SearchTerms.query(text)
            if !terms.isEmpty {
                // Each term is one exact lexeme; all must be present. Ranked by ts_rank, then code.
                let query = terms.map {
                    "'" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''")
                        + "'"
                }
                .joined(separator: " & ")
                from += " JOIN resourceSearch s ON s.resourceId = r.id"
                let q = parameter(query)
                conditions.append("s.terms @@ \(q)::tsquery")
                order = "ts_rank(s.terms, \(q)::tsquery) DESC, r.code"
            }
        }
        if let d = search.department { conditions.append("r.department = \(parameter(d.rawValue))") }
        if let c = search.category { conditions.append("r.category = \(parameter(c))") }
        if let s = search.shareType { conditions.append("r.shareType = \(parameter(s.rawValue))") }
        if let g = search.gradeLevel { conditions.append("r.gradeLevel = \(parameter(g.rawValue))") }
        if let s = search.status { conditions.append("r.status = \(parameter(s.rawValue))") }
        if case .publishedOr(let own) = search.visibility {
            conditions.append("(r.status = 'published' OR r.department = \(parameter(own?.rawValue)))")
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql =
            "SELECT r.document, COUNT(*) OVER () FROM \(from)\(whereClause) ORDER BY \(order) LIMIT \(search.limit) OFFSET \(search.offset)"
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await read { db in
            let rows = try await db.query(query, logger: PostgresLocation.logger).collect().map {
                try $0.decode((String, Int).self)
            }
            var total = rows.first?.1 ?? 0
            if rows.isEmpty, search.offset > 0 {
                // Past the end: the window count has no row to ride on.
                total = try await db.query(
                    PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(from)\(whereClause)", binds: binds),
                    logger: PostgresLocation.logger
                ).collect()[0].decode(Int.self)
            }
            return CatalogSearch.Result(
                total: total, resources: try rows.map { try Documents.cachedValue(Resource.self, $0.0) })
        }
    }

    static func fetchResource(
        _ code: ResourceCode, _ db: PostgresConnection, forUpdate: Bool = false
    ) async throws -> (Int64, Resource)? {
        guard
            let row = try await db.query(
                """
                SELECT id, document FROM resource WHERE code = \(code.rawValue)\(unescaped: forUpdate ? " FOR UPDATE" : "")
                """, logger: PostgresLocation.logger
            ).collect().first
        else { return nil }
        let (id, document) = try row.decode((Int64, String).self)
        return (id, try Documents.cachedValue(Resource.self, document))
    }

    static var decoder: JSONDecoder { DocumentCoding.decoder }
    static func json(_ value: [String]) throws -> String { try DocumentCoding.json(value) }

    static func saveVersion(_ v: ResourceVersion, resourceID: Int64, _ db: PostgresConnection) async throws {
        try await db.query(
            """
            INSERT INTO resourceVersion (resourceId, version, action, actor, at, document)
            VALUES (\(resourceID), \(v.version), \(v.action), \(v.actor), \(v.at.millis), \(try Documents.text(v.snapshot)))
            """, logger: PostgresLocation.logger)
    }

    static func version(from row: PostgresRow, code: ResourceCode) throws -> ResourceVersion {
        let (version, action, actor, at, document) = try row.decode((Int, String, String, Int64, String).self)
        return ResourceVersion(
            code: code, version: version, action: action, actor: actor, at: Date(millis: at),
            snapshot: try Documents.value(Resource.self, document))
    }

    static func index(_ r: Resource, departmentName: String, resourceID: Int64, _ db: PostgresConnection) async throws {
        let text =
            [r.code.rawValue, r.name, r.abstract, r.category, departmentName, r.sourceSystem ?? ""]
            + r.items.map(\.label) + r.serviceItems
        let terms = Array(Set(SearchTerms.index(text.joined(separator: " "))))
        try await db.query(
            """
            INSERT INTO resourceSearch (resourceId, terms) VALUES (\(resourceID), array_to_tsvector(\(terms)))
            ON CONFLICT (resourceId) DO UPDATE SET terms = excluded.terms
            """, logger: PostgresLocation.logger)
    }
}
