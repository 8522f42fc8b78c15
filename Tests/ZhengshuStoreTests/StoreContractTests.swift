import Foundation
import GRDB
import Testing
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuTestSupport

/// The storage contract: every engine must pass it unchanged.
@Suite struct StoreContractTests {
    let admin = Caller(.localOperator, requestID: "store-test")

    func seeded(_ engine: StoreEngine) async throws -> Platform {
        let p = try await engine.makePlatform()
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        _ = try await p.departments.create(DepartmentDraft(code: "C-SCJG", name: "杭州市市场监督管理局", level: .city), by: admin)
        return p
    }

    @Test(arguments: StoreEngine.allCases)
    func migratesFromEmpty(_ engine: StoreEngine) async throws {
        // Given an empty database, when the store opens it, then every migration has run.
        let store = try await engine.makeStore()
        #expect(
            try await store.appliedMigrations() == [
                "v1-foundation", "v2-ingestion", "v3-idempotency", "v4-pull-sources", "v5-live-sources", "v6-job-nodes",
                "v7-quality", "v8-problems", "v9-lineage", "v10-data-elements", "v11-quality-schedule", "v12-sharing",
                "v13-audit-checkpoints", "v14-share-exports", "v15-change-feed", "v16-webhooks", "v17-privacy",
                "v18-management", "v19-members", "v20-topics", "v21-sandbox", "v22-backup-runs",
                "v23-verification-limits", "v24-break-glass", "v25-audit-head",
            ])
        #expect(try await store.isSchemaCurrent())
        #expect(
            try await store.platformCounts()
                == PlatformCounts(
                    departments: 0, users: 0, resources: 0, publishedResources: 0,
                    records: 0, auditEntries: 0))
    }

    @Test func reopeningAFileKeepsItsData() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zs-reopen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("zhengshu.sqlite").path
        do {
            let p = Platform(store: try GRDBStore(path: path), hasher: .fastForTesting)
            _ = try await p.departments.create(
                DepartmentDraft(code: "P-SJJ", name: "省政务数据管理局", level: .province), by: admin)
        }
        let reopened = try GRDBStore(path: path)
        #expect(try await reopened.department(DepartmentCode(trusted: "P-SJJ"))?.name == "省政务数据管理局")
        #expect(
            try await reopened.appliedMigrations() == [
                "v1-foundation", "v2-ingestion", "v3-idempotency", "v4-pull-sources", "v5-live-sources", "v6-job-nodes",
                "v7-quality", "v8-problems", "v9-lineage", "v10-data-elements", "v11-quality-schedule", "v12-sharing",
                "v13-audit-checkpoints", "v14-share-exports", "v15-change-feed", "v16-webhooks", "v17-privacy",
                "v18-management", "v19-members", "v20-topics", "v21-sandbox", "v22-backup-runs",
                "v23-verification-limits", "v24-break-glass", "v25-audit-head",
            ])
    }

    @Test(arguments: StoreEngine.allCases)
    func departmentsKeepTheirTreeIntact(_ engine: StoreEngine) async throws {
        let p = try await seeded(engine)
        _ = try await p.departments.create(
            DepartmentDraft(code: "X-GA", name: "西湖区公安分局", level: .county, parent: .some("C-GA")), by: admin)
        // Duplicate code
        await #expect(throws: ZhengshuError(.conflict, "department C-GA already exists")) {
            _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "重复", level: .city), by: admin)
        }
        // Unknown parent and a parent below the child
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.departments.create(
                DepartmentDraft(code: "X-1", name: "x", level: .county, parent: .some("NOPE")), by: admin)
        }
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.departments.update("C-GA", DepartmentDraft(parent: .some("X-GA")), by: admin)
        }
        // A department with children cannot be deleted; a leaf can.
        do {
            try await p.departments.delete("C-GA", by: admin)
            Issue.record("expected a conflict")
        } catch let e as ZhengshuError {
            #expect(e.code == .conflict)
            #expect(e.message.contains("child department"))
        }
        try await p.departments.delete("X-GA", by: admin)
        #expect(try await p.store.department(DepartmentCode(trusted: "X-GA")) == nil)
        #expect(try await p.departments.list(parent: nil, level: nil).map(\.code.rawValue) == ["C-GA", "C-SCJG"])
    }

    @Test(arguments: StoreEngine.allCases)
    func everyChangeIsAuditedInOrder(_ engine: StoreEngine) async throws {
        let p = try await seeded(engine)
        _ = try await p.departments.update("C-GA", DepartmentDraft(name: "杭州市公安局（更名）"), by: admin)
        let entries = try await p.store.auditEntries(after: 0, limit: 100, action: nil, target: nil)
        #expect(entries.map(\.event.action) == ["department.create", "department.create", "department.update"])
        #expect(entries.map(\.sequence) == [1, 2, 3])
        #expect(entries[2].event.requestID == "store-test")
        let verified = try await p.audit.verify(key: nil)
        #expect(verified.entries == 3 && verified.broken == nil)
    }

    @Test(arguments: StoreEngine.allCases)
    func backupRunsAreClaimedOnceAndKeptNewestFirst(_ engine: StoreEngine) async throws {
        let store = try await engine.makePlatform().store
        let at = Date(millis: 1_800_000_000_000)
        var first = try #require(
            try await store.claimBackupRun(
                BackupRun(node: "n1", file: "/b/zhengshu-1.zsbackup", startedAt: at),
                unlessStartedAfter: .distantPast))
        // Within the interval another claim is refused; after it, one of two nodes claiming at once gets it.
        #expect(
            try await store.claimBackupRun(
                BackupRun(node: "n2", file: "/b/x.zsbackup", startedAt: at.addingTimeInterval(60)),
                unlessStartedAfter: at.addingTimeInterval(-3600)) == nil)
        let later = at.addingTimeInterval(86_400)
        async let a = store.claimBackupRun(
            BackupRun(node: "n1", file: "/b/zhengshu-2.zsbackup", startedAt: later), unlessStartedAfter: at)
        async let b = store.claimBackupRun(
            BackupRun(node: "n2", file: "/b/zhengshu-2.zsbackup", startedAt: later), unlessStartedAfter: at)
        let claims = try await [a, b].compactMap { $0 }
        #expect(claims.count == 1)
        first.status = .failed
        first.error = "disk full"
        first.finishedAt = at.addingTimeInterval(5)
        try await store.updateBackupRun(first)
        let runs = try await store.backupRuns(limit: 10)
        #expect(
            runs.map(\.file) == ["/b/zhengshu-2.zsbackup", "/b/zhengshu-1.zsbackup"] && runs[1] == first
                && runs[0].status == .running)
        #expect(try await store.backupRuns(limit: 1).count == 1)
    }

    @Test func aChangeWhoseAuditCannotBeWrittenDoesNotHappen() async throws {
        // Given a database whose audit table refuses inserts
        let queue = try DatabaseQueue()
        let store = try GRDBStore(queue)
        try await queue.write { db in
            try db.execute(
                sql:
                    "CREATE TRIGGER refuse BEFORE INSERT ON auditEntry BEGIN SELECT RAISE(ABORT, 'audit disk full'); END"
            )
        }
        let p = Platform(store: store, hasher: .fastForTesting)
        // When a department is created, then the error surfaces and the department does not exist
        await #expect(throws: (any Error).self) {
            _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        }
        #expect(try await store.department(DepartmentCode(trusted: "C-GA")) == nil)
    }

    @Test(arguments: StoreEngine.allCases)
    func tokensAreStoredOnlyAsHashes(_ engine: StoreEngine) async throws {
        let p = try await seeded(engine)
        let user = try await p.accounts.createUser(
            UserDraft(
                name: "ga", roles: [.provider], department: "C-GA",
                password: "Secret-Pass-42"), by: admin)
        let (token, secret) = try await p.accounts.issueToken(for: user.id, label: "etl", expiresInDays: 30, by: admin)
        #expect(try await p.accounts.authenticate(bearer: secret).name == "ga")
        // Nothing in the database holds the secret or the password.
        let dump = try await engine.dumpAllText(p.store)
        #expect(!dump.isEmpty)
        #expect(!dump.contains(secret))
        #expect(!dump.contains(String(secret.dropFirst(3))))
        #expect(!dump.contains("Secret-Pass-42"))
        #expect(dump.contains(TokenSecret.hash(secret)))
        // Revoked tokens stop working at once; last use is recorded.
        #expect(try await p.store.token(token.id)?.lastUsedAt != nil)
        _ = try await p.accounts.revokeToken(token.id.rawValue, by: admin)
        await #expect(throws: ZhengshuError.self) { _ = try await p.accounts.authenticate(bearer: secret) }
        #expect(try await p.accounts.authenticate(name: "ga", password: "Secret-Pass-42").name == "ga")
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.accounts.authenticate(name: "ga", password: "wrong")
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func catalogKeepsEveryVersion(_ engine: StoreEngine) async throws {
        let p = try await seeded(engine)
        let code = "RK-0001"
        _ = try await p.catalog.create(Fixtures.populationDraft(code: code), by: admin)
        var change = ResourceDraft()
        change.abstract = "每日同步"
        change.serviceItems = ["户口迁移"]
        _ = try await p.catalog.update(code, change, by: admin)
        _ = try await p.catalog.update(code, change, by: admin)  // no change, no version
        _ = try await p.catalog.publish(code, by: admin)
        let versions = try await p.catalog.versions(code, by: admin)
        #expect(versions.map(\.version) == [1, 2, 3])
        #expect(versions.map(\.action) == ["create", "update", "publish"])
        let diff = try await p.catalog.diff(code, from: 1, to: 3, by: admin)
        #expect(diff.map(\.field) == ["abstract", "serviceItems", "status"])
        #expect(try await p.catalog.version(1, of: code, by: admin).snapshot.abstract == "全市户籍人口的身份与联系信息")
        await #expect(throws: ZhengshuError.self) { _ = try await p.catalog.version(9, of: code, by: admin) }
    }

    @Test(arguments: StoreEngine.allCases)
    func chineseSearchFindsTwoCharacterWords(_ engine: StoreEngine) async throws {
        let p = try await seeded(engine)
        _ = try await p.catalog.create(Fixtures.populationDraft(code: "RK-0001"), by: admin)
        var enterprise = Fixtures.populationDraft(code: "FR-0001", department: "C-SCJG")
        enterprise.name = "企业法人登记信息"
        enterprise.abstract = "市场主体登记"
        enterprise.category = "法人"
        enterprise.shareType = .unconditional
        enterprise.items = [
            DataItem(name: "credit_code", label: "统一社会信用代码", type: .string, key: true, dataElement: .creditCode)
        ]
        _ = try await p.catalog.create(enterprise, by: admin)

        func names(_ s: CatalogSearch) async throws -> [String] {
            try await p.catalog.search(s, by: admin).resources.map(\.name)
        }
        #expect(try await names(CatalogSearch(text: "人口")) == ["人口基础信息"])
        #expect(try await names(CatalogSearch(text: "信用")) == ["企业法人登记信息"])
        #expect(try await names(CatalogSearch(text: "法人登记")) == ["企业法人登记信息"])
        #expect(try await names(CatalogSearch(text: "身份号码")) == ["人口基础信息"])  // item labels are indexed
        #expect(try await names(CatalogSearch(text: "公安")) == ["人口基础信息"])  // department names too
        #expect(try await names(CatalogSearch(text: "rk-0001")) == ["人口基础信息"])
        #expect(try await names(CatalogSearch(text: "气象")) == [])
        #expect(try await names(CatalogSearch(category: "法人")) == ["企业法人登记信息"])
        #expect(try await names(CatalogSearch(shareType: .conditional)) == ["人口基础信息"])
        let page = try await p.catalog.search(CatalogSearch(limit: 1, offset: 1), by: admin)
        #expect(page.total == 2 && page.resources.count == 1)
    }

    @Test(arguments: StoreEngine.allCases)
    func recordsAreAllOrNothingAndPageByKeyset(_ engine: StoreEngine) async throws {
        let p = try await seeded(engine)
        _ = try await p.catalog.create(Fixtures.populationDraft(), by: admin)
        _ = try await p.catalog.publish("RK-0001", by: admin)
        let rows = Fixtures.populationRows(250)
        #expect(try await p.data.insert(Array(rows[0..<200]), into: "RK-0001", by: admin).inserted == 200)

        // A batch with one key already stored is refused whole.
        do {
            _ = try await p.data.insert(Array(rows[200..<250]) + [rows[0]], into: "RK-0001", by: admin)
            Issue.record("expected a conflict")
        } catch let e as ZhengshuError {
            #expect(e.code == .conflict)
            #expect(e.violations.first?.row == 50)
        }
        let resource = try #require(try await p.store.resource(ResourceCode(trusted: "RK-0001")))
        #expect(try await p.store.recordCount(of: resource) == 200)

        // Keyset pages, sorted by a required item, add up to the whole ordered set.
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await p.data.query(
                "RK-0001",
                RecordQueryParameters(
                    fields: "citizen_id,birth_date", sort: "-birth_date",
                    limit: "37", cursor: cursor), by: admin)
            seen += page.rows.map { if case .string(let s) = $0[0] { s } else { "" } }
            cursor = page.next?.token
        } while cursor != nil
        let expected = rows[0..<200].sorted {
            if case .string(let a) = $0["birth_date"]!, case .string(let b) = $1["birth_date"]! { return a > b }
            return false
        }
        #expect(seen.count == 200)
        #expect(Set(seen).count == 200)
        let births = try await p.data.query(
            "RK-0001", RecordQueryParameters(fields: "birth_date", sort: "-birth_date", limit: "1000"),
            by: admin
        ).rows.map { $0[0] }
        #expect(births.count == 200)
        #expect(
            expected.first.map { $0["birth_date"] }
                == births.first.map { v -> JSONValue in
                    if case .date(let d) = v { .string(d.description) } else { .null }
                })

        // Filters are typed.
        let women = try await p.data.query(
            "RK-0001", RecordQueryParameters(fields: "sex", filters: ["sex:eq:2"], limit: "1000"), by: admin)
        #expect(women.rows.allSatisfy { $0[0] == .string("2") })
        #expect(women.rows.count == rows[0..<200].filter { $0["sex"] == .string("2") }.count)
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.data.query(
                "RK-0001", RecordQueryParameters(filters: ["birth_date:gt:yesterday"]), by: admin)
        }
        // Reads are audited.
        #expect(try await p.store.auditEntries(after: 0, limit: 1000, action: "records.query", target: nil).count >= 7)
    }

    @Test(arguments: StoreEngine.allCases)
    func addingAnItemToAPublishedResourceAddsItsColumn(_ engine: StoreEngine) async throws {
        let p = try await seeded(engine)
        _ = try await p.catalog.create(Fixtures.populationDraft(), by: admin)
        _ = try await p.catalog.publish("RK-0001", by: admin)
        _ = try await p.data.insert(Fixtures.populationRows(3), into: "RK-0001", by: admin)
        var change = ResourceDraft()
        change.items =
            Fixtures.populationDraft().items! + [
                DataItem(name: "email", label: "电子邮箱", type: .string, dataElement: .email)
            ]
        _ = try await p.catalog.update("RK-0001", change, by: admin)
        var row = Fixtures.populationRows(4)[3]
        row["email"] = .string("li@zj.gov.cn")
        _ = try await p.data.insert([row], into: "RK-0001", by: admin)
        let page = try await p.data.query("RK-0001", RecordQueryParameters(fields: "email"), by: admin)
        #expect(page.rows.map { $0[0] } == [.null, .null, .null, .string("li@zj.gov.cn")])
    }
}

