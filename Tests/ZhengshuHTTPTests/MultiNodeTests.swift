import Foundation
import Testing
import ZhengshuCore
import ZhengshuPostgres
import ZhengshuTestSupport

/// Two real `zhengshu serve` processes on one PostgreSQL database behave as one platform: writes through either node
/// land once (idempotency holds across nodes), a due pull runs on exactly one node, and the audit chain both nodes
/// append to stays one gapless chain that `zhengshu audit verify` accepts.
@Suite(
    .serialized,
    .enabled(
        if: TestPostgres.isAvailable && ZhengshuBinary.path != nil,
        "set ZHENGSHU_TEST_PG_URL and build the zhengshu executable"))
struct MultiNodeTests {
    typealias Server = CrashRecoveryTests.Server

    func call(
        _ method: String, _ port: Int, _ path: String, _ token: String, json: String? = nil,
        headers: [String] = []
    ) async throws -> (Int, [String: Any]) {
        let (status, data) = try await CrashRecoveryTests.request(
            method, "http://127.0.0.1:\(port)\(path)", token: token, json: json,
            headers: headers)
        return (status, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    @Test func twoNodesOnOneDatabaseActAsOnePlatform() async throws {
        let database = try await TestPostgres.freshDatabase()
        let url = database.connectionString
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("zs-nodes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        // Both nodes may read SQLite sources from one shared folder, and look for due pulls every second.
        let environment = ["ZHENGSHU_PULL_SQLITE_DIRECTORY": work.path, "ZHENGSHU_PULL_CHECK_SECONDS": "1"]
        let (portA, portB) = (19_000 + Int.random(in: 0..<400), 19_500 + Int.random(in: 0..<400))
        let nodeA = try Server(
            data: work.appendingPathComponent("a").path, port: portA, demo: true, extra: ["--database", url],
            environment: environment)
        let token = try nodeA.adminToken()
        try await CrashRecoveryTests.waitUntilHealthy(portA)
        let nodeB = try Server(
            data: work.appendingPathComponent("b").path, port: portB, demo: false, extra: ["--database", url],
            environment: environment)
        try await CrashRecoveryTests.waitUntilHealthy(portB)

        let demoRecords = try await call("GET", portB, "/api/v1/overview", token).1["records"] as? Int ?? -1
        #expect(demoRecords > 0)

        // A resource created on one node is published through the other.
        for code in ["NODE-1", "NODE-2"] {
            let draft = Fixtures.json(Fixtures.datagenPopulationDraft(code: code))
            #expect(try await call("POST", portA, "/api/v1/resources", token, json: draft).0 == 201)
            #expect(try await call("POST", portB, "/api/v1/resources/\(code)/publish", token).0 == 200)
        }

        // Concurrent pushes through both nodes; every batch is retried on the other node with the same key.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    let (home, other) = worker % 2 == 0 ? (portA, portB) : (portB, portA)
                    for batch in 0..<8 {
                        let start = (worker * 8 + batch) * 5
                        let rows = (start..<start + 5).map { k -> [String: String] in
                            let p = DemoDataRow.people[k]
                            return ["gmsfhm": p.0, "xm": p.1, "xb": p.2, "csrq": p.3]
                        }
                        let body = String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
                        let key = ["Idempotency-Key: w\(worker)-b\(batch)"]
                        let first = try await self.call(
                            "POST", home, "/api/v1/resources/NODE-1/records", token, json: body, headers: key)
                        let retry = try await self.call(
                            "POST", other, "/api/v1/resources/NODE-1/records", token, json: body, headers: key)
                        #expect(first.0 == 201 && retry.0 == 201, "batch \(worker)/\(batch): \(first.0), \(retry.0)")
                        _ = try await self.call("GET", other, "/api/v1/resources/NODE-1/records?limit=5", token)
                    }
                }
            }
            try await group.waitForAll()
        }
        let (_, page) = try await call("GET", portB, "/api/v1/resources/NODE-1/records?fields=gmsfhm&limit=1000", token)
        #expect((page["records"] as? [Any])?.count == 240)

        // A due pull source runs once, on one node, though both look every second.
        let source = try PullTests().sourceDatabase(0..<10)
        let destination = work.appendingPathComponent("renkou.sqlite").path
        try FileManager.default.moveItem(atPath: source, toPath: destination)
        let registration =
            #"{"kind":"sqlite","location":"\#(destination)","query":"SELECT gmsfhm, xm, xb, csrq FROM renkou","mode":"replace","intervalSeconds":3600}"#
        #expect(try await call("POST", portA, "/api/v1/resources/NODE-2/pulls", token, json: registration).0 == 201)
        try await Task.sleep(for: .seconds(5))
        let (_, jobs) = try await call("GET", portB, "/api/v1/jobs?resource=NODE-2", token)
        let pullJobs = (jobs["items"] as? [[String: Any]]) ?? []
        #expect(pullJobs.count == 1 && pullJobs.first?["status"] as? String == "succeeded", "\(pullJobs)")
        let (_, overview) = try await call("GET", portA, "/api/v1/overview", token)
        #expect(overview["records"] as? Int == demoRecords + 240 + 10)  // the demo's, the pushes, the pull

        nodeA.stop()
        nodeB.stop()
        // One gapless chain, whichever node wrote each entry.
        let verify = Process()
        verify.executableURL = URL(fileURLWithPath: ZhengshuBinary.path!)
        verify.arguments = ["audit", "verify", "--database", url]
        let out = Pipe()
        verify.standardOutput = out
        try verify.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        verify.waitUntilExit()
        #expect(verify.terminationStatus == 0 && text.contains("audit chain intact"), "\(text)")
        try? await TestPostgres.drop(database)
    }
}
