import Foundation

/// Quality rules and the history of runs.
package protocol QualityStore: Sendable {
    /// The resource's stored rules in order (empty when none were ever stored).
    func qualityRules(of resource: ResourceCode) async throws -> [QualityRule]
    /// Replaces the resource's rules (new ids), in one transaction with the audit entry.
    func replaceQualityRules(
        _ rules: [QualityRule], of resource: ResourceCode, audit: AuditEvent
    ) async throws -> [QualityRule]
    func insertQualityRun(_ run: QualityRunRecord, audit: AuditEvent) async throws -> QualityRunRecord
    /// Runs, newest first.
    func qualityRuns(
        resource: ResourceCode?, department: DepartmentCode?, limit: Int
    ) async throws -> [QualityRunRecord]
    /// The latest run of every resource (or of one department's), without its rule results (`results` is empty).
    func latestQualityRuns(department: DepartmentCode?) async throws -> [QualityRunRecord]
    /// Takes the scheduled run of a resource until `until`, unless another node holds it past `now`.
    /// - Returns: whether this node may run it.
    func claimScheduledRun(_ resource: ResourceCode, now: Date, until: Date) async throws -> Bool
    /// Ends a claim once its run is over (its run now tells the other nodes the resource is not due).
    func releaseScheduledRun(_ resource: ResourceCode) async throws
}
