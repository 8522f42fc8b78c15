import Foundation

/// How much a grant may verify (核验), and what every tuple must name; set in the grant's terms.
package struct VerificationLimits: Hashable, Sendable {
    /// One full batch a minute.
    package static let defaultPerMinute = 1_000
    package static let defaultPerDay = 50_000

    package var tuplesPerMinute: Int
    package var tuplesPerDay: Int
    /// Items every tuple names besides the key items; `nil`: the subject's name
    /// (``VerificationGuard/subjectName(of:)``).
    package var requiredItems: [String]?

    package init(
        tuplesPerMinute: Int = Self.defaultPerMinute, tuplesPerDay: Int = Self.defaultPerDay,
        requiredItems: [String]? = nil
    ) {
        self.tuplesPerMinute = tuplesPerMinute
        self.tuplesPerDay = tuplesPerDay
        self.requiredItems = requiredItems
    }
}

/// Verification says whether a record holds the values a tuple names. Asked again and again with one value changed,
/// it would tell a value masked everywhere else (a birth date, a whole citizen ID from its masked form). These rules
/// keep it from being that oracle; `docs/security.md` states them.
package enum VerificationGuard {
    /// Variants are counted over the last hour.
    package static let windowMinutes = 60
    /// One subject (its key and every other item fixed) verified with this many values of one item within the
    /// window: someone guessing that item.
    package static let subjectVariants = 5
    /// This many key values verified with the same other items (a name) within the window: someone guessing an
    /// identifier. A twentieth of the candidates the inference guard leaves a masked identifier, so that the
    /// guesses allowed find it at most one time in twenty.
    package static let keyVariants = InferenceGuard.minimumCandidates / 20

    /// What varies between tuples that agree on everything else.
    package enum Kind: Int, Sendable, Hashable {
        /// An item of one subject: the rest holds a key item.
        case subject = 0
        /// The key: the rest holds none.
        case key = 1

        package var threshold: Int { self == .subject ? subjectVariants : keyVariants }
    }

    /// One item of one tuple: a keyed digest of the tuple without it (which item, and the other items' values), and
    /// of its value. Digests, so that the store never holds the values tried.
    package struct Variant: Sendable, Hashable {
        package var kind: Kind
        package var signature: Int64
        package var value: Int64
    }

    /// The items every tuple of `grant` names: the key items, and the grant's required items or else the subject's
    /// name, where granted.
    package static func requiredItems(_ resource: Resource, _ grant: Grant) -> [String] {
        let extra = grant.verification.requiredItems ?? subjectName(of: resource).map { [$0.name] } ?? []
        return resource.keyItems.map(\.name) + extra.filter { grant.items.contains($0) && !$0.isEmpty }
    }

    /// The subject's name: the first item, not a key, labelled 姓名 or …名称 (企业名称, 机构名称).
    package static func subjectName(of resource: Resource) -> DataItem? {
        resource.items.first { !$0.key && ($0.label == "姓名" || $0.label.hasSuffix("名称")) }
    }

    /// The variants of `tuples` (each an item's value, in any order), keyed by `mac`.
    package static func variants(_ tuples: [[(DataItem, RecordValue)]], mac: any KeyedMAC) -> [Variant] {
        var out: [Variant] = []
        for tuple in tuples where tuple.count > 1 {
            let sorted = tuple.sorted { $0.0.name < $1.0.name }
            for (i, (item, value)) in sorted.enumerated() {
                let rest = sorted.indices.filter { $0 != i }
                let text =
                    item.name + "\u{1F}"
                    + rest.map { sorted[$0].0.name + "=" + sorted[$0].1.text }
                    .joined(separator: "\u{1F}")
                out.append(
                    Variant(
                        kind: rest.contains { sorted[$0].0.key } ? .subject : .key,
                        signature: Int64(bitPattern: mac.words(text).0),
                        value: Int64(bitPattern: mac.words(item.name + "=" + value.text).0)))
            }
        }
        return out
    }
}

/// A verification call, as the store counts it (``SharingStore/recordVerification(_:)``).
package struct VerificationUse: Sendable {
    package var grant: GrantID
    /// Minutes since 1970 of this call, of the start of its day (China time), and of the start of the window.
    package var minute: Int64
    package var dayStart: Int64
    package var windowStart: Int64
    package var tuples: Int
    package var limits: VerificationLimits
    package var variants: [VerificationGuard.Variant]

    package init(
        grant: GrantID, at now: Date, day: CivilDate, tuples: Int, limits: VerificationLimits,
        variants: [VerificationGuard.Variant]
    ) {
        self.grant = grant
        minute = Int64((now.timeIntervalSince1970 / 60).rounded(.down))
        dayStart = Int64((day.chinaStart.timeIntervalSince1970 / 60).rounded(.down))
        windowStart = minute - Int64(VerificationGuard.windowMinutes) + 1
        self.tuples = tuples
        self.limits = limits
        self.variants = variants
    }
}

/// What the store counted: the tuples used this minute and today (with this call's when it was counted), and for
/// each kind the most values one signature of this call has within the window.
package struct VerificationCount: Sendable, Hashable {
    /// `false` when a limit would have been passed: nothing was counted.
    package var counted: Bool
    package var minute: Int
    package var day: Int
    package var variants: [VerificationGuard.Kind: Int]

    package init(counted: Bool, minute: Int, day: Int, variants: [VerificationGuard.Kind: Int]) {
        self.counted = counted
        self.minute = minute
        self.day = day
        self.variants = variants
    }

    /// The kind of variants over its threshold, if any.
    package var enumeration: (kind: VerificationGuard.Kind, count: Int)? {
        for kind in [VerificationGuard.Kind.subject, .key] {
            if let n = variants[kind], n >= kind.threshold { return (kind, n) }
        }
        return nil
    }
}
