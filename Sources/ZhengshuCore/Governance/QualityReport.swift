import Foundation

/// Identifier of a stored quality run.
package typealias QualityRunID = RowID<QualityRunRecord>

/// A finished quality run over a resource's stored records: what each rule found and the score, kept as history.
package struct QualityRunRecord: Hashable, Sendable, Codable {
    package var id: QualityRunID
    package var resource: ResourceCode
    package var department: DepartmentCode
    /// `manual` (the API), `schedule`, or `ingest`.
    package var trigger: String
    package var startedAt: Date
    package var finishedAt: Date
    package var rowsChecked: Int
    package var score: Double
    package var results: [QualityRun.RuleResult]

    package init(id: QualityRunID, resource: ResourceCode, department: DepartmentCode, trigger: String, startedAt: Date, finishedAt: Date,
                 rowsChecked: Int, score: Double, results: [QualityRun.RuleResult]) {
        self.id = id
        self.resource = resource
        self.department = department
        self.trigger = trigger
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.rowsChecked = rowsChecked
        self.score = score
        self.results = results
    }
}

/// Quality rules and the history of runs.
package protocol QualityStore: Sendable {
    /// The resource's stored rules in order (empty when none were ever stored).
    func qualityRules(of resource: ResourceCode) async throws -> [QualityRule]
    /// Replaces the resource's rules (new ids), in one transaction with the audit entry.
    func replaceQualityRules(_ rules: [QualityRule], of resource: ResourceCode, audit: AuditEvent) async throws -> [QualityRule]
    func insertQualityRun(_ run: QualityRunRecord, audit: AuditEvent) async throws -> QualityRunRecord
    /// Runs, newest first.
    func qualityRuns(resource: ResourceCode?, department: DepartmentCode?, limit: Int) async throws -> [QualityRunRecord]
    /// The latest run of every resource (or of one department's), without its rule results (`results` is empty).
    func latestQualityRuns(department: DepartmentCode?) async throws -> [QualityRunRecord]
    /// Takes the scheduled run of a resource until `until`, unless another node holds it past `now`.
    /// - Returns: whether this node may run it.
    func claimScheduledRun(_ resource: ResourceCode, now: Date, until: Date) async throws -> Bool
    /// Ends a claim once its run is over (its run now tells the other nodes the resource is not due).
    func releaseScheduledRun(_ resource: ResourceCode) async throws
}

/// A resource's latest score, and a department's.
package struct QualityScore: Hashable, Sendable, Codable {
    package var resource: ResourceCode?
    package var department: DepartmentCode
    package var score: Double
    package var at: Date
}
