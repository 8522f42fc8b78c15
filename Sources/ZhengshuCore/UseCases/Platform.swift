import Foundation

/// Every use case over one store: what the HTTP API, the console and the CLI are given.
package struct Platform: Sendable {
    package let store: any PlatformStore
    package let clock: PlatformClock
    package let departments: Departments
    package let accounts: Accounts
    package let catalog: Catalog
    package let data: DataAccess
    package let audit: AuditTrail
    package let ingestion: Ingestion

    package init(store: any PlatformStore, clock: PlatformClock = PlatformClock(), hasher: PasswordHasher = .standard) {
        self.store = store
        self.clock = clock
        departments = Departments(store: store, clock: clock)
        accounts = Accounts(store: store, clock: clock, hasher: hasher)
        catalog = Catalog(store: store, clock: clock)
        data = DataAccess(catalog: store, records: store, audit: store, clock: clock)
        audit = AuditTrail(store: store)
        ingestion = Ingestion(catalog: store, store: store, clock: clock)
    }

    package func counts(by caller: Caller) async throws -> PlatformCounts {
        try await store.platformCounts()
    }
}
