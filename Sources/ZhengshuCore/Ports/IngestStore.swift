import Foundation

/// Ingestion jobs and the staging area a job fills before it commits.
///
/// A job's rows go to a staging table no reader sees; only ``commitImport(_:resource:mode:clock:audit:)`` makes them
/// visible, in one transaction, so readers see the data before or after a job, never in between.
package protocol IngestStore: Sendable {
    func createJob(_ job: NewIngestJob, audit: AuditEvent) async throws -> IngestJob
    /// Creates the job's empty staging table shaped like the resource's records, and records the source header.
    func beginStaging(_ job: JobID, resource: Resource, header: [String]) async throws
    /// Appends converted rows (with their 1-based source row numbers) to the staging table.
    func stage(_ rows: [(row: Int, values: RecordValidator.Row)], job: JobID, resource: Resource) async throws
    func quarantine(_ rejects: [RejectedRow], job: JobID) async throws
    func saveProgress(_ job: JobID, _ progress: JobProgress) async throws
    /// Removes from staging every row whose key repeats an earlier staged row, or (for `append`) a stored record,
    /// and returns them so they can be quarantined.
    func takeDuplicates(
        _ job: JobID, resource: Resource, mode: ImportMode
    ) async throws
        -> [(row: Int, values: RecordValidator.Row, reason: String)]
    /// Makes the staged rows the resource's data per `mode`, marks the job succeeded (finished at `clock`'s time when
    /// the data switches) and appends `audit`: one transaction.
    func commitImport(
        _ job: JobID, resource: Resource, mode: ImportMode, clock: PlatformClock, audit: AuditEvent
    ) async throws -> IngestJob
    /// Marks the job failed or cancelled and drops its staging table; the resource's data is untouched.
    func finishJob(
        _ job: JobID, status: JobStatus, error: String, at: Date, audit: AuditEvent
    ) async throws -> IngestJob
    func job(_ id: JobID) async throws -> IngestJob?
    func jobHeader(_ id: JobID) async throws -> [String]
    func jobs(department: DepartmentCode?, resource: ResourceCode?, limit: Int) async throws -> [IngestJob]
    func rejects(of job: JobID, after row: Int, limit: Int) async throws -> [RejectedRow]
    /// Published resources with the time their data last changed (`nil`: never loaded).
    func updateTimes(department: DepartmentCode?) async throws -> [(resource: Resource, lastUpdatedAt: Date?)]
    /// Jobs that can no longer finish are marked failed and their staging dropped: those `node` ran (at its start,
    /// they belong to its previous life) and those of any node whose heartbeat is older than `staleBefore` (a dead node).
    func failInterruptedJobs(node: String?, staleBefore: Date, reason: String, at: Date) async throws -> [JobID]
    /// The running job is alive (its node writes this every few seconds, whatever phase it is in).
    func heartbeat(_ job: JobID, at: Date) async throws
    /// Asks the node running the job to stop it (cancel from another node). - Returns: false when it is not running.
    func requestCancel(_ job: JobID) async throws -> Bool
    func isCancelRequested(_ job: JobID) async throws -> Bool
}

/// A job about to be created.
package struct NewIngestJob: Sendable {
    package var resource: ResourceCode
    package var department: DepartmentCode
    package var mode: ImportMode
    package var format: SourceFormat
    package var encoding: SourceEncoding
    package var source: String
    package var bytesTotal: Int64?
    package var maxErrors: Int?
    package var createdBy: String
    package var createdAt: Date
    /// The node (server process or CLI run) that runs the job.
    package var node: String

    package init(
        resource: ResourceCode, department: DepartmentCode, mode: ImportMode, format: SourceFormat,
        encoding: SourceEncoding, source: String, bytesTotal: Int64?, maxErrors: Int?, createdBy: String,
        createdAt: Date,
        node: String = "local"
    ) {
        self.node = node
        self.resource = resource
        self.department = department
        self.mode = mode
        self.format = format
        self.encoding = encoding
        self.source = source
        self.bytesTotal = bytesTotal
        self.maxErrors = maxErrors
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// A client's `Idempotency-Key` for a write, with the fingerprint of what it sent.
package struct IdempotencyKey: Sendable, Hashable {
    package var key: String
    package var actor: String
    /// SHA-256 of the request body.
    package var fingerprint: String

    package init(key: String, actor: String, fingerprint: String) {
        self.key = key
        self.actor = actor
        self.fingerprint = fingerprint
    }
}
