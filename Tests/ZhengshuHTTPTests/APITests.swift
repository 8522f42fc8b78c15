import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuConsole
import ZhengshuCore
import ZhengshuHTTP
import ZhengshuTestSupport

/// The real router, driven without sockets, over a fresh in-memory platform per test.
@Suite struct APITests {
    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: [String: Any]
        var array: [Any]
        var text: String
    }

    func withAPI(_ test: @Sendable (TestPlatform, any TestClientProtocol) async throws -> Void) async throws {
        let fixture = try await TestPlatform.make()
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client in try await test(fixture, client) }
    }

    @discardableResult
    func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String?,
        json: String? = nil,
        contentType: String = "application/json"
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = contentType }
        return try await client.execute(
            uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }
        ) { r in
            let text = String(buffer: r.body)
            let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            return Reply(
                status: r.status, headers: r.headers, body: parsed as? [String: Any] ?? [:],
                array: parsed as? [Any] ?? [], text: text)
        }
    }

    @Test func healthSpecAndConsoleNeedNoToken() async throws {
        try await withAPI { _, client in
            #expect(try await call(client, .get, "/healthz", token: nil).body["status"] as? String == "ok")
            #expect(try await call(client, .get, "/readyz", token: nil).body["status"] as? String == "ready")
            let spec = try await call(client, .get, "/openapi.json", token: nil)
            #expect(spec.body["openapi"] as? String == "3.1.0")
            let home = try await call(client, .get, "/", token: nil)
            #expect(home.status == .seeOther && home.headers[.location] == "/login?next=%2F")
            let login = try await call(client, .get, "/login", token: nil)
            #expect(login.status == .ok && login.text.contains("政务数据共享平台"))
            #expect(
                try await call(client, .get, "/login?lang=en", token: nil).text.contains("Government Data Platform"))
        }
    }

    @Test func missingOrBadTokensAre401ProblemDocuments() async throws {
        try await withAPI { _, client in
            for token in [nil, "zs_" + String(repeating: "0", count: 64), "not-a-token"] as [String?] {
                let r = try await call(client, .get, "/api/v1/departments", token: token)
                #expect(r.status == .unauthorized)
                #expect(r.headers[.contentType] == "application/problem+json")
                #expect(r.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(r.body["code"] as? String == "unauthenticated")
                #expect(
                    r.body["requestId"] as? String == r.headers.first { $0.name.canonicalName == "x-request-id" }?.value
                )
            }
            let basic = try await client.execute(
                uri: "/api/v1/me", method: .get, headers: [.authorization: "Basic YWRtaW46eA=="]
            ) { $0.status }
            #expect(basic == .unauthorized)
        }
    }

    @Test func revokedTokensStopAtOnce() async throws {
        try await withAPI { fixture, client in
            let me = try await call(client, .get, "/api/v1/me", token: fixture.tokens["ga"])
            let id = try #require(me.body["id"] as? Int)
            let issued = try await call(
                client, .post, "/api/v1/users/\(id)/tokens", token: fixture.tokens["ga"], json: #"{"label":"etl"}"#)
            #expect(issued.status == .created)
            let secret = try #require(issued.body["secret"] as? String)
            let tokenID = try #require((issued.body["token"] as? [String: Any])?["id"] as? Int)
            #expect(try await call(client, .get, "/api/v1/me", token: secret).status == .ok)
            #expect(
                try await call(client, .delete, "/api/v1/tokens/\(tokenID)", token: fixture.tokens["ga"]).status == .ok)
            #expect(try await call(client, .get, "/api/v1/me", token: secret).status == .unauthorized)
            // Another user's tokens are not theirs to see or revoke.
            #expect(
                try await call(client, .get, "/api/v1/users/1/tokens", token: fixture.tokens["ga"]).status == .forbidden
            )
        }
    }

    @Test func unknownRoutesAndIdsAre404() async throws {
        try await withAPI { fixture, client in
            let admin = fixture.tokens["admin"]
            #expect(try await call(client, .get, "/nowhere", token: nil).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/nowhere", token: admin).status == .notFound)
            let r = try await call(client, .get, "/api/v1/departments/NOPE", token: admin)
            #expect(r.status == .notFound)
            #expect(r.body["detail"] as? String == "department NOPE does not exist")
            #expect(try await call(client, .get, "/api/v1/resources/NOPE", token: admin).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/users/999", token: admin).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/users/abc", token: admin).status == .badRequest)
            #expect(try await call(client, .delete, "/api/v1/tokens/999", token: admin).status == .notFound)
        }
    }

    @Test func rolesAreEnforced() async throws {
        try await withAPI { fixture, client in
            let dept = #"{"code":"C-MZ","name":"杭州市民政局","level":"city"}"#
            for user in ["ga", "consumer", "auditor"] {
                let r = try await call(client, .post, "/api/v1/departments", token: fixture.tokens[user], json: dept)
                #expect(r.status == .forbidden, "\(user)")
                #expect(r.body["code"] as? String == "forbidden")
            }
            #expect(
                try await call(client, .post, "/api/v1/departments", token: fixture.tokens["admin"], json: dept).status
                    == .created)
            // Only the auditor and the bureau read the audit trail.
            #expect(try await call(client, .get, "/api/v1/audit", token: fixture.tokens["ga"]).status == .forbidden)
            let audit = try await call(
                client, .get, "/api/v1/audit?action=department.create", token: fixture.tokens["auditor"])
            #expect(audit.status == .ok)
            let entries = try #require(audit.body["items"] as? [[String: Any]])
            #expect(entries.last?["actor"] as? String == "admin")
            #expect(entries.last?["target"] as? String == "department:C-MZ")
            // A provider registers resources for its own department only.
            let draft = Self.resourceJSON(code: "RK-0001", department: "C-GA")
            #expect(
                try await call(client, .post, "/api/v1/resources", token: fixture.tokens["scjg"], json: draft).status
                    == .forbidden)
            #expect(
                try await call(client, .post, "/api/v1/resources", token: fixture.tokens["consumer"], json: draft)
                    .status == .forbidden)
            #expect(
                try await call(client, .post, "/api/v1/resources", token: fixture.tokens["ga"], json: draft).status
                    == .created)
            #expect(
                try await call(
                    client, .patch, "/api/v1/resources/RK-0001", token: fixture.tokens["scjg"],
                    json: #"{"name":"改名"}"#
                ).status == .forbidden)
            // Drafts are invisible outside their department.
            #expect(
                try await call(client, .get, "/api/v1/resources/RK-0001", token: fixture.tokens["scjg"]).status
                    == .notFound)
            let search = try await call(client, .get, "/api/v1/resources", token: fixture.tokens["scjg"])
            #expect(search.body["total"] as? Int == 0)
            #expect(
                try await call(client, .post, "/api/v1/resources/RK-0001/publish", token: fixture.tokens["ga"]).status
                    == .ok)
            #expect(
                try await call(client, .get, "/api/v1/resources/RK-0001", token: fixture.tokens["scjg"]).status == .ok)
            // Records belong to the owning department (consumers come with grants).
            #expect(
                try await call(client, .get, "/api/v1/resources/RK-0001/records", token: fixture.tokens["scjg"]).status
                    == .forbidden)
            #expect(
                try await call(client, .get, "/api/v1/resources/RK-0001/records", token: fixture.tokens["ga"]).status
                    == .ok)
        }
    }

    @Test func duplicatesAre409() async throws {
        try await withAPI { fixture, client in
            let admin = fixture.tokens["admin"]
            let r = try await call(
                client, .post, "/api/v1/departments", token: admin, json: #"{"code":"C-GA","name":"重复","level":"city"}"#
            )
            #expect(r.status == .conflict)
            #expect(r.body["detail"] as? String == "department C-GA already exists")
            let user = try await call(
                client, .post, "/api/v1/users", token: admin, json: #"{"name":"ga","roles":["auditor"]}"#)
            #expect(user.status == .conflict)
            let draft = Self.resourceJSON(code: "RK-0001", department: "C-GA")
            #expect(try await call(client, .post, "/api/v1/resources", token: admin, json: draft).status == .created)
            #expect(try await call(client, .post, "/api/v1/resources", token: admin, json: draft).status == .conflict)
            let delete = try await call(client, .delete, "/api/v1/departments/C-GA", token: admin)
            #expect(delete.status == .conflict)
            #expect((delete.body["detail"] as? String)?.contains("child department") == true)
        }
    }

    @Test func badBodiesAre400Or422WithFieldAndReason() async throws {
        try await withAPI { fixture, client in
            let admin = fixture.tokens["admin"]
            let malformed = try await call(client, .post, "/api/v1/departments", token: admin, json: #"{"code": "X""#)
            #expect(malformed.status == .badRequest)
            #expect(malformed.body["detail"] as? String == "the request body is not valid JSON (UTF-8)")
            #expect(try await call(client, .post, "/api/v1/departments", token: admin, json: "").status == .badRequest)
            let notUTF8 = try await client.execute(
                uri: "/api/v1/departments", method: .post,
                headers: [.authorization: "Bearer \(admin!)", .contentType: "application/json"],
                body: ByteBuffer(bytes: [0x7B, 0x22, 0xB9, 0xAB, 0x22, 0x7D])
            ) { $0.status }
            #expect(notUTF8 == .badRequest)
            let wrongType = try await call(
                client, .post, "/api/v1/departments", token: admin, json: #"{"code":1,"name":"x","level":"city"}"#)
            #expect(wrongType.status == .unprocessableContent)
            let violation = try #require((wrongType.body["violations"] as? [[String: Any]])?.first)
            #expect(violation["field"] as? String == "code")
            #expect(violation["reason"] as? String == "must be a string")
            let badEnum = try await call(
                client, .post, "/api/v1/departments", token: admin, json: #"{"code":"X","name":"x","level":"town"}"#)
            #expect(badEnum.status == .unprocessableContent)
            #expect(badEnum.text.contains("province, city, county"))
            let badCredit = try await call(
                client, .post, "/api/v1/departments", token: admin,
                json: #"{"code":"X","name":"x","level":"city","creditCode":"91350100M000100Y44"}"#)
            #expect(badCredit.status == .unprocessableContent)
            #expect(badCredit.text.contains("GB 32100 expects 3"))
            let form = try await call(
                client, .post, "/api/v1/departments", token: admin, json: "code=X",
                contentType: "application/x-www-form-urlencoded")
            #expect(form.status == .unsupportedMediaType)
            let huge = #"{"code":"X","name":""# + String(repeating: "长", count: 400_000) + #"","level":"city"}"#
            let oversized = try await call(client, .post, "/api/v1/departments", token: admin, json: huge)
            #expect(oversized.status == .contentTooLarge)
            #expect(oversized.body["detail"] as? String == "the body is larger than 1024 KiB")
            let empty = try await call(client, .post, "/api/v1/departments", token: admin, json: "")
            #expect(empty.body["detail"] as? String == "the request body is empty; send a JSON document")
            let badQuery = try await call(client, .get, "/api/v1/departments?level=town", token: admin)
            #expect(badQuery.status == .badRequest)
            #expect(badQuery.body["detail"] as? String == "level: 'town' is not one of: province, city, county")
            #expect(try await call(client, .get, "/api/v1/resources?limit=1000", token: admin).status == .badRequest)
            // Nothing was stored by any of these.
            let list = try await call(client, .get, "/api/v1/departments", token: admin)
            #expect((list.body["items"] as? [Any])?.count == 4)
        }
    }

    @Test func recordsAreValidatedRowByRowAndStoredAllOrNothing() async throws {
        try await withAPI { fixture, client in
            let ga = fixture.tokens["ga"]
            #expect(
                try await call(
                    client, .post, "/api/v1/resources", token: ga,
                    json: Self.resourceJSON(code: "RK-0001", department: "C-GA")
                ).status == .created)
            let early = try await call(client, .post, "/api/v1/resources/RK-0001/records", token: ga, json: "[]")
            #expect(early.status == .conflict)  // a draft has no records table yet
            #expect(try await call(client, .post, "/api/v1/resources/RK-0001/publish", token: ga).status == .ok)
            let rows = Fixtures.populationRows(30)
            var bad = rows
            bad[7]["citizen_id"] = .string("110105194912310021")
            bad[12]["birth_date"] = .string("1990/13/01")
            bad[20]["name"] = .string(String(repeating: "长", count: 51))
            let rejected = try await call(
                client, .post, "/api/v1/resources/RK-0001/records", token: ga, json: Self.json(bad))
            #expect(rejected.status == .unprocessableContent)
            let violations = try #require(rejected.body["violations"] as? [[String: Any]])
            #expect(
                violations.map { "\($0["row"] as? Int ?? -1):\($0["field"] as? String ?? "")" } == [
                    "7:citizen_id", "12:birth_date", "20:name",
                ])
            let empty = try await call(client, .get, "/api/v1/resources/RK-0001/records", token: ga)
            #expect((empty.body["records"] as? [Any])?.isEmpty == true)

            let stored = try await call(
                client, .post, "/api/v1/resources/RK-0001/records", token: ga, json: Self.json(rows))
            #expect(stored.status == .created)
            #expect(stored.body["inserted"] as? Int == 30)
            let page = try await call(
                client, .get, "/api/v1/resources/RK-0001/records?fields=citizen_id,name&limit=10&sort=birth_date",
                token: ga)
            #expect((page.body["records"] as? [[String: Any]])?.count == 10)
            #expect(page.body["fields"] as? [String] == ["citizen_id", "name"])
            let cursor = try #require(page.body["nextCursor"] as? String)
            let next = try await call(
                client, .get,
                "/api/v1/resources/RK-0001/records?fields=citizen_id&limit=10&sort=birth_date&cursor=\(cursor)",
                token: ga)
            #expect((next.body["records"] as? [Any])?.count == 10)
            #expect(
                try await call(client, .get, "/api/v1/resources/RK-0001/records?cursor=garbage", token: ga).status
                    == .badRequest)
            #expect(
                try await call(client, .get, "/api/v1/resources/RK-0001/records?fields=salary", token: ga).status
                    == .badRequest)
            #expect(
                try await call(client, .get, "/api/v1/resources/RK-0001/records?sort=mobile", token: ga).status
                    == .badRequest)
        }
    }

    @Test func versionsAndDiffOverHTTP() async throws {
        try await withAPI { fixture, client in
            let ga = fixture.tokens["ga"]
            _ = try await call(
                client, .post, "/api/v1/resources", token: ga,
                json: Self.resourceJSON(code: "RK-0001", department: "C-GA"))
            _ = try await call(
                client, .patch, "/api/v1/resources/RK-0001", token: ga,
                json: #"{"updateCycle":"weekly","serviceItems":["户口迁移"]}"#)
            let versions = try await call(client, .get, "/api/v1/resources/RK-0001/versions", token: ga)
            #expect((versions.body["items"] as? [[String: Any]])?.map { $0["version"] as? Int } == [1, 2])
            let diff = try await call(client, .get, "/api/v1/resources/RK-0001/diff?from=1&to=2", token: ga)
            let changes = try #require(diff.body["changes"] as? [[String: Any]])
            #expect(changes.map { $0["field"] as? String } == ["serviceItems", "updateCycle"])
            #expect(changes[1]["before"] as? String == "daily" && changes[1]["after"] as? String == "weekly")
            #expect(
                try await call(client, .get, "/api/v1/resources/RK-0001/diff?from=1", token: ga).status == .badRequest)
            #expect(try await call(client, .get, "/api/v1/resources/RK-0001/versions/7", token: ga).status == .notFound)
        }
    }

    @Test func chineseSearchOverHTTP() async throws {
        try await withAPI { fixture, client in
            let admin = fixture.tokens["admin"]
            _ = try await call(
                client, .post, "/api/v1/resources", token: admin,
                json: Self.resourceJSON(code: "RK-0001", department: "C-GA"))
            let q = "人口".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!
            let r = try await call(client, .get, "/api/v1/resources?q=\(q)", token: admin)
            #expect(r.body["total"] as? Int == 1)
            #expect((r.body["items"] as? [[String: Any]])?.first?["name"] as? String == "人口基础信息")
        }
    }

    /// Every route the router serves is in the OpenAPI document, and every documented operation is served.
    @Test func openAPIDocumentMatchesTheRouter() async throws {
        let fixture = try await TestPlatform.make(seeded: false)
        let router = try await buildRouter(services: fixture.services, configuration: TestPlatform.configuration)
        // The console's pages are HTML for people; its entry points ("/", "/login") are documented, the rest is not the API.
        let consolePages = ConsolePaths.prefixes
        let served = Set(
            router.routes.map { "\($0.method.rawValue) \(Self.normalise("\($0.path)"))" }.filter { route in
                let path = route.split(separator: " ")[1]
                return route == "GET /login" || !consolePages.contains { path == $0 || path.hasPrefix($0 + "/") }
            })
        let spec = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, ops) in paths {
            for method in ops.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(Self.normalise(path))")
            }
        }
        #expect(served.count >= 28, "\(served.sorted())")
        #expect(
            served.subtracting(documented).isEmpty,
            "served but undocumented: \(served.subtracting(documented).sorted())")
        #expect(
            documented.subtracting(served).isEmpty,
            "documented but not served: \(documented.subtracting(served).sorted())")
    }

    static func normalise(_ path: String) -> String {
        var p = path.hasPrefix("/") ? path : "/" + path
        if p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") || part.hasPrefix("{") ? "{}" : String(part)
        }.joined(separator: "/")
    }

    static func json(_ rows: [[String: JSONValue]]) -> String {
        String(decoding: try! JSONEncoder().encode(rows), as: UTF8.self)
    }

    static func resourceJSON(code: String, department: String) -> String {
        var d = Fixtures.populationDraft(code: code, department: department)
        d.department = department
        return Fixtures.json(d)
    }
}
