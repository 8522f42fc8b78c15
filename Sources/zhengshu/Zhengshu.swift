import ArgumentParser
import Configuration
import Foundation
import Logging
import ZhengshuApp
import ZhengshuCore

@main
struct Zhengshu: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zhengshu",
        abstract: "政数 Zhengshu: a self-hostable government data platform.",
        subcommands: [
            Serve.self, Import.self, Scan.self, QualityCommand.self, TopicCommand.self, UserCommand.self,
            TokenCommand.self, AuditCommand.self, BackupCommand.self, RestoreCommand.self, VerifyExport.self,
            Trace.self, KeysCommand.self, Check.self,
        ])
}

/// Options every command that opens the data folder shares.
struct DataOptions: ParsableArguments {
    @Option(
        name: .long, help: "Data folder holding zhengshu.sqlite (default ./zhengshu-data; env ZHENGSHU_DATA_DIRECTORY)."
    )
    var data: String?
    @Option(
        name: .long,
        help:
            "PostgreSQL instead of SQLite: postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require (env ZHENGSHU_DATABASE_URL)."
    )
    var database: String?

    var values: [String: ConfigValue] {
        var v: [String: ConfigValue] = [:]
        if let data { v["data.directory"] = .init(.string(data), isSecret: false) }
        if let database { v["database.url"] = .init(.string(database), isSecret: true) }
        return v
    }

    func open(extra: [String: ConfigValue] = [:]) async throws -> (AppConfiguration, AppServices) {
        let configuration = AppConfiguration(config: makeConfigReader(options: values.merging(extra) { _, new in new }))
        return (configuration, try await AppServices.open(configuration))
    }
}

/// Prints a use-case error the way a terminal user needs it, and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    if let e = error as? ZhengshuError {
        var text = "error: \(e.message)"
        for v in e.violations { text += "\n  - \(v.field)\(v.row.map { " (row \($0))" } ?? ""): \(v.reason)" }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    } else {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }
    return ExitCode.failure
}

/// Writes a line straight to standard output: the tokens must reach a piped log before the server blocks.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the JSON API, the OpenAPI document and the console.")

    @OptionGroup var data: DataOptions
    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default 8080).") var port: Int?
    @Flag(help: "Seed a realistic demo (idempotent) and print the demo users' passwords and tokens.") var demo = false

    func run() async throws {
        var extra: [String: ConfigValue] = [:]
        if let host { extra["http.host"] = .init(.string(host), isSecret: false) }
        if let port { extra["http.port"] = .init(.int(port), isSecret: false) }
        let (configuration, services) = try await data.open(extra: extra)
        if configuration.logFormat == "json" { LoggingSystem.bootstrap { JSONLogHandler(label: $0) } }
        let interrupted = try await services.recoverInterruptedJobs(node: configuration.nodeID)
        if !interrupted.isEmpty {
            say(
                "Marked \(interrupted.count) interrupted import job(s) as failed: \(interrupted.map(\.description).joined(separator: ", "))"
            )
        }
        if demo {
            let credentials = try await DemoSeed.run(on: services.platform)
            say(
                "Demo data ready in \(AppServices.storageDescription(configuration)). Demo users (password · API token):"
            )
            for c in credentials {
                say(
                    "  \(c.user.padding(toLength: max(13, c.user.count), withPad: " ", startingAt: 0)) \(c.roles.padding(toLength: 18, withPad: " ", startingAt: 0)) \(c.department.padding(toLength: 7, withPad: " ", startingAt: 0)) \(c.password)  \(c.token)"
                )
            }
        }
        say(
            "Console: http://\(configuration.host):\(configuration.port)/   API: http://\(configuration.host):\(configuration.port)/api/v1   Spec: /openapi.json"
        )
        try await serve(configuration, services: services)
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Login name.") var name: String
        @Option(name: .customLong("role"), help: "admin, provider, consumer or auditor; repeat for several.") var roles:
            [String]
        @Option(help: "Department code (required for provider and consumer).") var department: String?
        @Option(help: "Display name (default: the login name).") var displayName: String?
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            do {
                let parsed = try roles.map { raw in
                    guard let role = Role(rawValue: raw) else {
                        throw ZhengshuError(.invalidInput, "--role \(Role.unknown(raw))")
                    }
                    return role
                }
                let password = passwordStdin ? readLine(strippingNewline: true) : nil
                if passwordStdin, password == nil {
                    throw ZhengshuError(.invalidInput, "--password-stdin: standard input is empty")
                }
                let (_, services) = try await data.open()
                let user = try await CLITasks(services: services).addUser(
                    name: name, roles: parsed, department: department,
                    displayName: displayName, password: password)
                print("user \(user.name) created with id \(user.id)")
            } catch { throw fail(error) }
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue and revoke API tokens.",
        subcommands: [Issue.self, Revoke.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token for a user; prints the token alone (shown once).")
        @OptionGroup var data: DataOptions
        @Argument(help: "Login name.") var name: String
        @Option(help: "A label to tell tokens apart.") var label: String?
        @Option(help: "Days until the token expires (default: never).") var expiresDays: Int?

        func run() async throws {
            do {
                let (_, services) = try await data.open()
                print(
                    try await CLITasks(services: services).issueToken(
                        userName: name, label: label, expiresInDays: expiresDays))
            } catch { throw fail(error) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Token id.") var id: Int64

        func run() async throws {
            do {
                let (_, services) = try await data.open()
                let token = try await CLITasks(services: services).revokeToken(id)
                print("token \(token.id) (\(token.prefix)…) revoked")
            } catch { throw fail(error) }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Work with the audit trail.",
        subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit trail's hash chain from the first entry.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let (_, services) = try await data.open()
            try Self.report(try await CLITasks(services: services).verifyAudit())
        }

        /// Prints the check's outcome; a broken chain exits with code 2.
        static func report(_ result: AuditTrail.Verification) throws {
            if let broken = result.broken {
                print(
                    "audit chain BROKEN at entry \(broken.sequence): \(broken.reason) (\(result.entries) entries verified before it)"
                )
                throw ExitCode(2)
            }
            print(
                "audit chain intact: \(result.entries) entries (\(result.algorithm.displayName)), \(result.checkpoints) signed checkpoints"
            )
        }
    }
}
