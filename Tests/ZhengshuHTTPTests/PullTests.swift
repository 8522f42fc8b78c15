import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// Scheduled pulls from a real SQLite file and a real HTTP server.
@Suite struct PullTests {
    let admin = TestPlatform.operatorCaller

    func sourceDatabase(_ people: Range<Int>, updatedAt: Int = 100) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zs-source-\(UUID().uuidString).sqlite"
        ).path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: "CREATE TABLE renkou (gmsfhm TEXT PRIMARY KEY, xm TEXT, xb TEXT, csrq TEXT, updated_at INTEGER)")
        }
        try Self.add(people, to: path, updatedAt: updatedAt)
        return path
    }

    static func add(_ people: Range<Int>, to path: String, updatedAt: Int, name: String? = nil) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            for k in people {
                let p = DemoDataRow.people[k]
                try db.execute(
                    sql: "INSERT OR REPLACE INTO renkou VALUES (?, ?, ?, ?, ?)",
                    arguments: [p.0, name ?? p.1, p.2, p.3, updatedAt + k])
            }
        }
    }

    @Test func sqliteSourcesArePulledIncrementallyByWatermark() async throws {
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        let path = try sourceDatabase(0..<10)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try await p.pulls.register(
            "POP-1",
            PullSourceDraft(
                kind: .sqlite, location: path,
                query: "SELECT gmsfhm, xm, xb, csrq, updated_at FROM renkou",
                mode: .upsert, intervalSeconds: 3600, watermarkColumn: "updated_at"),
            by: try await fixture.caller("ga"))
        // The first run is due at once and loads everything.
        var jobs = try await p.pulls.runDue()
        #expect(jobs.count == 1)
        #expect(jobs[0].status == .succeeded && jobs[0].rowsAccepted == 10)
        #expect(jobs[0].unknownColumns == ["updated_at"])
        #expect(try await p.store.pullSource(source.id)?.lastWatermark == "109")
        // Not due again within the hour.
        #expect(try await p.pulls.runDue().isEmpty)
        // Five new people and one changed name: only those six rows are pulled.
        try Self.add(10..<15, to: path, updatedAt: 200)
        try Self.add(3..<4, to: path, updatedAt: 300, name: "改名")
        let job = try await p.pulls.runNow(source.id.rawValue, by: admin)
        #expect(job.rowsRead == 6 && job.rowsAccepted == 6)
        let renamed = try await p.data.query(
            "POP-1", RecordQueryParameters(fields: "xm", filters: ["xm:eq:改名"]), by: admin)
        #expect(renamed.rows.count == 1)
        let resource = try #require(try await p.store.resource(ResourceCode(trusted: "POP-1")))
        #expect(try await p.store.recordCount(of: resource) == 15)
        // Nothing new: the run succeeds with no rows and the watermark stays.
        let idle = try await p.pulls.runNow(source.id.rawValue, by: admin)
        #expect(idle.status == .succeeded && idle.rowsRead == 0)
        #expect(try await p.store.pullSource(source.id)?.lastWatermark == "303")
        jobs = try await p.pulls.runDue()
        #expect(jobs.isEmpty)
    }

    @Test func sourcesOutsideTheAllowedDirectoryOrOtherDepartmentsAreRefused() async throws {
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        let outside = PullSourceDraft(kind: .sqlite, location: "/etc/passwd", query: "SELECT 1", intervalSeconds: 3600)
        await #expect(throws: ZhengshuError.self) { _ = try await p.pulls.register("POP-1", outside, by: admin) }
        let inside = PullSourceDraft(
            kind: .sqlite, location: FileManager.default.temporaryDirectory.path + "/x.sqlite", query: "SELECT 1",
            intervalSeconds: 3600)
        await #expect(
            throws: ZhengshuError(
                .forbidden, "registering a pull source for POP-1 requires a provider of department C-GA or an admin")
        ) {
            _ = try await p.pulls.register("POP-1", inside, by: try await fixture.caller("scjg"))
        }
        let badInterval = PullSourceDraft(kind: .http, location: "ftp://x", intervalSeconds: 5)
        do {
            _ = try await p.pulls.register("POP-1", badInterval, by: admin)
            Issue.record("expected a validation error")
        } catch let e as ZhengshuError {
            #expect(Set(e.violations.map(\.field)) == ["intervalSeconds", "location"])
        }
    }

    @Test func httpSourcesArePulledWhole() async throws {
        // A department system serving CSV over HTTP.
        let csv = IngestionCSV.make(0..<12)
        let router = Router()
        router.get("export.csv") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/csv"], body: .init(byteBuffer: ByteBuffer(string: csv)))
        }
        let departmentSystem = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        try await departmentSystem.test(.live) { client async throws in
            let port = try #require(client.port)
            let source = try await p.pulls.register(
                "POP-1",
                PullSourceDraft(
                    kind: .http, location: "http://127.0.0.1:\(port)/export.csv",
                    format: .csv, mode: .replace, intervalSeconds: 86_400), by: admin)
            let job = try await p.pulls.runNow(source.id.rawValue, by: admin)
            #expect(job.status == .succeeded && job.rowsAccepted == 12)
            let missing = try await p.pulls.register(
                "POP-1",
                PullSourceDraft(
                    kind: .http, location: "http://127.0.0.1:\(port)/nope.csv",
                    intervalSeconds: 86_400), by: admin)
            await #expect(throws: ZhengshuError.self) { _ = try await p.pulls.runNow(missing.id.rawValue, by: admin) }
            #expect(try await p.store.pullSource(missing.id)?.lastError?.contains("404") == true)
        }
    }
}

