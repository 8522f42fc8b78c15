import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// Topic databases (主题库) through the real router: the bureau joins datagen's enterprises (market regulation) with
/// their legal representatives' population records (public security) and social-insurance payments (human resources),
/// materialises the topic, and reads its data and column lineage back.
@Suite(.enabled(if: Datagen.script != nil, "needs ../shared/datagen/datagen.py"))
struct TopicTests {
    typealias Reply = ProfileTests.Reply

    static let definition = """
        {"code":"TOPIC-QYFR","name":"企业法人信用主题库","abstract":"企业与其法定代表人的户籍信息和社保缴费","category":"信用体系",
         "shareType":"conditional","shareCondition":"信用监管","updateCycle":"daily",
         "query":{"from":"ENT-1","as":"ent",
           "joins":[{"resource":"POP-1","as":"rep","kind":"left","on":[{"left":"ent.fddbrsfzh","right":"gmsfhm"}]},
                    {"resource":"SOC-1","as":"pay","kind":"left","on":[{"left":"ent.fddbrsfzh","right":"gmsfhm"}]}],
           "where":[{"column":"ent.jyzt","op":"ne","value":"注销"}],
           "columns":[{"name":"tyshxydm","from":"ent.tyshxydm"},{"name":"qymc","from":"ent.qymc"},
                      {"name":"fddbrsfzh","from":"ent.fddbrsfzh"},{"name":"fddbrxm","label":"法定代表人户籍姓名","from":"rep.xm"},
                      {"name":"jfys","label":"法定代表人社保缴费记录数","aggregate":"count","from":"pay.jfny"},
                      {"name":"jfze","label":"法定代表人社保缴费总额","aggregate":"sum","from":"pay.jfje"}]}}
        """

    /// The topic's stored rows by credit code, as text (exact decimals).
    static func stored(
        _ fixture: TestPlatform, _ code: String = "TOPIC-QYFR"
    ) async throws -> [String: [String: String]] {
        let resource = try #require(try await fixture.store.resource(ResourceCode(trusted: code)))
        let page = try await fixture.store.records(
            of: resource,
            query: RecordQuery(
                fields: resource.items, filters: [], sort: nil, descending: false,
                limit: 1000, after: nil))
        return Dictionary(
            uniqueKeysWithValues: page.rows.map { row in
                (row[0].text, Dictionary(uniqueKeysWithValues: zip(resource.items.map(\.name), row.map(\.text))))
            })
    }

