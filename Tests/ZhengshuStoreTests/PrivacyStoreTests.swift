import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

/// Masking policies and grade proposals, on every engine.
@Suite struct PrivacyStoreTests {
    let admin = Caller(.localOperator, requestID: "store-test")

    @Test(arguments: StoreEngine.allCases)
    func policiesAreSavedReplacedAndDeleted(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let now = PlatformClock().current()
        #expect(try await store.maskingPolicies().isEmpty)
        var p = MaskingPolicy(name: "phone", method: .pseudonymise, elements: ["mobile"], description: "手机号假名化")
        try await store.saveMaskingPolicy(p, audit: admin.audit("masking.save", "masking:phone", at: now))
        try await store.saveMaskingPolicy(
            MaskingPolicy(name: "age", method: .generalise, to: .range, width: 10),
            audit: admin.audit("masking.save", "masking:age", at: now))
        p.method = .hash
        try await store.saveMaskingPolicy(p, audit: admin.audit("masking.save", "masking:phone", at: now))
        #expect(
            try await store.maskingPolicies() == [
                MaskingPolicy(name: "age", method: .generalise, to: .range, width: 10), p,
            ])
        #expect(
            try await store.deleteMaskingPolicy("phone", audit: admin.audit("masking.delete", "masking:phone", at: now))
        )
        #expect(
            try await !store.deleteMaskingPolicy(
                "phone", audit: admin.audit("masking.delete", "masking:phone", at: now)))
        #expect(try await store.maskingPolicies().map(\.name) == ["age"])
        // Three writes and one delete, each with its entry; the refused delete wrote none.
        #expect(
            try await store.auditEntries(after: 0, limit: 10, action: nil, target: nil).map(\.event.action)
                == ["masking.save", "masking.save", "masking.save", "masking.delete"])
    }

    @Test(arguments: StoreEngine.allCases)
    func aNewProposalSupersedesThePendingOne(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let now = PlatformClock().current()
        let resource = try CatalogRules.newResource(from: Fixtures.populationDraft(), now: now)
        let items = [GradeProposal.Item(item: "citizen_id", current: nil, proposed: .l4, basis: "citizen_id")]
        let first = try await store.insertGradeProposal(
            GradeProposal(resource: resource, items: items, by: "ga", at: now),
            audit: admin.audit("grading.propose", "resource:RK-0001", at: now))
        let second = try await store.insertGradeProposal(
            GradeProposal(resource: resource, items: items, by: "ga", at: now),
            audit: admin.audit("grading.propose", "resource:RK-0001", at: now))
        #expect(first.id.rawValue > 0 && second.id.rawValue > first.id.rawValue)
        #expect(try await store.gradeProposal(first.id)?.status == .superseded)
        #expect(
            try await store.gradeProposals(status: .pending, department: nil, resource: nil, limit: 10).map(\.id) == [
                second.id
            ])
        #expect(
            try await store.gradeProposals(
                status: nil, department: DepartmentCode(trusted: "C-GA"), resource: nil, limit: 10
            ).map(\.id)
                == [second.id, first.id])
        #expect(
            try await store.gradeProposals(
                status: nil, department: DepartmentCode(trusted: "C-SCJG"), resource: nil, limit: 10
            ).isEmpty)
        let confirmed = try await store.updateGradeProposal(
            second.id, audit: admin.audit("grading.confirm", "resource:RK-0001", at: now)
        ) {
            var p = $0
            p.status = .confirmed
            p.decidedBy = "ga"
            return p
        }
        #expect(try await store.gradeProposal(second.id) == confirmed)
        // A failing change writes nothing.
        await #expect(throws: ZhengshuError.self) {
            try await store.updateGradeProposal(second.id, audit: admin.audit("x", "resource:RK-0001", at: now)) { _ in
                throw ZhengshuError(.conflict, "no")
            }
        }
        await #expect(throws: ZhengshuError.self) {
            try await store.updateGradeProposal(GradeProposalID(999), audit: admin.audit("x", "x", at: now)) { $0 }
        }
        #expect(
            try await store.auditEntries(after: 0, limit: 10, action: nil, target: nil).map(\.event.action)
                == ["grading.propose", "grading.propose", "grading.confirm"])
    }
}

