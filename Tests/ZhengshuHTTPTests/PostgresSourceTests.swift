import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuPostgres
import ZhengshuTestSupport

/// The PostgreSQL database CI starts on loopback (`Scripts/postgres-throwaway.sh`); these tests run when it is set.
let testPostgresURL = TestPostgres.url

/// Scheduled pulls and live reads from a real PostgreSQL department system.
@Suite(.enabled(if: testPostgresURL != nil, "set ZHENGSHU_TEST_PG_URL (Scripts/postgres-throwaway.sh) to run"))
struct PostgresSourceTests {
    let admin = TestPlatform.operatorCaller

    /// A schema of its own per test, holding `renkou` with typed columns and the given people.
    func departmentSystem(_ people: Range<Int>) async throws -> (location: PostgresLocation, schema: String) {
        let location = try PostgresLocation(parsing: try #require(testPostgresURL))
        let schema = "zs_src_\(UInt32.random(in: 0...UInt32.max))"
        try await location.execute([
            "CREATE SCHEMA \(schema)",
            "CREATE TABLE \(schema).renkou (gmsfhm varchar(18) PRIMARY KEY, xm text NOT NULL, xb char(1), csrq date, updated_at timestamptz NOT NULL)",
        ])
        try await add(people, to: location, schema: schema, at: "2026-01-01T00:00:00Z")
        return (location, schema)
    }

    func add(
        _ people: Range<Int>, to location: PostgresLocation, schema: String, at time: String, name: String? = nil
    ) async throws {
        let values = people.map { k in
            let p = DemoDataRow.people[k]
            return "('\(p.0)', '\(name ?? p.1)', '\(p.2)', '\(p.3)', '\(time)'::timestamptz + interval '\(k) seconds')"
        }
        try await location.execute([
            "INSERT INTO \(schema).renkou VALUES \(values.joined(separator: ", ")) "
                + "ON CONFLICT (gmsfhm) DO UPDATE SET xm = excluded.xm, updated_at = excluded.updated_at"
        ])
    }

    @Test func pullsAreIncrementalByWatermarkAndReadOnly() async throws {
        let (location, schema) = try await departmentSystem(0..<20)
        defer { Task { try? await location.execute(["DROP SCHEMA \(schema) CASCADE"]) } }
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        let url = try #require(testPostgresURL)
        let source = try await p.pulls.register(
            "POP-1",
            PullSourceDraft(
                kind: .postgres, location: url,
                query: "SELECT gmsfhm, xm, xb, csrq, updated_at FROM \(schema).renkou",
                mode: .upsert, intervalSeconds: 3600, watermarkColumn: "updated_at"),
            by: try await fixture.caller("ga"))
        let first = try await p.pulls.runNow(source.id.rawValue, by: admin)
        #expect(first.status == .succeeded && first.rowsAccepted == 20 && first.rowsRejected == 0)
        #expect(try await p.store.pullSource(source.id)?.lastWatermark == "2026-01-01 00:00:19+00")
        // Five new people and one renamed: six rows come over, compared as timestamps, not text.
        try await add(20..<25, to: location, schema: schema, at: "2026-02-01T00:00:00Z")
        try await add(3..<4, to: location, schema: schema, at: "2026-03-01T00:00:00Z", name: "改名")
        let second = try await p.pulls.runNow(source.id.rawValue, by: admin)
        #expect(second.rowsRead == 6 && second.rowsAccepted == 6)
        let resource = try #require(try await p.store.resource(ResourceCode(trusted: "POP-1")))
        #expect(try await p.store.recordCount(of: resource) == 25)
        let renamed = try await p.data.query(
            "POP-1", RecordQueryParameters(fields: "gmsfhm,csrq", filters: ["xm:eq:改名"]), by: admin)
        #expect(renamed.rows == [[.string(DemoDataRow.people[3].0), .date(CivilDate(iso: DemoDataRow.people[3].3)!)]])
        let idle = try await p.pulls.runNow(source.id.rawValue, by: admin)
        #expect(idle.status == .succeeded && idle.rowsRead == 0)

        // A query that writes (here through a function) is refused by the read-only session; the source is untouched.
        try await location.execute([
            "CREATE FUNCTION \(schema).wipe() RETURNS int LANGUAGE sql AS 'DELETE FROM \(schema).renkou; SELECT 1'"
        ])
        let writer = try await p.pulls.register(
            "POP-1",
            PullSourceDraft(
                kind: .postgres, location: url,
                query: "SELECT \(schema).wipe() AS n", mode: .append, intervalSeconds: 3600), by: admin)
        await #expect(throws: ZhengshuError.self) { _ = try await p.pulls.runNow(writer.id.rawValue, by: admin) }
        let refusal = try #require(try await p.store.pullSource(writer.id)?.lastError)
        #expect(refusal.contains("read-only transaction"))
        // A wrong password or a missing table: a precise message, never the password.
        var wrong = location
        wrong.password = "not-the-password"
        let badLogin = try await p.pulls.register(
            "POP-1",
            PullSourceDraft(
                kind: .postgres,
                location:
                    "postgres://\(wrong.user):\(wrong.password!)@\(wrong.host):\(wrong.port)/\(wrong.database)?sslmode=disable",
                query: "SELECT 1", intervalSeconds: 3600), by: admin)
        await #expect(throws: ZhengshuError.self) { _ = try await p.pulls.runNow(badLogin.id.rawValue, by: admin) }
        let loginError = try #require(try await p.store.pullSource(badLogin.id)?.lastError)
        #expect(loginError.contains("password authentication failed") && !loginError.contains("not-the-password"))
        let missing = try await p.pulls.register(
            "POP-1",
            PullSourceDraft(
                kind: .postgres, location: url, query: "SELECT * FROM \(schema).nope",
                intervalSeconds: 3600), by: admin)
        await #expect(throws: ZhengshuError.self) { _ = try await p.pulls.runNow(missing.id.rawValue, by: admin) }
        #expect(
            try await p.store.pullSource(missing.id)?.lastError?.contains("\(schema).nope\" does not exist") == true)
        #expect(try await p.store.recordCount(of: resource) == 25)

        // The API never shows the password.
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client async throws in
            let body = try await client.execute(
                uri: "/api/v1/pulls", method: .get, headers: [.authorization: "Bearer \(fixture.tokens["admin"]!)"]
            ) {
                String(buffer: $0.body)
            }
            #expect(
                body.contains("127.0.0.1") && !body.contains(location.password!) && !body.contains("not-the-password"))
        }
    }

    @Test func liveResourcesReadThePostgresSourceWithTypedFilters() async throws {
        let (location, schema) = try await departmentSystem(0..<30)
        defer { Task { try? await location.execute(["DROP SCHEMA \(schema) CASCADE"]) } }
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        _ = try await p.pulls.register(
            "POP-1",
            PullSourceDraft(
                kind: .postgres, location: try #require(testPostgresURL),
                query: "SELECT gmsfhm, xm, xb, csrq FROM \(schema).renkou",
                intervalSeconds: 3600, live: true), by: admin)
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await p.data.query(
                "POP-1", RecordQueryParameters(fields: "gmsfhm,csrq,hjdz", sort: "-gmsfhm", limit: "7", cursor: cursor),
                by: admin)
            seen += page.rows.map { if case .string(let s) = $0[0] { s } else { "" } }
            #expect(page.rows.allSatisfy { if case .date = $0[1], $0[2] == .null { true } else { false } })
            cursor = page.next?.token
        } while cursor != nil
        #expect(seen == (0..<30).map { DemoDataRow.people[$0].0 }.sorted(by: >))
        // Dates compare as dates, text by prefix, both at the source.
        let people = (0..<30).map { DemoDataRow.people[$0] }
        let born = try await p.data.query(
            "POP-1", RecordQueryParameters(fields: "gmsfhm", filters: ["csrq:ge:1990-01-01", "xb:eq:2"], limit: "100"),
            by: admin)
        #expect(born.rows.count == people.filter { $0.3 >= "1990-01-01" && $0.2 == "2" }.count)
        let prefix = String(people[0].0.prefix(4))
        let local = try await p.data.query(
            "POP-1", RecordQueryParameters(fields: "gmsfhm", filters: ["gmsfhm:prefix:\(prefix)"], limit: "100"),
            by: admin)
        #expect(local.rows.count == people.filter { $0.0.hasPrefix(prefix) }.count)
        // A change at the source shows at once; nothing was copied.
        try await add(30..<33, to: location, schema: schema, at: "2026-05-01T00:00:00Z")
        #expect(try await p.data.query("POP-1", RecordQueryParameters(limit: "100"), by: admin).rows.count == 33)
        let resource = try #require(try await p.store.resource(ResourceCode(trusted: "POP-1")))
        #expect(try await p.store.recordCount(of: resource) == 0)
    }
}