    @Test func aTopicJoinsThreeDepartmentsIsMaterialisedAndKeepsColumnLineage() async throws {
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        let op = TestPlatform.operatorCaller
        let data = try await fixture.loadBaseDatabases()
        // The population register is important data: the topic is at least as important.
        _ = try await p.catalog.update(
            "POP-1",
            {
                var d = ResourceDraft()
                d.gradeLevel = .important
                return d
            }(), by: op)
        let firms = TestPlatform.csv(data["enterprise"]!)
        let people = Dictionary(TestPlatform.csv(data["population"]!).map { ($0["gmsfhm"]!, $0["xm"]!) }) { a, _ in a }
        var tally: [String: (count: Int, total: Decimal)] = [:]
        for row in TestPlatform.csv(data["social"]!) {
            tally[row["gmsfhm"]!, default: (0, 0)].count += 1
            tally[row["gmsfhm"]!]!.total += Decimal(string: row["jfje"]!)!
        }
        let payments = tally
        let kept = firms.filter { $0["jyzt"] != "注销" }
        #expect(
            kept.count < firms.count && firms.contains { payments[$0["fddbrsfzh"]!] != nil },
            "datagen gives deregistered firms and paying representatives")

        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client in
            let admin = fixture.tokens["admin"]!
            func call(
                _ uri: String, _ method: HTTPRequest.Method = .get, token: String = admin, json: String? = nil
            ) async throws -> Reply {
                try await ProfileTests().call(client, uri, method: method, token: token, json: json)
            }
            // Only the bureau's admins define topics; a wrong query names each wrong field.
            #expect(
                try await call("/api/v1/topics", .post, token: fixture.tokens["scjg"]!, json: Self.definition).status
                    == .forbidden)
            let wrong = try await call(
                "/api/v1/topics", .post, json: Self.definition.replacingOccurrences(of: "rep.xm", with: "rep.mingzi"))
            #expect(
                wrong.status == .unprocessableContent && wrong.text.contains("query.columns[3].from")
                    && wrong.text.contains("mingzi"), "\(wrong.text)")
            let lower = try await call(
                "/api/v1/topics", .post,
                json: Self.definition.replacingOccurrences(
                    of: "\"updateCycle\"", with: "\"gradeLevel\":\"general\",\"updateCycle\""))
            #expect(
                lower.status == .unprocessableContent && lower.text.contains("gradeLevel")
                    && lower.text.contains("important"), "\(lower.text)")
            let withItems = try await call(
                "/api/v1/topics", .post,
                json: Self.definition.replacingOccurrences(of: "\"query\"", with: "\"items\":[],\"query\""))
            #expect(
                withItems.status.code >= 400 && withItems.status.code < 500 && withItems.text.contains("items"),
                "\(withItems.text)")
            #expect(try await call("/api/v1/topics/TOPIC-QYFR").status == .notFound)

            let defined = try await call("/api/v1/topics", .post, json: Self.definition)
            #expect(defined.status == .created, "\(defined.text)")
            let resource = try #require(defined.body["resource"] as? [String: Any])
            let items = resource["items"] as? [[String: Any]] ?? []
            #expect(
                items.map { $0["name"] as? String } == ["tyshxydm", "qymc", "fddbrsfzh", "fddbrxm", "jfys", "jfze"])
            #expect(items.filter { $0["key"] as? Bool == true }.map { $0["name"] as? String } == ["tyshxydm"])
            #expect(
                items[2]["dataElement"] as? String == DataElement.citizenID.rawValue,
                "the representative's ID is still a citizen ID: masked when shared")
            #expect(
                resource["status"] as? String == "published" && resource["gradeLevel"] as? String == "important"
                    && resource["department"] as? String == "P-SJJ")
            #expect(try await call("/api/v1/topics", .post, json: Self.definition).status == .conflict)

            // Materialised on demand: one row per firm not deregistered, the representative's name and payments joined.
            let job = try await call("/api/v1/topics/TOPIC-QYFR/materialise", .post)
            #expect(
                job.status == .created && job.body["rowsAccepted"] as? Int == kept.count
                    && job.body["source"] as? String == "topic:TOPIC-QYFR", "\(job.text)")
            var rows = try await Self.stored(fixture)
            #expect(rows.count == kept.count)
            for firm in kept {
                let id = firm["fddbrsfzh"]!, row = try #require(rows[firm["tyshxydm"]!])
                #expect(row["qymc"] == firm["qymc"] && row["fddbrsfzh"] == id && row["fddbrxm"] == (people[id] ?? ""))
                #expect(row["jfys"] == String(payments[id]?.count ?? 0))
                #expect(
                    row["jfze"] == payments[id].map { NSDecimalNumber(decimal: $0.total).stringValue } ?? "", "\(row)")
            }
            // A normal catalog resource: the bureau reads it, its quality rules follow the items, the topic lists its job.
            let read = try await call("/api/v1/resources/TOPIC-QYFR/records?limit=5")
            #expect(read.status == .ok && (read.body["records"] as? [[String: Any]])?.count == 5)
            let rules = try await call("/api/v1/resources/TOPIC-QYFR/quality/rules")
            #expect(rules.text.contains("fddbrsfzh") && rules.text.contains("citizen"), "\(rules.text.prefix(300))")
            let listed = try await call("/api/v1/topics", token: fixture.tokens["consumer"]!)
            #expect(
                (listed.items.first?["lastJob"] as? Int) == job.body["id"] as? Int
                    && listed.items.first?["lastError"] == nil)

            // Profiles read the sources, not the topic's copy of them.
            let profile = try await call("/api/v1/profiles/person/\(kept[0]["fddbrsfzh"]!)")
            #expect(
                profile.status == .ok && !profile.sources.isEmpty
                    && !profile.sources.contains { $0["resource"] as? String == "TOPIC-QYFR" })

            // Column lineage, recorded by the materialisation: each output item from the input items it is made of.
            let lineage = try await call("/api/v1/resources/TOPIC-QYFR/lineage?direction=up&depth=1")
            let edges = (lineage.body["columnEdges"] as? [[String: Any]] ?? []).map { e in
                "\((e["from"] as? [String: Any])?["name"] as? String ?? "").\(e["fromField"] as? String ?? "")→\(e["toField"] as? String ?? "")"
            }
            #expect(
                Set(edges) == [
                    "ENT-1.tyshxydm→tyshxydm", "ENT-1.qymc→qymc", "ENT-1.fddbrsfzh→fddbrsfzh", "POP-1.xm→fddbrxm",
                    "SOC-1.jfny→jfys", "SOC-1.jfje→jfze",
                ], "\(lineage.text.prefix(600))")
            let nodes = Set((lineage.body["nodes"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? String })
            #expect(nodes == ["TOPIC-QYFR", "ENT-1", "POP-1", "SOC-1"])

            // Its data comes only from its inputs: no import, no pushed records.
            let upload = try await client.execute(
                uri: "/api/v1/resources/TOPIC-QYFR/ingest?mode=replace", method: .post,
                headers: [.authorization: "Bearer \(admin)", .contentType: "text/csv"],
                body: ByteBuffer(string: "tyshxydm,qymc\n91330100MA2XXXXX0X,x\n")
            ) { $0.status }
            #expect(upload == .conflict)
            #expect(
                try await call("/api/v1/resources/TOPIC-QYFR/records", .post, json: #"[{"tyshxydm":"x"}]"#).status
                    == .conflict)

            // A new payment at the source shows at the next materialisation; the old data stays until the new is whole.
            let payer = try #require(kept.first { payments[$0["fddbrsfzh"]!] != nil })
            _ = try await p.data.insert(
                [["gmsfhm": .string(payer["fddbrsfzh"]!), "jfny": .string("209901"), "jfje": .string("0.01")]],
                into: "SOC-1", by: op)
            #expect(try await call("/api/v1/topics/TOPIC-QYFR/materialise", .post).status == .created)
            rows = try await Self.stored(fixture)
            let before = payments[payer["fddbrsfzh"]!]!
            #expect(rows[payer["tyshxydm"]!]?["jfys"] == String(before.count + 1))
            #expect(
                rows[payer["tyshxydm"]!]?["jfze"]
                    == NSDecimalNumber(decimal: before.total + Decimal(string: "0.01")!).stringValue)

            // Redefined with an optional column added after the others; changing the columns is refused.
            let added = Self.definition.replacingOccurrences(
                of: "\"from\":\"pay.jfje\"}",
                with:
                    "\"from\":\"pay.jfje\"},{\"name\":\"zjjf\",\"label\":\"最近缴费年月\",\"aggregate\":\"max\",\"from\":\"pay.jfny\"}"
            )
            let redefined = try await call(
                "/api/v1/topics/TOPIC-QYFR", .put,
                json: added.replacingOccurrences(
                    of: "\"updateCycle\":\"daily\"", with: "\"updateCycle\":\"daily\",\"intervalSeconds\":3600"))
            #expect(
                redefined.status == .ok && (redefined.body["resource"] as? [String: Any])?["version"] as? Int == 2
                    && redefined.body["intervalSeconds"] as? Int == 3600, "\(redefined.text)")
            let dropped = try await call(
                "/api/v1/topics/TOPIC-QYFR", .put,
                json: Self.definition.replacingOccurrences(of: "{\"name\":\"qymc\",\"from\":\"ent.qymc\"},", with: ""))
            #expect(dropped.status == .conflict, "\(dropped.text)")
            // On its schedule: due at once, then not again before its interval.
            let scheduled = try await p.topics.runDue()
            #expect(scheduled.map(\.status) == [.succeeded])
            #expect(try await Self.stored(fixture)[payer["tyshxydm"]!]?["zjjf"] == "209901")
            #expect(try await p.topics.runDue().isEmpty)

            let audit = try await call("/api/v1/audit?action=topic.define", token: fixture.tokens["auditor"]!)
            #expect(audit.items.count == 2)

            // The console: an admin defines one with the form (a wrong query is named, what was typed stays) and
            // materialises it; a consumer sees the list without the forms.
            let browser = ConsoleTests.Browser(client)
            try await browser.signIn("admin")
            let page = try await browser.get("/topics")
            #expect(
                page.status == .ok && page.text.contains("topic-TOPIC-QYFR") && page.text.contains("ENT-1、POP-1、SOC-1"))
            let csrf = try #require(page.field("_csrf"))
            let form = [
                ("_csrf", csrf), ("code", "TOPIC-ZX"), ("name", "存续企业主题库"), ("abstract", ""), ("category", "信用体系"),
                ("shareType", "conditional"), ("shareCondition", "信用监管"), ("intervalHours", ""),
            ]
            let broken = try await browser.post(
                "/topics", form + [("query", #"{"from":"ENT-1","columns":[{"name":"qymc"}]}"#)])
            #expect(
                broken.status == .unprocessableContent && broken.text.contains("query.columns[0].from")
                    && broken.text.contains("存续企业主题库"), "\(broken.text.suffix(1500))")
            let notJSON = try await browser.post("/topics", form + [("query", "{from: ENT-1")])
            #expect(notJSON.status == .unprocessableContent && notJSON.text.contains("JSON"))
            let query =
                #"{"from":"ENT-1","where":[{"column":"ENT-1.jyzt","op":"eq","value":"存续"}],"columns":[{"name":"tyshxydm","from":"ENT-1.tyshxydm"},{"name":"qymc","from":"ENT-1.qymc"}]}"#
            let made = try await browser.post("/topics", form + [("query", query)])
            #expect(
                made.status == .seeOther && made.location == "/topics?defined=TOPIC-ZX",
                "\(made.status) \(made.text.components(separatedBy: "role=\"alert\"").last?.prefix(600) ?? "")")
            let run = try await browser.post("/topics/TOPIC-ZX/materialise", [("_csrf", csrf)])
            #expect(run.status == .seeOther && run.location?.hasPrefix("/jobs/") == true)
            #expect(try await Self.stored(fixture, "TOPIC-ZX").count == firms.filter { $0["jyzt"] == "存续" }.count)
            let consumer = ConsoleTests.Browser(client)
            try await consumer.signIn("consumer")
            let seen = try await consumer.get("/topics")
            #expect(
                seen.status == .ok && seen.text.contains("topic-TOPIC-ZX") && !seen.text.contains("topic-form")
                    && !seen.text.contains("materialise-"))
        }
    }
}
