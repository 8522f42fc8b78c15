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
        return AppServices(store: store, platform: Platform(store: store, clock: clock, hasher: hasher))
    }
}
