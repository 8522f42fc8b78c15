import Foundation

/// Registered pull sources and their schedule.
package protocol PullStore: Sendable {
    func insertPullSource(_ source: PullSource, audit: AuditEvent) async throws -> PullSource
    func pullSources(resource: ResourceCode?, department: DepartmentCode?) async throws -> [PullSource]
    func pullSource(_ id: PullSourceID) async throws -> PullSource?
    /// Claims the enabled sources due at `now`, moving their next run forward so a concurrent claim skips them.
    func claimDuePullSources(now: Date) async throws -> [PullSource]
    /// Records a run's outcome: the new watermark (when it succeeded), the job, the error.
    func recordPull(_ id: PullSourceID, watermark: String?, job: JobID?, error: String?, nextRunAt: Date) async throws
    func deletePullSource(_ id: PullSourceID, audit: AuditEvent) async throws
    /// The live source a resource is read from, if it is logically collected.
    func liveSource(for resource: ResourceCode) async throws -> PullSource?
}
