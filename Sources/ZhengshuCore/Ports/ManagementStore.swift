import Foundation

/// What management reads and the bureau sets: departments' service-item lists (事项清单), installation settings,
/// storage sizes.
package protocol ManagementStore: Sendable {
    /// The department's registered 政务服务事项, in the order given.
    func serviceItems(of department: DepartmentCode) async throws -> [String]
    /// Replaces the department's list, with the audit entry. - Throws: `notFound` for an unknown department.
    func setServiceItems(_ items: [String], of department: DepartmentCode, audit: AuditEvent) async throws
    /// Creates or replaces an installation setting, with the audit entry.
    func setInstallationSetting(_ name: String, value: String, audit: AuditEvent) async throws
    /// Bytes each resource's records take on disk, indexes included (the engine's own measure).
    func storageBytes() async throws -> [ResourceCode: Int64]
}
