import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuConsole
import ZhengshuCore
import ZhengshuTestSupport

/// The console through the real router: sign-in with session cookies, CSRF on every form, lockout, role-scoped
/// navigation, forms that keep what was typed, and the string tables the templates read. The browser drives the same
/// pages in CI (Tests/Browser/console_test.py).
@Suite struct ConsoleTests {
    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var text: String
        var setCookies: [String] { headers[values: .setCookie] }
        var location: String? { headers[.location] }
        /// The value of a hidden field, as a browser would post it back.
        func field(_ name: String) -> String? {
            guard let r = text.range(of: "name=\"\(name)\" value=\"") else { return nil }
            return String(text[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    /// A browser's cookie jar over the test client.
    final class Browser: @unchecked Sendable {
        var cookies: [String: String] = [:]
        let client: any TestClientProtocol
        init(_ client: any TestClientProtocol) { self.client = client }

        @discardableResult
        func get(_ uri: String, headers extra: HTTPFields = [:]) async throws -> Page {
            try await send(.get, uri, body: nil, headers: extra)
        }

        @discardableResult
        func post(_ uri: String, _ fields: [(String, String)], headers extra: HTTPFields = [:]) async throws -> Page {
            let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
            var headers = extra
            headers[.contentType] = "application/x-www-form-urlencoded"
            return try await send(.post, uri, body: body, headers: headers)
        }

        func send(
            _ method: HTTPRequest.Method, _ uri: String, body: String?, headers extra: HTTPFields
        ) async throws -> Page {
            var headers = extra
            if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
            let page = try await client.execute(
                uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
            ) { r in
                Page(status: r.status, headers: r.headers, text: String(buffer: r.body))
            }
            for c in page.setCookies {
                let pair = c.split(separator: ";")[0].split(
                    separator: "=", maxSplits: 1, omittingEmptySubsequences: false
                ).map(String.init)
                if pair.count == 2 { cookies[pair[0]] = pair[1].isEmpty ? nil : pair[1] }
            }
            return page
        }

        /// Signs in through the form. - Returns: the answer to the form's post.
        @discardableResult
        func signIn(
            _ name: String, _ password: String = "Test-Password-1", headers: HTTPFields = [:]
        ) async throws -> Page {
            let form = try await get("/login", headers: headers)
            return try await post(
                "/login",
                [("_csrf", form.field("_csrf") ?? ""), ("name", name), ("password", password), ("next", "/")],
                headers: headers)
        }

        static func encode(_ s: String) -> String {
            s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
                ?? s
        }
    }

    func withConsole(_ test: @Sendable (TestPlatform, any TestClientProtocol) async throws -> Void) async throws {
        let fixture = try await TestPlatform.make()
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client in try await test(fixture, client) }
    }

    @Test func signInSetsAnHttpOnlySessionThatSignOutEnds() async throws {
        try await withConsole { f, client in
            let b = Browser(client)
            let anonymous = try await b.get("/catalog?q=x")
            #expect(anonymous.status == .seeOther && anonymous.location == "/login?next=%2Fcatalog%3Fq%3Dx")
            let signedIn = try await b.signIn("admin")
            #expect(signedIn.status == .seeOther && signedIn.location == "/")
            let session = try #require(signedIn.setCookies.first { $0.hasPrefix("zs_session=") })
            #expect(
                session.contains("HttpOnly") && session.contains("SameSite=Lax") && !session.contains("Secure"),
                "\(session)")
            // The session is a token that expires (8 hours by default) and is audited as a sign-in.
            let cockpit = try await b.get("/")
            #expect(cockpit.status == .ok && cockpit.text.contains("数据局驾驶舱"))
            #expect(cockpit.text.components(separatedBy: "<svg").count - 1 == 4)
            let admin = try #require(try await f.store.user(named: "admin"))
            let token = try #require(
                try await f.store.tokens(user: admin.id).first { $0.label == SignInPolicy.sessionLabel })
            let hours = try #require(token.expiresAt).timeIntervalSince(token.createdAt) / 3600
            #expect(abs(hours - 8) < 0.01)
            let logins = try await f.store.auditEntries(AuditFilter(action: "login"))
            #expect(logins.last?.event.actor == "admin" && logins.last?.event.target == "login:admin")
            // Signing out needs the form's token; then the session is revoked for good, even if its cookie was copied.
            let copied = b.cookies["zs_session"]!
            let forged = try await b.post("/logout", [("_csrf", "0123")])
            #expect(forged.status == .forbidden)
            let out = try await b.post("/logout", [("_csrf", SignInPolicy.csrfToken(for: copied))])
            #expect(out.status == .seeOther && out.location == "/login" && b.cookies["zs_session"] == nil)
            b.cookies["zs_session"] = copied
            #expect(try await b.get("/").location?.hasPrefix("/login") == true)
            #expect(try await f.store.auditEntries(AuditFilter(action: "logout")).count == 1)
        }
    }

