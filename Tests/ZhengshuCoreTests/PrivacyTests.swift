import Crypto
import Foundation
import Testing
import ZhengshuCore
import ZhengshuGM
import ZhengshuTestSupport

/// Grading rules (STANDARDS.md) and every masking method of the one ``Masker``.
@Suite struct PrivacyTests {
    func population() throws -> Resource {
        var d = Fixtures.populationDraft()
        d.sensitivity = .l2
        d.items?.append(DataItem(name: "address", label: "住址", type: .string, length: 200))
        d.items?.append(DataItem(name: "remark", label: "备注", type: .string, length: 500))
        return try CatalogRules.newResource(from: d, now: Date(timeIntervalSince1970: 0))
    }

    func finding(_ column: String, _ type: PersonalDataType?, embedded: [PersonalDataType] = []) -> ColumnFinding {
        ColumnFinding(
            column: column, values: 100, detected: type, matchRatio: type == nil ? 0 : 0.98, confidence: 0.98,
            examples: [], embedded: embedded, sensitiveWordValues: 0, sensitiveWords: [])
    }

    @Test func proposalsFollowTheGradingRules() throws {
        let r = try population()
        let items = try #require(
            Grading.propose(
                r,
                findings: [
                    finding("citizen_id", .citizenID), finding("name", .personName), finding("mobile", .mobile),
                    finding("address", .address), finding("remark", nil, embedded: [.bankCard]), finding("sex", nil),
                ]))
        let grades = Dictionary(uniqueKeysWithValues: items.map { ($0.item, $0.proposed) })
        // Sensitive personal information ≥ L4 (identity documents, financial accounts, even inside free text),
        // personal information ≥ L3; nothing proposed for what carries nothing personal.
        #expect(grades == ["citizen_id": .l4, "name": .l3, "mobile": .l3, "address": .l3, "remark": .l4])
        #expect(items.first { $0.item == "citizen_id" }?.basis.contains("citizen_id in 98% of 100 values") == true)
        // A declared data element counts even when the scan saw no values.
        #expect(Grading.propose(r, findings: [])?.map(\.item) == ["citizen_id", "mobile"])