@Suite struct IdempotencyTests {
    let admin = Caller(.localOperator, requestID: "idem-test")

    @Test(arguments: StoreEngine.allCases)
    func aRetriedPushNeverDuplicatesRows(_ engine: StoreEngine) async throws {
        let p = try await engine.makePlatform()
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        var draft = Fixtures.populationDraft()
        draft.items = draft.items!.map {
            var i = $0
            i.key = false
            return i
        }  // no key: only idempotency prevents duplicates
        _ = try await p.catalog.create(draft, by: admin)
        _ = try await p.catalog.publish("RK-0001", by: admin)
        let rows = Fixtures.populationRows(5)
        let first = try await p.data.insert(rows, into: "RK-0001", idempotencyKey: ("batch-1", "fp-a"), by: admin)
        let retry = try await p.data.insert(rows, into: "RK-0001", idempotencyKey: ("batch-1", "fp-a"), by: admin)
        #expect(first == InsertOutcome(inserted: 5, replayed: false))
        #expect(retry == InsertOutcome(inserted: 5, replayed: true))
        let resource = try #require(try await p.store.resource(ResourceCode(trusted: "RK-0001")))
        #expect(try await p.store.recordCount(of: resource) == 5)
        // The same key with another body is refused; a new key stores again.
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.data.insert(rows, into: "RK-0001", idempotencyKey: ("batch-1", "fp-b"), by: admin)
        }
        _ = try await p.data.insert(rows, into: "RK-0001", idempotencyKey: ("batch-2", "fp-a"), by: admin)
        #expect(try await p.store.recordCount(of: resource) == 10)
    }
}
