import Foundation

/// Departments. Each write is one transaction that also appends its audit entry.
package protocol DepartmentStore: Sendable {
    /// - Throws: `conflict` for a duplicate code; `validation` for a parent that does not exist or does not fit.
    func insertDepartment(_ department: Department, audit: AuditEvent) async throws
    /// Reads the department inside the write, applies `change`, checks the parent (exists, level, no cycle), saves.
    func updateDepartment(_ code: DepartmentCode, audit: AuditEvent,
                          change: @Sendable (Department) throws -> Department) async throws -> Department
    /// - Throws: `conflict` while the department has child departments, resources or users.
    func deleteDepartment(_ code: DepartmentCode, audit: AuditEvent) async throws
    func department(_ code: DepartmentCode) async throws -> Department?
    func departments(parent: DepartmentCode?, level: AdminLevel?) async throws -> [Department]
}

/// Users and their API tokens.
package protocol AccountStore: Sendable {
    /// - Throws: `conflict` for a taken name; `validation` for an unknown department.
    func insertUser(_ user: NewUser, audit: AuditEvent) async throws -> User
    /// Reads the user inside the write, applies `change`; `passwordHash` replaces the password when given.
    func updateUser(_ id: UserID, passwordHash: String?, audit: AuditEvent,
                    change: @Sendable (User) throws -> User) async throws -> User
    func user(_ id: UserID) async throws -> User?
    func user(named name: String) async throws -> User?
    func users(department: DepartmentCode?) async throws -> [User]
    /// The user and stored password hash for a login name.
    func credentials(named name: String) async throws -> (User, String?)?

    func insertToken(_ token: NewAPIToken, audit: AuditEvent) async throws -> APIToken
    /// The active token with this hash and its user, recording `at` as its last use.
    func authenticate(tokenHash: String, at: Date) async throws -> (APIToken, User)?
    func token(_ id: TokenID) async throws -> APIToken?
    func tokens(user: UserID) async throws -> [APIToken]
    func revokeToken(_ id: TokenID, at: Date, audit: AuditEvent) async throws -> APIToken

    /// Creates a member's user and profile in one transaction (the profile's `user` is replaced by the new id).
    /// - Throws: `conflict` for a taken name or an identifier (its digest) already registered.
    func insertMember(_ user: NewUser, profile: MemberProfile, audit: AuditEvent) async throws -> User
    func memberProfile(_ user: UserID) async throws -> MemberProfile?
}

/// The catalog: resources and their versions.
package protocol CatalogStore: Sendable {
    /// - Throws: `conflict` for a duplicate code; `validation` for an unknown department.
    func insertResource(_ resource: Resource, version: ResourceVersion, audit: AuditEvent) async throws
    /// Reads the resource inside the write and applies `change`. When the version number moves, the new state is
    /// saved with a version snapshot (`action`, `actor`); publishing creates the records table and adding items to a
    /// published resource adds its columns, in the same transaction.
    func updateResource(_ code: ResourceCode, action: String, actor: String, audit: AuditEvent,
                        change: @Sendable (Resource) throws -> Resource) async throws -> Resource
    func resource(_ code: ResourceCode) async throws -> Resource?
    func versions(of code: ResourceCode) async throws -> [ResourceVersion]
    func version(_ number: Int, of code: ResourceCode) async throws -> ResourceVersion?
    func searchResources(_ search: CatalogSearch) async throws -> CatalogSearch.Result
}

/// The records of published resources.
package protocol RecordStore: Sendable {
    /// Rewrites the given columns of every stored row of `resource` as text through `transform` (values in the
    /// columns' order, `nil` for null), then gives each column the type `resource` (as stored) says, in one
    /// transaction: sealing or opening items whose grade crossed L4.
    func rewriteColumns(of resource: Resource, columns: [String], transform: @Sendable ([String?]) throws -> [String?]) async throws

    /// Inserts all rows or none. With an idempotency key, a retry of the same request (same caller, key and body
    /// fingerprint) stores nothing and answers as the first did.
    /// - Throws: `conflict` naming the first row whose key already exists; `validation` for a key reused with another body.
    func insertRecords(_ rows: [RecordValidator.Row], into resource: Resource, idempotency: IdempotencyKey?,
                       audit: AuditEvent) async throws -> InsertOutcome
    func records(of resource: Resource, query: RecordQuery) async throws -> RecordPage
    func recordCount(of resource: Resource) async throws -> Int
    /// Rows inserted or changed since `after` (from the start of the current data generation when `nil` or when the
    /// data was replaced since), at most `limit`.
    func changes(of resource: Resource, fields: [DataItem], after: ChangeCursor?, limit: Int) async throws -> ChangePage
}

