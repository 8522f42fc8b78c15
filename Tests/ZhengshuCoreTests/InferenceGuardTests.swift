import Foundation
import Synchronization
import Testing
import ZhengshuCore

/// The inference guard against an attacker who knows the identifiers' structure (GB 11643, GB 32100), the GB/T 2260
/// list and the calendar, and counts every identifier that agrees with all it receives: for every masking method of
/// the identifier × every pair of items derived from it × each method of those, no masked identifier is left with
/// fewer than `InferenceGuard.minimumCandidates` possible values, unless items the grant shows in clear on purpose do
/// it, and then the guard says so.
@Suite struct InferenceGuardTests {
    /// The shipped division list, put in force as the server does at start-up.
    static let divisions: [(code: String, name: String)] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/ZhengshuApp/Resources/gb2260.csv")
        let list = try! Division.parseList(try! String(contentsOf: url, encoding: .utf8))
        Division.install(list)
        return list.map { ($0.key, $0.value) }.sorted { $0.code < $1.code }
    }()

    static let policies: [MaskingPolicy] = [
        MaskingPolicy(name: "display", method: .display),
        MaskingPolicy(name: "keep-6-4", method: .mask, keepFirst: 6, keepLast: 4),
        MaskingPolicy(name: "keep-3-4", method: .mask, keepFirst: 3, keepLast: 4),
        MaskingPolicy(name: "keep-0-4", method: .mask, keepFirst: 0, keepLast: 4),
        MaskingPolicy(name: "keep-6-0", method: .mask, keepFirst: 6, keepLast: 0),
        MaskingPolicy(name: "keep-10-0", method: .mask, keepFirst: 10, keepLast: 0),
        MaskingPolicy(name: "keep-1-0", method: .mask, keepFirst: 1, keepLast: 0),
        MaskingPolicy(name: "keep-4-0", method: .mask, keepFirst: 4, keepLast: 0),
        MaskingPolicy(name: "hash", method: .hash),
        MaskingPolicy(name: "pseudonymise", method: .pseudonymise),
        MaskingPolicy(name: "year", method: .generalise, to: .year),
        MaskingPolicy(name: "month", method: .generalise, to: .month),
        MaskingPolicy(name: "district", method: .generalise, to: .district),
        MaskingPolicy(name: "range-10", method: .generalise, to: .range, width: 10),
        MaskingPolicy(name: "range-1000000", method: .generalise, to: .range, width: 1_000_000),
        MaskingPolicy(name: "suppress", method: .suppress),
        MaskingPolicy(name: "clear", method: .clear),
    ]

    static let masker = Masker(policies: policies, keys: .ephemeral())

    /// Every method a policy can name, for the identifier (shown in clear it needs no guard).
    static let identifierMethods = [
        "display", "keep-6-4", "keep-3-4", "keep-0-4", "keep-6-0", "keep-10-0", "hash", "pseudonymise", "year",
        "range-10", "range-1000000", "suppress",
    ]
    /// How an item beside it can be released: each method, no policy (its defaults), or in clear by the grant.
    static let besideMethods: [String?] = [
        nil, "grant-clear", "clear", "display", "keep-1-0", "keep-4-0", "hash", "pseudonymise", "year", "month",
        "district", "range-10", "suppress",
    ]

    struct Person {
        var id: String
        var birthDate: CivilDate
        var age: Int
        var sex: String
        var division: String
        var address: String
    }

    static func person(_ id: String, address: String) -> Person {
        let digits = Array(id)
        let birth = CivilDate(
            year: Int(String(digits[6..<10]))!, month: Int(String(digits[10..<12]))!, day: Int(String(digits[12..<14]))!
        )!
        let today = CivilDate.today
        var age = today.year - birth.year
        if (today.month, today.day) < (birth.month, birth.day) { age -= 1 }
        return Person(
            id: id, birthDate: birth, age: age, sex: Int(String(digits[16]))! % 2 == 1 ? "1" : "2",
            division: String(digits[0..<6]), address: address)
    }

    static func item(_ facet: InferenceGuard.Facet) -> DataItem {
        switch facet {
        case .birthDate: DataItem(name: "csrq", label: "出生日期", type: .date)
        case .age: DataItem(name: "nl", label: "年龄", type: .integer)
        case .sex: DataItem(name: "xb", label: "性别", type: .string, dataElement: .sex)
        case .division: DataItem(name: "hjdz_dm", label: "户籍地行政区划代码", type: .string, dataElement: .divisionCode)
        case .address: DataItem(name: "zz", label: "住址", type: .string)
        case .organisationCode: DataItem(name: "zzjgdm", label: "组织机构代码", type: .string, dataElement: .organizationCode)
        }
    }

    static func value(_ facet: InferenceGuard.Facet, of p: Person) -> RecordValue {
        switch facet {
        case .birthDate: .date(p.birthDate)
        case .age: .integer(Int64(p.age))
        case .sex: .string(p.sex)
        case .division: .string(p.division)
        case .address: .string(p.address)
        case .organisationCode: .null
        }
    }

    /// Runs on a thread of its own: 42,120 attacks are minutes of CPU, and on the cooperative pool they would starve
    /// every other test of the run.
    @Test func noMaskedCitizenIDIsRebuiltFromWhatIsReleasedBesideIt() async {
        let outcomes = await withCheckedContinuation { (done: CheckedContinuation<[Outcome], Never>) in
            Thread.detachNewThread {
                done.resume(returning: [
                    Self.attackEveryCombination("330106196612148071", "浙江省杭州市西湖区文三路90号"),
                    // Born in the last days: the thinnest neighbourhood of birth dates.
                    Self.attackEveryCombination("110105202612010022", "北京市朝阳区建国路8号"),
                ])
            }
        }
        for o in outcomes {
            #expect(o.failures.isEmpty, "\(o.failures.count) cases: \(o.failures.prefix(5))")
            // The corpus is what it claims: every case ran, and the guard had work in many.
            #expect(
                o.cases == Self.identifierMethods.count
                    * (5 * Self.besideMethods.count + 10 * Self.besideMethods.count * Self.besideMethods.count))
            #expect(o.strengthened > o.cases / 10, "\(o.strengthened) of \(o.cases)")
        }
    }

    struct Outcome: Sendable {
        var cases = 0, strengthened = 0
        var failures: [String] = []
    }

    static func attackEveryCombination(_ id: String, _ address: String) -> Outcome {
        _ = Self.divisions
        let person = Self.person(id, address: address)
        let facets: [InferenceGuard.Facet] = [.birthDate, .age, .sex, .division, .address]
        var sets: [[InferenceGuard.Facet]] = facets.map { [$0] }
        for (i, a) in facets.enumerated() { for b in facets[(i + 1)...] { sets.append([a, b]) } }
        var outcome = Outcome()
        for idMethod in Self.identifierMethods {
            for set in sets {
                for methods in Self.combinations(set.count) {
                    var items = [
                        DataItem(
                            name: "sfzh", label: "公民身份号码", type: .string, dataElement: .citizenID, masking: idMethod)
                    ]
                    var clear: Set<String> = []
                    var row: [RecordValue] = [.string(person.id)]
                    for (facet, method) in zip(set, methods) {
                        var it = Self.item(facet)
                        if method == "grant-clear" { clear.insert(it.name) } else { it.masking = method }
                        items.append(it)
                        row.append(Self.value(facet, of: person))
                    }
                    let (masks, findings) = Self.masker.secured(items, clear: clear)
                    for name in clear where masks[name] != nil {
                        outcome.failures.append("\(name) granted in clear was masked")
                    }
                    var rows = [row]
                    Self.masker.apply(masks, fields: items, to: &rows)
                    let seen = Dictionary(uniqueKeysWithValues: zip(items.map(\.name), rows[0]))
                    let sexSplits =
                        masks["xb"].map { m in Self.masker.apply(m, .string("1")) != Self.masker.apply(m, .string("2"))
                        } ?? true
                    let count = Attacker.citizenIDs(
                        seen: seen, sexKnown: set.contains(.sex) && sexSplits ? person.sex : nil,
                        limit: InferenceGuard.minimumCandidates)
                    outcome.cases += 1
                    if findings.contains(where: { !$0.strengthened.isEmpty }) { outcome.strengthened += 1 }
                    if count < InferenceGuard.minimumCandidates {
                        let finding = findings.first { $0.item == "sfzh" }
                        // Only items the grant shows in clear may do it, and then the guard says so.
                        if finding?.restoredByClearItems != true || clear.isEmpty {
                            outcome.failures.append(
                                "\(id) masked by \(idMethod) with \(zip(set, methods).map { "\($0.0.rawValue):\($0.1 ?? "-")" }) leaves \(count) IDs: \(seen.mapValues(\.text))"
                            )
                        }
                    }
                }
            }
        }
        return outcome
    }

    static func combinations(_ n: Int) -> [[String?]] {
        n == 1 ? besideMethods.map { [$0] } : besideMethods.flatMap { a in besideMethods.map { [a, $0] } }
    }

    /// The defaults of the display standard: the citizen ID's `330106********8075` with the clear birth date beside it
    /// gives the ID back; the guard masks harder and says what it changed.
    @Test func theDisplayMaskBesideAClearBirthDateIsMadeSafe() {
        _ = Self.divisions
        let items = [
            DataItem(name: "sfzh", label: "公民身份号码", type: .string, dataElement: .citizenID),
            DataItem(name: "csrq", label: "出生日期", type: .date),
            DataItem(name: "xb", label: "性别", type: .string, dataElement: .sex),
        ]
        let plain = Masker(policies: [], keys: .ephemeral())
        #expect(plain.policyMask(for: items[0]) == .display(.citizenID) && plain.policyMask(for: items[1]) == nil)
        let (masks, findings) = plain.secured(items)
        #expect(findings.count == 1 && findings[0].item == "sfzh" && !findings[0].restoredByClearItems)
        // The division stays, the birth date's digits and the sequence go from the ID; the birth date is coarsened to
        // its month (to its year, or the ID hides all, on the first days of a month, when this month's births are few).
        #expect(masks["sfzh"] == .keep(first: 6, last: 0) || masks["sfzh"] == .keep(first: 0, last: 0))
        #expect(findings[0].strengthened.first == "sfzh" && findings[0].candidates >= InferenceGuard.requiredEstimate)
        // Granted in clear on purpose, the birth date stays; the ID hides all it can and the finding says the rest.
        let chosen = plain.secured(items, clear: ["csrq", "xb"])
        #expect(chosen.masks["csrq"] == nil && chosen.masks["sfzh"] == .keep(first: 0, last: 0))
        #expect(chosen.findings.first?.restoredByClearItems == false)
        let division = DataItem(name: "hjdz", label: "户籍地行政区划代码", type: .string, dataElement: .divisionCode)
        let all = plain.secured(items + [division], clear: ["csrq", "xb", "hjdz"])
        #expect(
            all.findings.first?.restoredByClearItems == true
                && all.findings.first?.clearItems == ["csrq", "xb", "hjdz"])
        // Nothing beside it: the display mask stands.
        #expect(plain.secured([items[0]]).findings.isEmpty && plain.masks([items[0]]) == ["sfzh": .display(.citizenID)])
    }

    /// A credit code masked, with the organisation code and the division beside it.
    @Test func aMaskedCreditCodeIsNotRebuiltFromItsOrganisationCode() throws {
        _ = Self.divisions
        let items = [
            DataItem(name: "tyshxydm", label: "统一社会信用代码", type: .string, dataElement: .creditCode, masking: "keep-0-4"),
            DataItem(name: "zzjgdm", label: "组织机构代码", type: .string, dataElement: .organizationCode),
            DataItem(name: "xzqh", label: "行政区划代码", type: .string, dataElement: .divisionCode),
        ]
        let (masks, findings) = Self.masker.secured(items)
        #expect(findings.first?.item == "tyshxydm" && findings.first?.restoredByClearItems == false)
        #expect(
            masks["zzjgdm"] != nil, "the organisation code is 9 of the 18 characters: it cannot stay beside the mask")
        let chosen = Self.masker.secured(items, clear: ["zzjgdm", "xzqh"])
        #expect(
            chosen.findings.first?.restoredByClearItems == true && chosen.masks["tyshxydm"] == .keep(first: 0, last: 0))
    }
}

