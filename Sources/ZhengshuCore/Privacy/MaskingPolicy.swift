import Crypto
import Foundation

/// A named de-identification policy (脱敏策略, GB/T 37964 techniques) for the items of a data element or for one item.
///
/// Items name a policy (`DataItem.masking`); otherwise the policy listing the item's data element applies; otherwise
/// the display mask of STANDARDS.md for its kind; otherwise its grade decides (L3: first character kept, L4:
/// suppressed). A grant's clear-text items are never masked.
package struct MaskingPolicy: Sendable, Hashable {
    package enum Method: String, Sendable, Codable, CaseIterable, Vocabulary {
        /// Keep the first `keepFirst` and last `keepLast` characters, stars between.
        case mask
        /// The display mask of STANDARDS.md for the item's kind (ID 6+4, mobile 3+4, name keeps the surname, …).
        case display
        /// Salted SHA-256 (SM3 under the `gm` profile), hex: equal values stay equal, nothing can be read back.
        case hash
        /// HMAC-SHA256 (HMAC-SM3 under `gm`) with the installation's key (hex, 128 bits): stable, so masked datasets of
        /// different exports still join.
        case pseudonymise
        /// Coarser values: a date to its year or month, an address to its district, a number to a range.
        case generalise
        /// Nothing (null).
        case suppress
        /// Shown as stored.
        case clear
    }

    package enum Generalisation: String, Sendable, Codable, CaseIterable, Vocabulary {
        case year, month, district, range
    }

    package var name: String
    package var method: Method
    package var keepFirst: Int?
    package var keepLast: Int?
    /// For `generalise`.
    package var to: Generalisation?
    /// For `generalise` to `range`: the width of a bucket (`[20, 30)` for 27 with width 10).
    package var width: Double?
    /// Data elements (standard, e.g. `mobile`, or custom ids) whose items get this policy unless they name another.
    package var elements: [String]
    package var description: String?
    package var updatedAt: Date?
    package var updatedBy: String?

    package init(
        name: String, method: Method, keepFirst: Int? = nil, keepLast: Int? = nil, to: Generalisation? = nil,
        width: Double? = nil, elements: [String] = [], description: String? = nil
    ) {
        self.name = name
        self.method = method
        self.keepFirst = keepFirst
        self.keepLast = keepLast
        self.to = to
        self.width = width
        self.elements = elements
        self.description = description
    }

    /// `a-z`, digits and `-`, 1-48 characters, starting with a letter.
    package static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.utf8.count <= 48 else {
            return false
        }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// Every rule a policy breaks, reported together.
    package func validate() throws(ZhengshuError) {
        var v: [ZhengshuError.Violation] = []
        func check(_ ok: Bool, _ field: String, _ reason: String) {
            if !ok { v.append(.init(field: field, reason: reason)) }
        }
        check(Self.isValidName(name), "name", "must start with a-z and hold only a-z, 0-9 and - (at most 48)")
        switch method {
        case .mask:
            check(keepFirst != nil || keepLast != nil, "keepFirst", "mask needs keepFirst and/or keepLast")
            check((0...64).contains(keepFirst ?? 0), "keepFirst", "must be 0-64")
            check((0...64).contains(keepLast ?? 0), "keepLast", "must be 0-64")
        case .generalise:
            check(to != nil, "to", "generalise needs to: year, month, district or range")
            if to == .range {
                check((width ?? 0) > 0 && (width ?? 0).isFinite, "width", "a range needs a positive width")
            }
        default:
            check(keepFirst == nil && keepLast == nil, "keepFirst", "applies to the mask method only")
            check(to == nil, "to", "applies to the generalise method only")
        }
        if method != .generalise || to != .range { check(width == nil, "width", "applies to generalise to range only") }
        check(
            elements.count <= 100 && elements.allSatisfy { !$0.isEmpty && $0.count <= 64 }, "elements",
            "at most 100 names of 1-64 characters")
        check(Set(elements).count == elements.count, "elements", "names an element twice")
        check((description ?? "").count <= 500, "description", "must be at most 500 characters")
        guard v.isEmpty else { throw .validation(v) }
    }
}

