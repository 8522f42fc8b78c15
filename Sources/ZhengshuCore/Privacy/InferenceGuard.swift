import Foundation
import Synchronization

/// Masks chosen over the structure of the national identifiers, so that a masked identifier cannot be rebuilt from
/// what the same caller receives beside it (STANDARDS.md, "Masking national identifiers without giving them back").
///
/// A citizen ID (GB 11643) is division (6) · birth date (8) · sequence (3, the last one's parity the sex) · check; a
/// credit code (GB 32100) is registration authority · organisation type · division (6) · organisation code (9,
/// GB 11714) · check. Items beside it carry parts of it: a birth date or age, a sex, a division code or an address, an
/// organisation code. For each masked identifier the guard counts how many identifiers stay possible, for the value
/// that leaves the fewest, given what its mask shows and what every other item shows under its own mask. Fewer than
/// ``minimumCandidates`` (with a margin, ``requiredEstimate``) and it is restored; the guard then masks harder, one
/// step at a time, until it is not. The steps: the identifier's own mask (a citizen ID keeps its division only, then
/// nothing; a credit code nothing), and the items beside it that the grant does not show in clear (a birth date to
/// its month, its year, then nothing; an age to its decade, then nothing; a division or an address to its province,
/// then nothing; a sex or an organisation code to nothing). Of the steps that are enough it takes the one that keeps
/// most; while none is, the one that gains most.
///
/// Items shown in clear are the provider's choice and are never changed; when they alone restore a masked identifier
/// the guard reports it (``Finding/restoredByClearItems``), and the approval screen asks the provider to mask them or
/// to grant the combination on purpose.
package enum InferenceGuard {
    /// A masked identifier with fewer possible values than this, given what the caller receives, counts as restored.
    package static let minimumCandidates = 1_000
    /// What the guard's estimate must reach: twice the minimum, for values whose neighbourhood is thinner than the
    /// estimate's (a check character that splits unevenly, a short last year of birth dates).
    package static let requiredEstimate = 2 * minimumCandidates

    /// The national identifiers the guard protects.
    package enum Identifier: String, Sendable, CaseIterable {
        case citizenID, creditCode

        var length: Int { 18 }
        /// A well-formed value, for probing what a mask keeps.
        var probe: String {
            switch self {
            case .citizenID: "330105196612148075"
            case .creditCode: "91330106MA2B3C4D5X"
            }
        }
    }

    /// The parts of an identifier another item can carry.
    package enum Facet: String, Sendable, CaseIterable {
        case birthDate, age, sex, division, address, organisationCode

        /// The facets that bear on an identifier.
        static func of(_ id: Identifier) -> [Facet] {
            switch id {
            case .citizenID: [.birthDate, .age, .address, .division, .sex]
            case .creditCode: [.address, .division, .organisationCode]
            }
        }
    }

    /// What the guard did, or could not do, for one masked identifier.
    package struct Finding: Sendable, Hashable {
        /// The masked identifier item.
        package var item: String
        package var identifier: Identifier
        /// Items whose mask the guard made stronger (the identifier's own name included when it was changed).
        package var strengthened: [String]
        /// Items shown in clear that take part in restoring it.
        package var clearItems: [String]
        /// The estimated number of identifiers still possible.
        package var candidates: Int
        /// True when even after every change the items shown in clear leave fewer than ``minimumCandidates``.
        package var restoredByClearItems: Bool
    }

    /// The identifier an item holds, from its data element.
    package static func identifier(of item: DataItem) -> Identifier? {
        switch item.dataElement {
        case .citizenID: .citizenID
        case .creditCode: .creditCode
        default: nil
        }
    }

    /// The facet an item carries, from its data element, label, name and type.
    package static func facet(of item: DataItem) -> Facet? {
        switch item.dataElement {
        case .sex: return .sex
        case .divisionCode: return .division
        case .organizationCode: return .organisationCode
        case .citizenID, .creditCode: return nil
        default: break
        }
        let label = item.label, name = item.name.lowercased()
        // 出生日期, 出生年月, 出生时间 (not 出生地, a place).
        if ["出生日", "出生年", "出生时间"].contains(where: label.contains)
            || ["csrq", "csny", "birth_date", "birthday", "birthdate", "dob"].contains(name)
        {
            return .birthDate
        }
        if label.contains("年龄") || ["nl", "age"].contains(name) { return .age }
        if label.contains("性别") || ["xb", "sex", "gender"].contains(name) { return .sex }
        if label.contains("行政区划") || label.contains("区划代码") || name == "xzqh" || name == "xzqhdm" { return .division }
        if DisplayMask.of(item) == .address { return .address }
        return nil
    }

    /// The masks of `items` made safe together: `masks` is what the policies give each item (absent: shown as
    /// stored), `clear` the items shown in clear on purpose. - Returns: the masks and what was found.
    package static func secure(
        _ items: [DataItem], masks: [String: FieldMask], clear: Set<String>, masker: Masker
    ) -> (masks: [String: FieldMask], findings: [Finding]) {
        var masks = masks
        var findings: [Finding] = []
        let identifiers = items.compactMap { item in
            identifier(of: item).flatMap { id in masks[item.name] == nil ? nil : (item, id) }
        }
        guard !identifiers.isEmpty else { return (masks, []) }
        let facets = items.compactMap { item in facet(of: item).map { (item, $0) } }
        for (item, id) in identifiers.sorted(by: { $0.0.name < $1.0.name }) {
            let relevant = facets.filter { Facet.of(id).contains($0.1) }
            var strengthened: [String] = []
            func estimate(_ masks: [String: FieldMask]) -> Int {
                var known = Knowledge(revealed(by: masks[item.name], of: item, as: id, masker: masker))
                for (other, facet) in relevant {
                    known.add(reveal(facet, of: other, under: masks[other.name], masker: masker))
                }
                return known.candidates(id)
            }
            var candidates = estimate(masks)
            while candidates < requiredEstimate {
                // One step at a time: of the changes that are enough, the one that keeps most; while none is, the
                // one that gains most (the identifier's own first when equal).
                var options: [(name: String, mask: FieldMask)] = []
                if let stronger = strongerMask(for: item, as: id, than: masks[item.name], masker: masker) {
                    options.append((item.name, stronger))
                }
                for (other, facet) in relevant where !clear.contains(other.name) {
                    if let coarser = coarser(facet, of: other, than: masks[other.name], masker: masker) {
                        options.append((other.name, coarser))
                    }
                }
                var chosen: (name: String, mask: FieldMask, candidates: Int)?
                for option in options {
                    var trial = masks
                    trial[option.name] = option.mask
                    let n = estimate(trial)
                    guard let best = chosen else {
                        chosen = (option.name, option.mask, n)
                        continue
                    }
                    let enough = n >= requiredEstimate, bestEnough = best.candidates >= requiredEstimate
                    if enough ? (!bestEnough || n < best.candidates) : (!bestEnough && n > best.candidates) {
                        chosen = (option.name, option.mask, n)
                    }
                }
                guard let chosen else { break }
                masks[chosen.name] = chosen.mask
                if !strengthened.contains(chosen.name) { strengthened.append(chosen.name) }
                candidates = chosen.candidates
            }
            let inClear = relevant.map(\.0.name).filter { clear.contains($0) && masks[$0] == nil }
            if !strengthened.isEmpty || candidates < requiredEstimate {
                findings.append(
                    Finding(
                        item: item.name, identifier: id, strengthened: strengthened, clearItems: inClear,
                        candidates: candidates, restoredByClearItems: candidates < requiredEstimate))
            }
        }
        return (masks, findings)
    }

    // MARK: What a mask shows

    /// The positions of the identifier a mask shows.
    static func revealed(by mask: FieldMask?, of item: DataItem, as id: Identifier, masker: Masker) -> Set<Int> {
        guard let mask else { return Set(0..<id.length) }
        if case .generalise(.range, let width) = mask {
            // A number's range: the leading digits stay, as many as the width and a Double's precision leave.
            guard id == .citizenID else { return [] }
            let hidden = width <= 1 ? 0 : Int(log10(width).rounded(.up))
            return Set(0..<max(0, min(15, id.length - hidden)))
        }
        return aligned(masker.apply(mask, .string(id.probe)), id.probe)
    }

    /// Where `output` shows the characters of `probe` at their places: a masked copy (stars between) or a prefix.
    static func aligned(_ output: RecordValue, _ probe: String) -> Set<Int> {
        guard case .string(let text) = output else { return [] }
        let shown = Array(text), original = Array(probe)
        guard shown.count == original.count || (shown.count < original.count && original.starts(with: shown)) else {
            return []
        }
        return Set(shown.indices.filter { shown[$0] == original[$0] })
    }

    /// What one item beside the identifier shows of it.
    enum Reveal: Equatable {
        /// Identifier positions shown.
        case positions(Set<Int>)
        /// The parity of the sequence's last digit (the sex).
        case parity
        case nothing
    }

    static func reveal(_ facet: Facet, of item: DataItem, under mask: FieldMask?, masker: Masker) -> Reveal {
        switch facet {
        case .birthDate:
            // The date's digits, YYYY-MM-DD, at the identifier's positions 6-13 (the same for a credit code: unused).
            let probe = "1966-12-14"
            let value: RecordValue =
                item.type == .date ? .date(CivilDate(year: 1966, month: 12, day: 14)!) : .string(probe)
            let out = mask.map { masker.apply($0, value) } ?? value
            let shown = aligned(out.isNull ? .null : .string(out.text), probe)
            let digits: [Int: Int] = [0: 6, 1: 7, 2: 8, 3: 9, 5: 10, 6: 11, 8: 12, 9: 13]
            let positions = Set(shown.compactMap { digits[$0] })
            return positions.isEmpty ? .nothing : .positions(positions)
        case .age:
            // An age gives the birth year within one; a range of ages, the decade at best; its first digit, the same.
            switch mask {
            case nil: return .positions([6, 7, 8, 9])
            case .generalise(.range, let width)?: return width <= 1 ? .positions([6, 7, 8, 9]) : .positions([6, 7, 8])
            case .keep(let first, _)? where first > 0: return .positions([6, 7, 8])
            default: return .nothing
            }
        case .sex:
            // Any mask that keeps men and women apart (a hash, a pseudonym) gives the parity away: one known person
            // names the two classes.
            guard let mask else { return .parity }
            return masker.apply(mask, .string("1")) == masker.apply(mask, .string("2")) ? .nothing : .parity
        case .division:
            if case .generalise(.range, let width)? = mask {
                let hidden = width <= 1 ? 0 : Int(log10(width).rounded(.up))
                return hidden >= 6 ? .nothing : .positions(Set(0..<(6 - hidden)))
            }
            let probe = "330106"
            let shown = aligned(mask.map { masker.apply($0, .string(probe)) } ?? .string(probe), probe)
            return shown.isEmpty ? .nothing : .positions(shown)
        case .address:
            // An address kept to its district names the county (the division code); kept to a few characters, the
            // province.
            let probe = "浙江省杭州市西湖区文三路90号"
            let out = mask.map { masker.apply($0, .string(probe)) } ?? .string(probe)
            guard case .string(let text) = out else { return .nothing }
            let kept = text.prefix { $0 != "*" }.count
            if kept >= 9 || text.hasPrefix("浙江省杭州市西湖区") { return .positions(Set(0..<6)) }
            return kept >= 2 ? .positions([0, 1]) : .nothing
        case .organisationCode:
            let probe = "MA2B3C4D5"
            let shown = aligned(mask.map { masker.apply($0, .string(probe)) } ?? .string(probe), probe)
            return shown.isEmpty ? .nothing : .positions(Set(shown.map { $0 + 8 }))
        }
    }

    // MARK: Masking harder

    /// The identifier's next stronger mask, or `nil` when it shows nothing already.
    static func strongerMask(for item: DataItem, as id: Identifier, than mask: FieldMask?, masker: Masker) -> FieldMask?
    {
        let now = revealed(by: mask, of: item, as: id, masker: masker)
        guard !now.isEmpty else { return nil }
        let steps: [FieldMask] =
            id == .citizenID ? [.keep(first: 6, last: 0), .keep(first: 0, last: 0)] : [.keep(first: 0, last: 0)]
        return steps.first { revealed(by: $0, of: item, as: id, masker: masker).isStrictSubset(of: now) }
    }

    /// The item's next coarser mask for what it reveals, or `nil` when it reveals nothing.
    static func coarser(_ facet: Facet, of item: DataItem, than mask: FieldMask?, masker: Masker) -> FieldMask? {
        let now = reveal(facet, of: item, under: mask, masker: masker)
        guard now != .nothing else { return nil }
        let steps: [FieldMask] =
            switch facet {
            case .birthDate: [.generalise(.month, width: 1), .generalise(.year, width: 1), .suppress]
            case .age: [.generalise(.range, width: 10), .suppress]
            case .division, .address: [.keep(first: 2, last: 0), .suppress]
            case .sex, .organisationCode: [.suppress]
            }
        func size(_ r: Reveal) -> Int {
            switch r {
            case .positions(let p): p.count
            case .parity: 1
            case .nothing: 0
            }
        }
        return steps.first { step in
            let next = reveal(facet, of: item, under: step, masker: masker)
            if case .positions(let p) = next, case .positions(let q) = now { return p.isStrictSubset(of: q) }
            return size(next) < size(now)
        }
    }

    // MARK: Counting what stays possible

    /// What a caller knows of one identifier.
    struct Knowledge {
        var positions: Set<Int>
        var parity = false

        init(_ positions: Set<Int>) { self.positions = positions }

        mutating func add(_ reveal: Reveal) {
            switch reveal {
            case .positions(let p): positions.formUnion(p)
            case .parity: parity = true
            case .nothing: break
            }
        }

        /// The fewest identifiers still possible, over the values: an estimate that rounds down.
        func candidates(_ id: Identifier) -> Int {
            var count = 1.0
            switch id {
            case .citizenID:
                count *= InferenceGuard.divisions(known: !positions.isDisjoint(with: 0..<6))
                count *= Double(InferenceGuard.birthDates(known: positions.intersection(6..<14)))
                for p in 14..<17 where !positions.contains(p) { count *= p == 16 && parity ? 5 : 10 }
                if positions.contains(17), positions.count < 18 { count /= 11 }
            case .creditCode:
                let head = positions.intersection(0..<2).count
                count *= head == 0 ? Double(CreditCode.registrationTypes.values.map(\.count).reduce(0, +)) : 1
                count *= InferenceGuard.divisions(known: !positions.isDisjoint(with: 2..<8))
                // The organisation code's eight body characters (digits in most codes) and its own check.
                for p in 8..<16 where !positions.contains(p) { count *= 10 }
                if positions.contains(16), !positions.isSuperset(of: 8..<16) { count /= 11 }
                if positions.contains(17), positions.count < 18 { count /= 31 }
            }
            return count >= Double(Int.max) ? Int.max : Int(count.rounded(.down))
        }
    }

    /// Divisions still possible: every code of the list in force (the provinces alone without one) when none of the
    /// division's digits is shown, one when any is (the estimate rounds down).
    static func divisions(known: Bool) -> Double {
        guard !known else { return 1 }
        let counties = Division.installedCount
        return counties > 0 ? Double(counties) : Double(Division.provinces.count)
    }

    /// The fewest birth dates (1900-01-01 to today) that share what the shown digits (identifier positions 6-13) show.
    static func birthDates(known: Set<Int>) -> Int {
        let today = CivilDate.today
        let key = known.sorted().map(String.init).joined(separator: ",") + "@\(today)"
        if let cached = birthDateCache.withLock({ $0[key] }) { return cached }
        var groups: [String: Int] = [:]
        var day = CivilDate(year: 1900, month: 1, day: 1)!
        let positions = known.sorted().map { $0 - 6 }
        while day <= today {
            let digits = Array(day.description.filter(\.isASCIIDigit))
            groups[String(positions.map { digits[$0] }), default: 0] += 1
            day = day.adding(days: 1)
        }
        let fewest = groups.values.min() ?? 1
        birthDateCache.withLock { $0[key] = fewest }
        return fewest
    }

    private static let birthDateCache = Mutex<[String: Int]>([:])
}