    @Test func behindTLSTheCookieIsSecure() async throws {
        try await withConsole { _, client in
            let page = try await Browser(client).signIn("ga", headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(page.setCookies.first { $0.hasPrefix("zs_session=") }?.contains("Secure") == true)
        }
    }

    @Test func wrongPasswordsLockTheNameAndEveryFailureIsAudited() async throws {
        try await withConsole { f, client in
            let b = Browser(client)
            let wrong = try await b.signIn("ga", "Wrong-Password-1")
            #expect(
                wrong.status == .unauthorized && wrong.text.contains("用户名或密码错误") && wrong.text.contains("value=\"ga\""))
            // The sign-in form itself is CSRF-protected (no signing a victim in to another account).
            let forged = try await b.post(
                "/login", [("_csrf", "guess"), ("name", "ga"), ("password", "Test-Password-1")])
            #expect(forged.status == .forbidden && forged.setCookies.allSatisfy { !$0.hasPrefix("zs_session=") })
            for _ in 0..<4 { _ = try await b.signIn("ga", "Wrong-Password-1") }
            // Five failures: even the right password is refused until the lock ends, and says so.
            let locked = try await b.signIn("ga")
            #expect(locked.status == .tooManyRequests && locked.text.contains("锁定"), "\(locked.text.prefix(300))")
            #expect(b.cookies["zs_session"] == nil)
            let failures = try await f.store.auditEntries(AuditFilter(action: "login.failed", target: "login:ga"))
            #expect(failures.count == 6)
            // Another name is not affected.
            #expect(try await Browser(client).signIn("scjg").status == .seeOther)
        }
    }

    @Test func navigationShowsOnlyWhatTheRoleMayDo() async throws {
        try await withConsole { _, client in
            func nav(_ user: String) async throws -> String {
                let b = Browser(client)
                try await b.signIn(user)
                let home = try await b.get("/")
                return String(
                    home.text[home.text.range(of: "<nav")!.lowerBound..<home.text.range(of: "</nav>")!.upperBound])
            }
            let consumer = try await nav("consumer"), provider = try await nav("ga"), admin = try await nav("admin")
            #expect(consumer.contains("我的申请") && !consumer.contains("新建资源") && !consumer.contains("审批待办"))
            #expect(provider.contains("新建资源") && provider.contains("审批待办") && !provider.contains("我的申请"))
            #expect(admin.contains("驾驶舱") && admin.contains("审批待办"))
            // A consumer who opens a provider's page by its address gets the API's refusal, not the page.
            let b = Browser(client)
            try await b.signIn("consumer")
            let page = try await b.get("/catalog/RK-NONE/upload")
            #expect(page.status == .notFound && page.text.contains("does not exist"))
        }
    }

