import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// Grading and masking policies through the real router: a scan proposes grades, the provider reviews them, and a
/// policy set by the bureau changes what every exit gives a consumer.
@Suite struct PrivacyAPITests {
    let api = SharingAPITests()

    @Test func aScanProposesGradesTheProviderConfirmsOrOverrides() async throws {
        try await api.withAPI { f, client in
            // RK-0002 is L3 and its items ungraded: the scan proposes L4 for the ID, L3 for name and mobile.
            let scan = try await api.call(client, .post, "/api/v1/resources/RK-0002/scan", token: f.tokens["ga"])
            #expect(scan.status == .ok, "\(scan.text)")
            let proposal = try #require(scan.body["proposal"] as? [String: Any])
            let id = try #require(proposal["id"] as? Int)
            let proposed = Dictionary(
                uniqueKeysWithValues: (proposal["items"] as? [[String: Any]] ?? []).map {
                    ($0["item"] as! String, $0["proposed"] as! String)
                })
            #expect(proposed == ["citizen_id": "L4", "name": "L3", "mobile": "L3"], "\(proposed)")
            #expect(proposal["status"] as? String == "pending" && proposal["proposedResourceGrade"] as? String == "L4")

            // Listed for review: the provider's department and the bureau; not a consumer.
            #expect(
                try await api.call(client, .get, "/api/v1/grading/proposals", token: f.tokens["ga"]).items.map {
                    $0["id"] as? Int
                } == [id])
            #expect(
                try await api.call(client, .get, "/api/v1/grading/proposals?status=pending", token: f.tokens["admin"])
                    .items.count == 1)
            #expect(
                try await api.call(client, .get, "/api/v1/grading/proposals", token: f.tokens["consumer"]).status
                    == .forbidden)
            #expect(
                try await api.call(client, .get, "/api/v1/grading/proposals?status=maybe", token: f.tokens["ga"]).status
                    == .badRequest)
            #expect(
                try await api.call(client, .get, "/api/v1/grading/proposals/99999", token: f.tokens["ga"]).status
                    == .notFound)

            // An override without a reason is refused and changes nothing.
            let bare = try await api.call(
                client, .post, "/api/v1/grading/proposals/\(id)/decision", token: f.tokens["ga"],
                json: #"{"items":{"name":"L4"}}"#)
            #expect(bare.status == .unprocessableContent && bare.text.contains("reason"), "\(bare.text)")
            let unknown = try await api.call(
                client, .post, "/api/v1/grading/proposals/\(id)/decision", token: f.tokens["ga"],
                json: #"{"items":{"nope":"L4"},"reason":"x"}"#)
            #expect(unknown.status == .unprocessableContent && unknown.text.contains("items.nope"))
            #expect(
                try await api.call(
                    client, .post, "/api/v1/grading/proposals/\(id)/decision", token: f.tokens["ga"],
                    json: #"{"items":{"name":"L9"}}"#
                ).status == .unprocessableContent)
            let decided = try await api.call(
                client, .post, "/api/v1/grading/proposals/\(id)/decision", token: f.tokens["ga"],
                json: #"{"items":{"name":"L4"},"reason":"姓名与身份证号同表，按敏感个人信息管理"}"#)
            #expect(decided.status == .ok, "\(decided.text)")
            let after = try #require(decided.body["proposal"] as? [String: Any])
            #expect(after["status"] as? String == "overridden" && after["decidedBy"] as? String == "ga")
            let resource = try #require(decided.body["resource"] as? [String: Any])
            let grades = Dictionary(
                uniqueKeysWithValues: (resource["items"] as? [[String: Any]] ?? []).compactMap { i in
                    (i["sensitivity"] as? String).map { (i["name"] as! String, $0) }
                })
            #expect(
                grades == ["citizen_id": "L4", "name": "L4", "mobile": "L3"]
                    && resource["sensitivity"] as? String == "L4")
            // Stored in the catalog as a version of its own, with a field-level diff.
            let versions = try await api.call(client, .get, "/api/v1/resources/RK-0002/versions", token: f.tokens["ga"])
            #expect((versions.items.last?["action"] as? String) == "grade", "\(versions.text)")
            #expect(
                try await api.audit(f, action: "grading.override").first?.event.detail?.contains("按敏感个人信息管理") == true)
            // Decided once; no longer pending; a consumer-side user cannot decide.
            #expect(
                try await api.call(
                    client, .post, "/api/v1/grading/proposals/\(id)/decision", token: f.tokens["ga"], json: "{}"
                ).status == .conflict)
            #expect(try await api.call(client, .get, "/api/v1/grading/proposals", token: f.tokens["ga"]).items.isEmpty)
            // Scanning again proposes nothing new.
            #expect(
                try await api.call(client, .post, "/api/v1/resources/RK-0002/scan", token: f.tokens["ga"]).body[
                    "proposal"] == nil)
        }
    }

    @Test func policiesChangeWhatEveryExitGives() async throws {
        try await api.withAPI { f, client in
            // Only the bureau manages policies; they are validated.
            let put = { (name: String, body: String, user: String) in
                try await api.call(client, .put, "/api/v1/masking-policies/\(name)", token: f.tokens[user], json: body)
            }
            #expect(
                try await put("phone", #"{"method":"pseudonymise","elements":["mobile"]}"#, "ga").status == .forbidden)
            #expect(try await put("bad", #"{"method":"mask"}"#, "admin").status == .unprocessableContent)
            #expect(try await put("bad", #"{"method":"scramble"}"#, "admin").status == .unprocessableContent)
            #expect(try await put("Bad Name", #"{"method":"hash"}"#, "admin").status == .unprocessableContent)
            let saved = try await put(
                "phone", #"{"method":"pseudonymise","elements":["mobile"],"description":"手机号假名化，可关联"}"#, "admin")
            #expect(saved.status == .ok && saved.body["updatedBy"] as? String == "admin", "\(saved.text)")
            #expect(
                try await put("phone2", #"{"method":"hash","elements":["mobile"]}"#, "admin").status
                    == .unprocessableContent)
            #expect(try await put("birth-year", #"{"method":"generalise","to":"year"}"#, "admin").status == .ok)
            #expect(
                try await api.call(client, .get, "/api/v1/masking-policies", token: f.tokens["consumer"]).items.map {
                    $0["name"] as? String
                }
                    == ["birth-year", "phone"])
            #expect(
                try await api.call(client, .get, "/api/v1/masking-policies/nope", token: f.tokens["consumer"]).status
                    == .notFound)

            // An item names a policy: it must exist.
            let resource = try await api.call(client, .get, "/api/v1/resources/RK-0002", token: f.tokens["ga"])
            var items = try #require(resource.body["items"] as? [[String: Any]])
            let k = try #require(items.firstIndex { $0["name"] as? String == "birth_date" })
            items[k]["masking"] = "no-such-policy"
            func patch(_ items: [[String: Any]]) async throws -> SharingAPITests.Reply {
                let body = String(decoding: try JSONSerialization.data(withJSONObject: ["items": items]), as: UTF8.self)
                return try await api.call(
                    client, .patch, "/api/v1/resources/RK-0002", token: f.tokens["ga"], json: body)
            }
            let refused = try await patch(items)
            #expect(
                refused.status == .unprocessableContent && refused.text.contains("items[\(k)].masking"),
                "\(refused.text)")
            items[k]["masking"] = "birth-year"
            #expect(try await patch(items).status == .ok)

            let applied = try await api.apply(
                client, f, "RK-0002", items: ["citizen_id", "name", "birth_date", "mobile"],
                services: ["query", "subscribe", "export"])
            let decided = try await api.call(
                client, .post, "/api/v1/applications/\(api.id(applied))/decision", token: f.tokens["admin"],
                json: #"{"approve":true}"#)
            #expect(decided.status == .ok, "\(decided.text)")
            // Its birth year beside the ID's display mask (division, sequence and check shown) would leave about 30
            // IDs: the inference guard suppresses it on every exit, and the application says so.
            let inference = try await api.call(
                client, .get, "/api/v1/applications/\(api.id(applied))", token: f.tokens["ga"])
            #expect(
                (inference.body["inference"] as? [[String: Any]])?.first?["strengthened"] as? [String] == [
                    "birth_date"
                ],
                "\(inference.text.suffix(400))")
            let stored = Fixtures.populationRows(30)
            func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }
            let byID = Dictionary(
                uniqueKeysWithValues: stored.map { (DisplayMask.citizenID.apply(text($0["citizen_id"])), $0) })

            // Shared query: a 32-hex pseudonym, the same on every call.
            let page = try await api.call(
                client, .get, "/api/v1/share/RK-0002/records?limit=30", token: f.tokens["consumer"])
            #expect(page.status == .ok && page.records.count == 30, "\(page.text)")
            var pseudonyms: [String: String] = [:]
            for r in page.records {
                let row = try #require(byID[r["citizen_id"] as? String ?? ""])
                let p = try #require(r["mobile"] as? String)
                #expect(p.count == 32 && p.allSatisfy(\.isHexDigit) && p != text(row["mobile"]))
                #expect(r["birth_date"] is NSNull || r["birth_date"] == nil, "\(r)")
                pseudonyms[r["citizen_id"] as! String] = p
            }
            #expect(Set(pseudonyms.values).count == 30)
            let again = try await api.call(
                client, .get, "/api/v1/share/RK-0002/records?limit=30", token: f.tokens["consumer"])
            #expect(again.records.map { $0["mobile"] as? String } == page.records.map { $0["mobile"] as? String })
            // Masked items cannot be filtered on.
            #expect(
                try await api.call(
                    client, .get, "/api/v1/share/RK-0002/records?filter=mobile:eq:x", token: f.tokens["consumer"]
                ).status == .badRequest)

            // Subscription: the same masks.
            let changes = try await api.call(
                client, .get, "/api/v1/share/RK-0002/changes?limit=30", token: f.tokens["consumer"])
            #expect(changes.status == .ok, "\(changes.text)")
            let changed = changes.body["records"] as? [[String: Any]] ?? []
            #expect(
                changed.count == 30
                    && changed.allSatisfy { pseudonyms[$0["citizen_id"] as? String ?? ""] == $0["mobile"] as? String })
            #expect(changed.allSatisfy { $0["birth_date"] is NSNull || $0["birth_date"] == nil })

            // Export: the file holds the same pseudonyms.
            let job = try await ExportTests().export(client, f, "format=jsonl&fields=citizen_id,birth_date,mobile")
            #expect(job["status"] as? String == "succeeded", "\(job)")
            let file = try await api.call(
                client, .get, "/api/v1/exports/\(job["id"] as? Int ?? 0)/file", token: f.tokens["consumer"])
            let lines = file.text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(
                lines.count == 30
                    && lines.allSatisfy { pseudonyms[$0["citizen_id"] as? String ?? ""] == $0["mobile"] as? String })
            #expect(
                !file.text.contains(text(stored[0]["mobile"])) && !file.text.contains(text(stored[0]["birth_date"])))

            // A policy removed: the item naming it is suppressed (fail closed), the element falls back to its display mask.
            #expect(
                try await api.call(client, .delete, "/api/v1/masking-policies/birth-year", token: f.tokens["admin"])
                    .status == .noContent)
            #expect(
                try await api.call(client, .delete, "/api/v1/masking-policies/phone", token: f.tokens["admin"]).status
                    == .noContent)
            #expect(
                try await api.call(client, .delete, "/api/v1/masking-policies/phone", token: f.tokens["admin"]).status
                    == .notFound)
            let last = try await api.call(
                client, .get, "/api/v1/share/RK-0002/records?limit=1", token: f.tokens["consumer"])
            let r = try #require(last.records.first)
            #expect(r["birth_date"] is NSNull && (r["mobile"] as? String)?.contains("****") == true, "\(last.text)")
            #expect(try await api.audit(f, action: "masking.delete").count == 2)
            #expect(try await api.audit(f, action: "masking.save").count == 2)
        }
    }
}

