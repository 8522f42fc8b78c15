import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// The open-data portal through the real router, without sign-in: CKAN's Action API, the DCAT catalog, the downloads
/// and the metrics that count them.
@Suite struct OpenDataTests {
    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: [String: Any]
        var text: String

        var result: Any? { body["result"] }
        var error: [String: Any] { body["error"] as? [String: Any] ?? [:] }
    }

    /// KF-0001: open unconditionally, 25 people, citizen id and mobile masked by their data elements.
    /// KF-0002: open conditionally. KF-0003: open unconditionally but still a draft. Neither of the last two is public.
    func withPortal(_ test: @Sendable (TestPlatform, any TestClientProtocol) async throws -> Void) async throws {
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        let c = TestPlatform.operatorCaller
        for (code, open, publish) in [
            ("KF-0001", OpenType.unconditional, true), ("KF-0002", .conditional, true),
            ("KF-0003", .unconditional, false),
        ] {
            var d = Fixtures.populationDraft(code: code)
            d.name = "开放人口样本\(code.suffix(1))"
            d.shareType = .unconditional
            d.shareCondition = nil
            d.sensitivity = .l2
            d.openType = open
            d.serviceItems = ["户籍证明开具"]
            _ = try await p.catalog.create(d, by: c)
            guard publish else { continue }
            _ = try await p.catalog.publish(code, by: c)
            _ = try await p.data.insert(Fixtures.populationRows(25), into: code, by: c)
        }
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client in try await test(fixture, client) }
    }

    @discardableResult
    func call(
        _ client: some TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .get, json: String? = nil
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
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

    @Test func onlyPublishedUnconditionalResourcesArePublic() async throws {
        try await withPortal { _, client in
            let list = try await call(client, "/api/3/action/package_list")
            #expect(list.status == .ok && list.body["success"] as? Bool == true)
            #expect(list.result as? [String] == ["kf-0001"])
            #expect((list.body["help"] as? String)?.hasSuffix("/api/3/action/help_show?name=package_list") == true)

            let show = try await call(client, "/api/3/action/package_show?id=kf-0001")
            let package = try #require(show.result as? [String: Any])
            #expect(package["id"] as? String == "KF-0001" && package["title"] as? String == "开放人口样本1")
            #expect((package["organization"] as? [String: Any])?["name"] as? String == "c-ga")
            let resources = try #require(package["resources"] as? [[String: Any]])
            #expect(Set(resources.compactMap { $0["format"] as? String }) == ["CSV", "JSON"])
            #expect(
                resources.allSatisfy { ($0["url"] as? String)?.contains("/open/datasets/KF-0001/download.") == true })
            // The code works as the id too, POST as well as GET (what ckanapi sends).
            let posted = try await call(client, "/api/action/package_show", method: .post, json: #"{"id":"KF-0001"}"#)
            #expect((posted.result as? [String: Any])?["name"] as? String == "kf-0001")

            for hidden in ["KF-0002", "KF-0003", "NOPE"] {
                let r = try await call(client, "/api/3/action/package_show?id=\(hidden)")
                #expect(r.status == .notFound && r.body["success"] as? Bool == false)
                #expect(r.error["__type"] as? String == "Not Found Error", "\(r.text)")
                let d = try await call(client, "/open/datasets/\(hidden)/download.csv")
                #expect(d.status == .notFound)
            }
        }
    }

    @Test func errorsUseCKANsEnvelope() async throws {
        try await withPortal { _, client in
            let unknown = try await call(client, "/api/3/action/package_delete?id=kf-0001")
            #expect(unknown.status == .badRequest && unknown.error["__type"] as? String == "Bad request")
            let missing = try await call(client, "/api/3/action/package_show")
            #expect(missing.status == .conflict && missing.error["__type"] as? String == "Validation Error")
            #expect((missing.error["message"] as? String)?.contains("id") == true, "\(missing.text)")
            let badRows = try await call(client, "/api/3/action/package_search?rows=many")
            #expect(
                badRows.status == .conflict && (badRows.error["message"] as? String)?.contains("rows") == true,
                "\(badRows.text)")
            // Negative counts and offsets are refused (schemathesis once trapped the server with package_list?limit=-1).
            for query in [
                "package_list?limit=-1", "package_list?offset=-3", "package_search?rows=-278",
                "package_search?start=-1",
                "datastore_search?resource_id=kf-0001&limit=-1",
            ] {
                let negative = try await call(client, "/api/3/action/\(query)")
                #expect(
                    negative.status == .conflict
                        && (negative.error["message"] as? String)?.contains("natural number") == true,
                    "\(query): \(negative.text)")
            }
            let badBody = try await call(client, "/api/3/action/package_search", method: .post, json: "[1,2")
            #expect(badBody.status == .conflict && badBody.body["success"] as? Bool == false)
            // Nothing is written through the portal: the catalog is as it was.
            #expect(try await call(client, "/api/3/action/package_list").result as? [String] == ["kf-0001"])
        }
    }

    @Test func searchFacetsAndOrganizations() async throws {
        try await withPortal { _, client in
            let hit = try await call(
                client, "/api/3/action/package_search?q=%E4%BA%BA%E5%8F%A3&facet.field=%5B%22organization%22%5D&rows=5")
            let result = try #require(hit.result as? [String: Any])
            #expect(result["count"] as? Int == 1)
            let facets = try #require((result["search_facets"] as? [String: Any])?["organization"] as? [String: Any])
            #expect((facets["items"] as? [[String: Any]])?.first?["name"] as? String == "c-ga")
            let miss = try await call(client, "/api/3/action/package_search?q=%E4%BC%81%E4%B8%9A")
            #expect((miss.result as? [String: Any])?["count"] as? Int == 0)
            let byOrg = try await call(client, "/api/3/action/package_search?fq=organization:c-ga")
            #expect((byOrg.result as? [String: Any])?["count"] as? Int == 1)
            let byOtherOrg = try await call(client, "/api/3/action/package_search?fq=organization:c-scjg")
            #expect((byOtherOrg.result as? [String: Any])?["count"] as? Int == 0)

            let orgs = try await call(client, "/api/3/action/organization_list")
            #expect(orgs.result as? [String] == ["c-ga"])
            let org = try await call(client, "/api/3/action/organization_show?id=c-ga&include_datasets=true")
            #expect((org.result as? [String: Any])?["package_count"] as? Int == 1, "\(org.text)")
            let tags = try await call(client, "/api/3/action/tag_list")
            #expect((tags.result as? [String])?.contains("户籍证明开具") == true, "\(tags.text)")
            let status = try await call(client, "/api/3/action/status_show")
            #expect((status.result as? [String: Any])?["ckan_version"] is String)
        }
    }

    @Test func datastoreServesMaskedRowsAndAuditsThePublic() async throws {
        try await withPortal { f, client in
            let raw = Fixtures.populationRows(25)
            let page = try await call(
                client, "/api/3/action/datastore_search?resource_id=KF-0001.csv&limit=10&offset=5")
            #expect(page.status == .ok, "\(page.text)")
            let result = try #require(page.result as? [String: Any])
            #expect(result["total"] as? Int == 25)
            let records = try #require(result["records"] as? [[String: Any]])
            #expect(records.count == 10 && records.first?["_id"] as? Int == 6)
            let ids = records.compactMap { $0["citizen_id"] as? String }
            #expect(ids.count == 10 && ids.allSatisfy { $0.count == 18 && $0.contains("*") })
            let rawIDs = Set(raw.compactMap { if case .string(let s)? = $0["citizen_id"] { s } else { nil } })
            #expect(ids.allSatisfy { !rawIDs.contains($0) })
            #expect(!page.text.contains(try #require(rawIDs.first)))
            let fields = try #require(result["fields"] as? [[String: Any]])
            #expect(fields.first { $0["id"] as? String == "mobile" }?["type"] as? String == "text")

            // A search on an unmasked value finds the row; a filter on a masked item is refused, not guessed at.
            guard case .string(let sex)? = raw[3]["sex"] else {
                Issue.record("no sex")
                return
            }
            let q = try await call(
                client,
                "/api/3/action/datastore_search?resource_id=KF-0001.csv&filters=" + "{\"sex\":\"\(sex)\"}"
                    .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            let found = try #require((q.result as? [String: Any])?["records"] as? [[String: Any]], "\(q.text)")
            #expect(!found.isEmpty && found.allSatisfy { $0["sex"] as? String == sex })
            let refused = try await call(
                client, "/api/3/action/datastore_search", method: .post,
                json: #"{"resource_id":"KF-0001.csv","filters":{"citizen_id":"110101199003071234"}}"#)
            #expect(
                refused.status == .conflict && (refused.error["message"] as? String)?.contains("citizen_id") == true,
                "\(refused.text)")
            let hidden = try await call(client, "/api/3/action/datastore_search?resource_id=KF-0002.csv")
            #expect(hidden.status == .notFound)

            let audited = try await f.store.auditEntries(after: 0, limit: 100, action: "open.query", target: nil)
            #expect(
                audited.count == 2
                    && audited.allSatisfy { $0.event.actor == "public" && $0.event.target == "resource:KF-0001" })
        }
    }

    @Test func downloadsAreMaskedAndCountedInMetrics() async throws {
        try await withPortal { f, client in
            let csv = try await call(client, "/open/datasets/KF-0001/download.csv")
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(whereSeparator: \.isNewline)
            #expect(lines.count == 26 && lines[0].contains("citizen_id"), "\(csv.text.prefix(600))")
            #expect(lines.dropFirst().allSatisfy { $0.contains("*") })
            let jsonl = try await call(client, "/open/datasets/kf-0001/download.jsonl")
            #expect(jsonl.text.split(separator: "\n").count == 25)
            #expect(
                try await f.store.auditEntries(after: 0, limit: 100, action: "open.download", target: nil).count == 2)
            // The entry is durable before the first byte leaves; a download cut short says how far it got.
            let store = f.store
            await #expect(throws: CancellationError.self) {
                try await f.platform.data.openDownload("KF-0001", format: .csv, by: Caller(.anonymous, requestID: "t"))
                {
                    _ in
                    let entries = try await store.auditEntries(
                        after: 0, limit: 100, action: "open.download", target: nil)
                    #expect(entries.count == 3 && entries.last?.event.detail?.contains("rows: 25") == true)
                    throw CancellationError()
                }
            }
            let cut = try await f.store.auditEntries(
                after: 0, limit: 100, action: "open.download.interrupted", target: nil)
            #expect(cut.count == 1 && cut.first?.event.detail?.hasPrefix("rows sent: 0") == true)
            let wrong = try await call(client, "/open/datasets/KF-0001/download.xml")
            #expect(wrong.status == .notFound)

            let metrics = try await call(client, "/metrics")
            #expect(metrics.status == .ok && metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let downloads = metrics.text.split(separator: "\n").filter {
                $0.hasPrefix("zhengshu_http_requests_total{")
                    && $0.contains(
                        #"http_route="/open/datasets/{code}/{file}",http_request_method="GET",http_response_status_code="200""#
                    )
            }
            #expect(
                !downloads.isEmpty,
                "\(metrics.text.split(separator: "\n").filter { $0.contains("requests_total") }.prefix(20))")
            #expect(metrics.text.contains("zhengshu_http_request_duration_seconds_bucket"))
            #expect(metrics.text.contains("zhengshu_resources{status=\"all\"} 3"), "\(metrics.text.prefix(3000))")
            #expect(metrics.text.contains("zhengshu_records 50"), "\(metrics.text.prefix(3000))")
        }
    }

    @Test func theDCATCatalogDescribesEveryOpenDataset() async throws {
        try await withPortal { _, client in
            let ld = try await call(client, "/catalog.jsonld")
            #expect(ld.status == .ok && ld.headers[.contentType]?.hasPrefix("application/ld+json") == true)
            let graph = try #require(ld.body["@graph"] as? [[String: Any]], "\(ld.text.prefix(500))")
            let datasets = graph.filter {
                ($0["@type"] as? [String])?.contains("http://www.w3.org/ns/dcat#Dataset") == true
            }
            #expect(datasets.count == 1)
            let dataset = try #require(datasets.first)
            #expect(
                dataset["http://purl.org/dc/terms/title"] != nil && dataset["http://purl.org/dc/terms/publisher"] != nil
            )
            let distributions = try #require(dataset["http://www.w3.org/ns/dcat#distribution"] as? [[String: Any]])
            #expect(distributions.count == 2)
            let ttl = try await call(client, "/catalog.ttl")
            #expect(ttl.status == .ok && ttl.text.contains("dcat:Dataset") && ttl.text.contains("开放人口样本1"))
            #expect(!ttl.text.contains("KF-0002") && !ttl.text.contains("KF-0003"))
        }
    }

    /// The sum of a counter's samples whose line has every one of `labels` (the registry is the process's, shared by
    /// the tests running alongside, so the test compares before and after).
    static func counter(_ exposition: String, _ name: String, _ labels: [String] = []) -> Double {
        exposition.split(separator: "\n").filter { line in
            (line.hasPrefix(name + "{") || line.hasPrefix(name + " ")) && labels.allSatisfy { line.contains($0) }
        }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    @Test func ingestionQualityAndDenialsAreCounted() async throws {
        try await withPortal { f, client in
            let before = try await call(client, "/metrics").text
            let csv = "citizen_id,name,sex,birth_date,mobile\n" + "bad,张三,1,2026-13-40,1\n"
            _ = try await f.platform.ingestion.run(
                ImportRequest(resource: "KF-0001", mode: .append, sourceName: "more.csv"),
                source: ChunkedBytes(csv), by: TestPlatform.operatorCaller)
            _ = try? await f.platform.accounts.signIn(name: "consumer", password: "wrong-password", requestID: "t")
            let denied = try await client.execute(
                uri: "/api/v1/share/KF-0001/records", method: .get,
                headers: [.authorization: "Bearer \(f.tokens["consumer"] ?? "")"]
            ) { $0.status }
            #expect(denied == .forbidden)
            let after = try await call(client, "/metrics").text
            for (name, labels) in [
                ("zhengshu_ingest_jobs_total", [String]()), ("zhengshu_ingest_rows_total", [#"outcome="rejected""#]),
                ("zhengshu_denials_total", [#"action="login.failed""#]),
                ("zhengshu_denials_total", [#"action="share.query.denied""#]),
            ] {
                #expect(
                    Self.counter(after, name, labels) >= Self.counter(before, name, labels) + 1, "\(name) \(labels)")
            }
        }
    }

    /// The portal's pages for people: list and search, the dataset page with a masked preview, the publisher's page;
    /// what is not open is a 404 alike.
    @Test func thePublicBrowsesSearchesAndPreviewsWithoutSigningIn() async throws {
        try await withPortal { f, client in
            let list = try await call(client, "/open")
            #expect(
                list.status == .ok && list.text.contains("id=\"dataset-KF-0001\"") && !list.text.contains("KF-0003"))
            // Open on condition: listed apart, described, never previewed.
            #expect(!list.text.contains("id=\"dataset-KF-0002\"") && list.text.contains("id=\"conditional-KF-0002\""))
            let conditional = try await call(client, "/open/datasets/KF-0002")
            #expect(
                conditional.status == .ok && !conditional.text.contains("id=\"preview\"")
                    && !conditional.text.contains("download.csv"))
            #expect(list.text.contains("<span id=\"total\">1</span>"))
            let word = "人口".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await call(client, "/open?q=\(word)").text.contains("id=\"dataset-KF-0001\""))
            let none = try await call(client, "/open?q=%E7%A4%BE%E4%BF%9D")  // 社保
            #expect(none.status == .ok && none.text.contains("<span id=\"total\">0</span>"))
            #expect(try await call(client, "/open?organization=C-SCJG").text.contains("<span id=\"total\">0</span>"))

            let page = try await call(client, "/open/datasets/KF-0001")
            #expect(page.status == .ok, "\(page.text.prefix(300))")
            #expect(page.text.contains("开放人口样本1") && page.text.contains("/open/datasets/KF-0001/download.csv"))
            #expect(page.text.contains("<dd id=\"records\">25</dd>"))
            // The preview is masked as the downloads are: no citizen id or mobile in clear, and the items say so.
            for row in Fixtures.populationRows(10) {
                for name in ["citizen_id", "mobile", "name"] {
                    if case .string(let clear) = row[name] { #expect(!page.text.contains(clear), "\(name) in clear") }
                }
                // The ID's display mask beside the birth date would give the ID back: the inference guard hides more.
                if case .string(let id) = row["citizen_id"] {
                    #expect(!page.text.contains(DisplayMask.citizenID.apply(id)) && page.text.contains("******"))
                }
            }
            #expect(page.text.contains("data-masked=\"citizen_id\"") && page.text.contains("data-masked=\"mobile\""))
            // The preview was read as the public, through the audited path.
            #expect(
                try await f.store.auditEntries(after: 0, limit: 10, action: "open.query", target: nil).contains {
                    $0.event.actor == "public"
                })

            let org = try await call(client, "/open/organizations/C-GA")
            #expect(org.status == .ok && org.text.contains("id=\"dataset-KF-0001\"") && !org.text.contains("KF-0002"))
            for hidden in ["/open/datasets/KF-0003", "/open/datasets/NOPE", "/open/organizations/C-SCJG"] {
                #expect(try await call(client, hidden).status == .notFound, "\(hidden)")
            }
            let en = try await call(client, "/open?lang=en")
            #expect(en.text.contains("Open government data"))
        }
    }
}