    @Test func everyFormNeedsTheSessionsTokenAndAFailedFormKeepsWhatWasTyped() async throws {
        try await withConsole { f, client in
            let b = Browser(client)
            try await b.signIn("ga")
            let form = try await b.get("/catalog/new")
            let csrf = try #require(form.field("_csrf"))
            let fields = [
                ("code", "bad code!"), ("name", "流动人口居住登记信息"), ("abstract", "本市流动人口"), ("department", "C-GA"),
                ("category", "人口"), ("shareType", "conditional"), ("shareCondition", "用于法定职责"), ("openType", "none"),
                ("updateCycle", "daily"),
                ("item0.name", "citizen_id"), ("item0.label", "公民身份号码"), ("item0.type", "string"), ("item0.key", "1"),
                ("item0.element", "citizen_id"),
            ]
            #expect(try await b.post("/catalog/new", fields).status == .forbidden)
            // A form over 1 MiB, or a body that is not a form, is refused with its reason; nothing is stored.
            let huge = try await b.post(
                "/catalog/new", [("_csrf", csrf), ("abstract", String(repeating: "人", count: 400_000))] + fields)
            #expect(huge.status == .contentTooLarge && huge.text.contains("larger than 1 MiB"))
            let json = try await b.send(.post, "/catalog/new", body: "{}", headers: [.contentType: "application/json"])
            #expect(json.status == .badRequest && json.text.contains("application/x-www-form-urlencoded"))
            #expect(try await f.store.resource(ResourceCode(trusted: "GA-LD-0001")) == nil)
            let refused = try await b.post("/catalog/new", [("_csrf", csrf)] + fields)
            #expect(
                refused.status == .badRequest && refused.text.contains("must be 1-64 ASCII letters"),
                "\(refused.text.prefix(400))")
            #expect(refused.text.contains("value=\"流动人口居住登记信息\"") && refused.text.contains("value=\"citizen_id\""))
            #expect(try await f.store.resource(ResourceCode(trusted: "bad code!")) == nil)
            var good = fields
            good[0] = ("code", "GA-LD-0001")
            let created = try await b.post("/catalog/new", [("_csrf", csrf)] + good)
            #expect(
                created.status == .seeOther && created.location == "/catalog/GA-LD-0001",
                "\(created.status) \(created.text.components(separatedBy: "<main").last!.prefix(700))")
            let resource = try #require(try await f.store.resource(ResourceCode(trusted: "GA-LD-0001")))
            #expect(
                resource.items.map(\.name) == ["citizen_id"] && resource.items[0].key
                    && resource.items[0].dataElement == .citizenID)
            #expect(try await b.post("/catalog/GA-LD-0001/publish", [("_csrf", csrf)]).status == .seeOther)
            #expect(try await f.store.resource(ResourceCode(trusted: "GA-LD-0001"))?.status == .published)
        }
    }

    @Test func theConsolesScriptsCallTheAPIWithTheCookieAndItsHeaderOnly() async throws {
        try await withConsole { _, client in
            let b = Browser(client)
            try await b.signIn("ga")
            let session = b.cookies["zs_session"]!
            // A cross-site request carries the cookie but cannot set the header: refused.
            let forged = try await b.get("/api/v1/me")
            #expect(forged.status == .forbidden && forged.text.contains("X-Zhengshu-CSRF"))
            let wrong = try await b.get("/api/v1/me", headers: [HTTPField.Name(SignInPolicy.csrfHeader)!: "0"])
            #expect(wrong.status == .forbidden)
            let me = try await b.get(
                "/api/v1/me", headers: [HTTPField.Name(SignInPolicy.csrfHeader)!: SignInPolicy.csrfToken(for: session)])
            #expect(me.status == .ok && me.text.contains("\"name\":\"ga\""))
        }
    }

    @Test func everyStringTheTemplatesReadExistsInBothLanguages() throws {
        let strings = StringTable.load()
        #expect(strings.keys("zh-CN") == strings.keys("en") && strings.keys("zh-CN").count > 150)
        // Templates read the table as a tree: no key may be both a text and the start of other keys.
        let keys = strings.keys("zh-CN")
        for k in keys { #expect(!keys.contains { $0.hasPrefix(k + ".") }, "\(k)") }
        let templates = try #require(StringTable.templatesDirectory)
        let regex = try NSRegularExpression(pattern: "\\{\\{[#^/]?t\\.([A-Za-z.]+)\\}\\}")
        var used = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: templates.path) {
            let text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let key = String(text[Range(m.range(at: 1), in: text)!])
                #expect(keys.contains(key), "\(file) reads t.\(key), which the string table lacks")
                used += 1
            }
        }
        #expect(used > 100)
    }
}

/// The governance and security pages, and editing a catalog entry.
@Suite struct ConsoleGovernanceTests {
    typealias Browser = ConsoleTests.Browser

