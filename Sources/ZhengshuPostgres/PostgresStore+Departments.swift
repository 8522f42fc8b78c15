import Foundation
import PostgresNIO
import ZhengshuCore

extension PostgresStore: DepartmentStore {
    package func insertDepartment(_ department: Department, audit: AuditEvent) async throws {
        try await write { db in
            if try await Self.fetchDepartment(department.code, db) != nil {
                throw ZhengshuError(.conflict, "department \(department.code) already exists")
            }
            try await Self.checkParent(of: department, db)
            try await db.query(
                """
                INSERT INTO department (code, name, level, parent, creditCode, createdAt, updatedAt)
                VALUES (\(department.code.rawValue), \(department.name), \(department.level.rawValue), \(department.parent?.rawValue),
                        \(department.creditCode), \(department.createdAt.millis), \(department.updatedAt.millis))
                """, logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
        }
    }

    package func updateDepartment(
        _ code: DepartmentCode, audit: AuditEvent,
        change: @Sendable (Department) throws -> Department
    ) async throws -> Department {
        try await write { db in
            // FOR UPDATE: two nodes changing one department take turns.
            guard let current = try await Self.fetchDepartment(code, db, forUpdate: true) else {
                throw ZhengshuError(.notFound, "department \(code) does not exist")
            }
            let next = try change(current)
            guard next != current else { return current }
            try await Self.checkParent(of: next, db)
            var ancestor = next.parent
            while let a = ancestor {
                if a == code {
                    throw ZhengshuError.validation([
                        .init(field: "parent", reason: "\(next.parent!) is below \(code); that would make a cycle")
                    ])
                }
                ancestor = try await Self.fetchDepartment(a, db)?.parent
            }
            try await db.query(
                """
                UPDATE department SET name = \(next.name), level = \(next.level.rawValue), parent = \(next.parent?.rawValue),
                    creditCode = \(next.creditCode), updatedAt = \(next.updatedAt.millis) WHERE code = \(code.rawValue)
                """, logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func deleteDepartment(_ code: DepartmentCode, audit: AuditEvent) async throws {
        try await write { db in
            guard try await Self.fetchDepartment(code, db, forUpdate: true) != nil else {
                throw ZhengshuError(.notFound, "department \(code) does not exist")
            }
            let counts = try await db.query(
                """
                SELECT (SELECT COUNT(*) FROM department WHERE parent = \(code.rawValue)),
                       (SELECT COUNT(*) FROM resource WHERE department = \(code.rawValue)),
                       (SELECT COUNT(*) FROM "user" WHERE department = \(code.rawValue))
                """, logger: PostgresLocation.logger
            ).collect()[0].decode((Int, Int, Int).self)
            var blockers: [String] = []
            if counts.0 > 0 { blockers.append("\(counts.0) child department(s)") }
            if counts.1 > 0 { blockers.append("\(counts.1) catalog resource(s)") }
            if counts.2 > 0 { blockers.append("\(counts.2) user(s)") }
            guard blockers.isEmpty else {
                throw ZhengshuError(
                    .conflict,
                    "department \(code) still has \(blockers.joined(separator: ", ")); move or remove them first")
            }
            try await db.query(
                "DELETE FROM departmentServiceItem WHERE department = \(code.rawValue)", logger: PostgresLocation.logger
            )
            try await db.query("DELETE FROM department WHERE code = \(code.rawValue)", logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
        }
    }

    package func department(_ code: DepartmentCode) async throws -> Department? {
        try await read { db in try await Self.fetchDepartment(code, db) }
    }

    package func departments(parent: DepartmentCode?, level: AdminLevel?) async throws -> [Department] {
        try await read { db in
            try await db.query(
                """
                SELECT \(unescaped: Self.departmentColumns) FROM department
                WHERE (\(parent?.rawValue)::text IS NULL OR parent = \(parent?.rawValue))
                  AND (\(level?.rawValue)::text IS NULL OR level = \(level?.rawValue))
                ORDER BY CASE level WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, code
                """, logger: PostgresLocation.logger
            ).collect().map(Self.department(from:))
        }
    }

    static let departmentColumns = "code, name, level, parent, creditCode, createdAt, updatedAt"

    static func fetchDepartment(
        _ code: DepartmentCode, _ db: PostgresConnection, forUpdate: Bool = false
    ) async throws -> Department? {
        try await db.query(
            """
            SELECT \(unescaped: departmentColumns) FROM department WHERE code = \(code.rawValue)\(unescaped: forUpdate ? " FOR UPDATE" : "")
            """, logger: PostgresLocation.logger
        ).collect().first.map(department(from:))
    }

    static func checkParent(of department: Department, _ db: PostgresConnection) async throws {
        guard let parentCode = department.parent else { return }
        guard let parent = try await fetchDepartment(parentCode, db) else {
            throw ZhengshuError.validation([.init(field: "parent", reason: "department \(parentCode) does not exist")])
        }
        try DepartmentRules.checkParent(parent, of: department)
    }

    static func department(from row: PostgresRow) throws -> Department {
        let (code, name, level, parent, creditCode, createdAt, updatedAt) =
            try row.decode((String, String, String, String?, String?, Int64, Int64).self)
        return Department(
            code: DepartmentCode(trusted: code), name: name, level: AdminLevel(rawValue: level) ?? .county,
            parent: parent.map(DepartmentCode.init(trusted:)), creditCode: creditCode,
            createdAt: Date(millis: createdAt), updatedAt: Date(millis: updatedAt))
    }
}
