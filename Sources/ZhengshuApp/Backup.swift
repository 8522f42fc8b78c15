import Foundation
import ZhengshuCore
import ZhengshuGM
import ZhengshuGRDB
import ZhengshuPostgres

/// Backups of an installation (安全备份与应急恢复): one encrypted archive (``BackupArchive``) holding a consistent
/// snapshot of the database, the installation's key files (the audit signing key, the privacy key; never the master
/// key), the export files still offered and the sandbox workspaces' files, with a manifest of them all.
package enum Backups {
    /// Progress of a backup or restore, for a progress line.
    package struct Progress: Sendable {
        package var part: String
        package var bytesDone: UInt64
        package var bytesTotal: UInt64
    }

    package struct Result: Sendable {
        package var manifest: BackupManifest
        package var archiveBytes: UInt64
        package var seconds: Double
    }

    /// The backup key: read, or (only when `create`) created 0600. Refused inside the data folder, where every backup
    /// would carry it.
    package static func key(_ configuration: AppConfiguration, create: Bool) throws -> [UInt8] {
        let path = (configuration.backupKeyFile as NSString).standardizingPath
        let data = (configuration.dataDirectory as NSString).standardizingPath
        if path.hasPrefix(data + "/") {
            throw ZhengshuError(
                .invalidInput,
                "backup.keyFile \(path) is inside the data folder: keep the backup key apart from what it protects")
        }
        if !create, !FileManager.default.fileExists(atPath: path) {
            throw ZhengshuError(
                .notFound, "the backup key \(path) does not exist: give the key the archive was made with (--key-file)")
        }
        return try KeyFile.secretBytes(path, setting: "backup.keyFile")
    }

    package static func suite(_ profile: CryptoProfile) -> any CryptoSuite {
        profile == .gm ? GMSuite() : StandardSuite()
    }

    /// What goes into an archive, besides the database: (name in the archive, file on disk).
    static func files(_ configuration: AppConfiguration) -> [(String, String)] {
        var out = [
            ("keys/audit-signing.key", configuration.auditSigningKeyFile),
            ("keys/privacy.key", configuration.privacyKeyFile),
        ]
        let folders = [
            ("files/exports/", configuration.exportsDirectory),
            ("files/sandbox/", (configuration.dataDirectory as NSString).appendingPathComponent("sandbox")),
        ]
        for (prefix, folder) in folders {
            guard let walker = FileManager.default.enumerator(atPath: folder) else { continue }
            var names: [String] = []
            while let name = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let path = (folder as NSString).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    !name.hasSuffix(".partial")
                {
                    names.append(name)
                }
            }
            out += names.sorted().map { (prefix + $0, (folder as NSString).appendingPathComponent($0)) }
        }
        return out.filter { FileManager.default.fileExists(atPath: $0.1) }
    }

    /// Backs the installation up into a new archive at `target` (written as `target.partial`, renamed when whole),
    /// while the server keeps serving.
    package static func backup(
        _ configuration: AppConfiguration, services: AppServices, to target: String,
        progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Result {
        let started = Date()
        let store = services.store
        guard store is PostgresStore || (store as? GRDBStore)?.databasePath != nil else {
            throw ZhengshuError(.invalidInput, "an in-memory installation cannot be backed up")
        }
        guard !FileManager.default.fileExists(atPath: target) else {
            throw ZhengshuError(.conflict, "\(target) exists: a backup never overwrites one; choose another name")
        }
        let key = try key(configuration, create: true)
        let profile =
            CryptoProfile(
                rawValue: try await store.installationSetting(
                    "crypto.profile", default: CryptoProfile.standard.rawValue)) ?? .standard
        let folder = (target as NSString).deletingLastPathComponent
        let staging = ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(
            ".zhengshu-snapshot-\(UUID().uuidString).sqlite")
        let partial = target + ".partial"
        defer {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                try? FileManager.default.removeItem(atPath: staging + suffix)
            }
        }
        do {
            progress(Progress(part: "database snapshot", bytesDone: 0, bytesTotal: 0))
            let engine: String
            if let sqlite = store as? GRDBStore {
                try await BlockingPool.shared.run { try sqlite.snapshot(to: staging) }
                engine = "sqlite"
            } else {
                // A logical copy from one repeatable-read snapshot, into the SQLite schema (so it restores on either engine).
                try await EngineTransfer.copy(store as! PostgresStore, toSQLiteAt: staging)
                engine = "postgres"
            }
            let (manifest, archiveBytes) = try await BlockingPool.shared.run {
                try write(
                    archive: partial, snapshot: staging, engine: engine, files: files(configuration), key: key,
                    profile: profile, progress: progress)
            }
            try FileManager.default.moveItem(atPath: partial, toPath: target)
            // After the snapshot, so the archive does not hold it: its own record is in the live trail.
            try await store.appendAudit(
                Caller(.localOperator, requestID: "backup").audit(
                    "backup.create", "installation", at: Date(millis: Date().millis),
                    detail:
                        "file: \(target); bytes: \(archiveBytes); parts: \(manifest.parts.count); audit head: \(manifest.auditHead?.sequence ?? 0)"
                ))
            return Result(manifest: manifest, archiveBytes: archiveBytes, seconds: Date().timeIntervalSince(started))
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// The archive written whole to `partial`, synced: the snapshot's facts, then each part read and encrypted in
    /// 1 MiB pieces (on the blocking pool: this reads and writes every byte of the installation).
    static func write(
        archive partial: String, snapshot staging: String, engine: String, files: [(String, String)], key: [UInt8],
        profile: CryptoProfile, progress: (Progress) -> Void
    ) throws -> (BackupManifest, UInt64) {
        BlockingPool.assertMayBlock("writing a backup archive")
        let facts = try GRDBStore.facts(ofDatabaseAt: staging, check: false)  // a copy of pages the live database holds
        let parts = [("database/zhengshu.sqlite", staging)] + files
        let sizes = parts.map {
            ((try? FileManager.default.attributesOfItem(atPath: $0.1)[.size]) as? NSNumber)?.uint64Value ?? 0
        }
        let total = sizes.reduce(0, +)
        guard FileManager.default.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]),
            let out = FileHandle(forWritingAtPath: partial)
        else {
            throw ZhengshuError(.invalidInput, "cannot write \(partial)")
        }
        defer { try? out.close() }
        var writer = try BackupWriter(backupKey: key, suite: suite(profile), createdAt: Date(millis: Date().millis)) {
            try out.write(contentsOf: $0)
        }
        var done: UInt64 = 0
        for ((name, path), size) in zip(parts, sizes) {
            guard let input = FileHandle(forReadingAtPath: path) else {
                throw ZhengshuError(.invalidInput, "cannot read \(path)")
            }
            defer { try? input.close() }
            try writer.beginPart(name, size: size)
            // The size measured above, even if the file grows meanwhile (the snapshot does not; the files are
            // written whole and renamed into place).
            var left = size
            while left > 0 {
                guard let piece = try input.read(upToCount: Int(min(left, 1 << 20))), !piece.isEmpty else {
                    throw ZhengshuError(.conflict, "\(path) shrank while it was backed up")
                }
                try writer.write(Array(piece))
                left -= UInt64(piece.count)
                done += UInt64(piece.count)
                progress(Progress(part: name, bytesDone: done, bytesTotal: total))
            }
            try writer.endPart()
        }
        let manifest = try writer.finish(
            BackupManifest(
                version: ZhengshuVersion.current, engine: engine, schemaVersion: facts.schemaVersion,
                createdAt: Date(millis: Date().millis),
                cryptoProfile: profile, tables: facts.tables, auditHead: facts.auditHead))
        try out.synchronize()
        try out.close()
        return (manifest, writer.bytesWritten)
    }

    /// Reads the archive at `path` through, checking it whole, handing each part to `handle`.
    static func read(
        _ path: String, key: [UInt8], progress: (Progress) -> Void, _ handle: (BackupReader.Event) throws -> Void
    ) throws -> BackupManifest {
        BlockingPool.assertMayBlock("reading a backup archive")
        guard let input = FileHandle(forReadingAtPath: path) else {
            throw ZhengshuError(.notFound, "cannot read \(path)")
        }
        defer { try? input.close() }
        let total = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.uint64Value ?? 0
        var done: UInt64 = 0
        let source: (Int) throws -> [UInt8] = { n in
            var out: [UInt8] = []
            while out.count < n, let piece = try input.read(upToCount: n - out.count), !piece.isEmpty { out += piece }
            done += UInt64(out.count)
            return out
        }
        var reader = try BackupReader(backupKey: key, suite: { suite($0) }, source: source)
        var part = ""
        return try reader.read { event in
            if case .begin(let name, _) = event { part = name }
            if case .bytes = event { progress(Progress(part: part, bytesDone: done, bytesTotal: total)) }
            try handle(event)
        }
    }

    /// Checks an archive without restoring it: every chunk, every part's digest, the manifest; and the database
    /// snapshot's integrity and row counts against the manifest (written to a temporary file and removed).
    package static func verify(
        _ path: String, key: [UInt8], progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async throws -> BackupManifest {
        try await BlockingPool.shared.run { try verifyNow(path, key: key, progress: progress) }
    }

    static func verifyNow(_ path: String, key: [UInt8], progress: (Progress) -> Void) throws -> BackupManifest {
        BlockingPool.assertMayBlock("verifying a backup archive")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zhengshu-verify-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let manifest = try unpack(path, key: key, into: scratch, progress: progress)
        try check(database: (scratch as NSString).appendingPathComponent("zhengshu.sqlite"), against: manifest)
        return manifest
    }

    /// ``restore(_:key:into:force:database:progress:)`` with the database as the command line gives it (a
    /// `postgres://` URL, or none for the folder's SQLite). - Returns: also where the data went, without a password.
    package static func restore(
        _ path: String, key: [UInt8], into directory: String, force: Bool, databaseURL: String?,
        progress: @escaping @Sendable (Progress) -> Void
    ) async throws
        -> (BackupManifest, replaced: String?, restoredInto: String)
    {
        let location = try databaseURL.map { text throws(ZhengshuError) in
            try PostgresLocation(parsing: text, field: "database")
        }
        let (manifest, replaced) = try await restore(
            path, key: key, into: directory, force: force, database: location, progress: progress)
        return (manifest, replaced, location?.redacted ?? directory)
    }

    /// Restores an archive into the data folder `directory`: never over an existing installation unless `force`
    /// (which moves the old folder aside, to `directory.replaced-…`). Everything is written to a folder beside it
    /// first and moved into place only when the whole archive has checked out, so a refused archive writes nothing.
    /// - Returns: the manifest, and where the replaced folder went.
    package static func restore(
        _ path: String, key: [UInt8], into directory: String, force: Bool, database: PostgresLocation? = nil,
        progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async throws -> (BackupManifest, replaced: String?) {
        let target = (directory as NSString).standardizingPath
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
        if !existing.isEmpty, !force {
            throw ZhengshuError(
                .conflict,
                "\(target) is not empty: restore into a new folder, or give --force to replace it (the old folder is kept aside)"
            )
        }
        let parent = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: parent.isEmpty ? "." : parent, withIntermediateDirectories: true)
        let staging = target + ".restoring-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        do {
            let file = (staging as NSString).appendingPathComponent("zhengshu.sqlite")
            let manifest = try await BlockingPool.shared.run {
                let manifest = try unpack(path, key: key, into: staging, progress: progress)
                try check(database: file, against: manifest)
                return manifest
            }
            if let database {
                // The database goes into PostgreSQL; the folder keeps the key and export files, as a node's does.
                let store = try await PostgresStore.open(database)
                defer { store.close() }
                try await EngineTransfer.load(sqliteAt: file, into: store)
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
            }
            var replaced: String?
            if FileManager.default.fileExists(atPath: target) {
                if existing.isEmpty {
                    try FileManager.default.removeItem(atPath: target)
                } else {
                    let aside = target + ".replaced-\(Int(Date().timeIntervalSince1970))"
                    try FileManager.default.moveItem(atPath: target, toPath: aside)
                    replaced = aside
                }
            }
            try FileManager.default.moveItem(atPath: staging, toPath: target)
            return (manifest, replaced)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    /// Writes each part of the archive to its place in `folder`, as a data folder lays it out.
    static func unpack(
        _ path: String, key: [UInt8], into folder: String, progress: (Progress) -> Void
    ) throws -> BackupManifest {
        BlockingPool.assertMayBlock("unpacking a backup archive")
        var out: FileHandle?
        defer { try? out?.close() }
        return try read(path, key: key, progress: progress) { event in
            switch event {
            case .begin(let name, _):
                let file = (folder as NSString).appendingPathComponent(try place(name))
                try FileManager.default.createDirectory(
                    atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let secret = name.hasPrefix("keys/")
                guard
                    FileManager.default.createFile(
                        atPath: file, contents: nil, attributes: [.posixPermissions: secret ? 0o600 : 0o644]),
                    let handle = FileHandle(forWritingAtPath: file)
                else { throw ZhengshuError(.invalidInput, "cannot write \(file)") }
                out = handle
            case .bytes(let bytes): try out?.write(contentsOf: bytes)
            case .end:
                try out?.synchronize()
                try out?.close()
                out = nil
            }
        }
    }

    /// Where a part goes in a data folder. - Throws: for a name that would leave it.
    static func place(_ name: String) throws -> String {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }), !name.contains("\\") else {
            throw ZhengshuError(.invalidInput, "the archive names a part '\(name.prefix(200))' outside the data folder")
        }
        switch name {
        case "database/zhengshu.sqlite": return "zhengshu.sqlite"
        case "keys/audit-signing.key": return "audit-signing.key"
        case "keys/privacy.key": return "privacy.key"
        default:
            if name.hasPrefix("files/exports/") { return "exports/" + name.dropFirst("files/exports/".count) }
            if name.hasPrefix("files/sandbox/") { return "sandbox/" + name.dropFirst("files/sandbox/".count) }
            throw ZhengshuError(
                .invalidInput, "the archive holds a part this version does not know: '\(name.prefix(200))'")
        }
    }

    /// The restored database is intact and holds what the manifest says, table by table.
    static func check(database path: String, against manifest: BackupManifest) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ZhengshuError(.invalidInput, "the archive holds no database")
        }
        let facts = try GRDBStore.facts(ofDatabaseAt: path)
        let names = Set(facts.tables.keys).union(manifest.tables.keys).sorted()
        if let table = names.first(where: { facts.tables[$0] != manifest.tables[$0] }) {
            throw ZhengshuError(
                .invalidInput,
                "the restored database does not match the manifest: table \(table) has \(facts.tables[table].map(String.init) ?? "no") rows, the manifest says \(manifest.tables[table].map(String.init) ?? "none")"
            )
        }
        guard facts.auditHead == manifest.auditHead else {
            throw ZhengshuError(
                .invalidInput,
                "the restored audit trail ends at entry \(facts.auditHead?.sequence ?? 0), the manifest says \(manifest.auditHead?.sequence ?? 0)"
            )
        }
    }
}

