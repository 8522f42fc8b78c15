import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// The data sandbox (数据沙箱) through the real router, on either engine: market regulation (the consumer) gets a
/// workspace over masked copies of datagen's population (public security) and social-insurance (human resources)
/// data, runs SQL there, is refused everything that would leave the workspace or reach past it, and takes out only
/// an aggregate whose every group covers k rows, once the providing department approves.
@Suite(.enabled(if: Datagen.script != nil, "needs ../shared/datagen/datagen.py"))
struct SandboxTests {
    typealias Reply = ProfileTests.Reply
    func call(
        _ client: some TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .get, token: String,
        json: String? = nil
    ) async throws -> Reply {
        try await ProfileTests().call(client, uri, method: method, token: token, json: json)
    }

    /// Applies for `items` of `resource` with the sandbox service and has every step approve it. - Returns: the grant.
    func sandboxGrant(
        _ client: some TestClientProtocol, _ resource: String, _ items: [String], provider: String,
        _ tokens: [String: String]
    ) async throws -> Int {
        let consumer = tokens["consumer"]!
        let apply = try await call(
            client, "/api/v1/applications", method: .post, token: consumer,
            json: """
                {"resource":"\(resource)","items":\(items),"services":["sandbox"],"purpose":"市场主体从业人员结构分析","legalBasis":"市场监管职责"}
                """)
        let application = try #require(apply.body["id"] as? Int, "\(apply.text)")
        for token in [tokens["admin"]!, tokens[provider]!, tokens["admin"]!] {
            _ = try await call(
                client, "/api/v1/applications/\(application)/decision", method: .post, token: token,
                json: #"{"approve":true}"#)
        }
        let grants = try await call(client, "/api/v1/grants?resource=\(resource)", token: consumer)
        return try #require(
            grants.items.first { $0["application"] as? Int == application }?["id"] as? Int, "\(grants.text.prefix(300))"
        )
    }

