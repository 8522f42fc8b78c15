import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

@Suite struct IngestAPITests {
    func withAPI(_ test: @Sendable (TestPlatform, any TestClientProtocol) async throws -> Void) async throws {
        let fixture = try await TestPlatform.make()
        let c = TestPlatform.operatorCaller
        _ = try await fixture.platform.catalog.create(Fixtures.datagenPopulationDraft(), by: c)
        _ = try await fixture.platform.catalog.publish("POP-1", by: c)
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client in try await test(fixture, client) }
    }

    func post(
        _ client: some TestClientProtocol, _ uri: String, token: String?, body: [UInt8], type: String = "text/csv"
    )
        async throws -> (HTTPResponse.Status, [String: Any], String)
    {
        var headers: HTTPFields = [.contentType: type]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body)) { r in
            let text = String(buffer: r.body)
            return (r.status, (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:], text)
        }
    }

    func get(
        _ client: some TestClientProtocol, _ uri: String, token: String?
    ) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: uri, method: .get, headers: headers) {
            ($0.status, $0.headers, String(buffer: $0.body))
        }
    }

    func postStatus(
        _ client: some TestClientProtocol, _ uri: String, token: String?, body: [UInt8], type: String = "text/csv"
    )
        async throws -> HTTPResponse.Status
    {
        try await post(client, uri, token: token, body: body, type: type).0
    }

    func getStatus(_ client: some TestClientProtocol, _ uri: String, token: String?) async throws -> HTTPResponse.Status
    {
        try await get(client, uri, token: token).0
    }

    @Test func pushAFileFollowTheJobAndDownloadItsRejects() async throws {
        try await withAPI { fixture, client async throws in
            let ga = fixture.tokens["ga"]
            let csv = IngestionCSV.make(0..<20) { k, f in if k == 4 { f[0] = "110105194912310021" } }
            let (status, job, _) = try await post(
                client, "/api/v1/resources/POP-1/ingest?mode=replace&maxRejectedRatio=0.05&name=pop.csv", token: ga,
                body: Array(csv.utf8))
            #expect(status == .created)
            #expect(job["status"] as? String == "succeeded")
            #expect(job["rowsAccepted"] as? Int == 19)
            #expect(job["rowsRejected"] as? Int == 1)
            #expect(job["source"] as? String == "pop.csv")
            let id = try #require(job["id"] as? Int)
            let (s2, _, body) = try await get(client, "/api/v1/jobs/\(id)", token: ga)
            #expect(s2 == .ok && body.contains("\"succeeded\""))
            let (s3, headers, rejects) = try await get(client, "/api/v1/jobs/\(id)/rejects", token: ga)
            #expect(s3 == .ok)
            #expect(headers[.contentType] == "text/csv; charset=utf-8")
            let lines = rejects.split(separator: "\r\n")
            #expect(lines.count == 2)
            #expect(lines[0] == "\u{FEFF}gmsfhm,xm,xb,csrq,mz,hjdz,lxdh,djrq,_row,_field,_reason")
            #expect(
                lines[1].hasPrefix("110105194912310021,") && lines[1].contains(",5,gmsfhm,citizen ID check character"))
            // The bureau and auditors see the job, its rejects masked as the items are: never the clear values.
            for role in ["admin", "auditor"] {
                let (s4, _, seen) = try await get(client, "/api/v1/jobs/\(id)/rejects", token: fixture.tokens[role])
                #expect(s4 == .ok)
                #expect(!seen.contains("110105194912310021"), "\(role): \(seen)")
                #expect(seen.contains(",5,gmsfhm,citizen ID check character"), "\(role): \(seen)")
            }
            let trail = try await fixture.platform.audit.entries(
                AuditFilter(limit: 10, action: "ingest.rejects.read"), by: TestPlatform.operatorCaller)
            #expect(trail.map(\.event.detail).contains { $0?.hasSuffix("; clear") == true })
            #expect(trail.filter { $0.event.detail?.hasSuffix("; masked") == true }.count == 2)
            // Jobs are the providing department's business.
            #expect(try await getStatus(client, "/api/v1/jobs/\(id)", token: fixture.tokens["scjg"]) == .notFound)
            let (_, _, list) = try await get(client, "/api/v1/jobs", token: fixture.tokens["scjg"])
            #expect(list == #"{"items":[]}"#)
            #expect(try await getStatus(client, "/api/v1/jobs", token: fixture.tokens["consumer"]) == .forbidden)
            // A finished job cannot be cancelled.
            #expect(try await postStatus(client, "/api/v1/jobs/\(id)/cancel", token: ga, body: []) == .conflict)
            // Freshness now knows the load.
            let (_, _, fresh) = try await get(client, "/api/v1/health/freshness?department=C-GA", token: ga)
            #expect(fresh.contains("\"status\":\"fresh\""))
        }
    }

    /// Problem values are the providing department's: the bureau and auditors read the value and the row's key
    /// masked as their items are; every read is audited.
    @Test func problemValuesAreMaskedForAllButTheirProvider() async throws {
        try await withAPI { fixture, client async throws in
            let id = DemoDataRow.people[3].0
            _ = try await fixture.store.recordSightings(
                [ProblemSighting(rowKey: id, field: "gmsfhm", rule: "element", value: id, reason: "test sighting")],
                resource: ResourceCode(trusted: "POP-1"), department: DepartmentCode(trusted: "C-GA"),
                at: Date(), closeUnseen: false)
            let (s1, _, own) = try await get(client, "/api/v1/problems?department=C-GA", token: fixture.tokens["ga"])
            #expect(s1 == .ok && own.components(separatedBy: id).count == 3, "\(own)")
            for role in ["admin", "auditor"] {
                let (s2, _, seen) = try await get(
                    client, "/api/v1/problems?department=C-GA", token: fixture.tokens[role])
                #expect(s2 == .ok && !seen.contains(id) && seen.contains(String(id.prefix(6)) + "********"), "\(seen)")
            }
            let trail = try await fixture.platform.audit.entries(
                AuditFilter(limit: 10, action: "problem.read"), by: TestPlatform.operatorCaller)
            #expect(
                trail.compactMap(\.event.detail) == [
                    "problems: 1; masked: 0", "problems: 1; masked: 1", "problems: 1; masked: 1",
                ])
        }
    }

    @Test func aBrokenFileIs422WithTheJobAndNothingChanges() async throws {
        try await withAPI { fixture, client async throws in
            let ga = fixture.tokens["ga"]
            #expect(
                try await postStatus(
                    client, "/api/v1/resources/POP-1/ingest", token: ga, body: Array(IngestionCSV.make(0..<5).utf8))
                    == .created)
            let broken = IngestionCSV.make(10..<20) + "\"unterminated,1\n"
            let (status, problem, _) = try await post(
                client, "/api/v1/resources/POP-1/ingest?mode=replace", token: ga, body: Array(broken.utf8))
            #expect(status == .unprocessableContent)
            #expect(problem["code"] as? String == "importFailed")
            #expect((problem["detail"] as? String)?.contains("quoted field") == true)
            #expect((problem["job"] as? [String: Any])?["status"] as? String == "failed")
            let (_, _, records) = try await get(client, "/api/v1/resources/POP-1/records?fields=gmsfhm", token: ga)
            #expect(records.components(separatedBy: "gmsfhm\":").count - 1 == 5)

            // A replace whose every row is rejected keeps the stored rows; so does one over the allowed share.
            let bad = IngestionCSV.make(10..<11) { _, f in f[0] = "110105194912310021" }
            let (s2, p2, _) = try await post(
                client, "/api/v1/resources/POP-1/ingest?mode=replace", token: ga, body: Array(bad.utf8))
            #expect(s2 == .unprocessableContent && p2["code"] as? String == "importFailed")
            #expect(
                (p2["detail"] as? String)?.contains("all 1 rows were rejected; replace keeps the stored rows") == true)
            let someBad = IngestionCSV.make(10..<14) { k, f in if k == 12 { f[0] = "110105194912310021" } }
            let (s3, p3, _) = try await post(
                client, "/api/v1/resources/POP-1/ingest?mode=replace&maxRejectedRatio=0.2", token: ga,
                body: Array(someBad.utf8))
            #expect(s3 == .unprocessableContent)
            #expect(
                (p3["detail"] as? String)?.contains("1 of 4 rows were rejected (25.0%, more than the 20.0%") == true)
            let (_, _, after) = try await get(client, "/api/v1/resources/POP-1/records?fields=gmsfhm", token: ga)
            #expect(after == records)
            #expect(
                try await postStatus(
                    client, "/api/v1/resources/POP-1/ingest?mode=replace&maxRejectedRatio=2", token: ga,
                    body: Array(someBad.utf8)) == .badRequest)
        }
    }

    @Test func wrongCallersAndWrongBodiesAreRefused() async throws {
        try await withAPI { fixture, client async throws in
            let csv = Array(IngestionCSV.make(0..<3).utf8)
            #expect(
                try await postStatus(client, "/api/v1/resources/POP-1/ingest", token: nil, body: csv) == .unauthorized)
            #expect(
                try await postStatus(client, "/api/v1/resources/POP-1/ingest", token: fixture.tokens["scjg"], body: csv)
                    == .forbidden)
            #expect(
                try await postStatus(client, "/api/v1/resources/NOPE/ingest", token: fixture.tokens["ga"], body: csv)
                    == .notFound)
            #expect(
                try await post(
                    client, "/api/v1/resources/POP-1/ingest", token: fixture.tokens["ga"], body: csv,
                    type: "application/pdf"
                ).0 == .unsupportedMediaType)
            #expect(
                try await postStatus(
                    client, "/api/v1/resources/POP-1/ingest?mode=merge", token: fixture.tokens["ga"], body: csv)
                    == .badRequest)
            #expect(
                try await postStatus(
                    client, "/api/v1/resources/POP-1/ingest?maxErrors=-1", token: fixture.tokens["ga"], body: csv)
                    == .badRequest)
            #expect(try await getStatus(client, "/api/v1/jobs/999", token: fixture.tokens["ga"]) == .notFound)
        }
    }
}

