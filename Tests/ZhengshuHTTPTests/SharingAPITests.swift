import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// Sharing through the real router, with users of three departments: the public security bureau provides (ga), market
/// regulation consumes (consumer), human resources consumes too (rs) and must never reach market regulation's grants.
@Suite struct SharingAPITests {
    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: [String: Any]
        var text: String

        var items: [[String: Any]] { body["items"] as? [[String: Any]] ?? [] }
        var records: [[String: Any]] { body["records"] as? [[String: Any]] ?? [] }
    }

    struct Fixture {
        var platform: TestPlatform
        var tokens: [String: String]
    }

    /// RK-0001: conditional and L4 (a second approval); RK-0002: unconditional, L3; RK-0003: not shared. All of C-GA,
    /// with 30 population rows each.
    func withAPI(
        extraRows: Int = 0, configure: (inout AppConfiguration) -> Void = { _ in },
        _ test: @Sendable (Fixture, any TestClientProtocol) async throws -> Void
    ) async throws {
        let fixture = try await TestPlatform.make(configure: configure)
        let p = fixture.platform
        let c = TestPlatform.operatorCaller
        _ = try await p.departments.create(DepartmentDraft(code: "C-RS", name: "杭州市人力资源和社会保障局", level: .city), by: c)
        let rs = try await p.accounts.createUser(
            UserDraft(name: "rs", roles: [.consumer], department: "C-RS", password: "Test-Password-1"), by: c)
        var tokens = fixture.tokens
        tokens["rs"] = try await p.accounts.issueToken(for: rs.id, label: "t", expiresInDays: nil, by: c).secret
        for (code, share, sensitivity, basis) in [
            ("RK-0001", ShareType.conditional, Sensitivity.l4, "用于身份核验"),
            ("RK-0002", .unconditional, .l3, nil),
            ("RK-0003", ShareType.none, .l4, "《中华人民共和国居民身份证法》第十九条"),
        ] {
            var d = Fixtures.populationDraft(code: code)
            d.shareType = share
            d.sensitivity = sensitivity
            d.shareCondition = basis
            _ = try await p.catalog.create(d, by: c)
            _ = try await p.catalog.publish(code, by: c)
            _ = try await p.data.insert(Fixtures.populationRows(30), into: code, by: c)
        }
        // More people for RK-0002, loaded as a file (COPY on PostgreSQL).
        if extraRows > 0 {
            let names = ["citizen_id", "name", "sex", "birth_date", "mobile"]
            func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }
            let more = Fixtures.populationRows(extraRows + 30, seed: 2).suffix(extraRows)
            let csv =
                names.joined(separator: ",") + "\n"
                + more.map { r in names.map { text(r[$0]) }.joined(separator: ",") }.joined(separator: "\n") + "\n"
            _ = try await p.ingestion.run(
                ImportRequest(resource: "RK-0002", mode: .append, sourceName: "more.csv"), source: ChunkedBytes(csv),
                by: c)
        }
        var configuration = TestPlatform.configuration
        configure(&configuration)
        let app = try await buildApplication(configuration, services: fixture.services)
        let f = Fixture(platform: fixture, tokens: tokens)
        try await app.test(.router) { client in try await test(f, client) }
    }

    @discardableResult
    func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String?,
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
                status: r.status, headers: r.headers,
                body: (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:], text: text)
        }
    }

    func apply(
        _ client: some TestClientProtocol, _ f: Fixture, _ code: String,
        items: [String] = ["citizen_id", "name", "sex", "mobile"],
        services: [String] = ["query", "verify"], as user: String = "consumer"
    ) async throws -> Reply {
        let itemsJSON = items.map { "\"\($0)\"" }.joined(separator: ",")
        let servicesJSON = services.map { "\"\($0)\"" }.joined(separator: ",")
        return try await call(
            client, .post, "/api/v1/applications", token: f.tokens[user],
            json: """
                {"resource":"\(code)","items":[\(itemsJSON)],"services":[\(servicesJSON)],"purpose":"企业开办中核验法定代表人身份",
                 "legalBasis":"《政务数据共享条例》第十二条","expectedRowsPerDay":500}
                """)
    }

    func id(_ r: Reply) -> Int {
        r.body["id"] as? Int ?? (r.body["application"] as? [String: Any])?["id"] as? Int ?? -1
    }

    func audit(_ f: Fixture, action: String) async throws -> [AuditEntry] {
        try await f.platform.store.auditEntries(after: 0, limit: 1000, action: action, target: nil)
    }

    @Test func unconditionalResourcesNeedOnlyTheComplianceReview() async throws {
        try await withAPI { f, client in
            let applied = try await apply(client, f, "RK-0002")
            #expect(applied.status == .created, "\(applied.text)")
            #expect(applied.body["status"] as? String == "review" && applied.body["dueAt"] != nil)
            let appID = id(applied)
            // Before the grant, the data service refuses, and the refusal is audited.
            let early = try await call(client, .get, "/api/v1/share/RK-0002/records", token: f.tokens["consumer"])
            #expect(
                early.status == .forbidden
                    && early.body["detail"] as? String
                        == "department C-SCJG holds no grant for RK-0002; apply for it first"
            )
            #expect(try await audit(f, action: "share.query.denied").count == 1)
            // Only the bureau reviews.
            #expect(
                try await call(
                    client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["ga"],
                    json: #"{"approve":true}"#
                ).status == .forbidden)
            let decided = try await call(
                client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["admin"],
                json: #"{"approve":true}"#)
            #expect(decided.status == .ok, "\(decided.text)")
            let application = decided.body["application"] as? [String: Any] ?? [:]
            let grant = decided.body["grant"] as? [String: Any] ?? [:]
            #expect(
                application["status"] as? String == "granted" && application["grant"] as? Int == grant["id"] as? Int)
            #expect(
                grant["consumer"] as? String == "C-SCJG"
                    && grant["items"] as? [String] == ["citizen_id", "name", "sex", "mobile"])

            let page = try await call(
                client, .get, "/api/v1/share/RK-0002/records?limit=5", token: f.tokens["consumer"])
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.body["fields"] as? [String] == ["citizen_id", "name", "sex", "mobile"])
            let first = try #require(page.records.first)
            let stored = Fixtures.populationRows(1)[0]
            guard case .string(let id) = stored["citizen_id"], case .string(let name) = stored["name"],
                case .string(let mobile) = stored["mobile"]
            else {
                Issue.record("fixture rows changed")
                return
            }
            #expect(
                first["citizen_id"] as? String == DisplayMask.citizenID.apply(id)
                    && first["citizen_id"] as? String != id)
            #expect(
                first["name"] as? String == DisplayMask.personName.apply(name)
                    && first["mobile"] as? String == DisplayMask.mobile.apply(mobile))
            #expect(first["sex"] as? String != nil && (first["sex"] as? String)?.contains("*") == false)
            // The receipt: the audit entry's sequence and the request hash, in headers and body, and in the audit trail.
            let entry = try #require(page.headers[HTTPField.Name("X-Audit-Entry")!].flatMap { Int64($0) })
            let hash = try #require(page.headers[HTTPField.Name("X-Request-Hash")!])
            #expect((page.body["receipt"] as? [String: Any])?["requestHash"] as? String == hash)
            let logged = try #require(try await audit(f, action: "share.query").first)
            #expect(
                logged.sequence == entry && logged.event.actor == "consumer" && logged.event.actorDepartment == "C-SCJG"
            )
            #expect(
                logged.event.detail?.contains("request: \(hash)") == true
                    && logged.event.detail?.contains("rows: 5") == true)
            #expect(logged.event.detail?.contains("purpose: 企业开办中核验法定代表人身份") == true)
            #expect(
                hash
                    == RequestHash.of(
                        method: "GET", path: "/api/v1/share/RK-0002/records", query: [("limit", "5")], body: []))
            // Paging goes on with the cursor; the application's history tells the whole story.
            let cursor = try #require(page.body["nextCursor"] as? String)
            #expect(
                try await call(
                    client, .get, "/api/v1/share/RK-0002/records?limit=5&cursor=\(cursor)", token: f.tokens["consumer"]
                ).records.count == 5)
            let history =
                try await call(client, .get, "/api/v1/applications/\(appID)", token: f.tokens["ga"]).body["history"]
                as? [[String: Any]] ?? []
            #expect(history.map { $0["action"] as? String } == ["submit", "review.approve"])
            // Other departments do not see the application.
            #expect(
                try await call(client, .get, "/api/v1/applications/\(appID)", token: f.tokens["rs"]).status == .notFound
            )
            #expect(try await call(client, .get, "/api/v1/applications", token: f.tokens["rs"]).items.isEmpty)
        }
    }

    @Test func conditionalImportantDataPassesProviderAndSecondApproval() async throws {
        try await withAPI { f, client in
            let appID = id(try await apply(client, f, "RK-0001"))
            #expect(
                try await call(
                    client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["admin"],
                    json: #"{"approve":true}"#
                )
                .body["application"].flatMap { ($0 as? [String: Any])?["status"] as? String } == "provider")
            // The provider answers; a bad term is refused with its field.
            let bad = try await call(
                client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["ga"],
                json: #"{"approve":true,"terms":{"clearItems":["birth_date"]}}"#)
            #expect(bad.status == .unprocessableContent && bad.text.contains("terms.clearItems"))
            #expect(
                try await call(
                    client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["admin"],
                    json: #"{"approve":true}"#
                ).status == .forbidden)
            let answered = try await call(
                client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["ga"],
                json: #"{"approve":true,"terms":{"clearItems":["name"],"callsPerDay":4}}"#)
            #expect(
                (answered.body["application"] as? [String: Any])?["status"] as? String == "bureauApproval",
                "\(answered.text)")
            #expect(answered.body["grant"] == nil || answered.body["grant"] is NSNull)
            let granted = try await call(
                client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["admin"],
                json: #"{"approve":true}"#)
            let grant = try #require(granted.body["grant"] as? [String: Any])
            #expect(grant["clearItems"] as? [String] == ["name"] && grant["callsPerDay"] as? Int == 4)

            // Name is granted in clear: shown, and usable in filters and sort. Masked items are not.
            let name: String = { if case .string(let s) = Fixtures.populationRows(1)[0]["name"] { s } else { "" } }()
            let byName = try await call(
                client, .get,
                "/api/v1/share/RK-0001/records?filter=name:eq:\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&sort=name",
                token: f.tokens["consumer"])
            #expect(byName.status == .ok && byName.records.first?["name"] as? String == name, "\(byName.text)")
            for probe in ["filter=citizen_id:prefix:1101", "sort=citizen_id", "filter=mobile:eq:13800000000"] {
                let r = try await call(
                    client, .get, "/api/v1/share/RK-0001/records?\(probe)", token: f.tokens["consumer"])
                #expect(r.status == .badRequest && r.text.contains("masked"), "\(probe): \(r.text)")
            }
            // Four calls a day (the query by name was the first; refused probes do not count): the 429 says when to come back.
            #expect(
                try await call(client, .get, "/api/v1/share/RK-0001/records?limit=1", token: f.tokens["consumer"])
                    .status == .ok)
            #expect(
                try await call(client, .get, "/api/v1/share/RK-0001/records?limit=1", token: f.tokens["consumer"])
                    .status == .ok)
            #expect(
                try await call(client, .get, "/api/v1/share/RK-0001/records?limit=1", token: f.tokens["consumer"])
                    .status == .ok)
            let exhausted = try await call(
                client, .get, "/api/v1/share/RK-0001/records?limit=1", token: f.tokens["consumer"])
            #expect(exhausted.status == .tooManyRequests && exhausted.body["code"] as? String == "tooManyRequests")
            let retry = try #require(exhausted.headers[.retryAfter].flatMap(Int.init))
            #expect(retry > 0 && retry <= 86_400)
            #expect(
                try await audit(f, action: "share.query.denied").contains {
                    $0.event.detail?.contains("tooManyRequests") == true
                })
            // Statistics count the calls, for both departments.
            let usage = try await call(client, .get, "/api/v1/share-usage", token: f.tokens["ga"]).items
            #expect(usage.first?["calls"] as? Int == 4 && usage.first?["consumer"] as? String == "C-SCJG")
            #expect(
                try await call(client, .get, "/api/v1/share-usage?department=C-GA", token: f.tokens["rs"]).status
                    == .forbidden)
            let byConsumer = try await call(
                client, .get, "/api/v1/share-usage/totals?by=consumer", token: f.tokens["admin"]
            ).items
            #expect(
                byConsumer.count == 1 && byConsumer[0]["key"] as? String == "C-SCJG"
                    && byConsumer[0]["calls"] as? Int == 4)
            #expect(
                try await call(client, .get, "/api/v1/share-usage/totals?by=weather", token: f.tokens["admin"]).status
                    == .badRequest)
        }
    }

    @Test func notSharedIsRefusedAtOnceAndRejectionsCanBeDisputed() async throws {
        try await withAPI { f, client in
            let refused = try await apply(client, f, "RK-0003")
            #expect(refused.status == .created && refused.body["status"] as? String == "refused")
            let why = (refused.body["history"] as? [[String: Any]])?.last?["reason"] as? String ?? ""
            #expect(why.contains("不予共享") && why.contains("居民身份证法"))

            // The provider refuses with a reason (a refusal without one is not accepted); the consumer disputes; the bureau overturns.
            let appID = id(try await apply(client, f, "RK-0001"))
            _ = try await call(
                client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["admin"],
                json: #"{"approve":true}"#)
            #expect(
                try await call(
                    client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["ga"],
                    json: #"{"approve":false}"#
                ).status
                    == .unprocessableContent)
            let rejected = try await call(
                client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["ga"],
                json: #"{"approve":false,"reason":"用途不明确"}"#)
            #expect((rejected.body["application"] as? [String: Any])?["status"] as? String == "rejected")
            #expect(
                try await call(
                    client, .post, "/api/v1/applications/\(appID)/dispute", token: f.tokens["rs"],
                    json: #"{"reason":"x"}"#
                ).status == .notFound)
            let disputed = try await call(
                client, .post, "/api/v1/applications/\(appID)/dispute", token: f.tokens["consumer"],
                json: #"{"reason":"用途已在申请中写明：企业开办"}"#)
            #expect(
                disputed.body["status"] as? String == "disputed" && disputed.body["dueAt"] != nil, "\(disputed.text)")
            let ruled = try await call(
                client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["admin"],
                json: #"{"approve":true,"reason":"用途合法"}"#)
            // L4: overturned goes on to the bureau's second approval.
            #expect(
                (ruled.body["application"] as? [String: Any])?["status"] as? String == "bureauApproval", "\(ruled.text)"
            )
            // The consumer withdraws it, then resubmits with fewer items; a withdrawn application cannot be decided.
            let withdrawn = try await call(
                client, .post, "/api/v1/applications/\(appID)/withdraw", token: f.tokens["consumer"])
            #expect(withdrawn.body["status"] as? String == "withdrawn", "\(withdrawn.text)")
            #expect(
                try await call(
                    client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["admin"],
                    json: #"{"approve":true}"#
                ).status == .conflict)
            let again = try await call(
                client, .post, "/api/v1/applications/\(appID)/resubmit", token: f.tokens["consumer"],
                json: #"{"items":["citizen_id","name"]}"#)
            #expect(
                again.body["status"] as? String == "review"
                    && again.body["items"] as? [String] == ["citizen_id", "name"], "\(again.text)")
            let actions = (again.body["history"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(
                actions == [
                    "submit", "review.approve", "provider.reject", "dispute", "ruling.overturn", "withdraw", "resubmit",
                ])
            // Bad applications name their fields.
            let bad = try await call(
                client, .post, "/api/v1/applications", token: f.tokens["consumer"],
                json: #"{"resource":"RK-0001","items":["citizen_id","nope"],"purpose":""}"#)
            #expect(
                bad.status == .unprocessableContent && bad.text.contains("nope") && bad.text.contains("purpose")
                    && bad.text.contains("legalBasis"))
            #expect(
                try await call(
                    client, .post, "/api/v1/applications", token: f.tokens["consumer"],
                    json: #"{"resource":"NOPE","items":["a"]}"#
                ).status == .notFound)
            #expect(
                try await call(
                    client, .post, "/api/v1/applications", token: f.tokens["ga"],
                    json: #"{"resource":"RK-0001","items":["name"]}"#
                ).status == .forbidden)
            #expect(
                try await call(
                    client, .post, "/api/v1/applications", token: f.tokens["consumer"],
                    json: #"{"resource":"RK-0001","validFrom":"2026-13-01"}"#
                ).status == .unprocessableContent)
        }
    }

    /// Grants one application of market regulation for RK-0002 (query and verify) and returns the grant's id.
    func grantRK0002(
        _ client: some TestClientProtocol, _ f: Fixture, items: [String] = ["citizen_id", "name", "sex", "mobile"]
    ) async throws -> Int {
        let appID = id(try await apply(client, f, "RK-0002", items: items))
        let decided = try await call(
            client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["admin"],
            json: #"{"approve":true}"#)
        return (decided.body["grant"] as? [String: Any])?["id"] as? Int ?? -1
    }

    @Test func attacksAreRefusedAndAudited() async throws {
        try await withAPI { f, client in
            let grantID = try await grantRK0002(client, f, items: ["citizen_id", "name", "sex"])
            let consumer = f.tokens["consumer"]
            func status(_ uri: String, _ token: String?) async throws -> HTTPResponse.Status {
                try await call(client, .get, uri, token: token).status
            }
            let denialsBefore = try await audit(f, action: "share.query.denied").count
            // An ungranted resource, and one that does not exist.
            #expect(try await status("/api/v1/share/RK-0001/records", consumer) == .forbidden)
            #expect(try await status("/api/v1/share/NOPE/records", consumer) == .notFound)
            // Ungranted items, wherever they are named.
            for q in ["fields=citizen_id,mobile", "filter=mobile:eq:13800000000", "sort=mobile", "sort=-birth_date"] {
                let r = try await call(client, .get, "/api/v1/share/RK-0002/records?\(q)", token: consumer)
                #expect(r.status == .forbidden && r.text.contains("not granted"), "\(q): \(r.text)")
            }
            // Another department's grant, named or not.
            #expect(try await status("/api/v1/share/RK-0002/records?grant=\(grantID)", f.tokens["rs"]) == .forbidden)
            #expect(try await status("/api/v1/share/RK-0002/records", f.tokens["rs"]) == .forbidden)
            // The provider and the bureau do not use the consumer services.
            #expect(try await status("/api/v1/share/RK-0002/records", f.tokens["ga"]) == .forbidden)
            let denials = try await audit(f, action: "share.query.denied")
            #expect(denials.count == denialsBefore + 9)
            #expect(
                denials.contains {
                    $0.event.actor == "rs" && $0.event.actorDepartment == "C-RS"
                        && $0.event.detail?.contains("forbidden") == true
                })

            // Suspended, resumed, expired and revoked grants.
            #expect(
                try await call(
                    client, .post, "/api/v1/grants/\(grantID)/suspend", token: consumer, json: #"{"reason":"x"}"#
                ).status == .forbidden)
            #expect(
                try await call(client, .post, "/api/v1/grants/\(grantID)/suspend", token: f.tokens["ga"], json: #"{}"#)
                    .status == .unprocessableContent)
            #expect(
                try await call(
                    client, .post, "/api/v1/grants/\(grantID)/suspend", token: f.tokens["ga"],
                    json: #"{"reason":"数据核查期间暂停"}"#
                ).status == .ok)
            let suspended = try await call(client, .get, "/api/v1/share/RK-0002/records", token: consumer)
            #expect(suspended.status == .forbidden && suspended.text.contains("suspended: 数据核查期间暂停"))
            #expect(
                try await call(client, .post, "/api/v1/grants/\(grantID)/resume", token: f.tokens["ga"]).status == .ok)
            #expect(try await status("/api/v1/share/RK-0002/records", consumer) == .ok)
            let store = f.platform.store
            _ = try await store.updateGrant(
                GrantID(Int64(grantID)),
                audit: TestPlatform.operatorCaller.audit("test.expire", "grant:\(grantID)", at: Date())
            ) {
                var g = $0
                g.validUntil = CivilDate(chinaTime: Date()).adding(days: -1)
                return g
            }
            let expired = try await call(client, .get, "/api/v1/share/RK-0002/records", token: consumer)
            #expect(expired.status == .forbidden && expired.text.contains("expired"))
            _ = try await store.updateGrant(
                GrantID(Int64(grantID)),
                audit: TestPlatform.operatorCaller.audit("test.renew", "grant:\(grantID)", at: Date())
            ) {
                var g = $0
                g.validUntil = CivilDate(chinaTime: Date()).adding(days: 30)
                return g
            }
            #expect(
                try await call(
                    client, .post, "/api/v1/grants/\(grantID)/revoke", token: f.tokens["ga"],
                    json: #"{"reason":"用途终止"}"#
                ).status == .ok)
            #expect(
                try await call(client, .post, "/api/v1/grants/\(grantID)/resume", token: f.tokens["ga"]).status
                    == .conflict)
            let revoked = try await call(client, .get, "/api/v1/share/RK-0002/records", token: consumer)
            #expect(revoked.status == .forbidden && revoked.text.contains("revoked"))
            #expect(
                try await call(client, .post, "/api/v1/grants/abc/revoke", token: f.tokens["ga"]).status == .badRequest)
            #expect(
                try await call(client, .post, "/api/v1/grants/\(grantID)/explode", token: f.tokens["ga"]).status
                    == .notFound)
        }
    }

    @Test func systemAccountsCallWithKeysThatRotateAndRevoke() async throws {
        try await withAPI { f, client in
            _ = try await grantRK0002(client, f)
            let created = try await call(
                client, .post, "/api/v1/system-accounts", token: f.tokens["consumer"],
                json: #"{"name":"qykb-system","description":"企业开办一件事"}"#)
            #expect(created.status == .created, "\(created.text)")
            let key = try #require(created.body["key"] as? String)
            let account = try #require(created.body["account"] as? [String: Any])
            let accountID = try #require(account["id"] as? Int)
            #expect(
                account["department"] as? String == "C-SCJG" && account["keyHash"] == nil
                    && !created.text.contains("keyHash"))
            let page = try await call(client, .get, "/api/v1/share/RK-0002/records?limit=2", token: key)
            #expect(page.status == .ok && page.records.count == 2, "\(page.text)")
            #expect(try await audit(f, action: "share.query").last?.event.actor == "system:C-SCJG/qykb-system")
            // Another department cannot make or see this department's accounts; bad names and networks are named.
            #expect(
                try await call(
                    client, .post, "/api/v1/system-accounts", token: f.tokens["rs"],
                    json: #"{"department":"C-SCJG","name":"x"}"#
                ).status == .forbidden)
            #expect(
                try await call(client, .get, "/api/v1/system-accounts/\(accountID)", token: f.tokens["rs"]).status
                    == .notFound)
            let bad = try await call(
                client, .post, "/api/v1/system-accounts", token: f.tokens["consumer"],
                json: #"{"name":"Bad Name","networks":["10.0.0.0/99"]}"#)
            #expect(bad.status == .unprocessableContent && bad.text.contains("networks") && bad.text.contains("name"))
            // A system account cannot manage accounts itself.
            #expect(
                try await call(client, .post, "/api/v1/system-accounts", token: key, json: #"{"name":"child"}"#).status
                    == .forbidden)
            // Nor apply for data: applications are people's decisions.
            let byKey = try await call(
                client, .post, "/api/v1/applications", token: key,
                json: #"{"resource":"RK-0001","items":["name"],"purpose":"x","legalBasis":"y"}"#)
            #expect(byKey.status == .forbidden && byKey.text.contains("system accounts"))
            // Rotation: the old key stops at once, the new one works.
            let rotated = try await call(
                client, .post, "/api/v1/system-accounts/\(accountID)/rotate", token: f.tokens["consumer"])
            let newKey = try #require(rotated.body["key"] as? String)
            #expect(try await call(client, .get, "/api/v1/share/RK-0002/records", token: key).status == .unauthorized)
            #expect(try await call(client, .get, "/api/v1/share/RK-0002/records", token: newKey).status == .ok)
            // Bound to a network: a call that does not come from it is refused.
            let bound = try await call(
                client, .post, "/api/v1/system-accounts", token: f.tokens["consumer"],
                json: #"{"name":"bound","networks":["10.3.0.0/16"]}"#)
            let boundKey = try #require(bound.body["key"] as? String)
            #expect(try await call(client, .get, "/api/v1/share/RK-0002/records", token: boundKey).status == .forbidden)
            #expect(try await audit(f, action: "system-account.denied").last?.event.actor == "system:C-SCJG/bound")
            // Revoked: refused.
            #expect(
                try await call(client, .delete, "/api/v1/system-accounts/\(accountID)", token: f.tokens["consumer"])
                    .body["revokedAt"] != nil)
            #expect(
                try await call(client, .get, "/api/v1/share/RK-0002/records", token: newKey).status == .unauthorized)
            // A revoked key is refused with an entry naming its account; an unknown key leaves no entry.
            let denied = try await audit(f, action: "system-account.denied")
            #expect(
                denied.count == 2 && denied.last?.event.actor == "system:C-SCJG/qykb-system"
                    && denied.last?.event.detail?.contains("unauthenticated") == true)
            #expect(
                try await call(
                    client, .get, "/api/v1/share/RK-0002/records", token: "zsk_" + String(repeating: "0", count: 64)
                ).status == .unauthorized)
            #expect(try await audit(f, action: "system-account.denied").count == 2)
            #expect(
                try await call(client, .get, "/api/v1/system-accounts", token: f.tokens["consumer"]).items.count == 2)
        }
    }

    @Test func verificationAnswersMatchWithoutRevealingValues() async throws {
        try await withAPI { f, client in
            _ = try await grantRK0002(client, f, items: ["citizen_id", "name", "sex"])
            let rows = Fixtures.populationRows(3)
            func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }
            let id0 = text(rows[0]["citizen_id"]), name0 = text(rows[0]["name"])
            let id1 = text(rows[1]["citizen_id"])
            let body = """
                {"explain":true,"tuples":[
                  {"citizen_id":"\(id0)","name":"\(name0)"},
                  {"citizen_id":"\(id1)","name":"不是这个人"},
                  {"citizen_id":"11010519491231002X","name":"张三"}]}
                """
            let r = try await call(
                client, .post, "/api/v1/share/RK-0002/verify", token: f.tokens["consumer"], json: body)
            #expect(r.status == .ok, "\(r.text)")
            let results = r.body["results"] as? [[String: Any]] ?? []
            #expect(results.map { $0["match"] as? Bool } == [true, false, false])
            #expect(results.map { $0["found"] as? Bool } == [true, true, false])
            #expect(results[1]["differs"] as? [String] == ["name"])
            #expect(!r.text.contains(text(rows[1]["name"])))
            #expect(r.headers[HTTPField.Name("X-Audit-Entry")!] != nil)
            let logged = try #require(try await audit(f, action: "share.verify").first)
            #expect(logged.event.detail?.contains("matched: 1") == true && logged.event.detail?.contains(id0) == false)
            // Without the key, with an ungranted item, too many tuples, or a query-only grant: refused precisely.
            let noKey = try await call(
                client, .post, "/api/v1/share/RK-0002/verify", token: f.tokens["consumer"],
                json: #"{"tuples":[{"name":"张三"}]}"#)
            #expect(noKey.status == .unprocessableContent && noKey.text.contains("citizen_id"))
            let ungranted = try await call(
                client, .post, "/api/v1/share/RK-0002/verify", token: f.tokens["consumer"],
                json: #"{"tuples":[{"citizen_id":"11010519491231002X","mobile":"13800000000"}]}"#)
            #expect(ungranted.status == .forbidden && ungranted.text.contains("mobile"))
            let many =
                "{\"tuples\":["
                + Array(repeating: #"{"citizen_id":"11010519491231002X"}"#, count: 1001).joined(separator: ",") + "]}"
            #expect(
                try await call(client, .post, "/api/v1/share/RK-0002/verify", token: f.tokens["consumer"], json: many)
                    .status == .contentTooLarge)
            #expect(
                try await call(
                    client, .post, "/api/v1/share/RK-0002/verify", token: f.tokens["consumer"], json: #"{"tuples":[]}"#
                ).status == .badRequest)
            #expect(
                try await call(
                    client, .post, "/api/v1/share/RK-0002/verify", token: f.tokens["consumer"], json: #"{"tuples":"x"}"#
                ).status == .unprocessableContent)
            let queryOnly = id(
                try await apply(client, f, "RK-0002", items: ["citizen_id"], services: ["query"], as: "rs"))
            _ = try await call(
                client, .post, "/api/v1/applications/\(queryOnly)/decision", token: f.tokens["admin"],
                json: #"{"approve":true}"#)
            let refused = try await call(
                client, .post, "/api/v1/share/RK-0002/verify", token: f.tokens["rs"],
                json: #"{"tuples":[{"citizen_id":"11010519491231002X"}]}"#)
            #expect(refused.status == .forbidden && refused.text.contains("does not allow verify"))
        }
    }

    @Test func theBureauKeepsTheWorkingDayCalendar() async throws {
        try await withAPI { f, client in
            let days = try await call(client, .get, "/api/v1/calendar?year=2026", token: f.tokens["consumer"]).items
            #expect(days.contains { $0["date"] as? String == "2026-10-01" && $0["kind"] as? String == "holiday" })
            #expect(days.allSatisfy { ($0["date"] as? String)?.hasPrefix("2026") == true })
            #expect(
                try await call(
                    client, .put, "/api/v1/calendar/2027-01-01", token: f.tokens["consumer"],
                    json: #"{"kind":"holiday","name":"元旦"}"#
                ).status == .forbidden)
            #expect(
                try await call(
                    client, .put, "/api/v1/calendar/2027-01-01", token: f.tokens["admin"],
                    json: #"{"kind":"holiday","name":"元旦"}"#
                ).status == .ok)
            #expect(
                try await call(
                    client, .put, "/api/v1/calendar/2027-02-30", token: f.tokens["admin"],
                    json: #"{"kind":"holiday","name":"x"}"#
                ).status == .badRequest)
            #expect(
                try await call(
                    client, .put, "/api/v1/calendar/2027-01-02", token: f.tokens["admin"],
                    json: #"{"kind":"party","name":"x"}"#
                ).status == .unprocessableContent)
            #expect(
                try await call(client, .delete, "/api/v1/calendar/2027-01-01", token: f.tokens["admin"]).status
                    == .noContent)
            #expect(
                try await call(client, .delete, "/api/v1/calendar/2027-01-01", token: f.tokens["admin"]).status
                    == .notFound)
            // Overdue steps are escalated once, and the bureau lists them.
            let appID = id(try await apply(client, f, "RK-0002"))
            _ = try await f.platform.store.updateApplication(
                ApplicationID(Int64(appID)),
                audit: TestPlatform.operatorCaller.audit("test.age", "application:\(appID)", at: Date())
            ) {
                var a = $0
                a.dueAt = Date().addingTimeInterval(-3600)
                return a
            }
            #expect(
                try await call(client, .get, "/api/v1/applications?overdue=true", token: f.tokens["admin"]).items.map {
                    $0["id"] as? Int
                } == [appID])
            #expect(try await f.platform.platform.sharing.escalateOverdue().count == 1)
            #expect(try await f.platform.platform.sharing.escalateOverdue().isEmpty)
            let escalated = try await call(client, .get, "/api/v1/applications/\(appID)", token: f.tokens["admin"])
            #expect(
                escalated.body["escalatedAt"] != nil
                    && (escalated.body["history"] as? [[String: Any]])?.last?["action"] as? String == "escalate")
        }
    }

    @Test func auditorsSearchAndExportTheTrail() async throws {
        try await withAPI { f, client in
            _ = try await grantRK0002(client, f)
            _ = try await call(client, .get, "/api/v1/share/RK-0002/records?limit=3", token: f.tokens["consumer"])
            _ = try await call(client, .get, "/api/v1/share/RK-0001/records", token: f.tokens["rs"])
            let auditor = f.tokens["auditor"]
            let byDepartment = try await call(
                client, .get, "/api/v1/audit?department=C-SCJG&resource=RK-0002", token: auditor
            ).items
            #expect(
                !byDepartment.isEmpty
                    && byDepartment.allSatisfy {
                        $0["actorDepartment"] as? String == "C-SCJG" && $0["target"] as? String == "resource:RK-0002"
                    })
            #expect(byDepartment.contains { $0["action"] as? String == "share.query" })
            let denied = try await call(
                client, .get, "/api/v1/audit?actor=rs&action=share.query.denied", token: auditor
            ).items
            #expect(denied.count == 1 && (denied[0]["detail"] as? String)?.contains("forbidden") == true)
            let today = CivilDate(chinaTime: Date())
            #expect(
                try await call(
                    client, .get, "/api/v1/audit?from=\(today)&to=\(today.adding(days: 1))&actor=rs", token: auditor
                ).items.count == 1)
            #expect(try await call(client, .get, "/api/v1/audit?to=\(today)&actor=rs", token: auditor).items.isEmpty)
            #expect(try await call(client, .get, "/api/v1/audit?from=yesterday", token: auditor).status == .badRequest)
            #expect(
                try await call(client, .get, "/api/v1/audit?from=\(today)&to=\(today)", token: auditor).status
                    == .badRequest)
            #expect(try await call(client, .get, "/api/v1/audit", token: f.tokens["consumer"]).status == .forbidden)
            // Exports carry every matching entry, and are themselves audited.
            let jsonl = try await call(client, .get, "/api/v1/audit/export?department=C-SCJG", token: auditor)
            #expect(jsonl.status == .ok && jsonl.headers[.contentType] == "application/x-ndjson")
            let lines = jsonl.text.split(separator: "\n")
            #expect(
                lines.count
                    == (try await f.platform.store.auditEntries(AuditFilter(limit: 1000, department: "C-SCJG")).count))
            let csv = try await call(client, .get, "/api/v1/audit/export?format=csv&actor=rs", token: auditor)
            #expect(
                csv.text.hasPrefix("\u{FEFF}sequence,at,actor") && csv.text.contains(",rs,C-RS,share.query.denied,"))
            // Header values as written (the generated server's runtime would percent-encode them).
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"audit.csv\"")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(try await audit(f, action: "audit.export").count == 2)
            // Record values an entry's detail carries (here a problem's row key) reach readers masked, in lists and
            // exports alike; the stored entry, and its hash, are untouched.
            let id = "330106196612148071"
            try await f.platform.store.appendAudit(
                TestPlatform.operatorCaller.audit(
                    "problem.object", "problem:1", at: Date(), detail: "row: \(id); mobile 13800138000"))
            let listed = try await call(client, .get, "/api/v1/audit?action=problem.object", token: auditor).items
            #expect(listed.first?["detail"] as? String == "row: 330106********8071; mobile 138****8000", "\(listed)")
            let exported = try await call(
                client, .get, "/api/v1/audit/export?action=problem.object", token: f.tokens["admin"])
            #expect(exported.text.contains("330106********8071") && !exported.text.contains(id))
            #expect(try await audit(f, action: "problem.object").first?.event.detail?.contains(id) == true)
            #expect(
                try await call(client, .get, "/api/v1/audit/export?format=xml", token: auditor).status == .badRequest)
            #expect(try await call(client, .get, "/api/v1/audit/export", token: f.tokens["ga"]).status == .forbidden)
        }
    }

    @Test func subscribersFollowChangesThroughACursor() async throws {
        try await withAPI { f, client in
            let appID = id(
                try await apply(client, f, "RK-0002", items: ["citizen_id", "name"], services: ["subscribe"]))
            _ = try await call(
                client, .post, "/api/v1/applications/\(appID)/decision", token: f.tokens["admin"],
                json: #"{"approve":true}"#)
            let first = try await call(
                client, .get, "/api/v1/share/RK-0002/changes?limit=20", token: f.tokens["consumer"])
            #expect(
                first.status == .ok && first.records.count == 20 && first.body["more"] as? Bool == true, "\(first.text)"
            )
            #expect(
                (first.records[0]["citizen_id"] as? String)?.contains("********") == true
                    && first.headers[HTTPField.Name("X-Audit-Entry")!] != nil)
            let cursor = try #require(first.body["cursor"] as? String)
            let rest = try await call(
                client, .get, "/api/v1/share/RK-0002/changes?cursor=\(cursor)", token: f.tokens["consumer"])
            #expect(
                rest.records.count == 10 && rest.body["more"] as? Bool == false && rest.body["reset"] as? Bool == false)
            let end = try #require(rest.body["cursor"] as? String)
            // The provider pushes two people: exactly they come next.
            _ = try await f.platform.platform.data.insert(
                Array(Fixtures.populationRows(2, seed: 9)), into: "RK-0002", by: TestPlatform.operatorCaller)
            let next = try await call(
                client, .get, "/api/v1/share/RK-0002/changes?cursor=\(end)", token: f.tokens["consumer"])
            #expect(next.records.count == 2, "\(next.text)")
            // A query-only grant does not subscribe; a bad cursor and an ungranted item are refused.
            #expect(
                try await call(client, .get, "/api/v1/share/RK-0002/changes?cursor=xyz", token: f.tokens["consumer"])
                    .status == .badRequest)
            #expect(
                try await call(client, .get, "/api/v1/share/RK-0002/changes?fields=mobile", token: f.tokens["consumer"])
                    .status == .forbidden)
            _ = try await grantRK0002(client, f)
            let rsApp = id(try await apply(client, f, "RK-0002", items: ["citizen_id"], services: ["query"], as: "rs"))
            _ = try await call(
                client, .post, "/api/v1/applications/\(rsApp)/decision", token: f.tokens["admin"],
                json: #"{"approve":true}"#)
            let refused = try await call(client, .get, "/api/v1/share/RK-0002/changes", token: f.tokens["rs"])
            #expect(refused.status == .forbidden && refused.text.contains("does not allow subscribe"))
        }
    }

    @Test func providersScanTheirRecordsForPersonalData() async throws {
        try await withAPI { f, client in
            let r = try await call(client, .post, "/api/v1/resources/RK-0001/scan?sample=25", token: f.tokens["ga"])
            #expect(r.status == .ok, "\(r.text)")
            #expect(r.body["rows"] as? Int == 25)
            let columns = r.body["columns"] as? [[String: Any]] ?? []
            let detected = Dictionary(
                uniqueKeysWithValues: columns.compactMap { c in
                    (c["detected"] as? String).map { (c["column"] as! String, $0) }
                })
            #expect(detected == ["citizen_id": "citizen_id", "name": "person_name", "mobile": "mobile"], "\(detected)")
            let examples = columns.flatMap { $0["examples"] as? [String] ?? [] }
            #expect(!examples.isEmpty && examples.allSatisfy { $0.contains("*") })
            #expect(
                try await audit(f, action: "resource.scan").first?.event.detail?.contains("citizen_id=citizen_id")
                    == true)
            #expect(
                try await call(client, .post, "/api/v1/resources/RK-0001/scan", token: f.tokens["consumer"]).status
                    == .forbidden)
            #expect(
                try await call(client, .post, "/api/v1/resources/NOPE/scan", token: f.tokens["ga"]).status == .notFound)
            #expect(
                try await call(client, .post, "/api/v1/resources/RK-0001/scan?sample=0", token: f.tokens["ga"]).status
                    == .badRequest)
        }
    }
}
