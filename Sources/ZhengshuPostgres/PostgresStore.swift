import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ZhengshuCore

/// The PostgreSQL engine: the Core storage ports over a pooled `PostgresClient`.
///
/// Every node of a platform may open the same database: migrations take an advisory lock, and every write that
/// appends to the audit chain takes the chain's lock, so the chain stays gapless and totally ordered across nodes.
package final class PostgresStore: SchemaStore {
    let client: PostgresClient
    let location: PostgresLocation
    private let runner: Task<Void, Never>
    /// Group commit of data-service calls: one transaction, one hold of the audit chain's lock, for every call that
    /// arrived while the previous commit was on its way.
    let shareUses: GroupCommitter<ShareUseWrite, Int64>
    /// Group commit of audit entries on their own (a read's entry, a denial's).
    let audits: GroupCommitter<AuditEvent, Int64>

    /// Advisory lock keys (one namespace for Zhengshu: arbitrary, fixed constants).
    enum Lock: Int64 {
        case migrations = 0x7A68_0001
        case auditChain = 0x7A68_0002
    }

    /// Connects (a pool of up to `maximumConnections`) and migrates the database to the current schema.
    package static func open(_ location: PostgresLocation, maximumConnections: Int = 20) async throws -> PostgresStore {
        let store = PostgresStore(
            location: location,
            client: PostgresClient(
                configuration: try location.clientConfiguration(maximumConnections: maximumConnections),
                backgroundLogger: poolLogger))
        do {
            try await store.migrate()
        } catch {
            store.close()
            throw error
        }
        return store
    }

    /// The pool's own chatter (a lease racing the pool's start) is not worth a warning; its errors are.
    static let poolLogger: Logger = {
        var l = Logger(label: "zhengshu.postgres.pool")
        l.logLevel = .error
        return l
    }()

    private init(location: PostgresLocation, client: PostgresClient) {
        self.location = location
        self.client = client
        runner = Task { await client.run() }
        shareUses = GroupCommitter { [client] batch in
            try await Self.transaction(client) { db in try await Self.commit(batch, in: db) }
        }
        audits = GroupCommitter { [client] batch in
            try await Self.transaction(client) { db in try await Self.appendAudits(batch, in: db) }
        }
    }

    /// Stops the pool; queries after this fail.
    package func close() { runner.cancel() }

    deinit { runner.cancel() }

    // MARK: Transactions

    /// Runs `body` on a pooled connection, outside a transaction (each statement on its own).
    @discardableResult
    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { try await body($0) }
        } catch {
            throw Self.translate(error)
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    @discardableResult
    func write<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.transaction(client, body)
    }

    static func transaction<T: Sendable>(
        _ client: PostgresClient, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: PostgresLocation.logger)
                do {
                    let result = try await body(connection)
                    try await connection.query("COMMIT", logger: PostgresLocation.logger)
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: PostgresLocation.logger)
                    throw error
                }
            }
        } catch {
            throw Self.translate(error)
        }
    }

    /// Domain errors pass through; a server error becomes a `ZhengshuError` whose message a client can act on, the
    /// server's own text (table and constraint names, never a password) kept for the log only.
    package static func translate(_ error: any Error) -> any Error {
        if error is ZhengshuError || error is CancellationError { return error }
        if let e = error as? PSQLError, e.serverInfo?[.sqlState] == "23505" {
            return ZhengshuError(
                .conflict, "it already exists: another change made it at the same moment; reload and try again",
                internalDetail: "PostgreSQL: \(PostgresLocation.message(e))")
        }
        return ZhengshuError(
            .internalFailure, "the database failed", internalDetail: "PostgreSQL: \(PostgresLocation.message(error))")
    }

    // MARK: Migrations

    /// Applies the migrations not yet applied, each in its own transaction under the migrations lock, so that
    /// nodes starting together migrate once.
    func migrate() async throws {
        for migration in Self.migrations {
            try await write { db in
                try await db.query(
                    "SELECT pg_advisory_xact_lock(\(Lock.migrations.rawValue))", logger: PostgresLocation.logger)
                try await db.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migration (id text PRIMARY KEY, applied_at bigint NOT NULL)
                    """, logger: PostgresLocation.logger)
                let applied =
                    try await db.query(
                        "SELECT 1 FROM schema_migration WHERE id = \(migration.id)", logger: PostgresLocation.logger
                    )
                    .collect().count > 0
                guard !applied else { return }
                for statement in migration.statements {
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: PostgresLocation.logger)
                }
                try await db.query(
                    "INSERT INTO schema_migration (id, applied_at) VALUES (\(migration.id), \(Date().millis))",
                    logger: PostgresLocation.logger)
            }
        }
    }

    /// Migrations that have run, in order.
    package func appliedMigrations() async throws -> [String] {
        let applied = try await read { db in
            Set(
                try await db.query("SELECT id FROM schema_migration", logger: PostgresLocation.logger).collect().map {
                    try $0.decode(String.self)
                })
        }
        return Self.migrations.map(\.id).filter(applied.contains)  // in the order they were defined
    }

    /// Whether the schema is the one this build expects.
    package func isSchemaCurrent() async throws -> Bool {
        try await appliedMigrations() == Self.migrations.map(\.id)
    }
}

extension PostgresLocation {
    /// The pool configuration for this location.
    func clientConfiguration(maximumConnections: Int) throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case .disable: tls = .disable
        case .prefer, .require:
            var t = TLSConfiguration.makeClientConfiguration()
            t.certificateVerification = .none
            tls = sslMode == .prefer ? .prefer(t) : .require(t)
        case .verifyFull: tls = .require(.makeClientConfiguration())
        }
        var c = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        c.options.maximumConnections = maximumConnections
        c.options.additionalStartupParameters = [("application_name", "zhengshu")]
        return c
    }
}
