import Foundation
import GRDB
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuPostgres

/// The engines the storage contract suite runs against: SQLite always, PostgreSQL when `ZHENGSHU_TEST_PG_URL` is set
/// (CI sets it).
package enum StoreEngine: String, CaseIterable, Sendable {
    /// SQLite in memory (`DatabaseQueue`).
    case sqliteMemory
    /// SQLite in a temporary file (`DatabasePool`, WAL).
    case sqliteFile
    /// PostgreSQL: a fresh database on the test server.
    case postgres

    package static var allCases: [StoreEngine] {
        [.sqliteMemory, .sqliteFile] + (TestPostgres.isAvailable ? [.postgres] : [])
    }

    package func makeStore() async throws -> any PlatformStore {
        switch self {
        case .sqliteMemory: return try GRDBStore.inMemory()
        case .sqliteFile:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "zhengshu-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return try GRDBStore(path: dir.appendingPathComponent("zhengshu.sqlite").path)
        case .postgres:
            return try await PostgresStore.open(try await TestPostgres.freshDatabase(), maximumConnections: 6)
        }
    }

    /// Every value in every table, as text: to prove that something is gone.
    package func dumpAllText(_ store: any PlatformStore) async throws -> String {
        if let grdb = store as? GRDBStore { return try await grdb.dumpAllText() }
        if let postgres = store as? PostgresStore { return try await postgres.dumpAllText() }
        return ""
    }

    /// The columns a resource's records table indexes for profile lookups, on either engine.
    package static func lookupIndexColumns(_ store: any PlatformStore, _ code: String) async throws -> Set<String> {
        if let grdb = store as? GRDBStore { return try await grdb.lookupIndexColumns(of: ResourceCode(trusted: code)) }
        if let postgres = store as? PostgresStore {
            return try await postgres.lookupIndexColumns(of: ResourceCode(trusted: code))
        }
        return []
    }

    /// A platform over a fresh store of this engine.
    package func makePlatform() async throws -> Platform {
        Platform(store: try await makeStore(), hasher: .fastForTesting)
    }
}

/// Opens the SQLite store of a data folder, for tests that share it with a `zhengshu` process.
package enum ZhengshuGRDBOpen {
    package static func store(path: String) throws -> GRDBStore { try GRDBStore(path: path) }
}

/// Raw SQL on a SQLite file, for tests that play an attacker with direct access to the database file.
package enum SQLiteFile {
    package static func execute(
        _ path: String, _ sql: String, _ arguments: [(any DatabaseValueConvertible)?] = []
    ) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: sql, arguments: StatementArguments(arguments)) }
        try queue.close()
    }

    package static func rows(_ path: String, _ sql: String) throws -> [[String: String]] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, row[$0].map { "\($0)" } ?? "") })
            }
        }
    }
}
