import Foundation
import ZhengshuCore
import ZhengshuGRDB

/// The engines the storage contract suite runs against. The PostgreSQL engine joins this list in its own issue.
package enum StoreEngine: String, CaseIterable, Sendable {
    /// SQLite in memory (`DatabaseQueue`).
    case sqliteMemory
    /// SQLite in a temporary file (`DatabasePool`, WAL).
    case sqliteFile

    package func makeStore() throws -> GRDBStore {
        switch self {
        case .sqliteMemory: return try GRDBStore.inMemory()
        case .sqliteFile:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zhengshu-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return try GRDBStore(path: dir.appendingPathComponent("zhengshu.sqlite").path)
        }
    }

    /// A platform over a fresh store of this engine.
    package func makePlatform() throws -> Platform {
        Platform(store: try makeStore(), hasher: .fastForTesting)
    }
}


/// Opens the SQLite store of a data folder, for tests that share it with a `zhengshu` process.
package enum ZhengshuGRDBOpen {
    package static func store(path: String) throws -> GRDBStore { try GRDBStore(path: path) }
}