/// The audit trail.
package protocol AuditStore: Sendable {
    /// Appends an entry that is not tied to a change (a data read, a denial). - Returns: the entry's sequence number.
    @discardableResult func appendAudit(_ event: AuditEvent) async throws -> Int64
    /// Entries in order that meet the filter.
    func auditEntries(_ filter: AuditFilter) async throws -> [AuditEntry]
    /// Stores a checkpoint; one that exists already (another node signed it) is kept.
    func insertAuditCheckpoint(_ checkpoint: AuditCheckpoint) async throws
    /// Checkpoints in order, after `sequence`.
    func auditCheckpoints(after sequence: Int64, limit: Int) async throws -> [AuditCheckpoint]
    func latestAuditCheckpoint() async throws -> AuditCheckpoint?
    /// The last entry's sequence (0 when the trail is empty).
    func auditHead() async throws -> Int64
}

extension AuditStore {
    /// Entries in order, after `sequence`, at most `limit`, optionally only one action or one target.
    package func auditEntries(after sequence: Int64, limit: Int, action: String?, target: String?) async throws -> [AuditEntry] {
        try await auditEntries(AuditFilter(after: sequence, limit: limit, action: action, target: target))
    }
}

/// Counts for the bureau's overview.
package protocol StatisticsStore: Sendable {
    func platformCounts() async throws -> PlatformCounts
}

package struct PlatformCounts: Sendable, Codable, Hashable {
    package var departments: Int
    package var users: Int
    package var resources: Int
    package var publishedResources: Int
    package var records: Int
    package var auditEntries: Int

    package init(departments: Int, users: Int, resources: Int, publishedResources: Int, records: Int, auditEntries: Int) {
        self.departments = departments
        self.users = users
        self.resources = resources
        self.publishedResources = publishedResources
        self.records = records
        self.auditEntries = auditEntries
    }
}

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

/// The engine's own schema.
package protocol SchemaStore: Sendable {
    /// Migrations that have run, in order.
    func appliedMigrations() async throws -> [String]
    /// Whether the schema is the one this build expects (readiness).
    func isSchemaCurrent() async throws -> Bool
}

/// Everything an engine provides.
package typealias PlatformStore = DepartmentStore & AccountStore & CatalogStore & RecordStore & AuditStore & StatisticsStore & PullStore
    & IngestStore & SchemaStore & QualityStore & ProblemStore & LineageStore & StandardsStore & SharingStore & SystemAccountStore & WebhookStore
    & PrivacyStore & AlertStore & KeyStore & ManagementStore & TopicStore & SandboxStore & BackupRunStore

/// Share applications, the grants they become, their daily use, and the working-day calendar of deadlines.
package protocol SharingStore: Sendable {
    /// Stores a new application (the store assigns its id) with its audit entry; a granted one gets its grant.
    func insertApplication(_ application: ShareApplication, audit: AuditEvent) async throws -> (ShareApplication, Grant?)
    /// Reads the application inside the write and applies `change`. When the result is granted and has no grant yet,
    /// the grant is created in the same transaction and its id set on the application.
    func updateApplication(_ id: ApplicationID, audit: AuditEvent,
                           change: @Sendable (ShareApplication) throws -> ShareApplication) async throws -> (ShareApplication, Grant?)
    func application(_ id: ApplicationID) async throws -> ShareApplication?
    /// Newest first.
    func applications(_ filter: ApplicationFilter) async throws -> [ShareApplication]

    func updateGrant(_ id: GrantID, audit: AuditEvent, change: @Sendable (Grant) throws -> Grant) async throws -> Grant
    func grant(_ id: GrantID) async throws -> Grant?
    /// Newest first.
    func grants(consumer: DepartmentCode?, provider: DepartmentCode?, resource: ResourceCode?) async throws -> [Grant]

    /// What a data service checks before it reads, in one read: the resource (`nil` when it does not exist), the
    /// consuming department's grants of it (newest first) with their use on `day`, and its live source if any.
    func serviceContext(_ resource: ResourceCode, consumer: DepartmentCode, day: CivilDate) async throws -> ServiceContext?

    /// The grant's use on `day` (zero when unused).
    func shareUsage(grant: GrantID, day: CivilDate) async throws -> (calls: Int, rows: Int)
    /// Counts one call returning `rows` rows and appends its audit entry, in one transaction.
    /// - Returns: the audit entry's sequence number.
    func recordShareUse(_ grant: Grant, day: CivilDate, rows: Int, audit: AuditEvent) async throws -> Int64
    /// Use per grant and day between two days (inclusive), where `department` consumes or provides.
    func shareUsage(from: CivilDate, to: CivilDate, department: DepartmentCode?) async throws -> [ShareUsage]

    /// Stores a new export (the store assigns its id).
    func insertExport(_ job: ExportJob) async throws -> ExportJob
    func updateExport(_ id: ExportID, change: @Sendable (ExportJob) throws -> ExportJob) async throws -> ExportJob
    func export(_ id: ExportID) async throws -> ExportJob?
    /// Newest first; one consuming department's, or all.
    func exports(consumer: DepartmentCode?, limit: Int) async throws -> [ExportJob]

    func calendarDays() async throws -> [CalendarDay]
    func setCalendarDay(_ day: CalendarDay, audit: AuditEvent) async throws
    /// - Returns: whether the day was in the calendar.
    func removeCalendarDay(_ date: CivilDate, audit: AuditEvent) async throws -> Bool
}