        let p = GradeProposal(resource: r, items: items, by: "ga", at: Date())
        #expect(p.proposedResourceGrade == .l4 && p.currentResourceGrade == .l2)
        // Confirmed as proposed: the resource follows its highest item.
        let confirmed = try Grading.apply(GradeDecision(), of: p, to: r)
        #expect(confirmed.sensitivity == .l4 && confirmed.item(named: "name")?.sensitivity == .l3)
        try CatalogRules.validate(confirmed)
        // An override needs a reason; a resource below its highest item is refused.
        #expect(throws: ZhengshuError.self) { try Grading.apply(GradeDecision(items: ["remark": .l2]), of: p, to: r) }
        let lowered = try Grading.apply(GradeDecision(items: ["remark": .l2], reason: "备注中的卡号为测试数据"), of: p, to: r)
        #expect(lowered.item(named: "remark")?.sensitivity == .l2 && lowered.sensitivity == .l4)
        #expect(throws: ZhengshuError.self) {
            try Grading.apply(GradeDecision(resourceGrade: .l3, reason: "x"), of: p, to: r)
        }
        // Once graded, a second proposal with nothing new is none.
        #expect(Grading.propose(confirmed, findings: [finding("citizen_id", .citizenID)]) == nil)
    }

    @Test func aResourceIsAtLeastItsHighestItem() throws {
        var r = try population()
        r.items[0].sensitivity = .l4
        #expect(throws: ZhengshuError.self) { try CatalogRules.validate(r) }
        // Left out, the resource's grade follows its items up (就高从严).
        var d = Fixtures.populationDraft()
        d.sensitivity = nil
        d.items![0].sensitivity = .l4
        #expect(try CatalogRules.newResource(from: d, now: Date()).sensitivity == .l4)
        var change = ResourceDraft()
        change.items = r.items
        r.items[0].sensitivity = nil
        #expect(try CatalogRules.applying(change, to: r, now: Date()).sensitivity == .l4)
    }

    static func suite(_ profile: CryptoProfile) -> any CryptoSuite { profile == .gm ? GMSuite() : StandardSuite() }

    @Test(arguments: CryptoProfile.allCases)
    func everyMaskingMethod(_ profile: CryptoProfile) throws {
        let suite = Self.suite(profile)
        let keys = PrivacyKeys(secret: SymmetricKey(data: Data(repeating: 7, count: 32)), suite: suite)
        let policies = [
            MaskingPolicy(name: "phone-pseudonym", method: .pseudonymise, elements: ["mobile"]),
            MaskingPolicy(name: "id-hash", method: .hash),
            MaskingPolicy(name: "keep-2-1", method: .mask, keepFirst: 2, keepLast: 1),
            MaskingPolicy(name: "birth-year", method: .generalise, to: .year),
            MaskingPolicy(name: "birth-month", method: .generalise, to: .month),
            MaskingPolicy(name: "to-district", method: .generalise, to: .district),
            MaskingPolicy(name: "age-10", method: .generalise, to: .range, width: 10),
            MaskingPolicy(name: "gone", method: .suppress),
            MaskingPolicy(name: "open", method: .clear, elements: ["sex"]),
        ]
        for p in policies { try p.validate() }
        let m = Masker(policies: policies, keys: keys)
        let mobile = DataItem(name: "mobile", label: "联系电话", type: .string, dataElement: .mobile)
        func item(_ policy: String?, _ type: DataType = .string) -> DataItem {
            DataItem(name: "x", label: "值", type: type, masking: policy)
        }

        // Pseudonyms are stable for one key and differ under another: masked datasets still join.
        let p1 = m.apply(try #require(m.policyMask(for: mobile)), .string("13812345678"))
        #expect(p1 == m.apply(.pseudonymise, .string("13812345678")) && p1.text.count == 32 && p1.text != "13812345678")
        #expect(Masker(policies: policies, keys: .ephemeral(suite)).apply(.pseudonymise, .string("13812345678")) != p1)
        // The two profiles give different pseudonyms for the same key (HMAC-SHA256 and HMAC-SM3).
        let otherProfile = PrivacyKeys(
            secret: SymmetricKey(data: Data(repeating: 7, count: 32)),
            suite: Self.suite(profile == .gm ? .standard : .gm))
        #expect(Masker(policies: policies, keys: otherProfile).apply(.pseudonymise, .string("13812345678")) != p1)
        #expect(m.apply(.pseudonymise, .string("13812345679")) != p1)
        // Salted SHA-256 or SM3: not the bare hash of the value.
        let h = m.apply(try #require(m.policyMask(for: item("id-hash"))), .string("110105199001010029")).text
        let bare = suite.digest(Array("110105199001010029".utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(h.count == 64 && h != bare)
        #expect(m.apply(try #require(m.policyMask(for: item("keep-2-1"))), .string("浙江杭州")) == .string("浙江*州"))
        #expect(
            m.apply(try #require(m.policyMask(for: item("birth-year", .date))), .date(CivilDate(iso: "1990-05-17")!))
                == .string("1990"))
        #expect(
            m.apply(try #require(m.policyMask(for: item("birth-month", .date))), .date(CivilDate(iso: "1990-05-17")!))
                == .string("1990-05"))
        #expect(m.apply(.generalise(.district, width: 1), .string("浙江省杭州市西湖区文三路90号")) == .string("浙江省杭州市西湖区"))
        #expect(m.apply(.generalise(.district, width: 1), .string("内蒙古自治区呼和浩特市新城区")) == .string("内蒙古自治区呼和浩特市新城区"))
        #expect(m.apply(try #require(m.policyMask(for: item("age-10", .integer))), .integer(37)) == .string("[30, 40)"))
        #expect(m.apply(.generalise(.range, width: 0.5), .decimal("2.75")) == .string("[2.5, 3)"))
        // What cannot be generalised is suppressed, never passed through.
        #expect(m.apply(.generalise(.year, width: 1), .string("不详")) == .null)
        #expect(m.apply(try #require(m.policyMask(for: item("gone"))), .string("秘密")) == .null)
        #expect(m.policyMask(for: DataItem(name: "sex", label: "性别", type: .string, dataElement: .sex)) == nil)
        // A policy named but deleted: fail closed.
        #expect(m.policyMask(for: item("deleted-policy")) == .suppress)
        // No policy: the display defaults, then the grade.
        #expect(
            m.policyMask(for: DataItem(name: "citizen_id", label: "公民身份号码", type: .string, dataElement: .citizenID))
                == .display(.citizenID))
        #expect(m.policyMask(for: DataItem(name: "xm", label: "姓名", type: .string)) == .display(.personName))
        #expect(m.policyMask(for: DataItem(name: "ill", label: "病史", type: .string, sensitivity: .l4)) == .suppress)
        #expect(
            m.policyMask(for: DataItem(name: "job", label: "职业", type: .string, sensitivity: .l3))
                == .keep(first: 1, last: 0)
        )
        #expect(m.policyMask(for: DataItem(name: "job", label: "职业", type: .string, sensitivity: .l2)) == nil)
        // A grant's clear items are left alone; nulls stay null.
        #expect(m.masks([mobile], clear: ["mobile"]).isEmpty)
        #expect(m.apply(.pseudonymise, .null) == .null)
    }

    @Test func policiesAreValidated() {
        #expect(throws: ZhengshuError.self) { try MaskingPolicy(name: "Bad Name", method: .suppress).validate() }
        #expect(throws: ZhengshuError.self) { try MaskingPolicy(name: "m", method: .mask).validate() }
        #expect(throws: ZhengshuError.self) { try MaskingPolicy(name: "g", method: .generalise).validate() }
        #expect(throws: ZhengshuError.self) { try MaskingPolicy(name: "r", method: .generalise, to: .range).validate() }
        #expect(throws: ZhengshuError.self) { try MaskingPolicy(name: "h", method: .hash, keepFirst: 1).validate() }
        #expect(throws: ZhengshuError.self) {
            try MaskingPolicy(name: "e", method: .hash, elements: ["mobile", "mobile"]).validate()
        }
    }

    @Test(arguments: CryptoProfile.allCases)
    func watermarksTraceUnderEitherProfile(_ profile: CryptoProfile) throws {
        // 3 exports of the same 2,000 rows; a 10% sample of one, a column dropped, is traced to it alone.
        let keys = PrivacyKeys.ephemeral(Self.suite(profile))
        let rows = Fixtures.populationRows(2000)
        func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }
        let files = (1...3).map { id in
            rows.map { r in
                ExportEncoding.row(
                    [text(r["citizen_id"]), text(r["name"]), text(r["mobile"])], names: ["a", "b", "c"], .csv,
                    mark: ExportWatermark(keys: keys, export: ExportID(Int64(id))))
            }
        }
        var reader = WatermarkReader(format: .csv)
        for line in files[1].enumerated().filter({ $0.offset % 10 == 3 }).map(\.element) {
            let cells = String(decoding: line, as: UTF8.self).split(separator: ",")
            reader.feed(Array((cells[0] + "," + cells[2]).utf8))
        }
        let digests = reader.finish().digests(keys)
        let scores = (1...3).map {
            WatermarkEvidence.score(digests, ExportWatermark(keys: keys, export: ExportID(Int64($0))))
        }
        #expect(scores[1].k == scores[1].n && scores[1].n >= 390)
        #expect(scores[0].k < scores[0].n * 2 / 3 && scores[2].k < scores[2].n * 2 / 3, "\(scores)")
        #expect(WatermarkEvidence.log10Tail(n: scores[1].n, k: scores[1].k) < -100)
    }

    @Test func qualitySamplesAreMaskedByThePolicies() throws {
        let r = try population()
        let rule = QualityRule(check: .pattern(item: "mobile", regex: "1[0-9]{10}"))
        let m = Masker(
            policies: [MaskingPolicy(name: "p", method: .pseudonymise, elements: ["mobile"])], keys: .ephemeral())
        var run = try QualityRun(resource: r, rules: [rule], at: Date(), masker: m)
        var row: RecordValidator.Row = Array(repeating: .null, count: r.items.count)
        row[4] = .string("2381234567")
        var shown: [String] = []
        run.check(row, number: 1) { shown.append($0.value) }
        #expect(shown == [m.apply(.pseudonymise, .string("2381234567")).text])
        #expect(run.results()[0].samples.map(\.value) == shown)
    }
}
