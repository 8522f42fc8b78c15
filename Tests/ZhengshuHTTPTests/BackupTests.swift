import Configuration
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuPostgres
import ZhengshuTestSupport

/// Backup and restore of a SQLite installation: online while a client writes, and every damaged archive refused.
@Suite struct BackupTests {
    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("zs-\(name)-\(UUID().uuidString)").path
    }

    /// A data folder's configuration, its master and backup keys outside it.
    static func configuration(_ dir: String, keys: String) -> AppConfiguration {
        AppConfiguration(
            config: ConfigReader(
                provider: InMemoryProvider(values: [
                    "data.directory": .init(.string(dir), isSecret: false), "security.fastPasswordHashing": true,
                    "log.level": "warning",
                    "security.masterKeyFile": .init(.string(keys + "/master.key"), isSecret: false),
                    "backup.keyFile": .init(.string(keys + "/backup.key"), isSecret: false),
                    "security.cryptoProfile": .init(.string(TestPlatform.cryptoProfile), isSecret: false),
                ])))
    }

    /// `count` rows of distinct, valid citizen IDs starting at `first`.
    static func people(_ first: Int, _ count: Int) -> [[String: JSONValue]] {
        (first..<(first + count)).map { i in
            let date = RecordValueDays.civil(RecordValueDays.days1950 + Int64(i / 999))
            let body =
                "330106" + date.description.replacingOccurrences(of: "-", with: "")
                + String(format: "%03d", i % 999 + 1)
            let id = body + String(CitizenID.checkCharacter(forBody: body.map { Int(String($0))! }))
            return ["gmsfhm": .string(id), "xm": .string("测试\(i)")]
        }
    }

    @Test func aBackupTakenWhileAClientWritesRestoresToAConsistentState() async throws {
        let (dir, keys, restored) = (
            Self.temporary("backup-live"), Self.temporary("backup-keys"), Self.temporary("backup-restored")
        )
        defer { for d in [dir, keys, restored] { try? FileManager.default.removeItem(atPath: d) } }
        let configuration = Self.configuration(dir, keys: keys)
        let services = try await AppServices.open(configuration)
        let p = services.platform, op = TestPlatform.operatorCaller
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: op)
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: op)
        _ = try await p.catalog.publish("POP-1", by: op)
        // An export file still offered, so the archive carries the platform's files too.
        try FileManager.default.createDirectory(
            atPath: configuration.exportsDirectory, withIntermediateDirectories: true)
        try Data("gmsfhm\n".utf8).write(to: URL(fileURLWithPath: configuration.exportsDirectory + "/export-1.csv"))

        // The client: batches of 50 rows, each one transaction with its audit entry, until told to stop.
        let batch = 50
        let running = Mutex(true)
        let client = Task { () -> Int in
            var written = 0
            while running.withLock({ $0 }) {
                _ = try await p.data.insert(Self.people(written * batch, batch), into: "POP-1", by: op)
                written += 1
            }
            return written
        }
        let resource = try #require(try await services.store.resource(ResourceCode(trusted: "POP-1")))
        while try await services.store.recordCount(of: resource) < 5 * batch {
            try await Task.sleep(for: .milliseconds(20))
        }
        let archive = keys + "/live.zsbackup"
        let result = try await Backups.backup(configuration, services: services, to: archive)
        try await Task.sleep(for: .milliseconds(300))
        running.withLock { $0 = false }
        let batches = try await client.value
        let manifest = result.manifest
        let popTable = try #require(
            // the one records table
            manifest.tables.keys.first { $0.hasPrefix("rec_") }, "\(manifest.tables.keys.sorted())")
        let backedUp = try #require(manifest.tables[popTable])
        #expect(
            backedUp >= Int64(5 * batch) && backedUp < Int64(batches * batch),
            "the client kept writing while the backup ran: \(backedUp) of \(batches * batch)")
        #expect(
            manifest.parts.map(\.name).contains("files/exports/export-1.csv")
                && manifest.parts.contains { $0.name == "keys/audit-signing.key" })
        #expect(!manifest.parts.contains { $0.name.contains("master") }, "the master key stays out")

        // Restored: the tables hold what the manifest says (checked by restore), whole batches only, and the audit
        // trail's inserts account for exactly those rows.
        _ = try await Backups.restore(
            archive, key: try Backups.key(configuration, create: false), into: restored, force: false)
        let again = try await AppServices.open(Self.configuration(restored, keys: keys))
        let verification = try await CLITasks(services: again).verifyAudit()
        #expect(
            verification.broken == nil && verification.entries == Int(manifest.auditHead?.sequence ?? -1),
            "\(String(describing: verification.broken))")
        let rows = try await again.store.recordCount(
            of: try #require(try await again.store.resource(ResourceCode(trusted: "POP-1"))))
        var inserts = 0
        var after: Int64 = 0
        while true {
            let page = try await again.store.auditEntries(
                after: after, limit: 1000, action: "records.insert", target: "resource:POP-1")
            guard let last = page.last else { break }
            inserts += page.count
            after = last.sequence
        }
        #expect(
            Int64(rows) == backedUp && rows % batch == 0 && rows / batch == inserts, "\(rows) rows, \(inserts) inserts")
        #expect(FileManager.default.contents(atPath: restored + "/exports/export-1.csv") == Data("gmsfhm\n".utf8))
    }
}