/// What an item's values become on the way out, resolved from the policies.
package enum FieldMask: Sendable, Hashable {
    case display(DisplayMask)
    case keep(first: Int, last: Int)
    case hash
    case pseudonymise
    case generalise(MaskingPolicy.Generalisation, width: Double)
    case suppress
}

/// The installation's secrets for hashing, pseudonymising and watermarking, derived from one key under the crypto
/// profile's MAC (HMAC-SHA256 or HMAC-SM3 of a label), never stored in the database.
package struct PrivacyKeys: Sendable {
    let suite: any CryptoSuite
    let salt: [UInt8]
    let pseudonym: any KeyedMAC
    /// Each export's watermark (``ExportWatermark``).
    let watermark: any KeyedMAC
    /// Digests of the tuples verified (``VerificationGuard/variants(_:mac:)``).
    let verification: any KeyedMAC

    package init(secret: SymmetricKey, suite: any CryptoSuite = StandardSuite()) {
        let master = suite.keyedMAC(secret.withUnsafeBytes { Array($0) })
        self.suite = suite
        salt = master.mac("zhengshu hash salt")
        pseudonym = suite.keyedMAC(master.mac("zhengshu pseudonym"))
        watermark = suite.keyedMAC(master.mac("zhengshu watermark"))
        verification = suite.keyedMAC(master.mac("zhengshu verification"))
    }

    /// A key for tests and throwaway platforms (pseudonyms change with every process).
    package static func ephemeral(_ suite: any CryptoSuite = StandardSuite()) -> PrivacyKeys {
        PrivacyKeys(secret: SymmetricKey(size: .bits256), suite: suite)
    }
}

