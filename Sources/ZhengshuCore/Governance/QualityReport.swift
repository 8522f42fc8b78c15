import Foundation

/// Identifier of a stored quality run.
package typealias QualityRunID = RowID<QualityRunRecord>

/// A finished quality run over a resource's stored records: what each rule found and the score, kept as history.
package struct QualityRunRecord: Hashable, Sendable {
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

    package init(
        id: QualityRunID, resource: ResourceCode, department: DepartmentCode, trigger: String, startedAt: Date,
        finishedAt: Date,
        rowsChecked: Int, score: Double, results: [QualityRun.RuleResult]
    ) {
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

/// A resource's latest score, and a department's.
package struct QualityScore: Hashable, Sendable {
    package var resource: ResourceCode?
    package var department: DepartmentCode
    package var score: Double
    package var at: Date
}
