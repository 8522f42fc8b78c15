import Configuration
import Foundation
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// The master key of data encrypted at rest, as an operator handles it: a file apart from the data folder, a SQLite
/// file holding no L4 value in clear, `zhengshu keys rotate` while a server keeps serving, a wrong key refused.
@Suite(.enabled(if: ZhengshuBinary.path != nil, "build the zhengshu executable first (swift build)"))
struct MasterKeyTests {
    func open(_ dir: String, masterKeyFile: String) async throws -> AppServices {
        try await AppServices.open(
            AppConfiguration(
                config: ConfigReader(
                    provider: InMemoryProvider(values: [
                        "data.directory": .init(.string(dir), isSecret: false), "security.fastPasswordHashing": true,
                        "log.level": "warning",
                        "security.masterKeyFile": .init(.string(masterKeyFile), isSecret: false),
                    ]))))
    }

    func zhengshu(_ arguments: [String], environment: [String: String]) throws -> (Int32, String) {
        try ZhengshuProcess.run(arguments, environment: environment)
    }

    @Test func theSQLiteFileHoldsNoL4ValueAndTheMasterKeyRotatesWhileServing() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("zs-mk-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/data", keys = root + "/keys"
        let services = try await open(dir, masterKeyFile: keys + "/master.key")
        let p = services.platform
        let c = TestPlatform.operatorCaller
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: c)
        var d = Fixtures.populationDraft(code: "RK-0009")
        for name in ["citizen_id", "mobile"] { d.items![d.items!.firstIndex { $0.name == name }!].sensitivity = .l4 }
        _ = try await p.catalog.create(d, by: c)
        _ = try await p.catalog.publish("RK-0009", by: c)
        let rows = Fixtures.populationRows(200)
        _ = try await p.data.insert(rows, into: "RK-0009", by: c)
        func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }
        // A rejected row keeps its L4 values sealed too; its provider reads them back in clear.
        let extra = Fixtures.populationRows(201)[200]
        let csv =
            "citizen_id,name,sex,birth_date,mobile\n\(text(extra["citizen_id"])),,1,1990-01-01,\(text(extra["mobile"]))\n"
        let job = try await p.ingestion.run(
            ImportRequest(resource: "RK-0009", sourceName: "bad.csv"), source: ChunkedBytes(Array(csv.utf8)), by: c)
        #expect(job.rowsRejected == 1)
        let rejected = try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 10, by: c).rows
        #expect(rejected.first?.original == [text(extra["citizen_id"]), "", "1", "1990-01-01", text(extra["mobile"])])
        let stored = try await services.store.rejects(of: job.id, after: 0, limit: 10)
        #expect(stored.first?.original[0].hasPrefix(FieldCipher.prefix) == true)

        // The database files, read as bytes: not one ID or mobile number in clear. (By another process: closing a
        // descriptor of a file SQLite has open would drop this process's locks on it.)
        let cat = Process()
        cat.executableURL = URL(fileURLWithPath: "/bin/cat")
        cat.arguments = [dir + "/zhengshu.sqlite", dir + "/zhengshu.sqlite-wal"]
        let pipe = Pipe()
        cat.standardOutput = pipe
        try cat.run()
        let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
        cat.waitUntilExit()
        let file = String(decoding: bytes, as: UTF8.self)
        #expect(
            bytes.count > 10_000
                && (rows + [extra]).allSatisfy {
                    !file.contains(text($0["citizen_id"])) && !file.contains(text($0["mobile"]))
                })
        #expect(file.contains(text(rows[0]["name"])))  // L3: in clear (masked only on the way out)

        // Rotation by the command line, while this "server" keeps running with the old key.
        let (status, out) = try zhengshu(
            ["keys", "rotate", "--to", keys + "/new.key", "--data", dir],
            environment: ["ZHENGSHU_SECURITY_MASTER_KEY_FILE": keys + "/master.key"])
        #expect(status == 0 && out.contains("1 data keys re-wrapped"), "\(out)")
        let id = text(rows[7]["citizen_id"])
        #expect(
            try await p.data.query("RK-0009", RecordQueryParameters(filters: ["citizen_id:eq:\(id)"]), by: c).rows.count
                == 1)
        // New data keys too, by the command line with the new master key (once every server runs with it).
        let (again, againOut) = try zhengshu(
            ["keys", "rotate", "--reencrypt", "--data", dir],
            environment: ["ZHENGSHU_SECURITY_MASTER_KEY_FILE": keys + "/new.key"])
        #expect(again == 0 && againOut.contains("re-encrypted under new data keys: RK-0009"), "\(againOut)")
        // Restarted with the new key (a process of its own): it reads the same data.
        let (scanned, scan) = try zhengshu(
            ["scan", "--resource", "RK-0009", "--json", "--data", dir],
            environment: ["ZHENGSHU_SECURITY_MASTER_KEY_FILE": keys + "/new.key"])
        #expect(scanned == 0 && scan.contains("\"detected\" : \"citizen_id\""), "\(scan)")
        // A key that is neither is refused at start, with what to do; so is a key kept inside the data folder.
        let (stranger, strangerOut) = try zhengshu(
            ["scan", "--resource", "RK-0009", "--data", dir],
            environment: ["ZHENGSHU_SECURITY_MASTER_KEY_FILE": keys + "/stranger.key"])
        #expect(stranger != 0 && strangerOut.contains("the master key is not this installation's"), "\(strangerOut)")
        let (inside, insideOut) = try zhengshu(
            ["scan", "--resource", "RK-0009", "--data", dir],
            environment: ["ZHENGSHU_SECURITY_MASTER_KEY_FILE": dir + "/master.key"])
        #expect(inside != 0 && insideOut.contains("inside the data folder"), "\(insideOut)")
        #expect(
            try await services.store.auditEntries(after: 0, limit: 1000, action: "keys.rotate", target: nil).count == 1)
    }
}