/// The risk monitor over a real store, reading the trail a few entries at a time.
@Suite struct RiskMonitorTests {
    @Test(arguments: StoreEngine.allCases)
    func windowsSpanPagesAndNothingIsRaisedTwice(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let clock = PlatformClock()
        // No quiet hours: the entries are stamped with the real time, which may fall in the night (China time).
        var thresholds = RiskThresholds()
        thresholds.quietHours = 0..<0
        let alerts = Alerts(store: store, audit: store, shares: store, clock: clock, thresholds: thresholds, page: 4)
        let consumer = Caller(
            Principal(
                kind: .user(UserID(7)), name: "consumer", roles: [.consumer],
                department: DepartmentCode(trusted: "C-SCJG")),
            requestID: "t")
        let start = clock.current()
        for k in 0..<10 {
            try await store.appendAudit(
                consumer.audit("share.query.denied", "resource:RK-0003", at: start.addingTimeInterval(Double(k))))
            if k % 3 == 0 {
                try await store.appendAudit(
                    consumer.audit("share.query", "resource:RK-0002", at: start.addingTimeInterval(Double(k))))
            }
        }
        let raised = try await alerts.scan()
        #expect(raised.map(\.rule) == [.denials] && raised[0].evidence.count == 10, "\(raised)")
        #expect(try await store.riskCursor() == 14)
        #expect(try await alerts.scan().isEmpty)
        // One more refusal in the same window: the window's alert already exists.
        try await store.appendAudit(
            consumer.audit("share.query.denied", "resource:RK-0003", at: start.addingTimeInterval(20)))
        #expect(try await alerts.scan().isEmpty)
        #expect(try await store.alerts(state: .open, rule: nil, limit: 10).count == 1)
    }
}

/// Items graded L4 at rest: the database holds none of their values in clear, yet the owner reads them, filters on
/// them by equality and runs quality rules on them; a grade that crosses L4 seals or opens what is stored.
@Suite struct EncryptionAtRestTests {
    let admin = Caller(.localOperator, requestID: "store-test")

    @Test(arguments: StoreEngine.allCases)
    func l4ItemsAreSealedAtRestAndStillServe(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let master = Array(repeating: UInt8(3), count: 32)
        let p = Platform(store: store, hasher: .fastForTesting, masterKey: master)
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        var d = Fixtures.populationDraft(code: "RK-0009")
        for name in ["citizen_id", "birth_date", "mobile"] {
            d.items![d.items!.firstIndex { $0.name == name }!].sensitivity = .l4
        }
        _ = try await p.catalog.create(d, by: admin)
        _ = try await p.catalog.publish("RK-0009", by: admin)
        let rows = Fixtures.populationRows(40)
        func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }
        _ = try await p.data.insert(Array(rows.prefix(20)), into: "RK-0009", by: admin)
        let names = ["citizen_id", "name", "sex", "birth_date", "mobile"]
        let csv =
            names.joined(separator: ",") + "\n"
            + rows.suffix(20).map { r in names.map { text(r[$0]) }.joined(separator: ",") }.joined(separator: "\n")
            + "\n"
        let job = try await p.ingestion.run(
            ImportRequest(resource: "RK-0009", mode: .append, sourceName: "more.csv"), source: ChunkedBytes(csv),
            by: admin)
        #expect(job.status == .succeeded, "\(job)")