/// Risk alerts raised by the monitor from what really happened through the router.
@Suite struct AlertAPITests {
    let api = SharingAPITests()

    @Test func deniedCallsProbingAndANewNetworkRaiseAlertsTheBureauWorks() async throws {
        try await api.withAPI { f, client in
            let p = f.platform.platform
            // Ten refused calls in a row (RK-0003 is not shared).
            for _ in 0..<10 {
                #expect(
                    try await api.call(client, .get, "/api/v1/share/RK-0003/records", token: f.tokens["consumer"])
                        .status == .forbidden)
            }
            // Probing: 1,000 made-up people through verification (each a name and an ID of its own, so not the
            // enumeration of one item that suspends a grant at once: the monitor's hourly rule finds it).
            let applied = try await api.apply(
                client, f, "RK-0002", items: ["citizen_id", "name"], services: ["verify"])
            #expect(
                try await api.call(
                    client, .post, "/api/v1/applications/\(api.id(applied))/decision", token: f.tokens["admin"],
                    json: #"{"approve":true}"#
                ).status == .ok)
            let tuples = (0..<1000).map {
                #"{"citizen_id":"\#(String(format: "110105199%09d", $0))","name":"张三\#($0)"}"#
            }
            .joined(separator: ",")
            let verified = try await api.call(
                client, .post, "/api/v1/share/RK-0002/verify", token: f.tokens["consumer"],
                json: #"{"tuples":[\#(tuples)]}"#)
            #expect(verified.status == .ok, "\(verified.text)")
            // A system account's key from a second network.
            let created = try await api.call(
                client, .post, "/api/v1/system-accounts", token: f.tokens["consumer"], json: #"{"name":"approvals"}"#)
            let key = try #require(created.body["key"] as? String)
            _ = try await p.sharing.authenticate(systemKey: key, from: IPAddress("10.1.2.3"))
            _ = try await p.sharing.authenticate(systemKey: key, from: IPAddress("10.1.2.99"))
            _ = try await p.sharing.authenticate(systemKey: key, from: IPAddress("192.168.7.1"))

            let raised = try await p.alerts.scan()
            // The platform clock is the real one: reads made between 0:00 and 6:00 China time are also off hours.
            var china = Calendar(identifier: .gregorian)
            china.timeZone = TimeZone(identifier: "Asia/Shanghai")!
            let night = RiskThresholds().quietHours.contains(china.component(.hour, from: Date()))
            let expected: Set<RiskAlert.Rule> =
                night ? [.denials, .enumeration, .newNetwork, .offHours] : [.denials, .enumeration, .newNetwork]
            #expect(Set(raised.map(\.rule)) == expected, "\(raised.map(\.summary))")
            #expect(try await p.alerts.scan().isEmpty)  // the same entries raise nothing twice

            let list = try await api.call(client, .get, "/api/v1/alerts?state=open", token: f.tokens["auditor"])
            #expect(list.status == .ok && list.items.count == expected.count, "\(list.text)")
            #expect(
                try await api.call(client, .get, "/api/v1/alerts", token: f.tokens["consumer"]).status == .forbidden)
            #expect(
                try await api.call(client, .get, "/api/v1/alerts?rule=nope", token: f.tokens["admin"]).status
                    == .badRequest)
            let denials = try #require(list.items.first { $0["rule"] as? String == "denials" })
            let id = try #require(denials["id"] as? Int)
            // The evidence is the refused calls' own audit entries.
            let evidence = (denials["evidence"] as? [Int] ?? []).map(Int64.init)
            let denied = try await api.audit(f, action: "share.query.denied").map(\.sequence)
            #expect(evidence.count == 10 && evidence == denied && denials["subject"] as? String == "consumer")
            let network = try #require(list.items.first { $0["rule"] as? String == "new_network" })
            #expect(
                (network["summary"] as? String)?.contains("192.168.7.0/24") == true
                    && network["subject"] as? String == "system:C-SCJG/approvals")

            // The bureau works it: acknowledge, close with a note (required), reopen. The auditor only reads.
            #expect(
                try await api.call(client, .post, "/api/v1/alerts/\(id)/acknowledge", token: f.tokens["auditor"]).status
                    == .forbidden)
            #expect(
                try await api.call(client, .post, "/api/v1/alerts/\(id)/acknowledge", token: f.tokens["admin"]).body[
                    "state"] as? String == "acknowledged")
            #expect(
                try await api.call(client, .post, "/api/v1/alerts/\(id)/close", token: f.tokens["admin"], json: "{}")
                    .status == .unprocessableContent)
            let closed = try await api.call(
                client, .post, "/api/v1/alerts/\(id)/close", token: f.tokens["admin"],
                json: #"{"note":"接口配置错误，已与市场监管局核实"}"#)
            #expect(
                closed.body["state"] as? String == "closed" && closed.body["updatedBy"] as? String == "admin",
                "\(closed.text)")
            #expect(
                try await api.call(client, .post, "/api/v1/alerts/\(id)/acknowledge", token: f.tokens["admin"]).status
                    == .conflict)
            #expect(
                try await api.call(client, .post, "/api/v1/alerts/\(id)/reopen", token: f.tokens["admin"]).body["state"]
                    as? String == "open")
            #expect(
                try await api.call(client, .post, "/api/v1/alerts/\(id)/explode", token: f.tokens["admin"]).status
                    == .notFound)
            #expect(
                try await api.call(client, .get, "/api/v1/alerts/999999", token: f.tokens["admin"]).status == .notFound)
            #expect(try await api.audit(f, action: "alert.closed").first?.event.detail?.contains("已与市场监管局核实") == true)
        }
    }
}
