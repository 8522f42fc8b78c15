import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// Department performance evaluation and the asset inventory through the real router: every indicator of the public
/// security bureau is recomputed here from the raw facts the API lists (resources, service items, quality scores,
/// problems, applications, usage), and the score from those values and the bureau's weights.
@Suite struct PerformanceTests {
    struct Reply {
        var status: HTTPResponse.Status
        var body: [String: Any]
        var text: String
        var items: [[String: Any]] { body["items"] as? [[String: Any]] ?? [] }
    }

    @discardableResult
    func call(
        _ client: some TestClientProtocol, _ uri: String, token: String?, method: HTTPRequest.Method = .get,
        json: String? = nil
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }
        ) { r in
            let text = String(buffer: r.body)
            return Reply(
                status: r.status,
                body: (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:], text: text)
        }
    }

    /// C-GA: PF-0001 (conditional, fully described, loaded, quality-checked, applied for and called), PF-0002
    /// (unconditional, no source system, no service items, loaded), PF-0003 (a draft). Three service items, one of
    /// them linked. Three problems: one fixed and verified, one open, one disputed.
    func withFacts(_ test: @Sendable (TestPlatform, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await TestPlatform.make()
        let p = f.platform, c = TestPlatform.operatorCaller
        for (code, share, publish) in [
            ("PF-0001", ShareType.conditional, true), ("PF-0002", .unconditional, true),
            ("PF-0003", .conditional, false),
        ] {
            var d = Fixtures.populationDraft(code: code)
            d.shareType = share
            d.shareCondition = share == .conditional ? "用于身份核验" : nil
            d.sensitivity = .l3
            if code == "PF-0001" {
                d.sourceSystem = "人口信息管理系统"
                d.serviceItems = ["户籍证明开具"]
                d.items = d.items?.map {
                    var i = $0
                    if i.dataElement == nil { i.description = "\(i.label)，按户籍登记" }
                    return i
                }
            }
            _ = try await p.catalog.create(d, by: c)
            guard publish else { continue }
            _ = try await p.catalog.publish(code, by: c)
            let rows = Fixtures.populationRows(20)
            let names = ["citizen_id", "name", "sex", "birth_date", "mobile"]
            func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }
            let csv =
                names.joined(separator: ",") + "\n"
                + rows.map { r in names.map { text(r[$0]) }.joined(separator: ",") }.joined(separator: "\n") + "\n"
            _ = try await p.ingestion.run(
                ImportRequest(resource: code, mode: .append, sourceName: "\(code).csv"), source: ChunkedBytes(csv),
                by: c)
        }
        _ = try await p.quality.run("PF-0001", by: c)
        _ = try await p.management.setServiceItems(["户籍证明开具", "身份证补领", "居住证办理"], of: "C-GA", by: c)
        let now = p.clock.current()
        let seen = max(PerformancePeriod(containing: now).start, now.addingTimeInterval(-3 * 3600))
        for (n, (status, closed)) in [(ProblemStatus.verified, now as Date?), (.open, nil), (.disputed, nil)]
            .enumerated()
        {
            _ = try await f.store.insertProblem(
                Problem(
                    id: ProblemID(0), resource: ResourceCode(trusted: "PF-0001"),
                    department: DepartmentCode(trusted: "C-GA"), source: "objection",
                    rowKey: "row-\(n)", field: "mobile", rule: "objection", value: "1", reason: "号码位数不对",
                    status: status,
                    firstSeenAt: seen, lastSeenAt: seen, closedAt: closed, raisedBy: "consumer"),
                audit: c.audit("problem.object", "resource:PF-0001", at: now))
        }
        let app = try await buildApplication(TestPlatform.configuration, services: f.services)
        try await app.test(.router) { client in
            // An application through review and the provider's step, then a call on the grant.
            let applied = try await call(
                client, "/api/v1/applications", token: f.tokens["consumer"], method: .post,
                json: """
                    {"resource":"PF-0001","items":["citizen_id","name"],"services":["query"],"purpose":"企业开办中核验法定代表人身份",
                     "legalBasis":"《政务数据共享条例》第十二条","expectedRowsPerDay":100}
                    """)
            let id = try #require(applied.body["id"] as? Int, "\(applied.text)")
            func decide(_ who: String) async throws -> String? {
                let r = try await call(
                    client, "/api/v1/applications/\(id)/decision", token: f.tokens[who], method: .post,
                    json: #"{"approve":true}"#)
                return (r.body["application"] as? [String: Any])?["status"] as? String
            }
            #expect(try await decide("admin") == "provider")
            var status = try await decide("ga")
            if status == "bureauApproval" { status = try await decide("admin") }
            #expect(status == "granted")
            #expect(
                try await call(client, "/api/v1/share/PF-0001/records?limit=2", token: f.tokens["consumer"]).status
                    == .ok)
            try await test(f, client)
        }
    }

    /// The checks of `docs/management.md` over a resource as the API returns it.
    static func metadataChecks(_ r: [String: Any]) -> (filled: Int, total: Int) {
        func text(_ key: String) -> String { ((r[key] as? String) ?? "").trimmingCharacters(in: .whitespaces) }
        var checks = [
            !text("abstract").isEmpty, !text("category").isEmpty, !text("sourceSystem").isEmpty,
            !((r["serviceItems"] as? [String]) ?? []).isEmpty, !((r["items"] as? [Any]) ?? []).isEmpty,
        ]
        if r["shareType"] as? String != "unconditional" { checks.append(!text("shareCondition").isEmpty) }
        for item in (r["items"] as? [[String: Any]]) ?? [] {
            let label = item["label"] as? String ?? "", name = item["name"] as? String ?? ""
            let defined =
                item["dataElement"] != nil || item["element"] != nil
                || !((item["description"] as? String) ?? "").isEmpty
            checks.append(!label.isEmpty && label != name && defined)
        }
        return (checks.filter { $0 }.count, checks.count)
    }

    static func round1(_ v: Double) -> Double { (v * 10).rounded() / 10 }

    @Test func theScoreIsRecomputedFromTheRawIndicators() async throws {
        try await withFacts { f, client in
            let admin = f.tokens["admin"]
            let report = try await call(client, "/api/v1/performance/C-GA", token: admin)
            #expect(report.status == .ok, "\(report.text)")
            let indicators = Dictionary(
                uniqueKeysWithValues: try #require(report.body["indicators"] as? [[String: Any]]).map {
                    ($0["indicator"] as! String, $0)
                })
            func value(_ name: String) -> Double? { indicators[name]?["value"] as? Double }

            // Catalog completeness, from the department's resources (drafts included).
            let resources = try await call(client, "/api/v1/resources?department=C-GA&limit=100", token: admin).items
            #expect(resources.count == 3)
            let checks = resources.map(Self.metadataChecks).reduce((0, 0)) { ($0.0 + $1.filled, $0.1 + $1.total) }
            #expect(value("catalogCompleteness") == Self.round1(100 * Double(checks.0) / Double(checks.1)))
            #expect(value("catalogCompleteness")! < 100)

            // Service-item coverage: the department's list against what published resources link.
            let registered =
                try await call(client, "/api/v1/departments/C-GA/service-items", token: admin).body["items"]
                as? [String] ?? []
            let published = try await call(client, "/api/v1/resources?status=published&limit=100", token: admin).items
            let linked = Set(published.flatMap { $0["serviceItems"] as? [String] ?? [] })
            #expect(registered.count == 3)
            #expect(
                value("serviceCoverage")
                    == Self.round1(100 * Double(registered.filter(linked.contains).count) / Double(registered.count)))

            // Timeliness: both published daily resources were loaded today, one check each.
            #expect(value("timeliness") == 100 && indicators["timeliness"]?["denominator"] as? Double == 2)

            // Data quality: the mean of the latest scores.
            let scores =
                try await call(client, "/api/v1/quality/scores?department=C-GA", token: admin).body["resources"]
                as? [[String: Any]] ?? []
            let meanScore = scores.compactMap { $0["score"] as? Double }.reduce(0, +) / Double(scores.count)
            #expect(!scores.isEmpty && value("dataQuality") == Self.round1(meanScore))

            // Problems: the disputed one aside, one of two fixed; the fix time against the 120-hour target.
            let problems = try await call(client, "/api/v1/problems?department=C-GA", token: admin).items
            let counted = problems.filter { $0["status"] as? String != "disputed" }
            let fixed = counted.filter { $0["status"] as? String == "verified" }
            #expect(value("problemFixRate") == Self.round1(100 * Double(fixed.count) / Double(counted.count)))
            #expect(
                value("problemFixTime") == 100 && (indicators["problemFixTime"]?["measure"] as? Double ?? 999) <= 3.1)

            // Applications: the one received was decided at once.
            let received = try await call(client, "/api/v1/applications?provider=C-GA", token: admin).items
            #expect(received.count == 1 && value("applicationResponse") == 100)

            // Sharing usage: PF-0001 was called, PF-0002 not.
            #expect(value("sharingUsage") == 50)

            // The score: Σ weight·value / Σ weight over the indicators that apply.
            let policy = try await call(client, "/api/v1/performance-policy", token: admin).body
            let weights = try #require(policy["weights"] as? [String: Double])
            let applying = indicators.filter { $0.value["value"] != nil }
            let total = applying.reduce(0.0) { $0 + (weights[$1.key] ?? 0) }
            let expected = applying.reduce(0.0) { $0 + (weights[$1.key] ?? 0) * ($1.value["value"] as! Double) } / total
            #expect(
                abs((report.body["score"] as? Double ?? -1) - Self.round1(expected)) < 0.051,
                "\(report.text.prefix(400))")

            // Evidence drills down to the facts: the problems and the application by id, the resources by code.
            let evidence = indicators["problemFixRate"]?["evidence"] as? [[String: Any]] ?? []
            #expect(
                Set(evidence.compactMap { $0["id"] as? String })
                    == Set(counted.compactMap { ($0["id"] as? Int).map(String.init) }))
            let appEvidence = indicators["applicationResponse"]?["evidence"] as? [[String: Any]] ?? []
            #expect(appEvidence.first?["id"] as? String == (received.first?["id"] as? Int).map(String.init))
            let completeness = indicators["catalogCompleteness"]?["evidence"] as? [[String: Any]] ?? []
            #expect(
                completeness.contains {
                    $0["id"] as? String == "PF-0002" && ($0["detail"] as? String)?.contains("sourceSystem") == true
                })

            // The bureau reweights: only quality and usage count now.
            let reweighted = try await call(
                client, "/api/v1/performance-policy", token: admin, method: .put,
                json: """
                    {"weights":{"dataQuality":1,"sharingUsage":1},"problemFixTargetHours":120,"responseWorkingDays":10}
                    """)
            #expect(reweighted.status == .ok, "\(reweighted.text)")
            let again = try await call(client, "/api/v1/performance/C-GA", token: admin)
            #expect(abs((again.body["score"] as? Double ?? -1) - Self.round1((value("dataQuality")! + 50) / 2)) < 0.051)
            #expect(
                try await f.store.auditEntries(after: 0, limit: 10, action: "performance.policy", target: nil).count
                    == 1)
        }
    }

    @Test func theCSVCarriesEveryIndicatorAndItsEvidence() async throws {
        try await withFacts { f, client in
            let json = try await call(client, "/api/v1/performance?department=C-GA", token: f.tokens["admin"])
            let summary = try #require(json.items.first)
            let csv = try await call(client, "/api/v1/performance.csv?department=C-GA", token: f.tokens["admin"])
            #expect(csv.status == .ok)
            let lines = csv.text.split(whereSeparator: \.isNewline).map(String.init)
            #expect(lines.first?.contains("indicator,value,weight") == true)
            let indicatorLines = lines.dropFirst().filter { $0.hasSuffix(",,,") }
            #expect(indicatorLines.count == PerformanceIndicator.allCases.count)
            for i in summary["indicators"] as? [[String: Any]] ?? [] {
                let name = i["indicator"] as! String
                let line = try #require(indicatorLines.first { $0.contains(",\(name),") })
                if let v = i["value"] as? Double {
                    let cell = line.components(separatedBy: ",\(name),")[1].split(
                        separator: ",", omittingEmptySubsequences: false)[0]
                    #expect(Double(cell) == v, "\(name): \(line)")
                }
            }
            #expect(lines.contains { $0.contains(",problem,") } && lines.contains { $0.contains(",application,") })
        }
    }

    @Test func departmentsSeeTheirOwnAndTheBureauSetsTheWeights() async throws {
        try await withFacts { f, client in
            let consumer = f.tokens["consumer"]
            #expect(try await call(client, "/api/v1/performance/C-GA", token: consumer).status == .forbidden)
            let own = try await call(client, "/api/v1/performance", token: consumer)
            #expect(own.items.map { $0["department"] as? String } == ["C-SCJG"])
            let all = try await call(client, "/api/v1/performance", token: f.tokens["auditor"])
            #expect(all.items.count == 4)
            #expect(
                try await call(
                    client, "/api/v1/performance-policy", token: consumer, method: .put,
                    json: #"{"weights":{"dataQuality":1},"problemFixTargetHours":120,"responseWorkingDays":10}"#
                ).status == .forbidden)
            let bad = try await call(
                client, "/api/v1/performance-policy", token: f.tokens["admin"], method: .put,
                json: #"{"weights":{"speed":1,"dataQuality":-1},"problemFixTargetHours":0,"responseWorkingDays":10}"#)
            #expect(bad.status == .unprocessableContent || bad.status == .badRequest, "\(bad.text)")
            #expect(
                bad.text.contains("weights.speed") && bad.text.contains("weights.dataQuality")
                    && bad.text.contains("problemFixTargetHours"))
            #expect(
                try await call(client, "/api/v1/performance?period=2026-13", token: f.tokens["admin"]).status
                    == .badRequest)
            #expect(
                try await call(client, "/api/v1/performance?period=2099-01", token: f.tokens["admin"]).status
                    == .badRequest)
            #expect(
                try await call(
                    client, "/api/v1/departments/C-GA/service-items", token: f.tokens["ga"], method: .put,
                    json: #"{"items":["", "户籍证明开具"]}"#
                ).status != .ok)
            #expect(
                try await call(
                    client, "/api/v1/departments/C-GA/service-items", token: consumer, method: .put,
                    json: #"{"items":["户籍证明开具"]}"#
                ).status == .forbidden)
        }
    }

    @Test func theInventoryCountsAssetsAndWhatTheyLack() async throws {
        try await withFacts { f, client in
            let r = try await call(client, "/api/v1/inventory?department=C-GA", token: f.tokens["admin"])
            #expect(r.status == .ok, "\(r.text)")
            let ga = try #require((r.body["departments"] as? [[String: Any]])?.first)
            #expect(ga["resources"] as? Int == 3 && ga["records"] as? Int == 40)
            #expect((ga["byStatus"] as? [String: Int]) == ["published": 2, "draft": 1])
            #expect((ga["byShareType"] as? [String: Int]) == ["conditional": 2, "unconditional": 1])
            #expect((ga["storageBytes"] as? Int ?? 0) > 0 || r.body["storageMeasured"] as? Bool == false)
            #expect(ga["withoutData"] as? [String] == [])
            // PF-0001 got rules proposed and stored by its quality run only if they were stored; PF-0002 has none.
            #expect((ga["withoutQualityRules"] as? [String])?.contains("PF-0002") == true)
            #expect(ga["withoutConsumers"] as? [String] == ["PF-0002"])
            let all = try await call(client, "/api/v1/inventory", token: f.tokens["auditor"])
            #expect((all.body["total"] as? [String: Any])?["resources"] as? Int == 3)
            #expect(
                try await call(client, "/api/v1/inventory?department=C-GA", token: f.tokens["consumer"]).status
                    == .forbidden)
        }
    }

    @Test func theConsoleRanksReportsAndCountsAssets() async throws {
        try await withFacts { f, client in
            let api = try await call(client, "/api/v1/performance/C-GA", token: f.tokens["admin"])
            let admin = ConsoleTests.Browser(client)
            try await admin.signIn("admin")
            let ranking = try await admin.get("/performance")
            #expect(
                ranking.status == .ok && ranking.text.contains("C-GA") && ranking.text.contains("/performance/C-GA"))
            let report = try await admin.get("/performance/C-GA")
            #expect(report.status == .ok)
            let score =
                (api.body["score"] as? Double).map { $0 == $0.rounded() ? String(Int($0)) : String(format: "%.1f", $0) }
                ?? "—"
            #expect(report.text.contains("<strong id=\"score\">\(score)</strong>"), "\(score)")
            // Every indicator has its section, and the evidence links to the problems behind it.
            for i in PerformanceIndicator.allCases { #expect(report.text.contains("id=\"evidence-\(i.rawValue)\"")) }
            #expect(report.text.contains("href=\"/problems"))
            // The application behind the response rate is listed among the provider's received applications.
            let appID = try #require(
                (api.body["indicators"] as? [[String: Any]])?.first {
                    $0["indicator"] as? String == "applicationResponse"
                }
                .flatMap { ($0["evidence"] as? [[String: Any]])?.first?["id"] as? String })
            #expect(report.text.contains("/applications?box=received#application-\(appID)"))
            let ga = ConsoleTests.Browser(client)
            try await ga.signIn("ga")
            let received = try await ga.get("/applications?box=received")
            #expect(
                received.status == .ok && received.text.contains("id=\"application-\(appID)\"")
                    && !received.text.contains("id=\"approve-\(appID)\""))
            let inventory = try await admin.get("/inventory")
            #expect(inventory.status == .ok && inventory.text.contains("PF-0002"))
            // A consuming department's user gets the API's refusal for another department's report.
            let consumer = ConsoleTests.Browser(client)
            try await consumer.signIn("consumer")
            #expect(try await consumer.get("/performance/C-GA").status == .forbidden)
        }
    }
}
