import ArgumentParser
import Configuration
import Foundation
import Synchronization
import ZhengshuApp
import ZhengshuCore

/// Options naming the backup key.
struct BackupKeyOptions: ParsableArguments {
    @Option(
        name: .customLong("key-file"),
        help:
            "The backup key (default ~/.config/zhengshu/backup.key, created by the first backup; env ZHENGSHU_BACKUP_KEY_FILE)."
    )
    var keyFile: String?

    var values: [String: ConfigValue] { keyFile.map { ["backup.keyFile": .init(.string($0), isSecret: false)] } ?? [:] }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Back the installation up into one encrypted archive, or check an archive.",
        subcommands: [Create.self, Verify.self], defaultSubcommand: Create.self)

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Write a consistent backup of the data folder while the server keeps serving (the default).")
        @OptionGroup var data: DataOptions
        @OptionGroup var key: BackupKeyOptions
        @Option(name: .customLong("to"), help: "The archive to write (never overwritten).") var target: String

        func run() async throws {
            do {
                let (configuration, services) = try await data.open(extra: key.values)
                let line = BytesProgressLine(live: isatty(STDERR_FILENO) != 0)
                let result = try await Backups.backup(configuration, services: services, to: target) { line.update($0) }
                line.finish()
                let m = result.manifest
                print(
                    String(
                        format:
                            "backup written: %@ (%lld bytes, %d parts, %d tables, %lld rows, audit entry %lld) in %.2f s",
                        target,
                        result.archiveBytes, m.parts.count, m.tables.count, m.tables.values.reduce(0, +),
                        m.auditHead?.sequence ?? 0, result.seconds))
            } catch { throw fail(error) }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check an archive whole without restoring it: key, every chunk, every part, the database's row counts.")
        @OptionGroup var key: BackupKeyOptions
        @Argument(help: "The archive.") var archive: String

        func run() async throws {
            do {
                let configuration = AppConfiguration(config: makeConfigReader(options: key.values))
                let line = BytesProgressLine(live: isatty(STDERR_FILENO) != 0)
                let m = try await Backups.verify(archive, key: try Backups.key(configuration, create: false)) {
                    line.update($0)
                }
                line.finish()
                print(
                    "backup intact: \(archive), made \(m.createdAt.formatted(Date.ISO8601FormatStyle())) by version \(m.version) from \(m.engine) "
                        + "(schema \(m.schemaVersion), \(m.cryptoProfile.rawValue) profile): \(m.parts.count) parts, \(m.tables.count) tables, "
                        + "\(m.tables.values.reduce(0, +)) rows, audit entry \(m.auditHead?.sequence ?? 0)")
            } catch { throw fail(error) }
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore an archive into a new data folder, then check its audit trail.")
    @OptionGroup var key: BackupKeyOptions
    @Argument(help: "The archive.") var archive: String
    @Option(help: "The data folder to restore into: new or empty (see --force).") var data: String
    @Flag(help: "Replace a folder that holds data (it is moved aside, not deleted).") var force = false
    @Option(
        help:
            "Restore the database into this empty PostgreSQL database instead (postgres://USER:PASSWORD@HOST:PORT/DB); the folder keeps the key and export files."
    )
    var database: String?

    func run() async throws {
        do {
            let keyConfiguration = AppConfiguration(config: makeConfigReader(options: key.values))
            let line = BytesProgressLine(live: isatty(STDERR_FILENO) != 0)
            let (m, replaced, restoredInto) = try await Backups.restore(
                archive, key: try Backups.key(keyConfiguration, create: false), into: data,
                force: force, databaseURL: database
            ) { line.update($0) }
            line.finish()
            if let replaced { print("the folder that was there is kept at \(replaced)") }
            print(
                "restored \(archive) into \(restoredInto): \(m.tables.count) tables, \(m.tables.values.reduce(0, +)) rows, as the manifest says"
            )
            // The restored folder's own key files, whatever this shell's environment names.
            var options = key.values
            if let database { options["database.url"] = .init(.string(database), isSecret: true) }
            for (setting, file) in [
                ("data.directory", ""), ("audit.signingKeyFile", "audit-signing.key"),
                ("privacy.keyFile", "privacy.key"), ("exports.directory", "exports"),
            ] {
                options[setting] = .init(
                    .string(file.isEmpty ? data : (data as NSString).appendingPathComponent(file)), isSecret: false)
            }
            let services = try await AppServices.open(AppConfiguration(config: makeConfigReader(options: options)))
            try AuditCommand.Verify.report(try await CLITasks(services: services).verifyAudit())
        } catch let e as ExitCode {
            throw e
        } catch { throw fail(error) }
    }
}

/// A progress line on standard error while bytes go by (only on a terminal), at most five times a second.
final class BytesProgressLine: Sendable {
    let live: Bool
    private let last = Mutex<Date>(.distantPast)

    init(live: Bool) { self.live = live }

    func update(_ p: Backups.Progress) {
        guard live else { return }
        let now = Date()
        guard
            last.withLock({ l in
                let due = now.timeIntervalSince(l) >= 0.2
                if due { l = now }
                return due
            })
        else { return }
        let percent = p.bytesTotal > 0 ? Double(p.bytesDone) * 100 / Double(p.bytesTotal) : 0
        FileHandle.standardError.write(
            Data(
                String(
                    format: "\r%5.1f%%  %lld MiB  %@          ", percent, p.bytesDone >> 20, String(p.part.prefix(60))
                ).utf8))
    }

    func finish() {
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