/// The platform's version, as backups and the API document record it.
package enum ZhengshuVersion {
    package static let current = "0.1.0"
}

extension Backups {
    /// The scheduler's round: a backup into `backup.directory` when the last run started more than
    /// `backup.intervalHours` ago (or there is none). - Returns: the run, or `nil` when none was due.
    package static func runIfDue(
        _ configuration: AppConfiguration, services: AppServices, now: Date = Date()
    ) async throws -> BackupRun? {
        guard !configuration.backupDirectory.isEmpty else { return nil }
        let file = (configuration.backupDirectory as NSString).appendingPathComponent(
            "zhengshu-\(archiveStamp(now)).zsbackup")
        guard
            let run = try await services.store.claimBackupRun(
                BackupRun(node: configuration.nodeID, file: file, startedAt: Date(millis: now.millis)),
                unlessStartedAfter: now.addingTimeInterval(-Double(configuration.backupIntervalHours) * 3600))
        else { return nil }
        return try await scheduledRun(run, configuration, services: services, now: now)
    }

    /// `YYYYMMDD-HHMMSS` in UTC: archive names sort by time.
    static func archiveStamp(_ date: Date) -> String {
        var format = Date.VerbatimFormatStyle(
            format:
                "\(year: .defaultDigits)\(month: .twoDigits)\(day: .twoDigits)-\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased))\(minute: .twoDigits)\(second: .twoDigits)",
            timeZone: .gmt, calendar: Calendar(identifier: .gregorian))
        format.locale = Locale(identifier: "en_US_POSIX")
        return date.formatted(format)
    }

