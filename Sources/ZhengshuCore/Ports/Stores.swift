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
    /// Inserts all rows or none. - Throws: `conflict` naming the first row whose key already exists.
    func insertRecords(_ rows: [RecordValidator.Row], into resource: Resource, audit: AuditEvent) async throws
    func records(of resource: Resource, query: RecordQuery) async throws -> RecordPage
    func recordCount(of resource: Resource) async throws -> Int
}

/// The audit trail.
package protocol AuditStore: Sendable {
    /// Appends an entry that is not tied to a change (a data read).
    func appendAudit(_ event: AuditEvent) async throws
    /// Entries in order, after `sequence`, at most `limit`, optionally only one action or one target.
    func auditEntries(after sequence: Int64, limit: Int, action: String?, target: String?) async throws -> [AuditEntry]
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

/// Everything an engine provides.
package typealias PlatformStore = DepartmentStore & AccountStore & CatalogStore & RecordStore & AuditStore & StatisticsStore
