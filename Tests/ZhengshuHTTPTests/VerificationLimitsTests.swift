import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import ZhengshuCore
import ZhengshuTestSupport

/// Verification (核验) is not an oracle: tuples name the subject fully, a grant's tuples a minute and a day are
/// limited, and tuples that differ in one item only suspend the grant at once, with an alert whose closing resumes it.
@Suite struct VerificationLimitsTests {
    let api = SharingAPITests()

    func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }

    func grant(
        _ client: some TestClientProtocol, _ f: SharingAPITests.Fixture, terms: String = "{}",
        as user: String = "consumer"
    ) async throws -> Int {
        let applied = try await api.apply(
            client, f, "RK-0002", items: ["citizen_id", "name", "sex", "birth_date"], services: ["query", "verify"],
            as: user)
        let decided = try await api.call(
            client, .post, "/api/v1/applications/\(api.id(applied))/decision", token: f.tokens["admin"],
            json: #"{"approve":true,"terms":\#(terms)}"#)
        return try #require((decided.body["grant"] as? [String: Any])?["id"] as? Int, "\(decided.text)")
    }

    func verify(
        _ client: some TestClientProtocol, _ f: SharingAPITests.Fixture, _ tuples: [[String: String]],
        as user: String = "consumer"
    ) async throws -> SharingAPITests.Reply {
        let body = try JSONSerialization.data(withJSONObject: ["tuples": tuples])
        return try await api.call(
            client, .post, "/api/v1/share/RK-0002/verify", token: f.tokens[user],
            json: String(decoding: body, as: UTF8.self))
    }

    /// The attack the tester ran: the masked ID and the name in hand, every birth date tried until one matches.
    @Test func bruteForcingAMaskedIDSuspendsTheGrantWithinTheFirstThousandTuples() async throws {
        try await api.withAPI { f, client in
            let grantID = try await grant(client, f)
            let person = Fixtures.populationRows(30)[7]
            let id = text(person["citizen_id"]), name = text(person["name"])
            // Candidates the attacker can build: the real division and sequence, a birth date each (valid IDs, with
            // the check character), the real one far down the list.
            var candidates: [String] = []
            var day = CivilDate(year: 1950, month: 1, day: 1)!
            while candidates.count < 2000 {
                let body =
                    String(id.prefix(6)) + day.description.replacingOccurrences(of: "-", with: "")
                    + String(id.dropFirst(14).prefix(3))
                let full = body + String(CitizenID.checkCharacter(forBody: body.compactMap(\.wholeNumberValue)))
                if full != id { candidates.append(full) }
                day = day.adding(days: 1)
            }
            candidates.insert(id, at: 700)
            var sent = 0, matched = 0
            var refusal: SharingAPITests.Reply?
            for batch in stride(from: 0, to: candidates.count, by: 10) {
                let r = try await verify(
                    client, f, candidates[batch..<batch + 10].map { ["citizen_id": $0, "name": name] })
                if r.status != .ok {
                    refusal = r
                    break
                }
                sent += 10
                matched += (r.body["results"] as? [[String: Any]] ?? []).filter { $0["match"] as? Bool == true }.count
            }
            let refused = try #require(refusal)
            #expect(refused.status == .forbidden && refused.text.contains("enumeration"), "\(refused.text)")
            #expect(sent < 1000 && matched == 0, "answered \(sent) tuples, \(matched) matched")

            // The grant is suspended (an automatic response, audited as the risk monitor's), every service refused.
            let g = try await api.call(client, .get, "/api/v1/grants/\(grantID)", token: f.tokens["consumer"])
            #expect(g.body["status"] as? String == "suspended", "\(g.text)")
            #expect((g.body["statusReason"] as? String)?.contains("enumeration") == true)
            let suspension = try #require(try await api.audit(f, action: "grant.suspend").last)
            #expect(suspension.event.actor == DataAccess.riskMonitor && suspension.event.target == "grant:\(grantID)")
            #expect(suspension.event.detail?.contains(id) == false && suspension.event.detail?.contains(name) == false)
            #expect(
                try await api.call(client, .get, "/api/v1/share/RK-0002/records", token: f.tokens["consumer"]).status
                    == .forbidden)
            #expect(try await verify(client, f, [["citizen_id": id, "name": name]]).status == .forbidden)

            // The alert says so; the store keeps digests of the tuples tried, never the values.
            let alerts = try await api.call(client, .get, "/api/v1/alerts?rule=enumeration", token: f.tokens["admin"])
            let alert = try #require(alerts.items.first { $0["subject"] as? String == "grant:\(grantID)" })
            #expect((alert["summary"] as? String)?.contains("suspended") == true, "\(alert)")
            #expect(alert["severity"] as? String == "high")

            // The bureau closes the alert (a false alarm, say): the grant serves again.
            let alertID = try #require(alert["id"] as? Int)
            let closed = try await api.call(
                client, .post, "/api/v1/alerts/\(alertID)/close", token: f.tokens["admin"],
                json: #"{"note":"已核实：窗口人员批量录入错误"}"#)
            #expect(closed.status == .ok, "\(closed.text)")
            let resumed = try await api.call(client, .get, "/api/v1/grants/\(grantID)", token: f.tokens["consumer"])
            #expect(resumed.body["status"] as? String == "active", "\(resumed.text)")
            #expect(try await api.audit(f, action: "grant.resume").last?.event.actor == "admin")
            let again = try await verify(client, f, [["citizen_id": id, "name": name]])
            #expect(again.status == .ok, "\(again.text)")
        }
    }

    /// One person, one item guessed: five birth dates for the same ID and name are enough.
    @Test func guessingOneItemOfOneSubjectIsEnumerationToo() async throws {
        try await api.withAPI { f, client in
            let grantID = try await grant(client, f)
            let person = Fixtures.populationRows(30)[3]
            let (id, name) = (text(person["citizen_id"]), text(person["name"]))
            var statuses: [HTTPResponse.Status] = []
            for year in 1960..<1970 {
                statuses.append(
                    try await verify(
                        client, f, [["citizen_id": id, "name": name, "birth_date": "\(year)-01-01"]]
                    ).status)
            }
            // Four answered; the fifth value of the same item refused, and the grant suspended.
            #expect(
                statuses.prefix(5)
                    == [.ok, .ok, .ok, .ok, .forbidden] && statuses.dropFirst(5).allSatisfy { $0 == .forbidden },
                "\(statuses)")
            let g = try await api.call(client, .get, "/api/v1/grants/\(grantID)", token: f.tokens["consumer"])
            #expect(g.body["status"] as? String == "suspended")
            // Another department's grant of the same resource is its own: untouched.
            _ = try await grant(client, f, as: "rs")
            #expect(try await verify(client, f, [["citizen_id": id, "name": name]], as: "rs").status == .ok)
        }
    }

    @Test func tuplesNameTheSubjectFullyAndStayWithinTheGrantsLimits() async throws {
        try await api.withAPI { f, client in
            let grantID = try await grant(
                client, f, terms: #"{"verifyTuplesPerMinute":15,"verifyTuplesPerDay":25}"#)
            let people = Fixtures.populationRows(30)
            func tuples(_ range: Range<Int>) -> [[String: String]] {
                people[range].map { ["citizen_id": text($0["citizen_id"]), "name": text($0["name"])] }
            }
            // The ID alone does not name a person: the name is required beside it (the grant may name others).
            let bare = try await verify(client, f, [["citizen_id": text(people[0]["citizen_id"])]])
            #expect(
                bare.status == .unprocessableContent && bare.text.contains("name")
                    && bare.text.contains("names the subject fully"), "\(bare.text)")
            let g = try await api.call(client, .get, "/api/v1/grants/\(grantID)", token: f.tokens["consumer"])
            let limits = g.body["verification"] as? [String: Any]
            #expect(limits?["tuplesPerMinute"] as? Int == 15 && limits?["tuplesPerDay"] as? Int == 25, "\(g.text)")

            // More tuples than a minute allows, in one call: refused, with when to come back, and nothing counted.
            let tooMany = try await verify(client, f, tuples(0..<16))
            #expect(tooMany.status == .tooManyRequests && tooMany.text.contains("15 tuples verified a minute"))
            #expect(tooMany.headers[.retryAfter].flatMap { Int($0) }.map { (1...60).contains($0) } == true)
            #expect(try await verify(client, f, tuples(0..<10)).status == .ok)
            // A day's limit (another department's grant, whose minute is never full): 20 of 25 used, then refused.
            _ = try await grant(client, f, terms: #"{"verifyTuplesPerDay":25}"#, as: "rs")
            #expect(try await verify(client, f, tuples(0..<10), as: "rs").status == .ok)
            #expect(try await verify(client, f, tuples(10..<20), as: "rs").status == .ok)
            let dayOver = try await verify(client, f, tuples(20..<30), as: "rs")
            #expect(
                dayOver.status == .tooManyRequests && dayOver.text.contains("25 tuples verified a day")
                    && dayOver.text.contains("20 are used"), "\(dayOver.text)")

            // Limits out of range are refused at the decision.
            let applied = try await api.apply(
                client, f, "RK-0002", items: ["citizen_id", "name"], services: ["verify"])
            let bad = try await api.call(
                client, .post, "/api/v1/applications/\(api.id(applied))/decision", token: f.tokens["admin"],
                json: #"{"approve":true,"terms":{"verifyTuplesPerMinute":0,"verifyRequires":["mobile"]}}"#)
            #expect(
                bad.status == .unprocessableContent && bad.text.contains("verifyTuplesPerMinute")
                    && bad.text.contains("verifyRequires"), "\(bad.text)")
        }
    }
}