extension BackupTests {
    @Test func scheduledBackupsAreRecordedPrunedAndAFailureRaisesAnAlert() async throws {
        let (dir, keys) = (Self.temporary("backup-scheduled"), Self.temporary("backup-keys"))
        defer { for d in [dir, keys] { try? FileManager.default.removeItem(atPath: d) } }
        var configuration = Self.configuration(dir, keys: keys)
        configuration.backupDirectory = keys + "/nightly"
        configuration.backupRetention = 2
        let services = try await AppServices.open(configuration)
        let p = services.platform, op = TestPlatform.operatorCaller
        _ = try await p.departments.create(DepartmentDraft(code: "P-SJJ", name: "市大数据局", level: .city), by: op)
        let admin = try await p.accounts.createUser(
            UserDraft(name: "admin", roles: [.admin], department: "P-SJJ", password: "Test-Password-1"), by: op)
        let token = try await p.accounts.issueToken(for: admin.id, label: "test", expiresInDays: nil, by: op).secret

        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try #require(try await Backups.runIfDue(configuration, services: services, now: start))
        #expect(
            first.status == .succeeded && (first.bytes ?? 0) > 0 && first.milliseconds != nil
                && FileManager.default.fileExists(atPath: first.file))
        #expect(first.file.hasSuffix("zhengshu-20270115-080000.zsbackup"), "\(first.file)")
        #expect(
            try await Backups.runIfDue(configuration, services: services, now: start.addingTimeInterval(3600)) == nil,
            "not due for a day")
        let second = try #require(
            try await Backups.runIfDue(configuration, services: services, now: start.addingTimeInterval(25 * 3600)))
        let third = try #require(
            try await Backups.runIfDue(configuration, services: services, now: start.addingTimeInterval(50 * 3600)))
        #expect(second.status == .succeeded && third.status == .succeeded && third.pruned == [first.file])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: configuration.backupDirectory).sorted()
                == [second.file, third.file].map { ($0 as NSString).lastPathComponent })
        #expect(
            try await Backups.verify(third.file, key: try Backups.key(configuration, create: false)).tables["user"] == 1
        )

        // The folder is gone and a file stands in its way: the run fails, is recorded with its reason, raises an alert.
        try FileManager.default.removeItem(atPath: configuration.backupDirectory)
        try Data("x".utf8).write(to: URL(fileURLWithPath: configuration.backupDirectory))
        let failed = try #require(
            try await Backups.runIfDue(configuration, services: services, now: start.addingTimeInterval(75 * 3600)))
        #expect(failed.status == .failed && failed.error?.isEmpty == false && failed.bytes == nil)
        let alerts = try await services.store.alerts(state: .open, rule: .backupFailed, limit: 10)
        #expect(alerts.count == 1 && alerts[0].severity == .high && alerts[0].summary.contains(failed.file))

        let app = try await buildApplication(configuration, services: services)
        try await app.test(.router) { client in
            let health = try await ProfileTests().call(client, "/healthz", token: "none")
            #expect(health.status == .ok && health.body["status"] as? String == "degraded")
            #expect((health.body["backup"] as? [String: Any])?["status"] as? String == "failed")
            let runs = try await ProfileTests().call(client, "/api/v1/backups", token: token)
            #expect(
                runs.items.map { $0["status"] as? String } == ["failed", "succeeded", "succeeded", "succeeded"],
                "\(runs.text.prefix(300))")
            #expect(
                try await ProfileTests().call(
                    client, "/api/v1/backups", token: "zs_" + String(repeating: "0", count: 64)
                ).status == .unauthorized)
        }
    }
}

