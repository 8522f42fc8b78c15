import Foundation
import ZhengshuCore
import ZhengshuGRDB

/// The opened engine and the use cases over it: what the server and the CLI share.
package struct AppServices: Sendable {
    package let store: GRDBStore
    package let platform: Platform

    /// Opens (creating and migrating when needed) the database the configuration names.
    package static func open(_ configuration: AppConfiguration, clock: PlatformClock = PlatformClock()) throws -> AppServices {
        let store: GRDBStore
        if configuration.inMemory {
            store = try GRDBStore.inMemory()
        } else {
            try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
            store = try GRDBStore(path: configuration.databasePath)
        }
        let hasher: PasswordHasher = configuration.fastPasswordHashing ? .fastForTesting : .standard
        return AppServices(store: store, platform: Platform(store: store, clock: clock, hasher: hasher,
                                                            connector: DepartmentSystemConnector(sqliteDirectory: configuration.sqliteSourceDirectory,
                                                                                                 hosts: try PullHostPolicy(parsing: configuration.pullAllowedHosts))))
    }

    /// Run once when a server starts: jobs a previous process left running can never finish, so they are marked
    /// failed (their staging dropped, the resources' data untouched) and can be run again.
    package func recoverInterruptedJobs() async throws -> [JobID] {
        let now = platform.clock.current()
        return try await store.failInterruptedJobs(
            reason: "interrupted: the server stopped while this job ran; the resource's data is unchanged; run the import again",
            at: now)
    }
}