/// The one code path that masks values wherever they leave storage: shared query, subscription, export, the console,
/// open data and quality samples. `DataAccess` builds it from the stored policies and the installation's keys.
package struct Masker: Sendable {
    package let policies: [MaskingPolicy]
    let keys: PrivacyKeys
    private let byName: [String: MaskingPolicy]
    private let byElement: [String: MaskingPolicy]

    /// No policies: display masks and grades decide.
    package static let defaults = Masker(policies: [], keys: .ephemeral())

    package init(policies: [MaskingPolicy], keys: PrivacyKeys) {
        self.policies = policies
        self.keys = keys
        byName = Dictionary(policies.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        byElement = Dictionary(policies.flatMap { p in p.elements.map { ($0, p) } }, uniquingKeysWith: { a, _ in a })
    }

    /// The mask of every item not in `clear` that needs one, for `items` released together: the policies' masks,
    /// made stronger where a masked national identifier could be rebuilt from the items beside it
    /// (``InferenceGuard``).
    package func masks(_ items: [DataItem], clear: Set<String> = []) -> [String: FieldMask] {
        secured(items, clear: clear).masks
    }

    /// ``masks(_:clear:)`` with what the inference guard changed or could not prevent.
    package func secured(
        _ items: [DataItem], clear: Set<String> = []
    ) -> (masks: [String: FieldMask], findings: [InferenceGuard.Finding]) {
        var out: [String: FieldMask] = [:]
        for item in items where !clear.contains(item.name) {
            if let mask = policyMask(for: item) { out[item.name] = mask }
        }
        return InferenceGuard.secure(items, masks: out, clear: clear, masker: self)
    }

    /// The mask the policies give `item` on its own, or `nil` when it is shown as stored. Values leave through
    /// ``masks(_:clear:)``, which sees the items released beside it.
    package func policyMask(for item: DataItem) -> FieldMask? {
        let policy: MaskingPolicy?
        if let name = item.masking {
            // A policy named but since deleted: fail closed.
            guard let named = byName[name] else { return .suppress }
            policy = named
        } else {
            policy = (item.dataElement?.rawValue).flatMap { byElement[$0] } ?? item.element.flatMap { byElement[$0] }
        }
        if let policy {
            switch policy.method {
            case .clear: return nil
            case .display:
                return DisplayMask.of(item) == .none ? .keep(first: 1, last: 0) : .display(DisplayMask.of(item))
            case .mask: return .keep(first: policy.keepFirst ?? 0, last: policy.keepLast ?? 0)
            case .hash: return .hash
            case .pseudonymise: return .pseudonymise
            case .generalise: return .generalise(policy.to ?? .year, width: policy.width ?? 1)
            case .suppress: return .suppress
            }
        }
        let display = DisplayMask.of(item)
        if display != .none { return .display(display) }
        switch item.sensitivity {
        case .l4: return .suppress
        case .l3: return .keep(first: 1, last: 0)
        default: return nil
        }
    }

    /// Masks each value of `row` (in `fields` order) in place.
    package func apply(_ masks: [String: FieldMask], fields: [DataItem], to rows: inout [[RecordValue]]) {
        for (k, item) in fields.enumerated() {
            guard let mask = masks[item.name] else { continue }
            for r in rows.indices { rows[r][k] = apply(mask, rows[r][k]) }
        }
    }

    package func apply(_ mask: FieldMask, _ value: RecordValue) -> RecordValue {
        if value == .null { return .null }
        switch mask {
        case .display(let d): return d.apply(value)
        case .keep(let first, let last): return .string(Self.keep(value.text, first: first, last: last))
        case .hash: return .string(keys.suite.digest(keys.salt + Array(value.text.utf8)).hex)
        case .pseudonymise: return .string(keys.pseudonym.mac(value.text).prefix(16).hex)
        case .generalise(let to, let width): return Self.generalise(value, to: to, width: width)
        case .suppress: return .null
        }
    }

    /// A text value masked for display (quality samples, problem records).
    package func apply(_ mask: FieldMask?, text: String) -> String {
        guard let mask else { return text }
        return apply(mask, .string(text)).text
    }

    static func keep(_ s: String, first: Int, last: Int) -> String {
        let chars = Array(s)
        guard chars.count > first + last else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(first)) + String(repeating: "*", count: chars.count - first - last)
            + String(chars.suffix(last))
    }

    /// A date or datetime to its year (`1990`) or month (`1990-05`); an address to its district; a number to the
    /// range holding it. A value that cannot be generalised this way is suppressed (fail closed).
    static func generalise(_ value: RecordValue, to: MaskingPolicy.Generalisation, width: Double) -> RecordValue {
        switch to {
        case .year, .month:
            let text = value.text
            let bytes = Array(text.utf8)
            let digits = { (r: Range<Int>) in r.allSatisfy { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 } }
            guard bytes.count >= 7, digits(0..<4), bytes[4] == 0x2D, digits(5..<7) else { return .null }
            return .string(String(text.prefix(to == .year ? 4 : 7)))
        case .district:
            guard case .string(let s) = value, let district = DisplayMask.district(of: s) else { return .null }
            return .string(district)
        case .range:
            let number: Double? =
                switch value {
                case .integer(let i): Double(i)
                case .decimal(let d): Double(d)
                case .string(let s): Double(s.trimmingASCIISpaces)
                default: nil
                }
            guard let number, number.isFinite else { return .null }
            let low = (number / width).rounded(.down) * width
            func text(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x) }
            return .string("[\(text(low)), \(text(low + width)))")
        }
    }

}

/// Where use cases get the masking policies as they stand, with the installation's keys.
package struct MaskerSource: Sendable {
    package let store: any PrivacyStore
    package let keys: PrivacyKeys

    package init(store: any PrivacyStore, keys: PrivacyKeys) {
        self.store = store
        self.keys = keys
    }

    package func current() async throws -> Masker { Masker(policies: try await store.maskingPolicies(), keys: keys) }
}
