import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// Least privilege for the bureau: its administrators read other departments' records masked, like any department
/// without a grant, until a break-glass access opens them (a reason, a time limit, a second administrator where
/// configured, its own audit entries and an alert).
@Suite struct BreakGlassTests {
    let api = SharingAPITests()

    func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }

    @Test func theAdministratorReadsMaskedUntilBreakGlassOpensTheResource() async throws {
        try await api.withAPI { f, client in
            let admin = f.tokens["admin"]
            let people = Fixtures.populationRows(30)
            let ids = Set(people.map { text($0["citizen_id"]) })
            func shown(_ r: SharingAPITests.Reply) -> Set<String> {
                Set(r.records.compactMap { $0["citizen_id"] as? String })
            }
            // Masked, and audited as masked; no filter on a masked item (it would probe the value).
            let masked = try await api.call(client, .get, "/api/v1/resources/RK-0001/records?limit=30", token: admin)
            #expect(masked.status == .ok && masked.records.count == 30, "\(masked.text)")
            #expect(shown(masked).isDisjoint(with: ids) && !masked.text.contains(text(people[0]["mobile"])))
            #expect(try await api.audit(f, action: "records.query").last?.event.detail?.hasSuffix("; masked") == true)
            let probe = try await api.call(
                client, .get, "/api/v1/resources/RK-0001/records?filter=citizen_id:eq:\(text(people[0]["citizen_id"]))",
                token: admin)
            #expect(probe.status == .badRequest && probe.text.contains("break-glass"), "\(probe.text)")
            // The owner's provider reads its own data in clear.
            let owner = try await api.call(
                client, .get, "/api/v1/resources/RK-0001/records?limit=30", token: f.tokens["ga"])
            #expect(shown(owner) == ids)

            // Asking: a reason and a time limit, checked.
            let vague = try await api.call(
                client, .post, "/api/v1/break-glass", token: admin,
                json: #"{"resource":"RK-0001","reason":"查","minutes":100000}"#)
            #expect(
                vague.status == .unprocessableContent && vague.text.contains("reason")
                    && vague.text.contains("minutes"),
                "\(vague.text)")
            #expect(
                try await api.call(
                    client, .post, "/api/v1/break-glass", token: f.tokens["ga"],
                    json: #"{"resource":"RK-0001","reason":"公安局想看自己的数据"}"#
                ).status == .forbidden)
            let opened = try await api.call(
                client, .post, "/api/v1/break-glass", token: admin,
                json: #"{"resource":"RK-0001","reason":"市政府督办事项：核查低保对象户籍信息的一致性","minutes":30}"#)
            #expect(opened.status == .created && opened.body["open"] as? Bool == true, "\(opened.text)")
            let accessID = try #require(opened.body["id"] as? Int)
            // An alert for the bureau, and audit entries of their own kinds.
            let alerts = try await api.call(client, .get, "/api/v1/alerts?rule=break_glass", token: f.tokens["auditor"])
            let alert = try #require(alerts.items.first)
            #expect(
                alert["severity"] as? String == "high" && alert["subject"] as? String == "admin"
                    && (alert["summary"] as? String)?.contains("低保") == true, "\(alerts.text)")
            #expect(try await api.audit(f, action: "break-glass.request").count == 1)
            #expect(try await api.audit(f, action: "break-glass.open").first?.event.target == "resource:RK-0001")

            // Open: in clear, each read audited as a break-glass read naming the access and its reason.
            let clear = try await api.call(client, .get, "/api/v1/resources/RK-0001/records?limit=30", token: admin)
            #expect(shown(clear) == ids)
            let read = try #require(try await api.audit(f, action: "records.query.break-glass").last)
            #expect(read.event.detail?.contains("break-glass: \(accessID)") == true && read.event.actor == "admin")
            // Only that resource.
            let other = try await api.call(client, .get, "/api/v1/resources/RK-0002/records?limit=30", token: admin)
            #expect(shown(other).isDisjoint(with: ids))

            // Ended early: masked again. The auditor reads the list; a consumer does not.
            let ended = try await api.call(client, .post, "/api/v1/break-glass/\(accessID)/end", token: admin)
            #expect(ended.body["status"] as? String == "ended" && ended.body["open"] as? Bool == false)
            let after = try await api.call(client, .get, "/api/v1/resources/RK-0001/records?limit=30", token: admin)
            #expect(shown(after).isDisjoint(with: ids))
            #expect(
                try await api.call(client, .get, "/api/v1/break-glass", token: f.tokens["auditor"]).items.count == 1)
            #expect(
                try await api.call(client, .get, "/api/v1/break-glass", token: f.tokens["consumer"]).status
                    == .forbidden)
            #expect(
                try await api.call(client, .post, "/api/v1/break-glass/\(accessID)/end", token: admin).status
                    == .conflict)
            // An access that does not exist: 404 naming it, to read or to act on.
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/break-glass/99999"), (.post, "/api/v1/break-glass/99999/end"),
                (.post, "/api/v1/break-glass/99999/approve"),
            ] {
                let missing = try await api.call(client, method, path, token: admin)
                #expect(
                    missing.status == .notFound && missing.text.contains("99999"),
                    "\(path): \(missing.text.prefix(200))")
            }
        }
    }

    @Test func whereConfiguredASecondAdministratorApproves() async throws {
        try await api.withAPI(configure: { $0.breakGlass.secondApproval = true }) { f, client in
            let p = f.platform.platform
            let c = TestPlatform.operatorCaller
            let second = try await p.accounts.createUser(
                UserDraft(name: "admin2", roles: [.admin], department: "P-SJJ", password: "Test-Password-1"), by: c)
            let admin2 = try await p.accounts.issueToken(for: second.id, label: "t", expiresInDays: nil, by: c).secret
            let admin = f.tokens["admin"]
            let id = text(Fixtures.populationRows(1)[0]["citizen_id"])
            let asked = try await api.call(
                client, .post, "/api/v1/break-glass", token: admin,
                json: #"{"resource":"RK-0001","reason":"法院协助查询：核对被执行人身份信息"}"#)
            #expect(asked.status == .created && asked.body["status"] as? String == "pending", "\(asked.text)")
            let accessID = try #require(asked.body["id"] as? Int)
            // Pending: still masked, and no alert yet.
            #expect(
                !(try await api.call(client, .get, "/api/v1/resources/RK-0001/records", token: admin).text.contains(id))
            )
            #expect(try await api.call(client, .get, "/api/v1/alerts?rule=break_glass", token: admin).items.isEmpty)
            // Not by the one who asked.
            let own = try await api.call(client, .post, "/api/v1/break-glass/\(accessID)/approve", token: admin)
            #expect(own.status == .forbidden && own.text.contains("second administrator"), "\(own.text)")
            let approved = try await api.call(
                client, .post, "/api/v1/break-glass/\(accessID)/approve", token: admin2, json: #"{"note":"已核对公函"}"#)
            #expect(approved.body["open"] as? Bool == true && approved.body["decidedBy"] as? String == "admin2")
            #expect(
                try await api.call(client, .get, "/api/v1/resources/RK-0001/records", token: admin).text.contains(id))
            // Its opener cannot read with it: the access is the requester's.
            #expect(
                !(try await api.call(client, .get, "/api/v1/resources/RK-0001/records", token: admin2).text.contains(id))
            )
            #expect(
                try await api.audit(f, action: "break-glass.approve").first?.event.detail?.contains("已核对公函") == true)
            #expect(try await api.call(client, .get, "/api/v1/alerts?rule=break_glass", token: admin).items.count == 1)
            // A refused one never opens.
            let second2 = try await api.call(
                client, .post, "/api/v1/break-glass", token: admin,
                json: #"{"resource":"RK-0002","reason":"再次申请：核对被执行人身份信息"}"#)
            let refused = try await api.call(
                client, .post, "/api/v1/break-glass/\(try #require(second2.body["id"] as? Int))/refuse", token: admin2)
            #expect(refused.body["status"] as? String == "refused" && refused.body["open"] as? Bool == false)
        }
    }

    /// The console's page: the request form keeps what was typed on a refusal, the list shows the access open and
    /// ends it; the auditor reads it without the forms.
    @Test func theConsoleAsksListsAndEnds() async throws {
        try await api.withAPI { f, client in
            let b = ConsoleTests.Browser(client)
            try await b.signIn("admin")
            let page = try await b.get("/break-glass")
            #expect(page.status == .ok && page.text.contains("申请紧急授权"), "\(page.text.prefix(300))")
            let csrf = try #require(page.field("_csrf"))
            let vague = try await b.post(
                "/break-glass", [("_csrf", csrf), ("resource", "RK-0001"), ("reason", "查一下"), ("minutes", "30")])
            #expect(
                vague.status == .unprocessableContent && vague.text.contains("查一下") && vague.text.contains("reason"))
            let asked = try await b.post(
                "/break-glass",
                [("_csrf", csrf), ("resource", "RK-0001"), ("reason", "市政府督办：核查低保对象户籍信息"), ("minutes", "30")])
            #expect(asked.status == .seeOther && asked.location == "/break-glass")
            let listed = try await b.get("/break-glass")
            #expect(listed.text.contains("id=\"break-glass-1\"") && listed.text.contains("生效中"))
            #expect(try await b.post("/break-glass/1/end", [("_csrf", csrf)]).status == .seeOther)
            #expect(try await b.get("/break-glass").text.contains("已结束"))
            let auditor = ConsoleTests.Browser(client)
            try await auditor.signIn("auditor")
            let read = try await auditor.get("/break-glass?lang=en")
            #expect(read.status == .ok && read.text.contains("Ended") && !read.text.contains("break-glass-form"))
        }
    }

    @Test func anAccessClosesWhenItsTimeIsUp() {
        let now = Date()
        var b = BreakGlass(
            resource: ResourceCode(trusted: "RK-0001"), department: DepartmentCode(trusted: "C-GA"),
            requestedBy: "admin", reason: "核查", minutes: 1, status: .active,
            requestedAt: now, expiresAt: now.addingTimeInterval(60))
        #expect(b.isOpen(at: now) && b.isOpen(at: now.addingTimeInterval(59)))
        #expect(!b.isOpen(at: now.addingTimeInterval(60)))
        b.status = .pending
        #expect(!b.isOpen(at: now))
    }
}
