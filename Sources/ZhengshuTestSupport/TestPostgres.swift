import Foundation
import ZhengshuPostgres

/// The PostgreSQL server the tests may use: `ZHENGSHU_TEST_PG_URL` (see `Scripts/postgres-throwaway.sh`).
package enum TestPostgres {
    package static let url = ProcessInfo.processInfo.environment["ZHENGSHU_TEST_PG_URL"]
    package static var isAvailable: Bool { url != nil }
    /// The API tests run on PostgreSQL instead of SQLite (CI runs them both ways).
    package static var runsPlatformTests: Bool {
        isAvailable && ProcessInfo.processInfo.environment["ZHENGSHU_TEST_ENGINE"] == "postgres"
    }

    /// A new, empty database on the test server, for one test: a fresh schema every time, as SQLite in memory is.
    package static func freshDatabase() async throws -> PostgresLocation {
        guard let url else { throw TestPostgresUnavailable() }
        let server = try PostgresLocation(parsing: url)
        let name = "zs_t_\(UInt64.random(in: 0...UInt64.max))"
        try await server.execute(["CREATE DATABASE \(name)"])
        var location = server
        location.database = name
        return location
    }

    /// Drops a database made by ``freshDatabase()`` (its connections are closed first).
    package static func drop(_ location: PostgresLocation) async throws {
        guard let url else { return }
        try await PostgresLocation(parsing: url).execute(["DROP DATABASE IF EXISTS \(location.database) WITH (FORCE)"])
    }
}

package struct TestPostgresUnavailable: Error, CustomStringConvertible {
    package var description: String { "ZHENGSHU_TEST_PG_URL is not set" }
}
