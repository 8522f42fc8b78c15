import Foundation

/// Checks submitted rows against a resource's items: type, length, required, key uniqueness and data elements.
///
/// Pure: a bad value is reported as a violation (row, field, reason), never thrown.
package enum RecordValidator {
    /// A record: values in the order of the resource's items.
    package typealias Row = [RecordValue]

    /// Converts every row, or returns every problem found (up to `maxViolations`).
    package static func validate(
        _ rows: [[String: JSONValue]], items: [DataItem], maxViolations: Int = 1000
    )
        -> Result<[Row], ZhengshuError>
    {
        var out: [Row] = []
        out.reserveCapacity(rows.count)
        var violations: [ZhengshuError.Violation] = []
        let names = Set(items.map(\.name))
        let keyIndexes = items.indices.filter { items[$0].key }
        var seenKeys: [Row: Int] = [:]
        for (r, row) in rows.enumerated() {
            for field in row.keys where !names.contains(field) {
                violations.append(
                    .init(field: field, row: r, reason: "unknown item; the resource has no item of this name"))
            }
            var converted: Row = []
            converted.reserveCapacity(items.count)
            for item in items {
                switch admit(row[item.name] ?? .null, for: item) {
                case .success(let v): converted.append(v)
                case .failure(let reason):
                    violations.append(.init(field: item.name, row: r, reason: reason.text))
                    converted.append(.null)
                }
            }
            if !keyIndexes.isEmpty {
                let key = keyIndexes.map { converted[$0] }
                if !key.contains(.null) {
                    if let first = seenKeys[key] {
                        violations.append(
                            .init(
                                field: keyIndexes.map { items[$0].name }.joined(separator: ","), row: r,
                                reason: "duplicate key: same key as row \(first) of this batch"))
                    } else {
                        seenKeys[key] = r
                    }
                }
            }
            out.append(converted)
            if violations.count >= maxViolations { break }
        }
        if violations.isEmpty { return .success(out) }
        return .failure(.validation(Array(violations.prefix(maxViolations))))
    }

    /// A value arriving to be stored (a loaded file, pushed records): as ``convert(_:for:)``, and refused if it holds
    /// what a reader cannot see (``hiddenCharacter(in:)``). Values already stored are read with `convert` alone.
    package static func admit(_ value: JSONValue, for item: DataItem) -> Result<RecordValue, Reason> {
        if case .string(let s) = value, let problem = hiddenCharacter(in: s) { return .failure(Reason(problem)) }
        return convert(value, for: item)
    }

    /// One value for one item: the typed value, or why it is not acceptable.
    package static func convert(_ value: JSONValue, for item: DataItem) -> Result<RecordValue, Reason> {
        if case .null = value {
            return item.required ? .failure(Reason("is required")) : .success(.null)
        }
        if case .string(let s) = value, s.isEmpty, item.type != .string {
            return item.required ? .failure(Reason("is required")) : .success(.null)
        }
        switch item.type {
        case .string:
            guard case .string(let s) = value else { return .failure(Reason("must be a string")) }
            if item.required, isBlank(s) {
                return .failure(Reason(s.isEmpty ? "is required" : "is required; the value holds only white space"))
            }
            // UTF-8 length bounds the character count, so the (slower) count is only taken when it can matter.
            if let max = item.length, s.utf8.count > max, s.count > max {
                return .failure(Reason("is \(s.count) characters long; at most \(max) allowed"))
            }
            if let element = item.dataElement, !s.isEmpty, let problem = element.problem(with: s) {
                return .failure(Reason(problem))
            }
            return .success(.string(s))
        case .integer:
            switch value {
            case .integer(let i): return .success(.integer(i))
            case .string(let s):
                if let i = Int64(s.trimmingCharacters(in: .whitespaces)) { return .success(.integer(i)) }
                return .failure(Reason("'\(s.prefix(40))' is not an integer"))
            case .number(let d) where d == d.rounded() && abs(d) < 9.0e15: return .success(.integer(Int64(d)))
            default: return .failure(Reason("must be an integer"))
            }
        case .decimal:
            let text: String
            switch value {
            case .integer(let i): text = String(i)
            case .number(let d): text = String(d)
            case .string(let s): text = s.trimmingCharacters(in: .whitespaces)
            default: return .failure(Reason("must be a number"))
            }
            guard let canonical = canonicalDecimal(text) else {
                return .failure(Reason("'\(text.prefix(40))' is not a decimal number"))
            }
            let digits = canonical.filter(\.isASCIIDigit).count
            if let max = item.length, digits > max {
                return .failure(Reason("has \(digits) digits; at most \(max) allowed"))
            }
            return .success(.decimal(canonical))
        case .date:
            let text: String
            switch value {
            case .string(let s): text = s
            case .integer(let i): text = String(i)  // an Excel serial or 20240102 that arrived as a number
            default: return .failure(Reason("must be a date such as 2024-01-02"))
            }
            guard let d = CivilDate(loose: text) else {
                return .failure(
                    Reason(
                        "'\(text.prefix(40))' is not a real date (2024-01-02, 2024/1/2, 20240102, 2024年1月2日 or an Excel serial)"
                    ))
            }
            return .success(.date(d))
        case .datetime:
            guard case .string(let s) = value, let t = RecordValue.parseDatetime(s) else {
                return .failure(Reason("must be a date-time like 2024-01-02T08:30:00+08:00"))
            }
            return .success(.datetime(t))
        case .boolean:
            switch value {
            case .bool(let b): return .success(.boolean(b))
            case .string("true"), .string("是"), .string("1"): return .success(.boolean(true))
            case .string("false"), .string("否"), .string("0"): return .success(.boolean(false))
            case .integer(let i) where i == 0 || i == 1: return .success(.boolean(i == 1))
            default: return .failure(Reason("must be true or false"))
            }
        }
    }

    /// Empty to a reader: nothing, or only white space (U+3000 included) and invisible characters.
    package static func isBlank(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { $0.properties.isWhitespace || invisible.contains($0.value) }
    }

    /// Characters a reader cannot see inside a value: a byte order mark, zero-width spaces and joiners, a word joiner.
    static let invisible: Set<UInt32> = [0xFEFF, 0x200B, 0x200C, 0x200D, 0x2060]

    /// Why a text value cannot be stored as it is: it holds U+FFFD, which stands for bytes that did not decode in the
    /// file's encoding (``Transcoder``), or an invisible character that makes two equal-looking values differ.
    package static func hiddenCharacter(in s: String) -> String? {
        // Every such character is three UTF-8 bytes led by 0xE2 or 0xEF: most values are passed by one byte scan.
        guard s.utf8.contains(where: { $0 == 0xE2 || $0 == 0xEF }) else { return nil }
        for (k, scalar) in s.unicodeScalars.enumerated() {
            if scalar.value == 0xFFFD {
                return "character \(k + 1) stands for bytes that are not valid in the file's encoding (U+FFFD); "
                    + "the line is not in the encoding of the rest of the file"
            }
            if invisible.contains(scalar.value) {
                return "holds an invisible character (U+\(String(scalar.value, radix: 16, uppercase: true))) at "
                    + "character \(k + 1); remove it"
            }
        }
        return nil
    }

    /// `+012.50` → `12.5`; `nil` for anything that is not a plain decimal number.
    package static func canonicalDecimal(_ text: String) -> String? {
        var s = Substring(text)
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty))
        else { return nil }
        var intPart = parts[0].drop { $0 == "0" }
        if intPart.isEmpty { intPart = "0" }
        var fraction = parts.count == 2 ? parts[1] : ""
        while fraction.last == "0" { fraction = fraction.dropLast() }
        let body = fraction.isEmpty ? String(intPart) : "\(intPart).\(fraction)"
        return negative && body != "0" ? "-" + body : body
    }

    /// Why a value was refused.
    package struct Reason: Error, Equatable, Sendable {
        package var text: String
        package init(_ text: String) { self.text = text }
    }
}
