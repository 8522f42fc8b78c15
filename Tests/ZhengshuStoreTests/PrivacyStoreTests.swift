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
        try await store.saveMaskingPolicy(MaskingPolicy(name: "age", method: .generalise, to: .range, width: 10),
                                          audit: admin.audit("masking.save", "masking:age", at: now))
        p.method = .hash
        try await store.saveMaskingPolicy(p, audit: admin.audit("masking.save", "masking:phone", at: now))
        #expect(try await store.maskingPolicies() == [MaskingPolicy(name: "age", method: .generalise, to: .range, width: 10), p])
        #expect(try await store.deleteMaskingPolicy("phone", audit: admin.audit("masking.delete", "masking:phone", at: now)))
        #expect(try await !store.deleteMaskingPolicy("phone", audit: admin.audit("masking.delete", "masking:phone", at: now)))
        #expect(try await store.maskingPolicies().map(\.name) == ["age"])
        // Three writes and one delete, each with its entry; the refused delete wrote none.
        #expect(try await store.auditEntries(after: 0, limit: 10, action: nil, target: nil).map(\.event.action)
                == ["masking.save", "masking.save", "masking.save", "masking.delete"])
    }

    @Test(arguments: StoreEngine.allCases)
    func aNewProposalSupersedesThePendingOne(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let now = PlatformClock().current()
        let resource = try CatalogRules.newResource(from: Fixtures.populationDraft(), now: now)
        let items = [GradeProposal.Item(item: "citizen_id", current: nil, proposed: .l4, basis: "citizen_id")]
        let first = try await store.insertGradeProposal(GradeProposal(resource: resource, items: items, by: "ga", at: now),
                                                        audit: admin.audit("grading.propose", "resource:RK-0001", at: now))
        let second = try await store.insertGradeProposal(GradeProposal(resource: resource, items: items, by: "ga", at: now),
                                                         audit: admin.audit("grading.propose", "resource:RK-0001", at: now))
        #expect(first.id.rawValue > 0 && second.id.rawValue > first.id.rawValue)
        #expect(try await store.gradeProposal(first.id)?.status == .superseded)
        #expect(try await store.gradeProposals(status: .pending, department: nil, resource: nil, limit: 10).map(\.id) == [second.id])
        #expect(try await store.gradeProposals(status: nil, department: DepartmentCode(trusted: "C-GA"), resource: nil, limit: 10).map(\.id)
                == [second.id, first.id])
        #expect(try await store.gradeProposals(status: nil, department: DepartmentCode(trusted: "C-SCJG"), resource: nil, limit: 10).isEmpty)
        let confirmed = try await store.updateGradeProposal(second.id, audit: admin.audit("grading.confirm", "resource:RK-0001", at: now)) {
            var p = $0
            p.status = .confirmed
            p.decidedBy = "ga"
            return p
        }
        #expect(try await store.gradeProposal(second.id) == confirmed)
        // A failing change writes nothing.
        await #expect(throws: ZhengshuError.self) {
            try await store.updateGradeProposal(second.id, audit: admin.audit("x", "resource:RK-0001", at: now)) { _ in throw ZhengshuError(.conflict, "no") }
        }
        await #expect(throws: ZhengshuError.self) {
            try await store.updateGradeProposal(GradeProposalID(999), audit: admin.audit("x", "x", at: now)) { $0 }
        }
        #expect(try await store.auditEntries(after: 0, limit: 10, action: nil, target: nil).map(\.event.action)
                == ["grading.propose", "grading.propose", "grading.confirm"])
    }
}

/// The risk monitor over a real store, reading the trail a few entries at a time.
@Suite struct RiskMonitorTests {
    @Test(arguments: StoreEngine.allCases)
    func windowsSpanPagesAndNothingIsRaisedTwice(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let clock = PlatformClock()
        let alerts = Alerts(store: store, audit: store, shares: store, clock: clock, page: 4)
        let consumer = Caller(Principal(kind: .user(UserID(7)), name: "consumer", roles: [.consumer], department: DepartmentCode(trusted: "C-SCJG")),
                              requestID: "t")
        let start = clock.current()
        for k in 0..<10 {
            try await store.appendAudit(consumer.audit("share.query.denied", "resource:RK-0003", at: start.addingTimeInterval(Double(k))))
            if k % 3 == 0 { try await store.appendAudit(consumer.audit("share.query", "resource:RK-0002", at: start.addingTimeInterval(Double(k)))) }
        }
        let raised = try await alerts.scan()
        #expect(raised.map(\.rule) == [.denials] && raised[0].evidence.count == 10, "\(raised)")
        #expect(try await store.riskCursor() == 14)
        #expect(try await alerts.scan().isEmpty)
        // One more refusal in the same window: the window's alert already exists.
        try await store.appendAudit(consumer.audit("share.query.denied", "resource:RK-0003", at: start.addingTimeInterval(20)))
        #expect(try await alerts.scan().isEmpty)
        #expect(try await store.alerts(state: .open, rule: nil, limit: 10).count == 1)
    }
}
