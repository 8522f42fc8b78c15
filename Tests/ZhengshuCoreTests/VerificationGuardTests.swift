import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

@Suite struct VerificationGuardTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let id = DataItem(name: "citizen_id", label: "公民身份号码", type: .string, key: true, dataElement: .citizenID)
    let name = DataItem(name: "name", label: "姓名", type: .string)
    let birth = DataItem(name: "birth_date", label: "出生日期", type: .date)
    let mac = StandardSuite().keyedMAC(Array("test key".utf8))

    func grant(items: [String], requires: [String]? = nil) -> Grant {
        Grant(
            id: GrantID(1), application: ApplicationID(1), resource: ResourceCode(trusted: "RK-0001"),
            provider: DepartmentCode(trusted: "C-GA"),
            consumer: DepartmentCode(trusted: "C-MZ"),
            items: items, clearItems: [], services: [.verify], purpose: "核验", validFrom: CivilDate.today,
            validUntil: CivilDate.today, callsPerDay: 10, rowsPerDay: 10,
            verification: VerificationLimits(requiredItems: requires), status: .active, createdAt: now,
            updatedAt: now)
    }

    @Test func aTupleNamesTheKeyAndTheSubjectsName() throws {
        let people = try CatalogRules.newResource(from: Fixtures.populationDraft(), now: now)
        #expect(
            VerificationGuard.requiredItems(people, grant(items: ["citizen_id", "name"])) == ["citizen_id", "name"])
        // The name not granted: the key alone (the grant cannot ask for what it does not see).
        #expect(VerificationGuard.requiredItems(people, grant(items: ["citizen_id", "sex"])) == ["citizen_id"])
        // What the grant requires instead.
        #expect(
            VerificationGuard.requiredItems(
                people, grant(items: ["citizen_id", "name", "birth_date"], requires: ["birth_date"]))
                == ["citizen_id", "birth_date"])
        // An enterprise's name is 企业名称, not its legal representative's 姓名.
        var draft = Fixtures.populationDraft()
        draft.items = [
            DataItem(name: "credit_code", label: "统一社会信用代码", type: .string, key: true, dataElement: .creditCode),
            DataItem(name: "name", label: "企业名称", type: .string),
            DataItem(name: "legal_rep_name", label: "法定代表人姓名", type: .string),
        ]
        let enterprises = try CatalogRules.newResource(from: draft, now: now)
        #expect(VerificationGuard.subjectName(of: enterprises)?.name == "name")
    }

    @Test func tuplesThatDifferInOneItemShareASignature() {
        let guesses = (1..<4).map { d in
            [(id, RecordValue.string("33010619661214807\(d)")), (name, .string("王芳"))]
        }
        let v = VerificationGuard.variants(guesses, mac: mac)
        // Each tuple: one variant per item.
        #expect(v.count == 6)
        // The key guessed beside the same name: one signature, three values, counted as key guessing.
        let keyGuesses = v.filter { $0.kind == .key }
        #expect(Set(keyGuesses.map(\.signature)).count == 1 && Set(keyGuesses.map(\.value)).count == 3)
        // The name beside each ID: a subject each, one value each.
        let names = v.filter { $0.kind == .subject }
        #expect(Set(names.map(\.signature)).count == 3 && Set(names.map(\.value)).count == 1)
        // A birth date guessed for one subject.
        let dates = (1..<4).map { d in
            [(id, RecordValue.string("330106196612148071")), (name, .string("王芳")), (birth, .string("1966-12-1\(d)"))]
        }
        let dated = VerificationGuard.variants(dates, mac: mac).filter { $0.kind == .subject }
        let bySignature = Dictionary(grouping: dated, by: \.signature).mapValues { Set($0.map(\.value)).count }
        #expect(bySignature.values.max() == 3)
        // Another key, so another MAC: nothing to compare across installations; the values never in clear.
        let other = VerificationGuard.variants(guesses, mac: StandardSuite().keyedMAC(Array("other".utf8)))
        #expect(Set(other.map(\.signature)).isDisjoint(with: v.map(\.signature)))
        // A tuple of the key alone tells nothing about variants (the probing rule watches it).
        #expect(VerificationGuard.variants([[(id, .string("330106196612148071"))]], mac: mac).isEmpty)
    }

    @Test func theThresholds() {
        #expect(VerificationGuard.Kind.subject.threshold == 5 && VerificationGuard.Kind.key.threshold == 50)
        #expect(
            VerificationCount(counted: true, minute: 1, day: 1, variants: [.subject: 4, .key: 49]).enumeration == nil)
        #expect(VerificationCount(counted: true, minute: 1, day: 1, variants: [.key: 50]).enumeration?.kind == .key)
        // The window is the last hour, counted in minutes.
        let use = VerificationUse(
            grant: GrantID(1), at: now, day: CivilDate(chinaTime: now), tuples: 1, limits: VerificationLimits(),
            variants: [])
        #expect(use.minute - use.windowStart == 59 && use.minute >= use.dayStart && use.minute - use.dayStart < 1440)
    }
}
