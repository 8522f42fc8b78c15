import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// Profiles in the base databases (一人一档, 一企一档) through the real router, over datagen's population (public
/// security), enterprise (market regulation) and social-insurance (human resources) files generated with one seed, so
/// the same people appear in all three.
@Suite(.enabled(if: Datagen.script != nil, "needs ../shared/datagen/datagen.py"))
struct ProfileTests {
    struct Reply {
        var status: HTTPResponse.Status
        var body: [String: Any]
        var text: String
        var attributes: [[String: Any]] { body["attributes"] as? [[String: Any]] ?? [] }
        var sources: [[String: Any]] { body["sources"] as? [[String: Any]] ?? [] }
        var conflicts: [[String: Any]] { body["conflicts"] as? [[String: Any]] ?? [] }
        var items: [[String: Any]] { body["items"] as? [[String: Any]] ?? [] }
    }

    func call(
        _ client: some TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .get, token: String,
        json: String? = nil
    ) async throws -> Reply {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
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

    @Test func aPersonsProfileLinksThreeDepartmentsAndAConflictGoesToBoth() async throws {
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        let op = TestPlatform.operatorCaller
        let data = try await fixture.loadBaseDatabases()
        // Each identifying item is indexed (the leading key item's unique index serves for it), also on the tables the
        // full loads swapped in.
        #expect(try await StoreEngine.lookupIndexColumns(fixture.store, "POP-1") == [])
        #expect(try await StoreEngine.lookupIndexColumns(fixture.store, "ENT-1") == ["fddbrsfzh"])
        #expect(try await StoreEngine.lookupIndexColumns(fixture.store, "SOC-1") == ["gmsfhm", "dwxydm"])
        // A legal representative who also pays social insurance: in all three files.
        let payers = Set(TestPlatform.csv(data["social"]!).map { $0["gmsfhm"]! })
        let people = Dictionary(TestPlatform.csv(data["population"]!).map { ($0["gmsfhm"]!, $0) }) { a, _ in a }
        let firm = try #require(
            TestPlatform.csv(data["enterprise"]!).first {
                payers.contains($0["fddbrsfzh"]!) && people[$0["fddbrsfzh"]!] != nil
            })
        let id = firm["fddbrsfzh"]!
        let person = people[id]!

        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client in
            let admin = fixture.tokens["admin"]!
            let profile = try await call(client, "/api/v1/profiles/person/\(id)", token: admin)
            #expect(profile.status == .ok, "\(profile.text.prefix(300))")
            #expect(
                Set(profile.sources.map { $0["resource"] as? String }) == ["POP-1", "ENT-1", "SOC-1"],
                "\(profile.sources)")
            #expect(Set(profile.sources.map { $0["department"] as? String }) == ["C-GA", "C-SCJG", "C-RS"])
            #expect(profile.sources.allSatisfy { $0["updatedAt"] != nil })
            #expect(
                profile.body["subject"] as? String == MemberRules.masked(id, kind: .person)
                    && !profile.text.contains(id))
            // Each department's name for the person, with its provenance; the enterprise's own name is not the person's.
            let names = profile.attributes.filter { $0["concept"] as? String == "name" }
            #expect(
                Set(names.map { "\($0["department"]!)/\($0["resource"]!)/\($0["item"]!)" }) == [
                    "C-GA/POP-1/xm", "C-SCJG/ENT-1/fddbr", "C-RS/SOC-1/xm",
                ], "\(names)")
            #expect(!profile.attributes.contains { $0["item"] as? String == "qymc" })
            #expect(
                profile.attributes.contains { $0["item"] as? String == "jfny" && $0["resource"] as? String == "SOC-1" })
            #expect(profile.conflicts.isEmpty, "datagen's departments agree: \(profile.conflicts)")
            // The bureau sees attributes masked as policy says (the phone is a mobile number).
            let phone = try #require(profile.attributes.first { $0["item"] as? String == "lxdh" })
            #expect(phone["masked"] as? Bool == true && phone["value"] as? String != person["lxdh"])

            // The social-insurance bureau records another phone for the same person: a conflict for both departments.
            _ = try await p.data.insert(
                [
                    [
                        "gmsfhm": .string(id), "xm": .string(person["xm"]!), "jfny": .string("209912"),
                        "lxdh": .string("13900001111"),
                    ]
                ], into: "SOC-1", by: op)
            let conflicted = try await call(client, "/api/v1/profiles/person/\(id)", token: admin)
            let conflict = try #require(
                conflicted.conflicts.first { $0["concept"] as? String == "phone" }, "\(conflicted.conflicts)")
            let claims = conflict["claims"] as? [[String: Any]] ?? []
            #expect(Set(claims.map { $0["department"] as? String }) == ["C-GA", "C-RS"])
            #expect(
                !conflicted.text.contains("13900001111") && !conflicted.text.contains(person["lxdh"]!),
                "values stay masked")
            _ = try await call(client, "/api/v1/profiles/person/\(id)", token: admin)  // seen again: the same problems
            for (department, value) in [("C-GA", person["lxdh"]!), ("C-RS", "13900001111")] {
                // (Read from the store: the import's quality run files many other problems, more than a page.)
                let problems = try await fixture.store.problems(
                    department: DepartmentCode(trusted: department), resource: nil, status: nil,
                    after: 0, limit: 100_000
                ).filter { $0.rule == "profile.conflict" }
                #expect(
                    problems.count == 1 && problems.first?.field == "lxdh" && problems.first?.value == value,
                    "\(department): \(problems)")
                // A quality run over every row does not close it: it does not look for conflicts.
                let resource = department == "C-GA" ? "POP-1" : "SOC-1"
                _ = try await p.quality.run(resource, by: op)
                let after = try await fixture.store.problems(
                    department: DepartmentCode(trusted: department), resource: nil, status: nil,
                    after: 0, limit: 100_000
                ).filter { $0.rule == "profile.conflict" }
                #expect(after.map(\.status) == [.open], "\(department): \(after)")
            }

            // A provider sees its own part in clear and nothing else; a consumer without grants sees nothing.
            let ga = try await call(client, "/api/v1/profiles/person/\(id)", token: fixture.tokens["ga"]!)
            #expect(ga.sources.map { $0["resource"] as? String } == ["POP-1"])
            #expect(
                ga.attributes.contains { $0["item"] as? String == "lxdh" && $0["value"] as? String == person["lxdh"] })
            let consumer = fixture.tokens["consumer"]!
            #expect(try await call(client, "/api/v1/profiles/person/\(id)", token: consumer).sources.isEmpty)

            // With a grant on the population resource, the consumer sees the granted items, masked per policy.
            let apply = try await call(
                client, "/api/v1/applications", method: .post, token: consumer,
                json: """
                    {"resource":"POP-1","items":["gmsfhm","xm","lxdh"],"purpose":"企业法定代表人核查","legalBasis":"市场监管职责"}
                    """)
            let application = try #require(apply.body["id"] as? Int, "\(apply.text)")
            for token in [admin, fixture.tokens["ga"]!, admin] {
                _ = try await call(
                    client, "/api/v1/applications/\(application)/decision", method: .post, token: token,
                    json: #"{"approve":true}"#)
            }
            let granted = try await call(client, "/api/v1/profiles/person/\(id)", token: consumer)
            #expect(
                granted.sources.map { $0["resource"] as? String } == ["POP-1"]
                    && granted.sources.first?["grant"] != nil, "\(granted.text.prefix(400))")
            #expect(Set(granted.attributes.map { $0["item"] as? String }).isSubset(of: ["gmsfhm", "xm", "lxdh"]))
            #expect(granted.attributes.first { $0["item"] as? String == "lxdh" }?["masked"] as? Bool == true)
            let reads = try await call(
                client, "/api/v1/audit?action=profile.read&actor=consumer", token: fixture.tokens["auditor"]!)
            #expect(reads.items.count == 1 && (reads.items.first?["detail"] as? String)?.contains("grant:") == true)

            // The enterprise's profile: its register entry and the social-insurance rows naming it as employer.
            let code = firm["tyshxydm"]!
            let company = try await call(client, "/api/v1/profiles/enterprise/\(code)", token: admin)
            #expect(
                company.status == .ok
                    && company.sources.contains {
                        $0["resource"] as? String == "ENT-1" && $0["item"] as? String == "tyshxydm"
                    })
            #expect(
                company.attributes.contains {
                    $0["concept"] as? String == "name" && $0["value"] as? String == firm["qymc"]
                })

            // Bad identifiers are named.
            let bad = try await call(
                client, "/api/v1/profiles/person/\(id.dropLast())\(id.last == "X" ? "0" : "X")", token: admin)
            #expect(bad.status == .unprocessableContent && bad.text.contains("citizen identity number"))
            #expect(
                try await call(client, "/api/v1/profiles/enterprise/91330100MA2XXXXX0X", token: admin).status
                    == .unprocessableContent)
            #expect(
                try await call(client, "/api/v1/profiles/person/\(id)", token: fixture.tokens["auditor"]!).status
                    == .forbidden)
        }
    }
}
