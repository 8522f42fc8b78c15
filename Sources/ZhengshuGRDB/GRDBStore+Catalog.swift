import Foundation
import GRDB
import Synchronization
import ZhengshuCore
import ZhengshuDocuments

extension GRDBStore: CatalogStore {
    package func insertResource(_ resource: Resource, version: ResourceVersion, audit: AuditEvent) async throws {
        try await writer.write { db in
            try Self.insertResource(resource, version: version, db)
            try Self.appendAudit(audit, in: db)
        }
    }

    /// Adds a catalog entry (and its records table when it is published) inside a write.
    static func insertResource(_ resource: Resource, version: ResourceVersion, _ db: Database) throws {
        if try Int.fetchOne(db, sql: "SELECT 1 FROM resource WHERE code = ?", arguments: [resource.code.rawValue])
            != nil
        {
            throw ZhengshuError(.conflict, "resource \(resource.code) already exists")
        }
        guard let department = try Self.fetchDepartment(resource.department, db) else {
            throw ZhengshuError.validation([
                .init(field: "department", reason: "department \(resource.department) does not exist")
            ])
        }
        try db.execute(
            sql: """
                INSERT INTO resource (code, department, category, shareType, gradeLevel, status, version, document, createdAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                resource.code.rawValue, resource.department.rawValue, resource.category,
                resource.shareType.rawValue, resource.gradeLevel.rawValue, resource.status.rawValue,
                resource.version, try Documents.text(resource), resource.createdAt.millis, resource.updatedAt.millis,
            ])
        let id = db.lastInsertedRowID
        try Self.saveVersion(version, resourceID: id, db)
        try Self.index(resource, departmentName: department.name, resourceID: id, db)
        if resource.status == .published { try Self.createRecordsTable(for: resource, id: id, db) }
    }

    package func updateResource(
        _ code: ResourceCode, action: String, actor: String, audit: AuditEvent,
        change: @Sendable (Resource) throws -> Resource
    ) async throws -> Resource {
        try await writer.write { db in
            guard let (id, current) = try Self.fetchResource(code, db) else {
                throw ZhengshuError(.notFound, "resource \(code) does not exist")
            }
            let next = try change(current)
            guard next.version != current.version else { return current }
            try db.execute(
                sql: """
                    UPDATE resource SET category = ?, shareType = ?, gradeLevel = ?, status = ?, version = ?, document = ?, updatedAt = ?
                    WHERE id = ?
                    """,
                arguments: [
                    next.category, next.shareType.rawValue, next.gradeLevel.rawValue, next.status.rawValue,
                    next.version, try Documents.text(next), next.updatedAt.millis, id,
                ])
            try Self.saveVersion(
                ResourceVersion(
                    code: code, version: next.version, action: action, actor: actor,
                    at: next.updatedAt, snapshot: next), resourceID: id, db)
            let departmentName =
                try String.fetchOne(
                    db, sql: "SELECT name FROM department WHERE code = ?",
                    arguments: [next.department.rawValue]) ?? ""
            try Self.index(next, departmentName: departmentName, resourceID: id, db)
            if current.status != .published, next.status == .published {
                try Self.createRecordsTable(for: next, id: id, db)
            } else if current.status == .published {
                let existing = Set(current.items.map(\.name))
                for item in next.items where !existing.contains(item.name) {
                    try db.execute(
                        sql: "ALTER TABLE \(Self.recordsTable(id)) ADD COLUMN \(Self.columnDefinition(item.stored))")
                }
            }
            try Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func resource(_ code: ResourceCode) async throws -> Resource? {
        try await quickRead { db in try cachedResource(code, db) }
    }

    /// The resource, decoded only when its row changed since this store last decoded it.
    func cachedResource(_ code: ResourceCode, _ db: Database) throws -> Resource? {
        guard
            let row = try Row.fetchOne(
                try db.cachedStatement(
                    sql: """
                        SELECT version || '.' || updatedAt || '.' || length(document) AS stamp FROM resource WHERE code = ?
                        """), arguments: [code.rawValue])
        else { return nil }
        let stamp: String = row["stamp"]
        if let hit = resourceCache.withLock({ $0[code.rawValue] }), hit.stamp == stamp { return hit.resource }
        guard let resource = try Self.fetchResource(code, db)?.1 else { return nil }
        resourceCache.withLock { $0[code.rawValue] = (stamp, resource) }
        return resource
    }

    package func versions(of code: ResourceCode) async throws -> [ResourceVersion] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT v.* FROM resourceVersion v JOIN resource r ON r.id = v.resourceId WHERE r.code = ? ORDER BY v.version
                    """, arguments: [code.rawValue]
            ).map { try Self.version(from: $0, code: code) }
        }
    }

    package func version(_ number: Int, of code: ResourceCode) async throws -> ResourceVersion? {
        try await writer.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT v.* FROM resourceVersion v JOIN resource r ON r.id = v.resourceId WHERE r.code = ? AND v.version = ?
                    """, arguments: [code.rawValue, number]
            ).map { try Self.version(from: $0, code: code) }
        }
    }

    package func searchResources(_ search: CatalogSearch) async throws -> CatalogSearch.Result {
        try await writer.read { db in
            var from = "resource r"
            var conditions: [String] = []
            var args: StatementArguments = []
            var order = "r.code"
            if let text = search.text {
                let terms = SearchTerms.query(text)
                if !terms.isEmpty {
                    from += " JOIN resourceSearch s ON s.rowid = r.id"
                    conditions.append("resourceSearch MATCH ?")
                    args += [
                        terms.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(
                            separator: " ")
                    ]
                    order = "bm25(resourceSearch), r.code"
                }
            }
            if let d = search.department {
                conditions.append("r.department = ?")
                args += [d.rawValue]
            }
            if let c = search.category {
                conditions.append("r.category = ?")
                args += [c]
            }
            if let s = search.shareType {
                conditions.append("r.shareType = ?")
                args += [s.rawValue]
            }
            if let g = search.gradeLevel {
                conditions.append("r.gradeLevel = ?")
                args += [g.rawValue]
            }
            if let s = search.status {
                conditions.append("r.status = ?")
                args += [s.rawValue]
            }
            if case .publishedOr(let own) = search.visibility {
                conditions.append("(r.status = 'published' OR r.department = ?)")
                args += [own?.rawValue]
            }
            let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(from)\(whereClause)", arguments: args) ?? 0
            let pageArgs = args + [search.limit, search.offset]
            let resources = try String.fetchAll(
                db,
                sql: """
                    SELECT r.document FROM \(from)\(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?
                    """, arguments: pageArgs
            ).map { try Documents.cachedValue(Resource.self, $0) }
            return CatalogSearch.Result(total: total, resources: resources)
        }
    }

    /// The table id of a resource (no decoding).
    static func resourceID(_ code: ResourceCode, _ db: Database) throws -> Int64? {
        try Int64.fetchOne(
            try db.cachedStatement(sql: "SELECT id FROM resource WHERE code = ?"), arguments: [code.rawValue])
    }

    static func fetchResource(_ code: ResourceCode, _ db: Database) throws -> (Int64, Resource)? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT id, document, recordCount FROM resource WHERE code = ?",
                arguments: [code.rawValue])
        else { return nil }
        return (row["id"], try Documents.value(Resource.self, (row["document"] as String)))
    }

    static func json(_ value: [String]) throws -> String { try DocumentCoding.json(value) }

    static func saveVersion(_ v: ResourceVersion, resourceID: Int64, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO resourceVersion (resourceId, version, action, actor, at, document) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [resourceID, v.version, v.action, v.actor, v.at.millis, try Documents.text(v.snapshot)])
    }

    static func version(from row: Row, code: ResourceCode) throws -> ResourceVersion {
        ResourceVersion(
            code: code, version: row["version"], action: row["action"], actor: row["actor"],
            at: Date(millis: row["at"]),
            snapshot: try Documents.value(Resource.self, (row["document"] as String)))
    }

    static func index(_ r: Resource, departmentName: String, resourceID: Int64, _ db: Database) throws {
        let text =
            [r.code.rawValue, r.name, r.abstract, r.category, departmentName, r.sourceSystem ?? ""]
            + r.items.map(\.label) + r.serviceItems
        let terms = SearchTerms.index(text.joined(separator: " ")).joined(separator: " ")
        try db.execute(sql: "DELETE FROM resourceSearch WHERE rowid = ?", arguments: [resourceID])
        try db.execute(sql: "INSERT INTO resourceSearch (rowid, terms) VALUES (?, ?)", arguments: [resourceID, terms])
    }
}