    func withPopulation(_ test: @Sendable (TestPlatform, any TestClientProtocol) async throws -> Void) async throws {
        let fixture = try await TestPlatform.make()
        let p = fixture.platform, c = TestPlatform.operatorCaller
        _ = try await p.catalog.create(Fixtures.populationDraft(code: "RK-0001"), by: c)
        _ = try await p.catalog.publish("RK-0001", by: c)
        _ = try await p.data.insert(Fixtures.populationRows(60), into: "RK-0001", by: c)
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client in try await test(fixture, client) }
    }

    @Test func aScanIsReviewedAndItsGradesGoIntoTheCatalog() async throws {
        try await withPopulation { f, client in
            let b = Browser(client)
            try await b.signIn("ga")
            let page = try await b.get("/catalog/RK-0001")
            #expect(page.text.contains("id=\"sample\"") && page.text.contains("id=\"lineage\""))
            let csrf = try #require(page.field("_csrf"))
            let scanned = try await b.post("/catalog/RK-0001/scan", [("_csrf", csrf)])
            #expect(
                scanned.status == .ok && scanned.text.contains("公民身份号码") && scanned.text.contains("id=\"to-proposal\""))
            #expect(
                !Fixtures.populationRows(60).contains { row in
                    if case .string(let id) = row["citizen_id"] {
                        return scanned.text.contains(id)
                    } else {
                        return false
                    }
                }, "the scan's examples are masked")
            let proposals = try await b.get("/proposals?resource=RK-0001")
            let proposal = try #require(
                try await f.store.gradeProposals(
                    status: .pending, department: nil, resource: ResourceCode(trusted: "RK-0001"), limit: 5
                ).first)
            #expect(
                proposals.text.contains("proposal-\(proposal.id.rawValue)") && proposals.text.contains("citizen_id"))
            // Lowering a proposed grade is an override: without a reason it is refused and nothing changes.
            let lowered = proposal.items.first { $0.proposed == .l4 }!.item
            var fields = [("_csrf", csrf)] + proposal.items.map { ("grade.\($0.item)", $0.proposed.rawValue) }
            fields = fields.map { $0.0 == "grade.\(lowered)" ? ($0.0, "L3") : $0 }
            let refused = try await b.post("/proposals/\(proposal.id.rawValue)", fields)
            #expect(
                refused.status == .unprocessableContent && refused.text.contains("class=\"problem\""),
                "\(refused.status)")
            #expect(
                try await f.store.resource(ResourceCode(trusted: "RK-0001"))?.item(named: lowered)?.sensitivity != .l3)
            let confirmed = try await b.post(
                "/proposals/\(proposal.id.rawValue)",
                [("_csrf", csrf)] + proposal.items.map { ("grade.\($0.item)", $0.proposed.rawValue) })
            #expect(confirmed.status == .seeOther, "\(confirmed.text.suffix(800))")
            let graded = try #require(try await f.store.resource(ResourceCode(trusted: "RK-0001")))
            #expect(graded.item(named: lowered)?.sensitivity == .l4 && graded.sensitivity == .l4)
            // Editing keeps what the form does not show: the grades just confirmed survive a change of name.
            let edit = try await b.get("/catalog/RK-0001/edit")
            #expect(
                edit.text.contains("value=\"RK-0001\" required readonly") && edit.text.contains("value=\"citizen_id\""))
            var form: [(String, String)] = [("_csrf", csrf)]
            for (k, v) in Fixtures.formFields(of: graded) { form.append((k, k == "name" ? "人口基础信息（户籍）" : v)) }
            let saved = try await b.post("/catalog/RK-0001/edit", form)
            #expect(saved.status == .seeOther, "\(saved.text.components(separatedBy: "<main").last!.prefix(600))")
            let edited = try #require(try await f.store.resource(ResourceCode(trusted: "RK-0001")))
            #expect(
                edited.name == "人口基础信息（户籍）" && edited.version == graded.version + 1
                    && edited.item(named: lowered)?.sensitivity == .l4)
        }
    }

    @Test func aSystemAccountsKeyIsShownOnceAndAuditorsSearchTheTrail() async throws {
        try await withPopulation { f, client in
            let b = Browser(client)
            try await b.signIn("consumer")
            let csrf = try #require(try await b.get("/accounts").field("_csrf"))
            let created = try await b.post(
                "/accounts",
                [("_csrf", csrf), ("name", "shjz"), ("description", "社会救助系统"), ("networks", "10.3.0.0/16")])
            let key = try #require(
                created.text.range(of: "zsk_").map { String(created.text[$0.lowerBound...].prefix { $0 != "<" }) })
            #expect(created.status == .ok && key.count > 20)
            let later = try await b.get("/accounts")
            #expect(later.text.contains("shjz") && !later.text.contains(key) && later.text.contains("10.3.0.0/16"))
            let bad = try await b.post(
                "/accounts", [("_csrf", csrf), ("name", "bad name!"), ("networks", "not-a-network")])
            #expect(bad.status != .ok && bad.text.contains("value=\"bad name!\""))

            let auditor = Browser(client)
            try await auditor.signIn("auditor")
            let trail = try await auditor.get("/audit?action=system-account.create")
            #expect(
                trail.status == .ok && trail.text.contains("system-account.create") && trail.text.contains("consumer"))
            let wrongDate = try await auditor.get("/audit?from=2026-13-40")
            #expect(wrongDate.status == .unprocessableContent && wrongDate.text.contains("is not a date"))
            #expect(try await auditor.get("/alerts").status == .ok)
            // A consumer may not read the trail: the page says why.
            #expect(try await b.get("/audit").status == .forbidden)
            #expect(try await b.get("/problems").status == .forbidden)
            let provider = Browser(client)
            try await provider.signIn("ga")
            #expect(try await provider.get("/problems?status=all").status == .ok)
            _ = f
        }
    }
}
