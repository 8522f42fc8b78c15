import Foundation
import PostgresNIO
import ZhengshuCore

extension PostgresStore: ManagementStore {
    package func serviceItems(of department: DepartmentCode) async throws -> [String] {
        try await read { db in
            try await db.query(
                "SELECT item FROM departmentServiceItem WHERE department = \(department.rawValue) ORDER BY position",
                logger: PostgresLocation.logger
            ).collect().map { try $0.decode(String.self) }
        }
    }

    package func setServiceItems(_ items: [String], of department: DepartmentCode, audit: AuditEvent) async throws {
        try await write { db in
            guard
                try await db.query(
                    "SELECT 1 FROM department WHERE code = \(department.rawValue)", logger: PostgresLocation.logger
                )
                .collect().first != nil
            else { throw ZhengshuError(.notFound, "department \(department) does not exist") }
            try await db.query(
                "DELETE FROM departmentServiceItem WHERE department = \(department.rawValue)",
                logger: PostgresLocation.logger)
            for (n, item) in items.enumerated() {
                try await db.query(
                    "INSERT INTO departmentServiceItem (department, item, position) VALUES (\(department.rawValue), \(item), \(n))",
                    logger: PostgresLocation.logger)
            }
            try await Self.appendAudit(audit, in: db)
        }
    }

    package func setInstallationSetting(_ name: String, value: String, audit: AuditEvent) async throws {
        try await write { db in
            try await db.query(
                """
                INSERT INTO installationSetting (name, value) VALUES (\(name), \(value)) ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """, logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
        }
    }

    /// Each records table with its indexes and TOAST (`pg_total_relation_size`).
    package func storageBytes() async throws -> [ResourceCode: Int64] {
        try await read { db in
            var out: [ResourceCode: Int64] = [:]
            for row in try await db.query(
                """
                SELECT code, pg_total_relation_size(to_regclass('rec_' || id))::bigint FROM resource WHERE to_regclass('rec_' || id) IS NOT NULL
                """, logger: PostgresLocation.logger
            ).collect() {
                let (code, bytes) = try row.decode((String, Int64).self)
                out[ResourceCode(trusted: code)] = bytes
            }
            return out
        }
    }
}
