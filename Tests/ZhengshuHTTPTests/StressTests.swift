import Configuration
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Many more concurrent authenticated requests than the database has readers, over real sockets, with an import and a
/// topic materialisation running at once: every request must complete and `/healthz` must answer throughout.
///
/// A synchronous database read on the request path (a cooperative thread waiting for a reader connection while the
/// tasks holding the readers wait for a cooperative thread) hangs this test for good; the watchdog turns that into a
/// failure. Runs on SQLite (a file: a reader pool of two) and, with `ZHENGSHU_TEST_ENGINE=postgres`, on PostgreSQL
/// (a pool of four connections).
@Suite struct StressTests {
    static let workers = 48
    static let requestsPerWorker = 12

    /// A real HTTP client with connections of its own (URLSession, on its own threads).
    struct Client: Sendable {
        let base: String
        let session: URLSession

        init(port: Int) {
            base = "http://127.0.0.1:\(port)"
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpMaximumConnectionsPerHost = StressTests.workers + 8
            configuration.timeoutIntervalForRequest = 60
            session = URLSession(configuration: configuration)
        }

        func call(
            _ method: String, _ path: String, token: String?, body: Data? = nil, type: String = "application/json",
            timeout: TimeInterval = 60
        ) async throws -> (status: Int, body: Data) {
            var request = URLRequest(url: URL(string: base + path)!, timeoutInterval: timeout)
            request.httpMethod = method
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            if let body {
                request.httpBody = body
                request.setValue(type, forHTTPHeaderField: "Content-Type")
            }
            let (data, response) = try await session.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        }

        func json(_ method: String, _ path: String, token: String?, _ text: String? = nil) async throws -> [String: Any]
        {
            let (status, data) = try await call(method, path, token: token, body: text.map { Data($0.utf8) })
            guard (200..<300).contains(status),
                let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            else {
                throw ZhengshuError(
                    .conflict, "\(method) \(path): \(status) \(String(decoding: data.prefix(300), as: UTF8.self))")
            }
            return object
        }
    }

    static let topic = """
        {"code":"TOPIC-XB","name":"人口性别统计","abstract":"按性别统计的户籍人口","category":"人口",
         "shareType":"conditional","shareCondition":"统计分析","updateCycle":"daily",
         "query":{"from":"RK-0002","as":"p","columns":[{"name":"sex","from":"p.sex"},
                  {"name":"people","label":"人数","aggregate":"count","from":"p.citizen_id"}]}}
        """