    /// One scheduled backup, recorded as a run with its size and duration; older archives beyond the retention count
    /// are deleted after a success. A failure is recorded with its reason and raises an alert.
    static func scheduledRun(
        _ claimed: BackupRun, _ configuration: AppConfiguration, services: AppServices, now: Date
    ) async throws -> BackupRun {
        let store = services.store
        let folder = configuration.backupDirectory
        var run = claimed
        let file = run.file
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let result = try await backup(configuration, services: services, to: file)
            run.status = .succeeded
            run.bytes = Int64(result.archiveBytes)
            run.milliseconds = Int(result.seconds * 1000)
            run.pruned = try prune(folder, keep: configuration.backupRetention)
        } catch {
            run.status = .failed
            run.error = String(((error as? ZhengshuError)?.message ?? "\(error)").prefix(1000))
            _ = try await store.insertAlerts([
                RiskAlert(
                    rule: .backupFailed, severity: .high, subject: "backup", department: nil,
                    summary: "the scheduled backup to \(file) failed: \(run.error ?? "")", evidence: [], from: now,
                    to: now, raisedAt: now,
                    dedupeKey: "backup_failed:\(run.id)")
            ])
        }
        run.finishedAt = Date(millis: Date().millis)
        try await store.updateBackupRun(run)
        return run
    }

    /// Deletes the oldest scheduled archives in `folder` beyond the newest `keep`. - Returns: what was deleted.
    static func prune(_ folder: String, keep: Int) throws -> [String] {
        let archives = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasPrefix("zhengshu-") && $0.hasSuffix(".zsbackup") }.sorted()
        let old = archives.dropLast(keep).map { (folder as NSString).appendingPathComponent($0) }
        for path in old { try FileManager.default.removeItem(atPath: path) }
        return old
    }
}
