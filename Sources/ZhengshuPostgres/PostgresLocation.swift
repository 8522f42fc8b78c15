import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ZhengshuCore

/// A `postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=…` connection string, as libpq reads it.
///
/// `sslmode`: `disable`; `prefer` (the default: TLS when the server offers it, unverified); `require` (TLS,
/// unverified); `verify-full` (TLS with the certificate checked against the system roots and the host name).
package struct PostgresLocation: Sendable, Equatable {
    package enum SSLMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    package var host: String
    package var port: Int
    package var user: String
    package var password: String?
    package var database: String
    package var sslMode: SSLMode

    /// - Throws: ``ZhengshuError`` naming the part of the string that is wrong (never echoing the password).
    package init(parsing text: String, field: String = "location") throws(ZhengshuError) {
        func bad(_ reason: String) -> ZhengshuError { .validation([.init(field: field, reason: reason)]) }
        guard let c = URLComponents(string: text), c.scheme == "postgres" || c.scheme == "postgresql" else {
            throw bad("must be a connection string like postgres://user:password@host:5432/database")
        }
        guard let host = c.host, !host.isEmpty else { throw bad("names no host") }
        guard let user = c.user, !user.isEmpty else { throw bad("names no user") }
        let database = String(c.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw bad("names no database (…/DATABASE)") }
        let port = c.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("port \(port) is out of range") }
        var mode = SSLMode.prefer
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let m = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw bad("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mode = m
            default:
                throw bad("unknown parameter '\(item.name.prefix(40))' (only sslmode is understood)")
            }
        }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.user = c.percentEncodedUser?.removingPercentEncoding ?? user
        self.password = c.percentEncodedPassword?.removingPercentEncoding
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = mode
    }

    /// The whole connection string, password included: for configuration, never for messages.
    package var connectionString: String {
        var c = URLComponents()
        c.scheme = "postgres"
        c.user = user
        c.password = password
        c.host = host.contains(":") ? "[\(host)]" : host
        c.port = port
        c.path = "/" + database
        c.queryItems = [URLQueryItem(name: "sslmode", value: sslMode.rawValue)]
        return c.string ?? redacted
    }

    /// The connection string without its password, for messages and API answers.
    package var redacted: String {
        "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    /// A client configuration for this location; `address` pins the connection to an address already checked
    /// against the pull host policy (the host name still names the server for TLS).
    package func configuration(
        address: String? = nil, readOnly: Bool, statementTimeoutSeconds: Int
    ) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case .disable:
            tls = .disable
        case .prefer, .require:
            var t = TLSConfiguration.makeClientConfiguration()
            t.certificateVerification = .none
            let context = try NIOSSLContext(configuration: t)
            tls = sslMode == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: address ?? host, port: port, username: user, password: password,
            database: database, tls: tls)
        if address != nil, address != host { configuration.options.tlsServerName = host }
        configuration.options.connectTimeout = .seconds(15)
        var parameters = [("statement_timeout", "\(statementTimeoutSeconds * 1000)"), ("application_name", "zhengshu")]
        if readOnly { parameters.append(("default_transaction_read_only", "on")) }
        configuration.options.additionalStartupParameters = parameters
        return configuration
    }

    /// Opens one connection, runs `body`, and closes it whatever happens.
    package func withConnection<T: Sendable>(
        address: String? = nil, readOnly: Bool, statementTimeoutSeconds: Int = 600,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: configuration(
                    address: address, readOnly: readOnly, statementTimeoutSeconds: statementTimeoutSeconds),
                id: 1, logger: Self.logger)
        } catch {
            throw ZhengshuError(.conflict, "could not connect to \(redacted): \(Self.message(error))")
        }
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs statements that return nothing (setting up a database; tests), one at a time, in one session.
    package func execute(_ statements: [String]) async throws {
        try await withConnection(readOnly: false) { connection in
            for sql in statements {
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger)
                } catch {
                    throw ZhengshuError(.conflict, "\(sql.prefix(80)): \(Self.message(error))")
                }
            }
        }
    }

    /// PostgresNIO's own descriptions are deliberately vague; this one names the server's message or the failure kind.
    package static func message(_ error: any Error) -> String {
        guard let e = error as? PSQLError else { return String(describing: error) }
        if let info = e.serverInfo, let text = info[.message] {
            return text + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = e.underlying { return "\(e.code): \(underlying)" }
        return e.code.description
    }

    static let logger: Logger = {
        var l = Logger(label: "zhengshu.postgres")
        l.logLevel = .warning
        return l
    }()
}

/// Text sent with no type (oid 0): the server gives it the type of whatever it is compared with.
struct UntypedText: PostgresNonThrowingEncodable {
    let value: String
    static var psqlType: PostgresDataType { PostgresDataType(0) }
    static var psqlFormat: PostgresFormat { .text }
    func encode<E: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<E>) {
        buffer.writeString(value)
    }
}
