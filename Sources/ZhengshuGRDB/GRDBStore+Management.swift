import Foundation
import GRDB
import ZhengshuCore

extension GRDBStore: ManagementStore {
    package func serviceItems(of department: DepartmentCode) async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT item FROM departmentServiceItem WHERE department = ? ORDER BY position",
                arguments: [department.rawValue])
        }
    }

    package func setServiceItems(_ items: [String], of department: DepartmentCode, audit: AuditEvent) async throws {
        try await writer.write { db in
            guard try Self.fetchDepartment(department, db) != nil else {
                throw ZhengshuError(.notFound, "department \(department) does not exist")
            }
            try db.execute(
                sql: "DELETE FROM departmentServiceItem WHERE department = ?", arguments: [department.rawValue])
            for (n, item) in items.enumerated() {
                try db.execute(
                    sql: "INSERT INTO departmentServiceItem (department, item, position) VALUES (?, ?, ?)",
                    arguments: [department.rawValue, item, n])
            }
            try Self.appendAudit(audit, in: db)
        }
    }

    package func setInstallationSetting(_ name: String, value: String, audit: AuditEvent) async throws {
        try await writer.write { db in
            try db.execute(
                sql:
                    "INSERT INTO installationSetting (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                arguments: [name, value])
            try Self.appendAudit(audit, in: db)
        }
    }

    /// Pages of each resource's records table and its indexes, from SQLite's `dbstat` table (Debian's SQLite has it);
    /// empty when the library was built without it.
    package func storageBytes() async throws -> [ResourceCode: Int64] {
        try await writer.read { db in
            let tables = Dictionary(
                try Row.fetchAll(db, sql: "SELECT id, code FROM resource").map { r in
                    ("rec_\(r["id"] as Int64)", ResourceCode(trusted: r["code"] as String))
                }, uniquingKeysWith: { a, _ in a })
            guard
                let rows = try? Row.fetchAll(
                    db,
                    sql: """
                        SELECT m.tbl_name AS t, SUM(d.pgsize) AS bytes FROM dbstat d JOIN sqlite_master m ON m.name = d.name
                        WHERE m.tbl_name LIKE 'rec\\_%' ESCAPE '\\' GROUP BY m.tbl_name
                        """)
            else { return [:] }
            var out: [ResourceCode: Int64] = [:]
            for r in rows { if let code = tables[r["t"] as String] { out[code] = r["bytes"] } }
            return out
        }
    }
}
