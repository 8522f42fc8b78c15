import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// Exports with their reconciliation manifests, checked by `zhengshu verify-export` as a receiving department would.
@Suite(.enabled(if: ZhengshuBinary.path != nil, "build the zhengshu executable first (swift build)"))
struct ExportTests {
    let api = SharingAPITests()

    func withExportGrant(
        rows: Int, terms: String = "{}",
        _ test: @Sendable (SharingAPITests.Fixture, any TestClientProtocol, Int) async throws -> Void
    ) async throws {
        try await api.withAPI(extraRows: rows) { f, client in
            let applied = try await api.apply(
                client, f, "RK-0002", items: ["citizen_id", "name", "sex", "birth_date", "mobile"],
                services: ["query", "export"])
            let decided = try await api.call(
                client, .post, "/api/v1/applications/\(api.id(applied))/decision", token: f.tokens["admin"],
                json: #"{"approve":true,"terms":\#(terms)}"#)
            try await test(f, client, (decided.body["grant"] as? [String: Any])?["id"] as? Int ?? -1)
        }
    }

    /// Starts an export and waits for it to end. - Returns: the finished job.
    func export(
        _ client: some TestClientProtocol, _ f: SharingAPITests.Fixture, _ query: String
    ) async throws -> [String: Any] {
        let started = try await api.call(
            client, .post, "/api/v1/share/RK-0002/exports?\(query)", token: f.tokens["consumer"])
        #expect(started.status == .accepted, "\(started.text)")
        let id = try #require(started.body["id"] as? Int)
        #expect(started.headers[.location] == "/api/v1/exports/\(id)")
        for _ in 0..<600 {
            let job = try await api.call(client, .get, "/api/v1/exports/\(id)", token: f.tokens["consumer"]).body
            if job["status"] as? String != "running" { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("export \(id) did not finish")
        return [:]
    }

    func run(_ arguments: [String]) throws -> (Int32, String) {
        try ZhengshuProcess.run(arguments, environment: [:])
    }

    /// Runs a system command. - Returns: its standard output.
    func command(_ path: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aHundredThousandRowsExportAndATamperedValueIsFound() async throws {
        try await withExportGrant(rows: 100_000) { f, client, grant in
            let job = try await export(client, f, "format=csv")
            #expect(job["status"] as? String == "succeeded" && job["rows"] as? Int == 100_030, "\(job)")
            let id = try #require(job["id"] as? Int)
            let file = try await api.call(client, .get, "/api/v1/exports/\(id)/file", token: f.tokens["consumer"])
            #expect(file.status == .ok && file.headers[.contentType] == "text/csv; charset=utf-8")
            let manifest = try await api.call(
                client, .get, "/api/v1/exports/\(id)/manifest", token: f.tokens["consumer"])
            #expect(manifest.body["rowCount"] as? Int == 100_030 && manifest.body["grant"] as? Int == grant)
            #expect((manifest.body["rowDigests"] as? String)?.count == 100_030 * 8)
            let sequence = try #require(manifest.body["auditEntry"] as? Int)
            let logged = try #require(
                try await f.platform.store.auditEntries(after: Int64(sequence) - 1, limit: 1, action: nil, target: nil)
                    .first)
            #expect(logged.event.action == "share.export" && logged.event.detail?.contains("rows: 100030") == true)

            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zs-export-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let csvPath = dir.appendingPathComponent("export.csv").path,
                manifestPath = dir.appendingPathComponent("manifest.json").path
            try Data(file.text.utf8).write(to: URL(fileURLWithPath: csvPath))
            try Data(manifest.text.utf8).write(to: URL(fileURLWithPath: manifestPath))
            let (ok, okText) = try run(["verify-export", csvPath, manifestPath])
            #expect(
                ok == 0 && okText.contains("OK: 100030 rows") && okText.contains("manifest signed by key"), "\(okText)")
            // The file's checksum is the profile's hash (SM3 under gm), as the openssl command line computes it.
            let gm = TestPlatform.cryptoProfile == "gm"
            #expect(manifest.body["digestAlgorithm"] as? String == (gm ? "sm3" : nil))
            let dgst = try command("/usr/bin/openssl", ["dgst", gm ? "-sm3" : "-sha256", "-r", csvPath])
            #expect(dgst.hasPrefix((manifest.body["sha256"] as? String ?? "-") + " "), "\(dgst)")
            // The manifest is signed by the installation: the receiver can require its key, and an edited manifest fails.
            let signature = try #require(manifest.body["signature"] as? [String: Any])
            let published = try await api.call(client, .get, "/api/v1/installation/key", token: f.tokens["consumer"])
            let fingerprint = try #require(published.body["fingerprint"] as? String)
            #expect(signature["algorithm"] as? String == (TestPlatform.cryptoProfile == "gm" ? "sm2" : "ed25519"))
            #expect(published.body["profile"] as? String == TestPlatform.cryptoProfile)
            #expect(
                fingerprint == InstallationKey.fingerprint(of: signature["publicKey"] as? String ?? "")
                    && published.body["publicKey"] as? String == signature["publicKey"] as? String)
            #expect(try run(["verify-export", csvPath, manifestPath, "--key", fingerprint]).0 == 0)
            let (wrongKey, wrongKeyText) = try run([
                "verify-export", csvPath, manifestPath, "--key", "0123456789abcdef",
            ])
            #expect(wrongKey == 2 && wrongKeyText.contains("not signed by key 0123456789abcdef"), "\(wrongKeyText)")
            let editedPath = dir.appendingPathComponent("edited.json").path
            try Data(manifest.text.replacingOccurrences(of: "\"rowCount\":100030", with: "\"rowCount\":100031").utf8)
                .write(to: URL(fileURLWithPath: editedPath))
            let (edited, editedText) = try run(["verify-export", csvPath, editedPath])
            #expect(edited == 2 && editedText.contains("signature does NOT verify"), "\(editedText)")
            // Masked as the grant says: the name is masked in the file too.
            var lines = file.text.components(separatedBy: "\r\n")
            #expect(lines[0] == "\u{FEFF}citizen_id,name,sex,birth_date,mobile")
            #expect(lines[1].split(separator: ",")[0].contains("********"))
            // One value changed in data row 54,321 (line 54,322 after the header): the row and the column are named.
            var cells = lines[54_321].components(separatedBy: ",")
            // quoted or not: the watermark
            cells[1] = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) == "王*" ? "李*" : "王*"
            lines[54_321] = cells.joined(separator: ",")
            try Data(lines.joined(separator: "\r\n").utf8).write(to: URL(fileURLWithPath: csvPath))
            let (bad, badText) = try run(["verify-export", csvPath, manifestPath])
            #expect(bad == 2 && badText.contains("row 54321 differs from the export (column name)"), "\(badText)")
            // A row dropped: the count and the first row that moved.
            lines.remove(at: 70_000)
            try Data(lines.joined(separator: "\r\n").utf8).write(to: URL(fileURLWithPath: csvPath))
            let (short, shortText) = try run(["verify-export", csvPath, manifestPath])
            #expect(
                short == 2 && shortText.contains("the file has 100029 rows; the manifest says 100030"), "\(shortText)")
            let (missing, missingText) = try run([
                "verify-export", dir.appendingPathComponent("nope.csv").path, manifestPath,
            ])
            #expect(missing != 0 && missingText.contains("cannot read"))
        }
    }

    @Test func jsonLinesQuotasAndRevokedGrantsStopExports() async throws {
        try await withExportGrant(rows: 0, terms: #"{"rowsPerDay":40,"clearItems":["name"]}"#) { f, client, grant in
            let job = try await export(client, f, "format=jsonl&fields=citizen_id,name,sex&filter=sex:eq:1")
            #expect(job["status"] as? String == "succeeded", "\(job)")
            let id = try #require(job["id"] as? Int)
            let file = try await api.call(client, .get, "/api/v1/exports/\(id)/file", token: f.tokens["consumer"])
            let first = try #require(file.text.split(separator: "\n").first)
            // (A space after a colon or not is the watermark: the same JSON.)
            #expect(
                first.hasPrefix("{\"citizen_id\":")
                    && first.replacingOccurrences(of: ": ", with: ":").hasSuffix(",\"sex\":\"1\"}"), "\(first)")
            // The name is granted in clear, the citizen ID masked.
            let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: String])
            #expect(object["name"]?.contains("*") == false && object["citizen_id"]?.contains("*") == true)
            // Other departments neither see nor download it.
            #expect(
                try await api.call(client, .get, "/api/v1/exports/\(id)", token: f.tokens["rs"]).status == .notFound)
            #expect(
                try await api.call(client, .get, "/api/v1/exports/\(id)/file", token: f.tokens["admin"]).status
                    == .forbidden)
            // 40 rows a day: a full export of 30 more rows goes over and fails, with nothing left behind to download.
            let over = try await export(client, f, "format=csv")
            #expect(
                over["status"] as? String == "failed"
                    && (over["error"] as? String)?.contains("may still give today") == true, "\(over)")
            #expect(
                try await api.call(
                    client, .get, "/api/v1/exports/\(over["id"] as? Int ?? 0)/file", token: f.tokens["consumer"]
                ).status == .conflict)
            // Refusals come at once: a masked filter, an unknown format, an ungranted item.
            #expect(
                try await api.call(
                    client, .post, "/api/v1/share/RK-0002/exports?filter=mobile:eq:1", token: f.tokens["consumer"]
                ).status == .badRequest)
            #expect(
                try await api.call(
                    client, .post, "/api/v1/share/RK-0002/exports?format=xls", token: f.tokens["consumer"]
                ).status == .badRequest)
            #expect(
                try await api.call(client, .post, "/api/v1/share/RK-0001/exports", token: f.tokens["consumer"]).status
                    == .forbidden)
            // A revoked grant stops downloads of what it exported.
            _ = try await api.call(
                client, .post, "/api/v1/grants/\(grant)/revoke", token: f.tokens["ga"], json: #"{"reason":"停止使用"}"#)
            #expect(
                try await api.call(client, .get, "/api/v1/exports/\(id)/file", token: f.tokens["consumer"]).status
                    == .forbidden)
            #expect(try await api.call(client, .get, "/api/v1/exports", token: f.tokens["consumer"]).items.count == 2)
            // An export whose node stopped while writing it is failed when the node starts again.
            let grantValue = try #require(try await f.platform.store.grant(GrantID(Int64(grant))))
            let stranded = try await f.platform.store.insertExport(
                ExportJob(
                    id: ExportID(0), grant: grantValue.id, resource: grantValue.resource, consumer: grantValue.consumer,
                    requestedBy: "consumer",
                    format: .csv, fields: [], filters: [], status: .running, rows: 10, node: "node-a", createdAt: Date()
                ))
            #expect(try await f.platform.platform.data.failInterruptedExports(node: "node-b") == 0)
            #expect(try await f.platform.platform.data.failInterruptedExports(node: "node-a") == 1)
            #expect(try await f.platform.store.export(stranded.id)?.status == .failed)
        }
    }
}
