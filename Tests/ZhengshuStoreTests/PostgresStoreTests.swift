import Foundation
import Testing
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuPostgres
import ZhengshuTestSupport

/// The PostgreSQL engine against a real server (`ZHENGSHU_TEST_PG_URL`), each test in a database of its own.
@Suite(.enabled(if: TestPostgres.isAvailable, "set ZHENGSHU_TEST_PG_URL (Scripts/postgres-throwaway.sh) to run"))
struct PostgresStoreTests {
    func withStore(_ body: (PostgresStore, PostgresLocation) async throws -> Void) async throws {
        let location = try await TestPostgres.freshDatabase()
        let store = try await PostgresStore.open(location, maximumConnections: 8)
        do {
            try await body(store, location)
        } catch {
            store.close()
            try? await TestPostgres.drop(location)
            throw error
        }
        store.close()
        try await TestPostgres.drop(location)
    }

    func event(_ action: String, _ target: String, by actor: String = "admin") -> AuditEvent {
        AuditEvent(
            actor: actor, actorDepartment: nil, action: action, target: target, at: Date(millis: Date().millis),
            requestID: UUID().uuidString, detail: nil)
    }

    @Test func migratesOnceEvenWhenTwoNodesStartTogether() async throws {
        let location = try await TestPostgres.freshDatabase()
        // Two nodes open the empty database at the same moment: the migrations lock lets one migrate.
        async let a = PostgresStore.open(location, maximumConnections: 2)
        async let b = PostgresStore.open(location, maximumConnections: 2)
        let (first, second) = try await (a, b)
        #expect(
            try await first.appliedMigrations() == [
                "v1-foundation", "v2-ingestion", "v3-idempotency", "v4-pull-sources", "v5-live-sources", "v6-job-nodes",
                "v7-quality", "v8-problems", "v9-lineage", "v10-data-elements", "v11-quality-schedule", "v12-sharing",
                "v13-audit-checkpoints", "v14-share-exports", "v15-change-feed", "v16-webhooks", "v17-privacy",
                "v18-management", "v19-members", "v20-topics", "v21-sandbox", "v22-backup-runs",
                "v23-verification-limits", "v24-break-glass", "v25-audit-head",
            ])
        #expect(try await second.isSchemaCurrent())
        #expect(
            try await first.platformCounts()
                == PlatformCounts(
                    departments: 0, users: 0, resources: 0, publishedResources: 0,
                    records: 0, auditEntries: 0))
        first.close()
        second.close()
        // Reopening migrates nothing again.
        let reopened = try await PostgresStore.open(location, maximumConnections: 2)
        #expect(try await reopened.isSchemaCurrent())
        reopened.close()
        try await TestPostgres.drop(location)
    }

    @Test func departmentsKeepTheirTreeIntact() async throws {
        try await withStore { store, _ in
            let now = Date(millis: Date().millis)
            func department(_ code: String, _ level: AdminLevel, parent: String? = nil) -> Department {
                Department(
                    code: DepartmentCode(trusted: code), name: "部门 \(code)", level: level,
                    parent: parent.map(DepartmentCode.init(trusted:)), creditCode: nil, createdAt: now, updatedAt: now)
            }
            try await store.insertDepartment(
                department("P-SJJ", .province), audit: event("department.create", "department:P-SJJ"))
            try await store.insertDepartment(
                department("C-GA", .city, parent: "P-SJJ"), audit: event("department.create", "department:C-GA"))
            try await store.insertDepartment(
                department("X-GA", .county, parent: "C-GA"), audit: event("department.create", "department:X-GA"))
            await #expect(throws: ZhengshuError(.conflict, "department C-GA already exists")) {
                try await store.insertDepartment(
                    department("C-GA", .city), audit: event("department.create", "department:C-GA"))
            }
            await #expect(throws: ZhengshuError.self) {
                try await store.insertDepartment(
                    department("X-1", .county, parent: "NOPE"), audit: event("department.create", "department:X-1"))
            }
            // A cycle is refused and nothing changes.
            await #expect(throws: ZhengshuError.self) {
                _ = try await store.updateDepartment(
                    DepartmentCode(trusted: "C-GA"), audit: event("department.update", "department:C-GA")
                ) {
                    var d = $0
                    d.parent = DepartmentCode(trusted: "X-GA")
                    d.level = .county
                    return d
                }
            }
            #expect(
                try await store.department(DepartmentCode(trusted: "C-GA"))?.parent == DepartmentCode(trusted: "P-SJJ"))
            let renamed = try await store.updateDepartment(
                DepartmentCode(trusted: "C-GA"), audit: event("department.update", "department:C-GA")
            ) {
                var d = $0
                d.name = "杭州市公安局"
                return d
            }
            #expect(renamed.name == "杭州市公安局")
            // Children block a delete; a leaf goes.
            do {
                try await store.deleteDepartment(
                    DepartmentCode(trusted: "C-GA"), audit: event("department.delete", "department:C-GA"))
                Issue.record("expected a conflict")
            } catch let e as ZhengshuError {
                #expect(e.code == .conflict && e.message.contains("1 child department(s)"))
            }
            try await store.deleteDepartment(
                DepartmentCode(trusted: "X-GA"), audit: event("department.delete", "department:X-GA"))
            #expect(try await store.departments(parent: nil, level: nil).map(\.code.rawValue) == ["P-SJJ", "C-GA"])
            #expect(
                try await store.departments(parent: DepartmentCode(trusted: "P-SJJ"), level: .city).map(\.name) == [
                    "杭州市公安局"
                ])
            // Every change, and only the changes that happened, is in the chain.
            let trail = AuditTrail(store: store)
            let result = try await trail.verify(key: nil)
            #expect(result.entries == 5 && result.broken == nil)
        }
    }

    @Test func twoNodesAppendingAtOnceKeepOneGaplessChain() async throws {
        try await withStore { first, location in
            let second = try await PostgresStore.open(location, maximumConnections: 8)
            defer { second.close() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (node, store) in [("a", first), ("b", second)] {
                    for k in 0..<4 {
                        group.addTask {
                            for i in 0..<25 {
                                try await store.appendAudit(
                                    event("records.query", "resource:\(node)\(k)-\(i)", by: node))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let entries = try await first.auditEntries(after: 0, limit: 1000, action: nil, target: nil)
            #expect(entries.map(\.sequence) == Array(1...200))
            #expect(AuditChain.firstBreak(in: entries, after: nil) == nil)
            #expect(try await second.platformCounts().auditEntries == 200)
            #expect(
                try await first.auditEntries(after: 190, limit: 5, action: "records.query", target: nil).map(\.sequence)
                    == Array(191...195))
        }
    }

    @Test func resourcesWithoutKeysArePartitionedByLoadMonth() async throws {
        try await withStore { store, location in
            let admin = Caller(.localOperator, requestID: "pg-test")
            let p = Platform(store: store, hasher: .fastForTesting)
            _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
            var draft = Fixtures.datagenPopulationDraft(code: "LOG-1")
            draft.items = draft.items!.map {
                var i = $0
                i.key = false
                return i
            }
            _ = try await p.catalog.create(draft, by: admin)
            let resource = try await p.catalog.publish("LOG-1", by: admin)
            let rows = (0..<3).map { k -> [String: JSONValue] in
                let person = DemoDataRow.people[k]
                return ["gmsfhm": .string(person.0), "xm": .string(person.1), "csrq": .string(person.3)]
            }
            _ = try await p.data.insert(rows, into: "LOG-1", by: admin)
            _ = try await p.data.insert(rows, into: "LOG-1", by: admin)  // no key: the same rows again are new events
            #expect(try await store.recordCount(of: resource) == 6)
            // A snapshot keeps the partitions and replaces every row, in one transaction.
            let csv =
                "gmsfhm,xm,csrq\n"
                + (10..<14).map {
                    "\(DemoDataRow.people[$0].0),\(DemoDataRow.people[$0].1),\(DemoDataRow.people[$0].3)"
                }
                .joined(separator: "\n") + "\n"
            let job = try await p.ingestion.run(
                ImportRequest(resource: "LOG-1", mode: .replace, sourceName: "snapshot.csv"),
                source: ChunkedBytes(Array(csv.utf8)), by: admin)
            #expect(job.status == .succeeded && job.rowsAccepted == 4)
            let page = try await p.data.query("LOG-1", RecordQueryParameters(fields: "gmsfhm", limit: "100"), by: admin)
            #expect(page.rows.count == 4)
            // The rows sit in this month's partition, none in the default one.
            let inspector = try await PostgresStore.open(location, maximumConnections: 1)
            defer { inspector.close() }
            let dump = try await inspector.partitionCounts(of: "LOG-1")
            #expect(
                dump.count == 2 && dump.first { $0.name.hasSuffix("_default") }?.rows == 0
                    && dump.first { !$0.name.hasSuffix("_default") }?.rows == 4, "\(dump)")
        }
    }

    @Test func aWorkspaceStatementIsConfinedEvenWithoutTheSQLCheck() async throws {
        // The engine-independent check (SandboxSQL) is the first lock; this runs statements straight at the store to show
        // the second: the workspace's role, a read-only transaction, a security-definer function and a statement timeout.
        try await withStore { store, _ in
            func workspace(_ name: String) async throws -> WorkspaceID {
                let w = try await store.insertWorkspace(
                    Workspace(
                        id: WorkspaceID(0), consumer: DepartmentCode(trusted: "C-SCJG"), name: name,
                        createdBy: "consumer",
                        createdAt: Date(millis: Date().millis), status: .ready, tables: []),
                    audit: event("sandbox.create", "workspace:\(name)"))
                let columns = [
                    WorkspaceColumn(name: "xb", type: .string, masked: false),
                    WorkspaceColumn(name: "nl", type: .integer, masked: false),
                ]
                try await store.createWorkspaceTable(w.id, table: "rk", columns: columns)
                try await store.appendWorkspaceRows(
                    w.id, table: "rk", columns: columns,
                    rows: (0..<40).map { (k: Int) -> [RecordValue] in
                        [.string(k % 2 == 0 ? "1" : "2"), .integer(Int64(20 + k))]
                    })
                return w.id
            }
            let (mine, other) = (try await workspace("mine"), try await workspace("other"))
            let limits = SandboxLimits(timeout: .milliseconds(300), maxRows: 10, k: 5)
            let grouped = try await store.runWorkspaceQuery(
                mine, sql: "SELECT xb, count(*) AS n FROM rk GROUP BY xb ORDER BY xb", tables: ["rk"], limits: limits)
            #expect(
                grouped.columns == ["xb", "n"]
                    && grouped.rows == [[.string("1"), .integer(20)], [.string("2"), .integer(20)]])
            let cut = try await store.runWorkspaceQuery(mine, sql: "SELECT * FROM rk", tables: ["rk"], limits: limits)
            #expect(cut.rows.count == 10 && cut.truncated)
            for sql in [
                "SELECT set_config('role', current_user, false)", "SELECT * FROM public.sandboxWorkspace",
                "SELECT * FROM auditEvent",
                "SELECT * FROM zs_ws_\(other.rawValue).rk", "SELECT pg_read_file('/etc/passwd')", "DELETE FROM rk",
                "SELECT 1; DELETE FROM rk", "SELECT * FROM rk) AS x; DELETE FROM rk; SELECT * FROM (SELECT 1",
                "CREATE TABLE t (x int)", "WITH d AS (DELETE FROM rk RETURNING *) SELECT * FROM d",
                "SELECT lo_import('/etc/passwd')", "COPY rk TO '/tmp/zs-out'",
            ] {
                do {
                    let r = try await store.runWorkspaceQuery(mine, sql: sql, tables: ["rk"], limits: limits)
                    Issue.record("\(sql) ran: \(r)")
                } catch let e as ZhengshuError {
                    #expect(e.code == .forbidden || e.code == .invalidInput, "\(sql): \(e)")
                }
            }
            do {
                _ = try await store.runWorkspaceQuery(mine, sql: "SELECT pg_sleep(5)", tables: ["rk"], limits: limits)
                Issue.record("a long statement ran to its end")
            } catch let e as ZhengshuError {
                #expect(e.code == .conflict, "\(e)")
            }
            #expect(
                try await store.runWorkspaceQuery(mine, sql: "SELECT count(*) FROM rk", tables: ["rk"], limits: limits)
                    .rows == [[.integer(40)]])
            // Closing drops the copies and the role.
            try await store.dropWorkspaceData(other)
            do {
                _ = try await store.runWorkspaceQuery(
                    other, sql: "SELECT count(*) FROM rk", tables: ["rk"], limits: limits)
                Issue.record("a dropped workspace answered")
            } catch {}
        }
    }

    @Test func bothEnginesHaveTheSameTablesAndColumns() async throws {
        // The two engines' migrations are written in two dialects under the same ids; this keeps them from drifting.
        try await withStore { store, _ in
            let sqlite = try await GRDBStore.inMemory().platformColumns()
            let postgres = try await store.platformColumns()
            #expect(sqlite.keys.sorted() == postgres.keys.sorted())
            for (table, columns) in sqlite { #expect(columns == postgres[table], "\(table)") }
            #expect(try await GRDBStore.inMemory().appliedMigrations() == store.appliedMigrations())
        }
    }
}