/// Network pull sources are held to the administrator's host policy (no SSRF through the platform).
@Suite struct PullHostPolicyTests {
    @Test func defaultPolicyRefusesLoopbackLinkLocalAndMetadata() throws {
        let policy = try PullHostPolicy(parsing: "")
        for host in ["127.0.0.1", "localhost", "169.254.169.254", "::1", "0.0.0.0", "[::ffff:127.0.0.1]", "fe80::1"] {
            #expect(throws: ZhengshuError.self, "\(host)") { try policy.check(host: host) }
        }
        #expect(try policy.check(host: "10.1.2.3") == "10.1.2.3")
        #expect(throws: ZhengshuError.self) { try policy.check(host: "no-such-host.invalid") }
    }

    @Test func listedHostsNamesAndNetworksOnly() throws {
        let policy = try PullHostPolicy(parsing: "db.ga.gov.cn, *.scjg.gov.cn, 10.12.0.0/16, 127.0.0.1")
        #expect(try policy.check(host: "10.12.200.1") == "10.12.200.1")
        #expect(try policy.check(host: "127.0.0.1") == "127.0.0.1")
        #expect(throws: ZhengshuError.self) { try policy.check(host: "10.13.0.1") }
        #expect(throws: ZhengshuError.self) { try policy.check(host: "169.254.169.254") }
        #expect(throws: (any Error).self) { try PullHostPolicy(parsing: "10.0.0.0/33") }
        #expect(throws: (any Error).self) { try PullHostPolicy(parsing: "db/ga") }
    }