/// Webhook subscriptions to catalog changes and the log of their deliveries.
package protocol WebhookStore: Sendable {
    /// - Throws: `conflict` when the department already has a subscription of that resource to that URL.
    func insertWebhook(_ webhook: WebhookSubscription, secret: String, audit: AuditEvent) async throws -> WebhookSubscription
    /// - Returns: whether it existed.
    func deleteWebhook(_ id: WebhookID, audit: AuditEvent) async throws -> Bool
    func webhook(_ id: WebhookID) async throws -> WebhookSubscription?
    func webhooks(department: DepartmentCode?) async throws -> [WebhookSubscription]
    /// Takes (until `until`) subscriptions whose resource has a catalog version after the one last delivered and whose
    /// next attempt is due, so that one node sends each. - Returns: them, their secrets and the resources' versions.
    func claimDueWebhooks(now: Date, until: Date, limit: Int) async throws -> [(webhook: WebhookSubscription, secret: String, version: Int)]
    /// Logs an attempt and saves the subscription's state after it (releasing the claim).
    func recordWebhookAttempt(_ delivery: WebhookDelivery, next: WebhookSubscription) async throws
    /// Newest first.
    func webhookDeliveries(_ id: WebhookID, limit: Int) async throws -> [WebhookDelivery]
}

/// See ``SharingStore/serviceContext(_:consumer:day:)``.
package struct ServiceContext: Sendable {
    package var resource: Resource
    package var grants: [(grant: Grant, calls: Int, rows: Int)]
    package var live: PullSource?
    /// Every masking policy (they decide how the answer is masked).
    package var policies: [MaskingPolicy]

    package init(resource: Resource, grants: [(grant: Grant, calls: Int, rows: Int)], live: PullSource?, policies: [MaskingPolicy]) {
        self.resource = resource
        self.grants = grants
        self.live = live
        self.policies = policies
    }
}

/// Masking policies (脱敏策略) and grade proposals (分级).
package protocol PrivacyStore: Sendable {
    /// Every policy, by name.
    func maskingPolicies() async throws -> [MaskingPolicy]
    /// Creates or replaces the policy of that name, with its audit entry.
    func saveMaskingPolicy(_ policy: MaskingPolicy, audit: AuditEvent) async throws
    /// - Returns: false when no policy has that name.
    func deleteMaskingPolicy(_ name: String, audit: AuditEvent) async throws -> Bool

    /// Stores a new pending proposal (the store assigns its id), superseding the resource's earlier pending ones.
    func insertGradeProposal(_ proposal: GradeProposal, audit: AuditEvent) async throws -> GradeProposal
    func updateGradeProposal(_ id: GradeProposalID, audit: AuditEvent,
                             change: @Sendable (GradeProposal) throws -> GradeProposal) async throws -> GradeProposal
    func gradeProposal(_ id: GradeProposalID) async throws -> GradeProposal?
    /// The installation's setting `name`: the stored value, or `value` stored now when there is none.
    func installationSetting(_ name: String, default value: String) async throws -> String
    /// Newest first.
    func gradeProposals(status: GradeProposal.Status?, department: DepartmentCode?, resource: ResourceCode?, limit: Int) async throws -> [GradeProposal]
}

