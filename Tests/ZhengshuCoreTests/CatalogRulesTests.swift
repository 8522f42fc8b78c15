import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

@Suite struct CatalogRulesTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func newResourceStartsAsVersionOneDraft() throws {
        let r = try CatalogRules.newResource(from: Fixtures.populationDraft(), now: now)
        #expect(r.status == .draft)
        #expect(r.version == 1)
        #expect(r.keyItems.map(\.name) == ["citizen_id"])
        #expect(r.item(named: "citizen_id")?.required == true)  // key items are required
    }

    @Test func reportsEveryMissingFieldAtOnce() {
        do {
            _ = try CatalogRules.newResource(from: ResourceDraft(), now: now)
            Issue.record("expected a validation error")
        } catch {
            #expect(error.code == .validation)
            #expect(
                Set(error.violations.map(\.field)) == ["code", "department", "name", "category", "items", "shareType"])
        }
    }

    @Test func notSharedNeedsItsLegalBasis() {
        var d = Fixtures.populationDraft()
        d.shareType = ShareType.none
        d.shareCondition = nil
        #expect(throws: ZhengshuError.self) { try CatalogRules.newResource(from: d, now: now) }
        d.shareCondition = "《中华人民共和国刑事诉讼法》"
        #expect(throws: Never.self) { try CatalogRules.newResource(from: d, now: now) }
    }

    @Test func rejectsBadItemsWithTheirIndex() {
        var d = Fixtures.populationDraft()
        d.items! += [
            DataItem(name: "Name", label: "x", type: .string),
            DataItem(name: "age", label: "年龄", type: .integer, length: 3),
            DataItem(name: "name", label: "重名", type: .string),
        ]
        do {
            _ = try CatalogRules.newResource(from: d, now: now)
            Issue.record("expected a validation error")
        } catch {
            let fields = error.violations.map(\.field)
            #expect(fields.contains("items[5].name"))
            #expect(fields.contains("items[6].length"))
            #expect(fields.contains("items[7].name"))
        }
    }

    @Test func updateBumpsVersionOnlyWhenSomethingChanges() throws {
        let r = try CatalogRules.newResource(from: Fixtures.populationDraft(), now: now)
        #expect(try CatalogRules.applying(ResourceDraft(), to: r, now: now).version == 1)
        var change = ResourceDraft()
        change.name = "人口基础信息（新）"
        let next = try CatalogRules.applying(change, to: r, now: now)
        #expect(next.version == 2)
        change.code = "OTHER"
        #expect(throws: ZhengshuError.self) { try CatalogRules.applying(change, to: r, now: now) }
    }

    @Test func publishedResourcesOnlyGainOptionalItems() throws {
        let draft = try CatalogRules.newResource(from: Fixtures.populationDraft(), now: now)
        let published = try CatalogRules.transition(draft, to: .published, now: now)
        var change = ResourceDraft()
        change.items = published.items + [DataItem(name: "email", label: "电子邮箱", type: .string, dataElement: .email)]
        #expect(try CatalogRules.applying(change, to: published, now: now).items.count == 6)
        change.items = Array(published.items.dropLast())
        #expect(throws: ZhengshuError.self) { try CatalogRules.applying(change, to: published, now: now) }
        var retyped = published.items
        retyped[3].type = .string
        change.items = retyped
        #expect(throws: ZhengshuError.self) { try CatalogRules.applying(change, to: published, now: now) }
    }

    @Test func lifecycleIsDraftPublishedRetired() throws {
        let r = try CatalogRules.newResource(from: Fixtures.populationDraft(), now: now)
        #expect(throws: ZhengshuError.self) { try CatalogRules.transition(r, to: .retired, now: now) }
        let p = try CatalogRules.transition(r, to: .published, now: now)
        #expect(p.publishedAt == now)
        let retired = try CatalogRules.transition(p, to: .retired, now: now)
        #expect(throws: ZhengshuError.self) { try CatalogRules.transition(retired, to: .published, now: now) }
        #expect(throws: ZhengshuError.self) { try CatalogRules.applying(ResourceDraft(), to: retired, now: now) }
    }

    @Test func diffIsFieldLevelAndMatchesItemsByName() throws {
        let a = try CatalogRules.newResource(from: Fixtures.populationDraft(), now: now)
        var b = a
        b.items.reverse()
        #expect(ResourceDiff.between(a, b).isEmpty)
        b.items[0].label = "手机号码"
        b.abstract = "新的摘要"
        let changes = ResourceDiff.between(a, b)
        #expect(changes.map(\.field) == ["abstract", "items[mobile].label"])
        #expect(changes[1].before == "联系电话" && changes[1].after == "手机号码")
    }
}

@Suite struct SearchTermsTests {
    @Test func indexesCharactersAndBigrams() {
        #expect(SearchTerms.index("人口信息") == ["人", "口", "信", "息", "人口", "口信", "信息"])
        #expect(SearchTerms.index("RK-0001 人口") == ["rk", "0001", "人", "口", "人口"])
    }

    @Test func queriesNeedEveryBigram() {
        #expect(SearchTerms.query("人口基础") == ["人口", "口基", "基础"])
        #expect(SearchTerms.query("人") == ["人"])
        #expect(SearchTerms.query("  ") == [])
    }
}

@Suite struct RecordValidatorTests {
    let items = Fixtures.populationDraft().items!