@Suite struct IdempotencyAPITests {
    @Test func retriedPushesAnswerAsTheFirstAndStoreNothingTwice() async throws {
        let fixture = try await TestPlatform.make()
        let c = TestPlatform.operatorCaller
        var draft = Fixtures.populationDraft()
        draft.items = draft.items!.map {
            var i = $0
            i.key = false
            return i
        }
        _ = try await fixture.platform.catalog.create(draft, by: c)
        _ = try await fixture.platform.catalog.publish("RK-0001", by: c)
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        let body = String(decoding: try JSONEncoder().encode(Fixtures.populationRows(3)), as: UTF8.self)
        try await app.test(.router) { client async throws in
            func push(_ key: String, _ body: String) async throws -> (HTTPResponse.Status, String?) {
                try await client.execute(
                    uri: "/api/v1/resources/RK-0001/records", method: .post,
                    headers: [
                        .authorization: "Bearer \(fixture.tokens["ga"]!)", .contentType: "application/json",
                        HTTPField.Name("Idempotency-Key")!: key,
                    ],
                    body: ByteBuffer(string: body)
                ) { ($0.status, $0.headers[HTTPField.Name("Idempotent-Replayed")!]) }
            }
            let first = try await push("k-1", body)
            let retry = try await push("k-1", body)
            let other = try await push("k-1", body + " ")  // another body under the same key
            #expect(first.0 == .created && first.1 == nil)
            #expect(retry.0 == .created && retry.1 == "true")
            #expect(other.0 == .unprocessableContent)
            let resource = try #require(try await fixture.platform.store.resource(ResourceCode(trusted: "RK-0001")))
            #expect(try await fixture.platform.store.recordCount(of: resource) == 3)
        }
    }
}