/// An installation moved SQLite → PostgreSQL → SQLite through backup and restore holds the same rows in every table.
@Suite(.enabled(if: TestPostgres.isAvailable, "set ZHENGSHU_TEST_PG_URL (Scripts/postgres-throwaway.sh) to run"))
struct BackupAcrossEnginesTests {
    /// Every row of every table (platform and records tables), as sorted text: the engines may order rows differently.
    static func contents(_ file: String) async throws -> [String: [String]] {
        let store = try GRDBStore(path: file)
        var out: [String: [String]] = [:]
        // `_row` (the row's line in the file a replace load came from) is the import's bookkeeping, not data: a table an
        // import swapped in has it, a table a restore creates does not.
        let records = try await store.recordsTables().map {
            TransferTable(name: $0.table.name, columns: $0.table.columns.filter { $0 != "_row" })
        }
        for table in try await store.platformTables() + records {
            var rows: [String] = []
            try await store.readRows(table) { page in rows += page.map { "\($0)" } }
            out[table.name] = rows.sorted()
        }
        return out
    }

    @Test func aDemoInstallationMovesToPostgreSQLAndBackWithEveryTableIntact() async throws {
        let (dir, keys) = (BackupTests.temporary("move-sqlite"), BackupTests.temporary("move-keys"))
        let (onPostgres, back, original) = (
            BackupTests.temporary("move-pg"), BackupTests.temporary("move-back"), BackupTests.temporary("move-original")
        )
        defer { for d in [dir, keys, onPostgres, back, original] { try? FileManager.default.removeItem(atPath: d) } }
        let configuration = BackupTests.configuration(dir, keys: keys)
        let services = try await AppServices.open(configuration)
        _ = try await DemoSeed.run(on: services.platform)
        let first = try await Backups.backup(configuration, services: services, to: keys + "/sqlite.zsbackup")
        let key = try Backups.key(configuration, create: false)

        // Into an empty PostgreSQL database; the folder keeps the key files.
        let location = try await TestPostgres.freshDatabase()
        defer { Task { try? await TestPostgres.drop(location) } }
        _ = try await Backups.restore(
            keys + "/sqlite.zsbackup", key: key, into: onPostgres, force: false, database: location)
        #expect(
            !FileManager.default.fileExists(atPath: onPostgres + "/zhengshu.sqlite")
                && FileManager.default.fileExists(atPath: onPostgres + "/audit-signing.key"))
        var pgConfiguration = BackupTests.configuration(onPostgres, keys: keys)
        pgConfiguration.databaseURL = location.connectionString
        let pg = try await AppServices.open(pgConfiguration)
        let verified = try await CLITasks(services: pg).verifyAudit()
        #expect(
            verified.broken == nil && verified.entries == Int(first.manifest.auditHead?.sequence ?? -1),
            "\(String(describing: verified.broken))")
        // A second restore into the same database is refused: it holds an installation now.
        await #expect(throws: ZhengshuError.self) {
            _ = try await Backups.restore(
                keys + "/sqlite.zsbackup", key: key, into: BackupTests.temporary("move-again"), force: false,
                database: location)
        }

        // It works there: the records read back, and new rows get fresh ids (the sequences were moved on).
        let page = try await pg.platform.data.query(
            "RK-330100-0001", RecordQueryParameters(limit: "5"), by: TestPlatform.operatorCaller)
        #expect(page.rows.count == 5)
        _ = try await pg.platform.departments.create(
            DepartmentDraft(code: "C-NEW", name: "新部门", level: .city), by: TestPlatform.operatorCaller)

        // Back to SQLite, from a PostgreSQL backup, and compared with what the first archive held.
        let second = try await Backups.backup(pgConfiguration, services: pg, to: keys + "/postgres.zsbackup")
        #expect(second.manifest.engine == "postgres")
        _ = try await Backups.restore(keys + "/postgres.zsbackup", key: key, into: back, force: false)
        _ = try await Backups.restore(keys + "/sqlite.zsbackup", key: key, into: original, force: false)
        let before = try await Self.contents(original + "/zhengshu.sqlite")
        let after = try await Self.contents(back + "/zhengshu.sqlite")
        #expect(Set(before.keys) == Set(after.keys))
        for (table, rows) in before.sorted(by: { $0.key < $1.key }) {
            let moved = after[table] ?? []
            switch table {
            case "department", "auditEntry":  // the new department and what was done on PostgreSQL since
                #expect(Set(rows).isSubset(of: Set(moved)) && moved.count > rows.count, "\(table)")
            case "sandboxWorkspace":  // closed: their copies stay behind
                #expect(moved.count == rows.count)
            default:
                #expect(
                    rows == moved,
                    "\(table): \(rows.count) rows before, \(moved.count) after; first difference: \(zip(rows, moved).first { $0 != $1 }.map { "\($0.0.prefix(300)) ≠ \($0.1.prefix(300))" } ?? "in the count")"
                )
            }
        }
        let back2 = try await AppServices.open(BackupTests.configuration(back, keys: keys))
        #expect(try await CLITasks(services: back2).verifyAudit().broken == nil)
    }
}