    @Test func convertsValidRows() throws {
        let rows = Fixtures.populationRows(20)
        let converted = try RecordValidator.validate(rows, items: items).get()
        #expect(converted.count == 20)
        #expect(converted[0].count == items.count)
    }

    @Test func reportsRowFieldAndReason() {
        var rows = Fixtures.populationRows(3)
        rows[1]["citizen_id"] = .string("110105194912310021")
        rows[2]["birth_date"] = .string("2024-02-30")
        rows[2]["nickname"] = .string("x")
        rows[0]["name"] = .null
        guard case .failure(let error) = RecordValidator.validate(rows, items: items) else {
            Issue.record("expected failure")
            return
        }
        let found = Set(error.violations.map { "\($0.row ?? -1):\($0.field)" })
        #expect(found == ["0:name", "1:citizen_id", "2:birth_date", "2:nickname"])
        #expect(error.violations.first { $0.field == "citizen_id" }?.reason.contains("check character") == true)
    }

    @Test func lengthsCountCharactersNotBytes() {
        var item = DataItem(name: "name", label: "姓名", type: .string, length: 3)
        #expect(RecordValidator.convert(.string("欧阳娜"), for: item) == .success(.string("欧阳娜")))
        #expect(throws: RecordValidator.Reason.self) { try RecordValidator.convert(.string("欧阳娜娜"), for: item).get() }
        item.type = .decimal
        item.length = 5
        #expect(RecordValidator.convert(.string("+012.50"), for: item) == .success(.decimal("12.5")))
        #expect(throws: RecordValidator.Reason.self) {
            try RecordValidator.convert(.string("1234.56"), for: item).get()
        }
    }

    @Test func duplicateKeysInOneBatchAreRejected() {
        let rows = Fixtures.populationRows(2)
        guard case .failure(let error) = RecordValidator.validate(rows + [rows[0]], items: items) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.violations.map(\.row) == [2])
    }

    @Test func datetimesDefaultToBeijingTime() throws {
        let t = try #require(RecordValue.parseDatetime("2024-01-02 08:30:00"))
        #expect(RecordValue.formatDatetime(t) == "2024-01-02T00:30:00Z")
        #expect(
            RecordValue.parseDatetime("2024-01-02T08:30:00Z").map(RecordValue.formatDatetime) == "2024-01-02T08:30:00Z")
        #expect(RecordValue.parseDatetime("2024-13-02T08:30:00Z") == nil)
    }
}

@Suite struct AccountsRulesTests {
    @Test func passwordsAreSaltedAndVerified() throws {
        let hasher = PasswordHasher.fastForTesting
        let a = try hasher.hash("Correct-Horse-9")
        let b = try hasher.hash("Correct-Horse-9")
        #expect(a != b)  // per-user salt
        #expect(PasswordHasher.verify("Correct-Horse-9", against: a))
        #expect(!PasswordHasher.verify("correct-horse-9", against: a))
        #expect(!PasswordHasher.verify("Correct-Horse-9", against: "garbage"))
    }

    @Test func tokensAreRandomAndStoredAsHashes() {
        var rng = SystemRandomNumberGenerator()
        let t = TokenSecret.generate(using: &rng)
        #expect(t.hasPrefix("zs_") && t.count == 67)
        #expect(TokenSecret.hash(t).count == 64)
        #expect(TokenSecret.hash(t) != t)
        #expect(TokenSecret.generate(using: &rng) != t)
    }

    @Test func weakPasswordsAreRefused() {
        #expect(UserRules.validatePassword("short") != nil)
        #expect(UserRules.validatePassword("alllowercaseletters") != nil)
        #expect(UserRules.validatePassword("Mixed-Case-123") == nil)
    }
}

@Suite struct AuditChainTests {
    func event(_ n: Int) -> AuditEvent {
        AuditEvent(
            actor: "admin", actorDepartment: "P-SJJ", action: "department.create", target: "department:D\(n)",
            at: Date(timeIntervalSince1970: 1_790_000_000 + Double(n)), requestID: "r\(n)")
    }

    @Test func entriesHoldNoNULs() {
        let e = AuditEvent(
            actor: "a", actorDepartment: nil, action: "share.query.denied", target: "resource:X\u{0}",
            at: Date(), requestID: "r", detail: "filter 'a\u{0}b' must look like item:op:value")
        #expect(!e.target.utf8.contains(0) && e.detail == "filter 'a\u{FFFD}b' must look like item:op:value")
    }

    @Test func chainVerifiesAndLocatesTampering() {
        var entries: [AuditEntry] = []
        for n in 1...5 {
            entries.append(AuditChain.entry(after: entries.last.map { ($0.sequence, $0.hash) }, event: event(n)))
        }
        #expect(AuditChain.firstBreak(in: entries, after: nil) == nil)
        var edited = entries
        edited[2].event.actor = "intruder"
        #expect(
            AuditChain.firstBreak(in: edited, after: nil)
                == AuditBreak(sequence: 3, reason: "entry 3 does not match its hash: edited"))
        var removed = entries
        removed.remove(at: 1)
        #expect(
            AuditChain.firstBreak(in: removed, after: nil)
                == AuditBreak(sequence: 2, reason: "entry 2 is missing (the next one is 3): deleted"))
        var swapped = entries
        swapped.swapAt(1, 2)
        #expect(AuditChain.firstBreak(in: swapped, after: nil)?.sequence == 2)
    }
}