    @Test func aWorkspaceRunsConfinedSQLAndReleasesOnlyApprovedAggregatesOfKRows() async throws {
        let fixture = try await TestPlatform.make { c in
            c.sandbox = SandboxLimits(timeout: .milliseconds(400), maxRows: 100, k: 5)
        }
        let p = fixture.platform
        let op = TestPlatform.operatorCaller
        let data = try await fixture.loadBaseDatabases()
        let rs = try await p.accounts.createUser(
            UserDraft(name: "rs", roles: [.provider], department: "C-RS", password: "Test-Password-1"), by: op)
        var allTokens = fixture.tokens
        allTokens["rs"] = try await p.accounts.issueToken(for: rs.id, label: "test", expiresInDays: nil, by: op).secret
        let tokens = allTokens
        let people = TestPlatform.csv(data["population"]!)
        let payments = TestPlatform.csv(data["social"]!)
        let consumer = tokens["consumer"]!

        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client in
            let population = try await sandboxGrant(
                client, "POP-1", ["gmsfhm", "xm", "xb", "csrq", "hjdz"], provider: "ga", tokens)
            let social = try await sandboxGrant(client, "SOC-1", ["gmsfhm", "jfny", "jfje"], provider: "rs", tokens)

            // Bad requests: no grants, someone else's grant number, a provider asking.
            #expect(
                try await call(
                    client, "/api/v1/workspaces", method: .post, token: consumer, json: #"{"name":"x","grants":[]}"#
                ).status == .unprocessableContent)
            #expect(
                try await call(
                    client, "/api/v1/workspaces", method: .post, token: consumer,
                    json: #"{"name":"x","grants":[99999]}"#
                ).status == .forbidden)
            #expect(
                try await call(
                    client, "/api/v1/workspaces", method: .post, token: tokens["ga"]!,
                    json: #"{"name":"x","grants":[\#(population)]}"#
                ).status == .forbidden)

            // The workspace holds masked copies of exactly the granted items.
            let created = try await call(
                client, "/api/v1/workspaces", method: .post, token: consumer,
                json: #"{"name":"从业人员分析","grants":[\#(population),\#(social)]}"#)
            #expect(created.status == .created, "\(created.text.prefix(500))")
            let workspace = try #require(created.body["id"] as? Int)
            #expect(created.body["status"] as? String == "ready")
            let tables = created.body["tables"] as? [[String: Any]] ?? []
            #expect(tables.map { $0["name"] as? String } == ["pop_1", "soc_1"])
            #expect(tables.map { $0["rows"] as? Int } == [people.count, payments.count])
            let popColumns = (tables.first?["columns"] as? [[String: Any]]) ?? []
            #expect(popColumns.map { $0["name"] as? String } == ["gmsfhm", "xm", "xb", "csrq", "hjdz"])
            #expect(popColumns.first { $0["name"] as? String == "gmsfhm" }?["masked"] as? Bool == true)

            func run(_ sql: String, in id: Int = workspace, token: String = consumer) async throws -> Reply {
                let body = String(data: try JSONSerialization.data(withJSONObject: ["sql": sql]), encoding: .utf8)!
                return try await call(
                    client, "/api/v1/workspaces/\(id)/queries", method: .post, token: token, json: body)
            }

            // A query runs; its answer matches the source files. Citizen IDs are masked inside the workspace.
            let bySex = try await run("SELECT xb, count(*) AS n FROM pop_1 GROUP BY xb ORDER BY xb")
            #expect(bySex.status == .created, "\(bySex.text.prefix(400))")
            let result = bySex.body["result"] as? [String: Any] ?? [:]
            let rows = (result["rows"] as? [[Any]]) ?? []
            let expected = Dictionary(grouping: people, by: { $0["xb"] ?? "" }).mapValues(\.count)
            #expect(
                Dictionary(uniqueKeysWithValues: rows.map { (($0[0] as? String) ?? "", ($0[1] as? Int) ?? -1) })
                    == expected.filter { !$0.key.isEmpty })
            let ids = try await run("SELECT gmsfhm FROM pop_1 LIMIT 3")
            let shown = ((ids.body["result"] as? [String: Any])?["rows"] as? [[Any]] ?? []).compactMap {
                $0.first as? String
            }
            #expect(
                shown.count == 3 && shown.allSatisfy { $0.contains("*") }
                    && !shown.contains { id in people.contains { $0["gmsfhm"] == id } })
            // Malformed, oversized and unknown: a precise problem each, and nothing kept.
            let queriesBefore = try await call(client, "/api/v1/workspaces/\(workspace)/queries", token: consumer).items
                .count
            #expect(
                try await call(
                    client, "/api/v1/workspaces/\(workspace)/queries", method: .post, token: consumer, json: #"{"sql":"#
                ).status == .badRequest)
            let noSQL = try await call(
                client, "/api/v1/workspaces/\(workspace)/queries", method: .post, token: consumer,
                json: #"{"query":"SELECT 1"}"#)
            #expect(noSQL.status == .unprocessableContent && noSQL.text.contains("sql"), "\(noSQL.text.prefix(300))")
            let huge = try await run("SELECT 1 FROM pop_1 WHERE xm = '" + String(repeating: "x", count: 20_001) + "'")
            #expect(huge.status == .contentTooLarge && huge.text.contains("20000"), "\(huge.text.prefix(300))")
            #expect(try await run("SELECT 1", in: 99_999).status == .notFound)
            #expect(
                try await call(
                    client, "/api/v1/workspaces/\(workspace)/releases", method: .post, token: consumer,
                    json: #"{"query":99999,"purpose":"x"}"#
                ).status == .notFound)
            #expect(
                try await call(client, "/api/v1/workspaces/\(workspace)/queries", token: consumer).items.count
                    == queriesBefore)
            let total = try await run("SELECT sum(jfje) AS total FROM soc_1")
            let expectedTotal = payments.reduce(Decimal(0)) { $0 + Decimal(string: $1["jfje"]!)! }
            let totalValue = ((total.body["result"] as? [String: Any])?["rows"] as? [[Any]])?.first?.first
            #expect(
                abs(
                    ((totalValue as? Double) ?? Double((totalValue as? String) ?? "") ?? 0)
                        - NSDecimalNumber(decimal: expectedTotal).doubleValue) < 0.01,
                "\(total.text.prefix(300))")
            // The row limit cuts a large result.
            let many = try await run("SELECT * FROM soc_1")
            #expect(
                (many.body["result"] as? [String: Any])?["truncated"] as? Bool == true
                    && ((many.body["result"] as? [String: Any])?["rows"] as? [[Any]])?.count == 100)

            // Everything past the workspace's own tables is refused; nothing is written.
            let second = try await call(
                client, "/api/v1/workspaces", method: .post, token: consumer,
                json: #"{"name":"另一个","grants":[\#(population)]}"#)
            let other = try #require(second.body["id"] as? Int, "\(second.text.prefix(300))")
            let refusals: [(String, Set<HTTPResponse.Status>)] = [
                ("ATTACH DATABASE '/tmp/zs-escape.sqlite' AS x", [.forbidden]),
                ("SELECT 1; ATTACH DATABASE ':memory:' AS x", [.forbidden]),
                ("DELETE FROM pop_1", [.forbidden]),
                ("INSERT INTO pop_1 (xm) VALUES ('x')", [.forbidden]),
                ("CREATE TABLE t (a)", [.forbidden]),
                ("SELECT load_extension('/tmp/evil')", [.forbidden]),
                ("SELECT readfile('/etc/passwd')", [.forbidden]),
                ("SELECT pg_read_file('/etc/passwd')", [.forbidden]),
                ("SELECT set_config('role', 'none', true)", [.forbidden]),
                ("SELECT * FROM sqlite_master", [.forbidden]),
                ("SELECT * FROM pg_catalog.pg_tables", [.forbidden]),
                ("SELECT * FROM information_schema.tables", [.forbidden]),
                // The platform's own tables and the other workspace do not exist here (SQLite) or are not readable (PostgreSQL).
                ("SELECT * FROM resource", [.badRequest, .forbidden]),
                ("SELECT * FROM public.audit", [.badRequest, .forbidden]),
                ("SELECT count(*) FROM zs_ws_\(other).pop_1", [.badRequest, .forbidden]),
                ("SELECT * INTO copy FROM pop_1", [.forbidden]),
                // Calls hidden in what another reader would take for a string, a name or a comment.
                ("SELECT $q$'$q$, set_config('role', 'none', false), '$q$'", [.forbidden]),
                ("SELECT E'\\'', set_config('role', 'none', false) --'", [.forbidden]),
                ("SELECT 1 /* /* */ ' */, set_config('role', 'none', false) --'", [.forbidden]),
                ("SELECT 1 -- x\r, set_config('role', 'none', false)\n", [.forbidden]),
                ("SELECT [a], set_config('role', 'none', false) ]", [.forbidden]),
                // A statement that never ends is stopped at the deadline.
                ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r", [.conflict]),
            ]
            for (sql, statuses) in refusals {
                let r = try await run(sql)
                #expect(statuses.contains(r.status), "\(sql): \(r.status) \(r.text.prefix(300))")
            }
            let after = try await run("SELECT count(*) FROM pop_1")
            #expect(
                ((after.body["result"] as? [String: Any])?["rows"] as? [[Any]])?.first?.first as? Int == people.count,
                "\(after.text.prefix(300))")
            // Another department's user cannot see or use the workspace.
            #expect(try await call(client, "/api/v1/workspaces/\(workspace)", token: tokens["ga"]!).status == .notFound)
            #expect(try await run("SELECT 1", token: tokens["ga"]!).status == .forbidden)

            // Releases: only an aggregate, only when every group covers k rows, only once its provider approves.
            func queryID(_ r: Reply) throws -> Int { try #require(r.body["id"] as? Int, "\(r.text.prefix(300))") }
            func release(_ query: Int) async throws -> Reply {
                try await call(
                    client, "/api/v1/workspaces/\(workspace)/releases", method: .post, token: consumer,
                    json: #"{"query":\#(query),"purpose":"从业人员性别结构统计"}"#)
            }
            let perPerson = try await run("SELECT gmsfhm, count(*) AS n FROM soc_1 GROUP BY gmsfhm")
            let small = try await release(try queryID(perPerson))
            #expect(small.status == .unprocessableContent && small.text.contains("k = 5"), "\(small.text.prefix(400))")
            let raw = try await release(try queryID(ids))
            #expect(raw.status == .unprocessableContent && raw.text.contains("aggregate"), "\(raw.text.prefix(400))")
            let good = try await release(try queryID(bySex))
            #expect(good.status == .created, "\(good.text.prefix(400))")
            let releaseID = try #require(good.body["id"] as? Int)
            #expect(good.body["providers"] as? [String] == ["C-GA"] && good.body["status"] as? String == "pending")
            #expect(try await call(client, "/api/v1/releases/\(releaseID)/result", token: consumer).status == .conflict)
            #expect(
                try await call(
                    client, "/api/v1/releases/\(releaseID)/decision", method: .post, token: tokens["rs"]!,
                    json: #"{"approve":true}"#
                ).status != .ok)
            #expect(
                try await call(
                    client, "/api/v1/releases/\(releaseID)/decision", method: .post, token: consumer,
                    json: #"{"approve":true}"#
                ).status == .forbidden)
            let approved = try await call(
                client, "/api/v1/releases/\(releaseID)/decision", method: .post, token: tokens["ga"]!,
                json: #"{"approve":true}"#)
            #expect(approved.body["status"] as? String == "approved", "\(approved.text.prefix(300))")
            let csv = try await client.execute(
                uri: "/api/v1/releases/\(releaseID)/result", method: .get,
                headers: [.authorization: "Bearer \(consumer)"]
            ) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(csv.0 == .ok)
            let lines = csv.1.replacingOccurrences(of: "\u{FEFF}", with: "").split(separator: "\r\n").map(String.init)
            #expect(
                lines.first == "xb,n" && lines.count == expected.filter { !$0.key.isEmpty }.count + 1,
                "\(csv.1.prefix(200))")
            #expect(
                try await call(client, "/api/v1/releases/\(releaseID)/result", token: tokens["ga"]!).status
                    == .forbidden)

            // A refusal states its reason and stops the release.
            let sum = try await release(try queryID(total))
            let sumID = try #require(sum.body["id"] as? Int, "\(sum.text.prefix(300))")
            #expect(sum.body["providers"] as? [String] == ["C-RS"])
            #expect(
                try await call(
                    client, "/api/v1/releases/\(sumID)/decision", method: .post, token: tokens["rs"]!,
                    json: #"{"approve":false}"#
                ).status == .unprocessableContent)
            let rejected = try await call(
                client, "/api/v1/releases/\(sumID)/decision", method: .post, token: tokens["rs"]!,
                json: #"{"approve":false,"reason":"缴费总额属于内部统计口径"}"#)
            #expect(rejected.body["status"] as? String == "rejected")
            #expect(try await call(client, "/api/v1/releases/\(sumID)/result", token: consumer).status == .conflict)

            // Reading results and releases again is audited as well.
            #expect(try await call(client, "/api/v1/releases", token: tokens["auditor"]!).status == .ok)
            // Every query and release is audited, refusals too.
            func audited(_ action: String) async throws -> [[String: Any]] {
                try await call(client, "/api/v1/audit?limit=1000&action=\(action)", token: tokens["auditor"]!).items
            }
            #expect(try await audited("sandbox.query").count == 6)
            // + the oversized one and the unknown workspace
            #expect(try await audited("sandbox.query.denied").count == refusals.count + 1 + 2)
            #expect(try await audited("sandbox.release.request.denied").count == 2)
            for action in [
                "sandbox.create", "sandbox.copy", "sandbox.ready", "sandbox.release.request", "sandbox.release.approve",
                "sandbox.release.reject", "sandbox.release.download", "sandbox.results.read", "sandbox.releases.read",
            ] {
                #expect(try await !audited(action).isEmpty, "\(action)")
            }
            #expect(
                try await audited("sandbox.query.denied").contains {
                    ($0["detail"] as? String)?.contains("sql: DELETE FROM pop_1") == true
                })

            // Closing deletes the copies; the workspace no longer runs statements.
            let closed = try await call(client, "/api/v1/workspaces/\(other)", method: .delete, token: consumer)
            #expect(closed.body["status"] as? String == "closed")
            #expect(try await run("SELECT count(*) FROM pop_1", in: other).status == .conflict)
            #expect(try await call(client, "/api/v1/workspaces", token: consumer).items.count == 2)
            #expect(try await audited("sandbox.query.denied").count == refusals.count + 2 + 2)

            // Releases that cannot be differenced: groups of two releases of the workspace that differ by fewer than
            // k rows are refused, whatever the statements look like; the same groups again, or far apart, are not.
            // The attacker finds, inside the workspace, a birth date that one person alone has.
            let unique = try await run("SELECT csrq FROM pop_1 GROUP BY csrq HAVING count(*) = 1 ORDER BY csrq LIMIT 1")
            let someone = try #require(
                ((unique.body["result"] as? [String: Any])?["rows"] as? [[Any]])?.first?.first as? String,
                "\(unique.text.prefix(300))")
            let everyone = try await release(try queryID(try await run("SELECT count(*) AS n FROM pop_1")))
            #expect(everyone.status == .created, "\(everyone.text.prefix(400))")
            let everyoneID = try #require(everyone.body["id"] as? Int)
            let butOne = try await release(
                try queryID(try await run("SELECT count(*) AS n FROM pop_1 WHERE csrq IS NULL OR csrq <> '\(someone)'"))
            )
            #expect(
                butOne.status == .unprocessableContent && butOne.text.contains("release \(everyoneID)")
                    && butOne.text.contains("1 row of pop_1"),
                "\(butOne.text.prefix(500))")
            let bySexButOne = try await release(
                try queryID(
                    try await run(
                        "SELECT p.xb, count(*) AS n FROM pop_1 AS p WHERE p.csrq IS NULL OR p.csrq <> '\(someone)' GROUP BY p.xb"
                    )))
            #expect(
                bySexButOne.status == .unprocessableContent && bySexButOne.text.contains("1 row of pop_1"),
                "\(bySexButOne.text.prefix(500))")
            let viaJoin = try await release(
                try queryID(
                    try await run(
                        "SELECT count(*) AS n FROM pop_1 p LEFT JOIN soc_1 s ON s.gmsfhm = p.gmsfhm WHERE p.csrq IS NULL OR p.csrq <> '\(someone)'"
                    )))
            #expect(
                viaJoin.status == .unprocessableContent && viaJoin.text.contains("of pop_1"),
                "\(viaJoin.text.prefix(500))")
            let nested = try await release(
                try queryID(try await run("SELECT count(*) AS n FROM (SELECT * FROM pop_1) t")))
            #expect(
                nested.status == .unprocessableContent && nested.text.contains("by name"), "\(nested.text.prefix(500))")
            let again = try await release(try queryID(bySex))
            #expect(again.status == .created, "\(again.text.prefix(400))")
            #expect(try await audited("sandbox.release.request.denied").count == 2 + 4)
        }
    }
}