enum IngestionCSV {
    static func make(_ range: Range<Int>, transform: (Int, inout [String]) -> Void = { _, _ in }) -> String {
        "gmsfhm,xm,xb,csrq,mz,hjdz,lxdh,djrq\n"
            + range.map { k in
                let p = DemoDataRow.people[k]
                var f = [p.0, p.1, p.2, p.3, "汉族", "浙江省杭州市西湖区文三路\(k)号", "13800138000", "2020-01-01"]
                transform(k, &f)
                return f.joined(separator: ",")
            }.joined(separator: "\n") + "\n"
    }
}

@Suite struct MultipartUploadTests {
    @Test func aBrowserFormUploadIsStreamedFromItsFilePart() async throws {
        let fixture = try await TestPlatform.make()
        let c = TestPlatform.operatorCaller
        _ = try await fixture.platform.catalog.create(Fixtures.datagenPopulationDraft(), by: c)
        _ = try await fixture.platform.catalog.publish("POP-1", by: c)
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        let csv = IngestionCSV.make(0..<300)
        let boundary = "----zhengshu\(UUID().uuidString)"
        let body =
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n月度更新\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"人口.csv\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            + csv + "\r\n--\(boundary)--\r\n"
        try await app.test(.router) { client async throws in
            let headers: HTTPFields = [
                .authorization: "Bearer \(fixture.tokens["ga"]!)",
                .contentType: "multipart/form-data; boundary=\(boundary)",
            ]
            let (status, text) = try await client.execute(
                uri: "/api/v1/resources/POP-1/ingest?mode=replace", method: .post, headers: headers,
                body: ByteBuffer(string: body)
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(status == .created, "\(text)")
            #expect(text.contains("\"rowsAccepted\":300") && text.contains("\"source\":\"人口.csv\""))
            // A truncated form: the closing boundary never comes.
            let truncated = String(body.prefix(body.count - 40))
            let (s2, t2) = try await client.execute(
                uri: "/api/v1/resources/POP-1/ingest?mode=replace", method: .post, headers: headers,
                body: ByteBuffer(string: truncated)
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(s2 == .unprocessableContent && t2.contains("closing boundary"))
        }
        // Streamed through a real socket by curl, in whatever chunks the network makes.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zs-\(UUID().uuidString).csv")
        try IngestionCSV.make(0..<900).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try await app.test(.live) { client async throws in
            let port = try #require(client.port)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "curl", "-s", "-H", "Authorization: Bearer \(fixture.tokens["ga"]!)", "-F",
                "file=@\(file.path);type=text/csv",
                "http://127.0.0.1:\(port)/api/v1/resources/POP-1/ingest?mode=replace",
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(output.contains("\"rowsAccepted\":900"), "\(output)")
        }
    }
}
