import Foundation

/// Departments. Each write is one transaction that also appends its audit entry.
package protocol DepartmentStore: Sendable {
    /// - Throws: `conflict` for a duplicate code; `validation` for a parent that does not exist or does not fit.
    func insertDepartment(_ department: Department, audit: AuditEvent) async throws
    /// Reads the department inside the write, applies `change`, checks the parent (exists, level, no cycle), saves.
    func updateDepartment(
        _ code: DepartmentCode, audit: AuditEvent,
        change: @Sendable (Department) throws -> Department
    ) async throws -> Department
    /// - Throws: `conflict` while the department has child departments, resources or users.
    func deleteDepartment(_ code: DepartmentCode, audit: AuditEvent) async throws
    func department(_ code: DepartmentCode) async throws -> Department?
    func departments(parent: DepartmentCode?, level: AdminLevel?) async throws -> [Department]
}