/// Counts citizen IDs that agree with what a caller received, the way an attacker would: every division of the list,
/// every birth date from 1900 to today, every sequence, the GB 11643 check.
enum Attacker {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checks = Array("10X98765432")
    static let dates: [[Int]] = {
        var out: [[Int]] = []
        var day = CivilDate(year: 1900, month: 1, day: 1)!
        while day <= CivilDate.today {
            out.append(day.description.compactMap(\.wholeNumberValue))
            day = day.adding(days: 1)
        }
        return out
    }()
    /// Digits of one part of an ID (division, birth date, sequence) with their weighted sum for the check.
    struct Part: Sendable {
        let digits: [Int]
        let sum: Int
    }
    private static let cache = Mutex<[String: [Part]]>([:])

    /// - Parameters:
    ///   - seen: item name → value as received (`sfzh` the ID; `csrq`, `nl`, `xb`, `hjdz_dm`, `zz` beside it).
    ///   - sexKnown: the person's sex code when the received sex values tell men from women.
    static func citizenIDs(seen: [String: RecordValue], sexKnown: String?, limit: Int) -> Int {
        var fixed = [Character?](repeating: nil, count: 18)
        var idRange: (Double, Double)?
        let id = seen["sfzh"]?.text ?? ""
        if id.count == 18 {
            for (k, c) in id.enumerated() where c != "*" { fixed[k] = c }
        } else if let r = range(id) {
            // The digits every number of the range shares are known; the rest is checked number by number.
            idRange = r
            let low = Array(String(Int64(r.0))), high = Array(String(Int64(r.1) - 1))
            if low.count == 18, high.count == 18 {
                for k in 0..<18 {
                    guard low[k] == high[k] else { break }
                    fixed[k] = low[k]
                }
            }
        }
        // A birth date: YYYY-MM-DD, a prefix of it, or a masked copy.
        if let date = seen["csrq"], !date.isNull {
            let text = Array(date.text)
            let places = [0: 6, 1: 7, 2: 8, 3: 9, 5: 10, 6: 11, 8: 12, 9: 13]
            if text.count <= 10, text.count == 10 || text.count == 7 || text.count == 4 {
                for (k, c) in text.enumerated() where c.isNumber { if let p = places[k] { fixed[p] = c } }
            }
        }
        var years: ClosedRange<Int>?
        let thisYear = CivilDate.today.year
        if let age = seen["nl"], !age.isNull {
            let t = age.text
            if let a = Int(t) {
                years = (thisYear - a - 1)...(thisYear - a)
            } else if let (low, high) = range(t) {
                years = (thisYear - Int(high))...(thisYear - Int(low))
            } else if let first = t.first?.wholeNumberValue, t.count == 2, t.last == "*" {
                years = (thisYear - first * 10 - 10)...(thisYear - first * 10)
            }
        }
        var divisionRange: (Double, Double)?
        if let division = seen["hjdz_dm"]?.text, division.count == 6 {
            for (k, c) in division.enumerated() where c != "*" { fixed[k] = c }
        } else if let division = seen["hjdz_dm"]?.text, let r = range(division) {
            divisionRange = r
        }
        var districts: Set<String>?
        if let address = seen["zz"]?.text, !address.isEmpty {
            districts = cachedCodes(address) {
                let named = InferenceGuardTests.divisions.filter { d in
                    !d.code.hasSuffix("00") && address.contains(d.name)
                        && address.hasPrefix(Division.provinces[String(d.code.prefix(2))] ?? "?")
                }
                if !named.isEmpty { return Set(named.map(\.code)) }
                guard let province = Division.provinces.first(where: { address.hasPrefix($0.value) }) else {
                    return nil
                }
                return Set(InferenceGuardTests.divisions.map(\.code).filter { $0.hasPrefix(province.key) })
            }
        }
        func matches(_ digits: [Int], _ offset: Int) -> Bool {
            digits.indices.allSatisfy { k in fixed[offset + k].map { $0.wholeNumberValue == digits[k] } ?? true }
        }
        let shownDivision = String(fixed[0..<6].map { $0 ?? "?" })
        let named = districts?.sorted().joined() ?? ""
        let bounds = divisionRange.map { "\($0.0)-\($0.1)" } ?? ""
        let divisionKey = "d\(shownDivision)\(named)\(bounds)"
        let divisionDigits = cached(divisionKey) {
            InferenceGuardTests.divisions.map(\.code).filter { code in
                (districts?.contains(code) ?? true)
                    && (divisionRange.map { Double(code)! >= $0.0 && Double(code)! < $0.1 } ?? true)
            }
            .map { $0.map { $0.wholeNumberValue! } }.filter { matches($0, 0) }.map {
                Part(digits: $0, sum: weighted($0, from: 0))
            }
        }
        let dateKey = "b" + String(fixed[6..<14].map { $0 ?? "?" }) + "\(years.map { "\($0)" } ?? "")"
        let dateDigits = cached(dateKey) {
            dates.filter { d in
                matches(d, 6) && (years.map { $0.contains(d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]) } ?? true)
            }.map { Part(digits: $0, sum: weighted($0, from: 6)) }
        }
        let parity = sexKnown.map { $0 == "1" ? 1 : 0 }
        let sequences = cached("s" + String(fixed[14..<17].map { $0 ?? "?" }) + "\(parity ?? 9)") {
            (0..<1000).map { [$0 / 100, $0 / 10 % 10, $0 % 10] }.filter { s in
                matches(s, 14) && (parity.map { s[2] % 2 == $0 } ?? true)
            }.map { Part(digits: $0, sum: weighted($0, from: 14)) }
        }
        var count = 0
        let knownCheck = fixed[17]
        if idRange == nil {
            // Counted by the check's residues: how many birth dates and sequences give each weighted sum mod 11.
            func residues(_ parts: [Part]) -> [Part] {
                var counts = [Int](repeating: 0, count: 11)
                for p in parts { counts[p.sum % 11] += 1 }
                return [Part(digits: counts, sum: 0)]
            }
            let dates = cached("r" + dateKey) { residues(dateDigits) }[0].digits
            var sequencesBySum = [Int](repeating: 0, count: 11)
            for q in sequences { sequencesBySum[q.sum % 11] += 1 }
            let target = knownCheck.flatMap { checks.firstIndex(of: $0) }
            for division in divisionDigits {
                for r in 0..<11 where dates[r] > 0 {
                    let b = (division.sum + r) % 11
                    count += dates[r] * (target.map { sequencesBySum[(($0 - b) % 11 + 11) % 11] } ?? sequences.count)
                    if count >= limit { return count }
                }
            }
            return count
        }
        for division in divisionDigits {
            for date in dateDigits {
                let b = division.sum + date.sum
                for s in sequences {
                    let check = checks[(b + s.sum) % 11]
                    if let knownCheck, knownCheck != check { continue }
                    if let (low, high) = idRange {
                        let text = (division.digits + date.digits + s.digits).map(String.init).joined() + String(check)
                        guard let x = Double(text), x >= low, x < high else { continue }
                    }
                    count += 1
                    if count >= limit { return count }
                }
            }
        }
        return count
    }

    static func weighted(_ digits: [Int], from offset: Int) -> Int {
        var sum = 0
        for (k, d) in digits.enumerated() { sum += d * weights[offset + k] }
        return sum
    }

    /// `[low, high)`, as the generalise-to-range mask writes it.
    static func range(_ text: String) -> (Double, Double)? {
        guard text.hasPrefix("["), text.hasSuffix(")") else { return nil }
        let parts = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let low = Double(parts[0]), let high = Double(parts[1]) else { return nil }
        return (low, high)
    }

    private static let addressCache = Mutex<[String: Set<String>?]>([:])

    static func cachedCodes(_ key: String, _ make: () -> Set<String>?) -> Set<String>? {
        if let hit = addressCache.withLock({ $0[key] }) { return hit }
        let made = make()
        addressCache.withLock { $0[key] = made }
        return made
    }

    static func cached(_ key: String, _ make: () -> [Part]) -> [Part] {
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let made = make()
        cache.withLock { $0[key] = made }
        return made
    }
}
