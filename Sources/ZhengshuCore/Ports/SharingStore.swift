import Foundation

/// Share applications, the grants they become, their daily use, and the working-day calendar of deadlines.
package protocol SharingStore: Sendable {
    /// Stores a new application (the store assigns its id) with its audit entry; a granted one gets its grant.
    func insertApplication(
        _ application: ShareApplication, audit: AuditEvent
    ) async throws -> (ShareApplication, Grant?)
    /// Reads the application inside the write and applies `change`. When the result is granted and has no grant yet,
    /// the grant is created in the same transaction and its id set on the application.
    func updateApplication(
        _ id: ApplicationID, audit: AuditEvent,
        change: @Sendable (ShareApplication) throws -> ShareApplication
    ) async throws -> (ShareApplication, Grant?)
    func application(_ id: ApplicationID) async throws -> ShareApplication?
    /// Newest first.
    func applications(_ filter: ApplicationFilter) async throws -> [ShareApplication]

    func updateGrant(_ id: GrantID, audit: AuditEvent, change: @Sendable (Grant) throws -> Grant) async throws -> Grant
    func grant(_ id: GrantID) async throws -> Grant?
    /// Newest first.
    func grants(consumer: DepartmentCode?, provider: DepartmentCode?, resource: ResourceCode?) async throws -> [Grant]

    /// What a data service checks before it reads, in one read: the resource (`nil` when it does not exist), the
    /// consuming department's grants of it (newest first) with their use on `day`, and its live source if any.
    func serviceContext(
        _ resource: ResourceCode, consumer: DepartmentCode, day: CivilDate
    ) async throws -> ServiceContext?

    /// The grant's use on `day` (zero when unused).
    func shareUsage(grant: GrantID, day: CivilDate) async throws -> (calls: Int, rows: Int)
    /// Counts one call returning `rows` rows and appends its audit entry, in one transaction.
    /// - Returns: the audit entry's sequence number.
    func recordShareUse(_ grant: Grant, day: CivilDate, rows: Int, audit: AuditEvent) async throws -> Int64
    /// Counts a verification call's tuples against its grant's limits and keeps its variants for the window, in one
    /// transaction; when a limit would be passed nothing is counted. Variants older than the window and counts older
    /// than yesterday are dropped on the way.
    func recordVerification(_ use: VerificationUse) async throws -> VerificationCount
    /// Forgets the variants kept for the grant (its enumeration was cleared).
    func forgetVerificationVariants(grant: GrantID) async throws
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

/// See ``SharingStore/serviceContext(_:consumer:day:)``.
package struct ServiceContext: Sendable {
    package var resource: Resource
    package var grants: [(grant: Grant, calls: Int, rows: Int)]
    package var live: PullSource?
    /// Every masking policy (they decide how the answer is masked).
    package var policies: [MaskingPolicy]

    package init(
        resource: Resource, grants: [(grant: Grant, calls: Int, rows: Int)], live: PullSource?,
        policies: [MaskingPolicy]
    ) {
        self.resource = resource
        self.grants = grants
        self.live = live
        self.policies = policies
    }
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

    package init(
        consumer: DepartmentCode? = nil, provider: DepartmentCode? = nil, department: DepartmentCode? = nil,
        resource: ResourceCode? = nil, status: ApplicationStatus? = nil, overdueAt: Date? = nil, before: Int64? = nil,
        limit: Int = 100
    ) {
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