/// Which applications to list.
package struct ApplicationFilter: Sendable, Hashable {
    package var consumer: DepartmentCode?
    package var provider: DepartmentCode?
    /// Either department (a department's own view of both sides).
    package var department: DepartmentCode?
    package var resource: ResourceCode?
    package var status: ApplicationStatus?
    /// Only pending applications whose step was due before this instant.
    package var overdueAt: Date?
    /// Only ids below this one (paging newest first).
    package var before: Int64?
    package var limit: Int

    package init(consumer: DepartmentCode? = nil, provider: DepartmentCode? = nil, department: DepartmentCode? = nil,
                 resource: ResourceCode? = nil, status: ApplicationStatus? = nil, overdueAt: Date? = nil, before: Int64? = nil,
                 limit: Int = 100) {
        self.consumer = consumer
        self.provider = provider
        self.department = department
        self.resource = resource
        self.status = status
        self.overdueAt = overdueAt
        self.before = before
        self.limit = limit
    }
}

/// System accounts of consuming departments and their API keys (stored as SHA-256 only).
package protocol SystemAccountStore: Sendable {
    /// - Throws: `conflict` when the department already has an account of that name.
    func insertSystemAccount(_ account: SystemAccount, keyHash: String, audit: AuditEvent) async throws -> SystemAccount
    /// Reads the account inside the write, applies `change`; `keyHash` replaces the key when given.
    func updateSystemAccount(_ id: SystemAccountID, keyHash: String?, audit: AuditEvent,
                             change: @Sendable (SystemAccount) throws -> SystemAccount) async throws -> SystemAccount
    func systemAccount(_ id: SystemAccountID) async throws -> SystemAccount?
    func systemAccount(keyHash: String) async throws -> SystemAccount?
    func systemAccounts(department: DepartmentCode?) async throws -> [SystemAccount]
    /// Records the account's last use (no audit entry: its calls have their own).
    func touchSystemAccount(_ id: SystemAccountID, at: Date) async throws
}

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
    func takeDuplicates(_ job: JobID, resource: Resource, mode: ImportMode) async throws
        -> [(row: Int, values: RecordValidator.Row, reason: String)]
    /// Makes the staged rows the resource's data per `mode`, marks the job succeeded (finished at `clock`'s time when
    /// the data switches) and appends `audit`: one transaction.
    func commitImport(_ job: JobID, resource: Resource, mode: ImportMode, clock: PlatformClock, audit: AuditEvent) async throws -> IngestJob
    /// Marks the job failed or cancelled and drops its staging table; the resource's data is untouched.
    func finishJob(_ job: JobID, status: JobStatus, error: String, at: Date, audit: AuditEvent) async throws -> IngestJob
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

    package init(resource: ResourceCode, department: DepartmentCode, mode: ImportMode, format: SourceFormat,
                 encoding: SourceEncoding, source: String, bytesTotal: Int64?, maxErrors: Int?, createdBy: String, createdAt: Date,
                 node: String = "local") {
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

/// What a records write did.
package struct InsertOutcome: Sendable, Hashable {
    package var inserted: Int
    /// True when this was a retry and nothing new was stored.
    package var replayed: Bool

    package init(inserted: Int, replayed: Bool) {
        self.inserted = inserted
        self.replayed = replayed
    }
}

/// Risk alerts and how far the monitor has read the audit trail.
package protocol AlertStore: Sendable {
    /// Stores the alerts whose dedupe key is new (the store assigns ids); the others are left as they are.
    /// - Returns: the alerts stored.
    func insertAlerts(_ alerts: [RiskAlert]) async throws -> [RiskAlert]
    func alert(_ id: AlertID) async throws -> RiskAlert?
    /// Newest first.
    func alerts(state: RiskAlert.State?, rule: RiskAlert.Rule?, limit: Int) async throws -> [RiskAlert]
    func updateAlert(_ id: AlertID, audit: AuditEvent, change: @Sendable (RiskAlert) throws -> RiskAlert) async throws -> RiskAlert
    /// The last audit entry the risk monitor looked at (0 before the first scan).
    func riskCursor() async throws -> Int64
    func setRiskCursor(_ sequence: Int64) async throws
}