/// The same through the executable: the messages an operator reads, and nothing written for a bad archive.
@Suite(.enabled(if: ZhengshuBinary.path != nil, "build the zhengshu executable first (swift build)"))
struct BackupCLITests {
    @Test func damagedTruncatedAndWrongKeyArchivesAreRefusedAndNothingIsWritten() async throws {
        let cli = CLITests()
        let work = BackupTests.temporary("backup-cli")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let dir = try await cli.dataFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = work + "/backup.key", archive = work + "/a.zsbackup"
        let made = try cli.zhengshu(["backup", "--data", dir, "--to", archive, "--key-file", key])
        #expect(made.status == 0 && made.stdout.contains("backup written"), "\(made.stderr)")
        let verified = try cli.zhengshu(["backup", "verify", archive, "--key-file", key])
        #expect(verified.status == 0 && verified.stdout.contains("backup intact"), "\(verified.stderr)")
        let twice = try cli.zhengshu(["backup", "--data", dir, "--to", archive, "--key-file", key])
        #expect(twice.status != 0 && twice.stderr.contains("never overwrites"))

        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x10
        try flipped.write(to: URL(fileURLWithPath: work + "/flipped.zsbackup"))
        try bytes.prefix(bytes.count - 1000).write(to: URL(fileURLWithPath: work + "/truncated.zsbackup"))
        try Data((Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString() + "\n").utf8)
            .write(to: URL(fileURLWithPath: work + "/other.key"))
        for (file, keyFile, expected) in [
            ("flipped", key, "fails authentication"), ("truncated", key, "truncated"),
            ("a", work + "/other.key", "wrong backup key"),
        ] {
            let target = work + "/restored-\(file)"
            let restore = try cli.zhengshu([
                "restore", work + "/\(file).zsbackup", "--data", target, "--key-file", keyFile,
            ])
            #expect(restore.status != 0 && restore.stderr.contains(expected), "\(file): \(restore.stderr)")
            let check = try cli.zhengshu(["backup", "verify", work + "/\(file).zsbackup", "--key-file", keyFile])
            #expect(check.status != 0 && check.stderr.contains(expected), "\(file): \(check.stderr)")
            #expect(!FileManager.default.fileExists(atPath: target), "\(file): nothing is written")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).allSatisfy { !$0.contains("restoring") })

        let target = work + "/restored"
        let restore = try cli.zhengshu(["restore", archive, "--data", target, "--key-file", key])
        #expect(
            restore.status == 0 && restore.stdout.contains("audit chain intact"), "\(restore.stdout) \(restore.stderr)")
        #expect(try cli.zhengshu(["audit", "verify", "--data", target]).status == 0)
        let over = try cli.zhengshu(["restore", archive, "--data", target, "--key-file", key])
        #expect(over.status != 0 && over.stderr.contains("not empty"))
        let forced = try cli.zhengshu(["restore", archive, "--data", target, "--key-file", key, "--force"])
        #expect(forced.status == 0 && forced.stdout.contains("kept at"), "\(forced.stderr)")
    }
}
