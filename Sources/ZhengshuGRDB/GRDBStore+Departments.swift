import Foundation
import GRDB
import ZhengshuCore

extension GRDBStore: DepartmentStore {
    package func insertDepartment(_ department: Department, audit: AuditEvent) async throws {
        try await writer.write { db in
            if try Self.fetchDepartment(department.code, db) != nil {
                throw ZhengshuError(.conflict, "department \(department.code) already exists")
            }
            try Self.checkParent(of: department, db)
            try db.execute(
                sql: """
                    INSERT INTO department (code, name, level, parent, creditCode, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    department.code.rawValue, department.name, department.level.rawValue,
                    department.parent?.rawValue, department.creditCode, department.createdAt.millis,
                    department.updatedAt.millis,
                ])
            try Self.appendAudit(audit, in: db)
        }
    }

    package func updateDepartment(
        _ code: DepartmentCode, audit: AuditEvent,
        change: @Sendable (Department) throws -> Department
    ) async throws -> Department {
        try await writer.write { db in
            guard let current = try Self.fetchDepartment(code, db) else {
                throw ZhengshuError(.notFound, "department \(code) does not exist")
            }
            let next = try change(current)
            guard next != current else { return current }
            try Self.checkParent(of: next, db)
            // A department may not sit below itself.
            var ancestor = next.parent
            while let a = ancestor {
                if a == code {
                    throw ZhengshuError.validation([
                        .init(field: "parent", reason: "\(next.parent!) is below \(code); that would make a cycle")
                    ])
                }
                ancestor = try Self.fetchDepartment(a, db)?.parent
            }
            try db.execute(
                sql: """
                    UPDATE department SET name = ?, level = ?, parent = ?, creditCode = ?, updatedAt = ? WHERE code = ?
                    """,
                arguments: [
                    next.name, next.level.rawValue, next.parent?.rawValue, next.creditCode, next.updatedAt.millis,
                    code.rawValue,
                ])
            try Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func deleteDepartment(_ code: DepartmentCode, audit: AuditEvent) async throws {
        try await writer.write { db in
            guard try Self.fetchDepartment(code, db) != nil else {
                throw ZhengshuError(.notFound, "department \(code) does not exist")
            }
            let children =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM department WHERE parent = ?", arguments: [code.rawValue]) ?? 0
            let resources =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM resource WHERE department = ?", arguments: [code.rawValue]) ?? 0
            let users =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user WHERE department = ?", arguments: [code.rawValue])
                ?? 0
            var blockers: [String] = []
            if children > 0 { blockers.append("\(children) child department(s)") }
            if resources > 0 { blockers.append("\(resources) catalog resource(s)") }
            if users > 0 { blockers.append("\(users) user(s)") }
            guard blockers.isEmpty else {
                throw ZhengshuError(
                    .conflict,
                    "department \(code) still has \(blockers.joined(separator: ", ")); move or remove them first")
            }
            try db.execute(sql: "DELETE FROM departmentServiceItem WHERE department = ?", arguments: [code.rawValue])
            try db.execute(sql: "DELETE FROM department WHERE code = ?", arguments: [code.rawValue])
            try Self.appendAudit(audit, in: db)
        }
    }

    package func department(_ code: DepartmentCode) async throws -> Department? {
        try await writer.read { db in try Self.fetchDepartment(code, db) }
    }

    package func departments(parent: DepartmentCode?, level: AdminLevel?) async throws -> [Department] {
        try await writer.read { db in
            var sql = "SELECT * FROM department WHERE 1 = 1"
            var args: StatementArguments = []
            if let parent {
                sql += " AND parent = ?"
                args += [parent.rawValue]
            }
            if let level {
                sql += " AND level = ?"
                args += [level.rawValue]
            }
            sql += " ORDER BY CASE level WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, code"
            return try Row.fetchAll(db, sql: sql, arguments: args).map(Self.department(from:))
        }
    }

    static func fetchDepartment(_ code: DepartmentCode, _ db: Database) throws -> Department? {
        try Row.fetchOne(db, sql: "SELECT * FROM department WHERE code = ?", arguments: [code.rawValue]).map(
            department(from:))
    }

    static func checkParent(of department: Department, _ db: Database) throws {
        guard let parentCode = department.parent else { return }
        guard let parent = try fetchDepartment(parentCode, db) else {
            throw ZhengshuError.validation([.init(field: "parent", reason: "department \(parentCode) does not exist")])
        }
        try DepartmentRules.checkParent(parent, of: department)
    }

    static func department(from row: Row) -> Department {
        Department(
            code: DepartmentCode(trusted: row["code"]), name: row["name"],
            level: AdminLevel(rawValue: row["level"]) ?? .county,
            parent: (row["parent"] as String?).map(DepartmentCode.init(trusted:)), creditCode: row["creditCode"],
            createdAt: Date(millis: row["createdAt"]), updatedAt: Date(millis: row["updatedAt"]))
    }
}
