import Foundation

/// Run events and the edges they make.
package protocol LineageStore: Sendable {
    func insertLineageRun(_ run: LineageRun, document: String, audit: AuditEvent) async throws
    /// Jobs that wrote (`output`) or read (`input`) any of `datasets`, and every dataset those jobs read and wrote.
    func lineageEdges(datasets: [DatasetRef]) async throws -> [(job: JobRef, role: String, dataset: DatasetRef)]
    func columnEdges(jobs: [JobRef]) async throws -> [ColumnEdge]
}