    @Test func manyMoreRequestsThanReadersAllCompleteAndHealthAnswersThroughout() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zhengshu-stress-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fixture = try await TestPlatform.make { configuration in
            configuration = AppConfiguration(
                config: ConfigReader(
                    provider: InMemoryProvider(values: [
                        "data.directory": .init(.string(folder), isSecret: false), "database.readers": 2,
                        "security.fastPasswordHashing": true, "log.level": "warning",
                        "security.cryptoProfile": .init(.string(TestPlatform.cryptoProfile), isSecret: false),
                    ])))
        }
        let p = fixture.platform
        let c = TestPlatform.operatorCaller
        for (code, share) in [("RK-0001", ShareType.conditional), ("RK-0002", .unconditional)] {
            var d = Fixtures.populationDraft(code: code)
            d.shareType = share
            d.sensitivity = .l3
            _ = try await p.catalog.create(d, by: c)
            _ = try await p.catalog.publish(code, by: c)
        }
        let people = Fixtures.populationRows(300)
        _ = try await p.data.insert(Array(people.prefix(200)), into: "RK-0002", by: c)
        // The file the import pushes meanwhile: 3,000 other people.
        let names = ["citizen_id", "name", "sex", "birth_date", "mobile"]
        func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }
        let upload = Data(
            (names.joined(separator: ",") + "\n"
                + Fixtures.populationRows(3000, seed: 7)
                .map { r in names.map { text(r[$0]) }.joined(separator: ",") }.joined(separator: "\n") + "\n").utf8)
        let verify = Data(
            ("{\"tuples\":["
                + people.prefix(20).map { r in
                    "{\"citizen_id\":\"\(text(r["citizen_id"]))\",\"name\":\"\(text(r["name"]))\"}"
                }.joined(separator: ",") + "]}").utf8)

        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.live) { live in
            let client = Client(port: try #require(live.port))
            let admin = fixture.tokens["admin"]!, consumer = fixture.tokens["consumer"]!
            // A grant of RK-0002 to market regulation, a system account's key, and a topic over RK-0002.
            let application = try await client.json(
                "POST", "/api/v1/applications", token: consumer,
                """
                {"resource":"RK-0002","items":["citizen_id","name","sex","mobile"],"services":["query","verify"],
                 "purpose":"企业开办中核验法定代表人身份","legalBasis":"《政务数据共享条例》第十二条","expectedRowsPerDay":500}
                """)
            let applicationID = try #require(
                (application["id"] as? Int) ?? (application["application"] as? [String: Any])?["id"] as? Int)
            // Verification without its per-minute limit: the workers verify far faster than a clerk.
            _ = try await client.json(
                "POST", "/api/v1/applications/\(applicationID)/decision", token: admin,
                #"{"approve":true,"terms":{"verifyTuplesPerMinute":1000000,"verifyTuplesPerDay":100000000}}"#)
            let key = try #require(
                try await client.json("POST", "/api/v1/system-accounts", token: consumer, #"{"name":"stress"}"#)["key"]
                    as? String)
            _ = try await client.json("POST", "/api/v1/topics", token: admin, Self.topic)

            let watchdog = Watchdog("the stress test", limit: .seconds(120))
            defer { watchdog.finish() }
            let mix: [(String, String, String?, Data?, String)] = [
                ("GET", "/api/v1/resources?q=%E4%BA%BA%E5%8F%A3", admin, nil, "catalog search"),
                ("GET", "/api/v1/share/RK-0002/records?limit=20", key, nil, "shared query"),
                ("POST", "/api/v1/share/RK-0002/verify", key, verify, "verification"),
                ("GET", "/api/v1/resources/RK-0002/records?limit=50", admin, nil, "records"),
                ("GET", "/open", nil, nil, "portal page"),
                ("GET", "/login", nil, nil, "console page"),
                ("GET", "/metrics", nil, nil, "metrics"),
            ]
            let (failures, health) = try await withThrowingTaskGroup(of: [String].self) { group in
                for w in 0..<Self.workers {
                    group.addTask {
                        var failures: [String] = []
                        for n in 0..<Self.requestsPerWorker {
                            let (method, path, token, body, what) = mix[(w + n) % mix.count]
                            do {
                                let (status, data) = try await client.call(method, path, token: token, body: body)
                                if status != 200 {
                                    failures.append(
                                        "\(what): \(status) \(String(decoding: data.prefix(200), as: UTF8.self))")
                                }
                            } catch {
                                failures.append("\(what): \(error)")
                            }
                        }
                        return failures
                    }
                }
                group.addTask {
                    let (status, data) = try await client.call(
                        "POST", "/api/v1/resources/RK-0001/ingest?mode=append&name=stress.csv", token: admin,
                        body: upload, type: "text/csv")
                    let job = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                    return status == 201 && job?["rowsAccepted"] as? Int == 3000
                        ? [] : ["import: \(status) \(String(decoding: data.prefix(300), as: UTF8.self))"]
                }
                group.addTask {
                    let (status, data) = try await client.call(
                        "POST", "/api/v1/topics/TOPIC-XB/materialise", token: admin)
                    return status == 201
                        ? [] : ["materialisation: \(status) \(String(decoding: data.prefix(300), as: UTF8.self))"]
                }
                var failures: [String] = []
                var done = 0
                let total = Self.workers + 2
                // Liveness meanwhile: /healthz asked every 100 ms must answer, each within its 10 s time limit.
                var health: [String] = []
                let prober = Task {
                    var answers = 0, problems: [String] = []
                    while !Task.isCancelled {
                        do {
                            let (status, _) = try await client.call("GET", "/healthz", token: nil, timeout: 10)
                            if status == 200 { answers += 1 } else { problems.append("healthz: \(status)") }
                        } catch is CancellationError {
                            break
                        } catch {
                            if !Task.isCancelled { problems.append("healthz: \(error)") }
                        }
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                    return (answers, problems)
                }
                while let f = try await group.next() {
                    failures += f
                    done += 1
                    if done == total { break }
                }
                prober.cancel()
                let (answers, problems) = await prober.value
                health = problems
                if answers == 0 { health.append("healthz never answered") }
                return (failures, health)
            }
            #expect(
                failures.isEmpty,
                "\(failures.count) of \(Self.workers * Self.requestsPerWorker + 2) requests failed: \(failures.prefix(5))"
            )
            #expect(health.isEmpty, "\(health.prefix(5))")
            // The work done under load is all there: the import's rows and the topic's groups.
            let imported = try await client.json("GET", "/api/v1/resources/RK-0001/records?limit=1", token: admin)
            #expect((imported["records"] as? [[String: Any]])?.count == 1)
            let topic = try await client.json("GET", "/api/v1/resources/TOPIC-XB/records?limit=10", token: admin)
            let groups = (topic["records"] as? [[String: Any]]) ?? []
            #expect(
                groups.compactMap { ($0["people"] as? Int) ?? Int($0["people"] as? String ?? "") }.reduce(0, +) == 200,
                "\(groups)")
            let ready = try await client.json("GET", "/readyz", token: nil)
            #expect(
                ready["status"] as? String == "ready" && (ready["requests"] as? [String: Any])?["refused"] as? Int == 0,
                "\(ready)")
        }
    }
}