    @Test func registrationAndRedirectsAreChecked() async throws {
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        let admin = TestPlatform.operatorCaller
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        do {
            _ = try await p.pulls.register(
                "POP-1",
                PullSourceDraft(
                    kind: .http, location: "http://169.254.169.254/latest/meta-data",
                    intervalSeconds: 3600), by: admin)
            Issue.record("a metadata address was accepted")
        } catch let e as ZhengshuError {
            #expect(e.violations.first?.reason.contains("pull.allowedHosts") == true)
        }
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.pulls.register(
                "POP-1",
                PullSourceDraft(
                    kind: .postgres, location: "postgres://u:p@10.9.9.9/db",
                    query: "SELECT 1", intervalSeconds: 3600), by: admin)
        }
        // An allowed system that redirects elsewhere: the redirect is not followed.
        let router = Router()
        router.get("export.csv") { _, _ in
            Response(status: .found, headers: [.location: "http://127.0.0.2:9/export.csv"])
        }
        let system = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await system.test(.live) { client async throws in
            let port = try #require(client.port)
            let source = try await p.pulls.register(
                "POP-1",
                PullSourceDraft(
                    kind: .http, location: "http://127.0.0.1:\(port)/export.csv",
                    format: .csv, intervalSeconds: 3600), by: admin)
            await #expect(throws: ZhengshuError.self) { _ = try await p.pulls.runNow(source.id.rawValue, by: admin) }
            #expect(
                try await p.store.pullSource(source.id)?.lastError?.contains("redirected to http://127.0.0.2") == true)
        }
    }
}