/// Logical collection (逻辑归集): a resource read live from its source through the same records API.
@Suite struct LiveSourceTests {
    let admin = TestPlatform.operatorCaller

    @Test func liveResourcesAreReadAtQueryTimeAndTakeNoLoads() async throws {
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        let path = try PullTests().sourceDatabase(0..<25)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try await p.pulls.register(
            "POP-1",
            PullSourceDraft(
                kind: .sqlite, location: path, query: "SELECT gmsfhm, xm, xb, csrq FROM renkou",
                intervalSeconds: 3600, live: true), by: admin)
        // Reads come from the source, with typed filters, the sort and paging.
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await p.data.query(
                "POP-1", RecordQueryParameters(fields: "gmsfhm,csrq", sort: "-gmsfhm", limit: "10", cursor: cursor),
                by: admin)
            seen += page.rows.map { if case .string(let s) = $0[0] { s } else { "" } }
            #expect(page.rows.allSatisfy { if case .date = $0[1] { true } else { false } })
            cursor = page.next?.token
        } while cursor != nil
        #expect(seen == (0..<25).map { DemoDataRow.people[$0].0 }.sorted(by: >))
        let women = try await p.data.query(
            "POP-1", RecordQueryParameters(fields: "xb", filters: ["xb:eq:2"], limit: "100"), by: admin)
        #expect(women.rows.count == (0..<25).filter { DemoDataRow.people[$0].2 == "2" }.count)
        // A change at the source shows at once; nothing was copied.
        try PullTests.add(25..<30, to: path, updatedAt: 0)
        #expect(try await p.data.query("POP-1", RecordQueryParameters(limit: "100"), by: admin).rows.count == 30)
        let resource = try #require(try await p.store.resource(ResourceCode(trusted: "POP-1")))
        #expect(try await p.store.recordCount(of: resource) == 0)
        // Writes are refused; the scheduler leaves it alone.
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.data.insert(Fixtures.populationRows(1), into: "POP-1", by: admin)
        }
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.ingestion.run(
                ImportRequest(resource: "POP-1", sourceName: "x"), source: ChunkedBytes(IngestionCSV.make(0..<1)),
                by: admin)
        }
        await #expect(throws: ZhengshuError.self) { _ = try await p.pulls.runNow(source.id.rawValue, by: admin) }
        #expect(try await p.pulls.runDue().isEmpty)
        // The audit trail says where the rows came from.
        let reads = try await p.store.auditEntries(after: 0, limit: 100, action: "records.query", target: nil)
        #expect(reads.last?.event.detail?.contains("live from pull \(source.id)") == true)
    }
}

/// The pull and freshness endpoints refuse bad input with a precise problem.
@Suite struct PullAPITests {
    @Test func badRegistrationsUnknownIdsAndWrongCallers() async throws {
        let fixture = try await TestPlatform.make()
        let c = TestPlatform.operatorCaller
        _ = try await fixture.platform.catalog.create(Fixtures.datagenPopulationDraft(), by: c)
        _ = try await fixture.platform.catalog.publish("POP-1", by: c)
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client async throws in
            func call(
                _ method: HTTPRequest.Method, _ uri: String, _ user: String?, _ body: String? = nil
            ) async throws -> (HTTPResponse.Status, String) {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let user { headers[.authorization] = "Bearer \(fixture.tokens[user]!)" }
                return try await client.execute(
                    uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
                ) {
                    ($0.status, String(buffer: $0.body))
                }
            }
            let outside =
                #"{"kind":"sqlite","location":"/etc/zhengshu.sqlite","query":"SELECT 1","intervalSeconds":3600}"#
            let (s1, t1) = try await call(.post, "/api/v1/resources/POP-1/pulls", "ga", outside)
            #expect(s1 == .unprocessableContent && t1.contains("pull.sqliteDirectory"))
            let (s2, t2) = try await call(
                .post, "/api/v1/resources/POP-1/pulls", "ga", #"{"kind":"ftp","location":"x","intervalSeconds":60}"#)
            #expect(s2 == .unprocessableContent && t2.contains("sqlite, http"))
            #expect(
                try await call(.post, "/api/v1/resources/POP-1/pulls", "ga", #"{"kind":"sqlite"}"#).0
                    == .unprocessableContent)
            #expect(try await call(.post, "/api/v1/resources/POP-1/pulls", nil, outside).0 == .unauthorized)
            #expect(try await call(.post, "/api/v1/resources/NOPE/pulls", "ga", outside).0 == .notFound)
            let http = #"{"kind":"http","location":"http://127.0.0.1:9/x.csv","intervalSeconds":3600}"#
            #expect(try await call(.post, "/api/v1/resources/POP-1/pulls", "scjg", http).0 == .forbidden)
            #expect(try await call(.post, "/api/v1/resources/POP-1/pulls", "ga", http).0 == .created)
            #expect(try await call(.get, "/api/v1/pulls", "consumer").0 == .forbidden)
            #expect(try await call(.get, "/api/v1/pulls", "scjg").1 == #"{"items":[]}"#)
            #expect(try await call(.post, "/api/v1/pulls/99/run", "ga").0 == .notFound)
            #expect(try await call(.delete, "/api/v1/pulls/1", "scjg").0 == .notFound)
            #expect(try await call(.delete, "/api/v1/pulls/1", "ga").0 == .noContent)
            #expect(try await call(.get, "/api/v1/health/freshness?department=bad%20code", "ga").0 == .badRequest)
            #expect(try await call(.get, "/api/v1/health/freshness", nil).0 == .unauthorized)
        }
    }
}