        // Nothing of the L4 items in clear anywhere in the database.
        var dump = try await engine.dumpAllText(store)
        for r in rows {
            #expect(
                !dump.contains(text(r["citizen_id"])) && !dump.contains(text(r["mobile"]))
                    && !dump.contains(text(r["birth_date"])))
        }
        #expect(dump.contains("zse1.1."))

        // The owner reads them in clear and typed, and finds a record by its (sealed) key.
        let id = text(rows[25]["citizen_id"])
        let found = try await p.data.query(
            "RK-0009", RecordQueryParameters(filters: ["citizen_id:eq:\(id)"]), by: admin)
        #expect(found.rows.count == 1 && found.rows[0][0] == .string(id), "\(found.rows)")
        #expect(
            found.rows[0][3] == .date(CivilDate(iso: text(rows[25]["birth_date"]))!)
                && found.rows[0][4] == .string(text(rows[25]["mobile"])))
        #expect(try await p.data.query("RK-0009", RecordQueryParameters(limit: "100"), by: admin).rows.count == 40)
        // Their order and parts are hidden: no ranges, no sorting.
        await #expect(throws: ZhengshuError.self) {
            try await p.data.query("RK-0009", RecordQueryParameters(filters: ["birth_date:ge:1990-01-01"]), by: admin)
        }
        await #expect(throws: ZhengshuError.self) {
            try await p.data.query("RK-0009", RecordQueryParameters(sort: "mobile"), by: admin)
        }
        // A duplicate key is still refused (the sealed value is its own index).
        await #expect(throws: ZhengshuError.self) { try await p.data.insert([rows[3]], into: "RK-0009", by: admin) }
        // Quality rules see the opened values.
        let run = try await p.quality.run("RK-0009", by: admin)
        #expect(
            run.rowsChecked == 40 && run.results.allSatisfy { $0.failed == 0 },
            "\(run.results.map { ($0.rule.check, $0.failed) })")

        // New data keys, every value re-sealed under them; the old key is gone and everything still serves.
        #expect(try await p.sealer.reencrypt(store, store, store, by: admin) == [ResourceCode(trusted: "RK-0009")])
        #expect(try await store.dataKeys(ResourceCode(trusted: "RK-0009")).map(\.version) == [2])
        dump = try await engine.dumpAllText(store)
        #expect(dump.contains("zse1.2.") && !dump.contains("zse1.1.") && !dump.contains(id))
        #expect(
            try await p.data.query("RK-0009", RecordQueryParameters(filters: ["citizen_id:eq:\(id)"]), by: admin).rows
                .count == 1)

        // Another master key opens nothing.
        let stranger = Platform(store: store, hasher: .fastForTesting, masterKey: Array(repeating: UInt8(4), count: 32))
        await #expect(throws: ZhengshuError.self) {
            try await stranger.data.query("RK-0009", RecordQueryParameters(), by: admin)
        }

        // Mobile graded down to L3: opened in storage; the ID stays sealed; reads are unchanged.
        var resource = try #require(try await store.resource(ResourceCode(trusted: "RK-0009")))
        resource.items[resource.items.firstIndex { $0.name == "mobile" }!].sensitivity = .l3
        var change = ResourceDraft()
        change.items = resource.items
        _ = try await p.catalog.update("RK-0009", change, by: admin)
        dump = try await engine.dumpAllText(store)
        #expect(dump.contains(text(rows[25]["mobile"])) && !dump.contains(id))
        let after = try await p.data.query(
            "RK-0009", RecordQueryParameters(filters: ["mobile:ge:1"], limit: "100"), by: admin)
        #expect(after.rows.count == 40 && after.rows.contains { $0[4] == .string(text(rows[25]["mobile"])) })
        // And up again to L4 (birth date down to L3 at once: a date column again).
        resource.items[resource.items.firstIndex { $0.name == "mobile" }!].sensitivity = .l4
        resource.items[resource.items.firstIndex { $0.name == "birth_date" }!].sensitivity = .l3
        change.items = resource.items
        _ = try await p.catalog.update("RK-0009", change, by: admin)
        dump = try await engine.dumpAllText(store)
        #expect(!dump.contains(text(rows[25]["mobile"])))
        let last = try await p.data.query(
            "RK-0009", RecordQueryParameters(filters: ["birth_date:ge:1900-01-01"], limit: "100"), by: admin)
        #expect(
            last.rows.count == 40
                && last.rows.contains {
                    $0[3] == .date(CivilDate(iso: text(rows[25]["birth_date"]))!)
                        && $0[4] == .string(text(rows[25]["mobile"]))
                })
    }
}
