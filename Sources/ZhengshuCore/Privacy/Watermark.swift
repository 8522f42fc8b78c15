import Crypto
import Foundation

/// The invisible watermark of an export (数据水印).
///
/// **Scheme.** Each non-empty cell carries one bit, written as a choice between two spellings that every reader takes
/// for the same value: in CSV the cell is quoted (`"张*"`) or bare (`张*`); in JSON Lines the value follows its colon
/// with a space or without. No value, row or column changes, so the manifest's checksums and every consumer's parse
/// are the same as without a mark. The bit is the parity of `HMAC(K, cell text) AND M` (HMAC-SHA256, or HMAC-SM3 under the `gm` profile), where `K` is the
/// installation's watermark key and `M = HMAC(K, "export:" + id)` the export's mask: keyed, so nobody without
/// `K` can tell which spelling carries what; and for two different exports the bits differ on a uniformly random half
/// of the values (the parity of the digest masked by `M₁ XOR M₂ ≠ 0`), independently from value to value.
///
/// **Tracing.** A leaked file gives, for each distinct cell text, the spelling seen. Under each export's mask the
/// expected bits are computed; for the export the file came from they all agree, for any other each agrees with
/// probability ½ independently. With n observations and k agreeing, the chance that a wrong export agrees as well is
/// the binomial tail P(X ≥ k | n, ½), multiplied by the number of exports compared (a union bound): the
/// false-attribution probability reported. A 10% sample of 10,000 rows with three columns left gives thousands of
/// observations, so the bound is far below 10⁻¹⁰⁰. Each value is hashed once per trace, whatever the number of exports.
///
/// **Survives** reordering rows, dropping columns or rows, sampling, cutting the header, renaming columns, and any
/// edit made as text (`cut`, `grep`, `shuf`, `sed`). **Does not survive** a tool that re-writes every cell in its own
/// spelling (opening and saving in a spreadsheet, `pandas.to_csv`): the file then carries no evidence, and `trace`
/// says that it found none rather than naming anyone. Cells whose text must be quoted anyway (holding a comma, quote
/// or line break) carry no bit.
package struct ExportWatermark: Sendable {
    /// 256 bits.
    package typealias Bits = (UInt64, UInt64, UInt64, UInt64)
    let key: any KeyedMAC
    let mask: Bits

    package init(keys: PrivacyKeys, export: ExportID) {
        key = keys.watermark
        mask = key.words("export:\(export.rawValue)")
    }

    func bit(_ d: Bits) -> Bool {
        ((d.0 & mask.0).nonzeroBitCount + (d.1 & mask.1).nonzeroBitCount + (d.2 & mask.2).nonzeroBitCount
            + (d.3 & mask.3).nonzeroBitCount) & 1 == 1
    }

    /// The bit `text` carries in this export.
    package func bit(_ text: String) -> Bool { bit(key.words(text)) }
}

/// The spellings seen in a file: for each distinct cell text, how often it was written with the bit set and not.
package struct WatermarkEvidence: Sendable {
    package private(set) var seen: [String: (set: Int, clear: Int)] = [:]
    package private(set) var rows = 0
    /// Distinct values kept at most (more adds nothing to a bound already far below any doubt).
    static let maxValues = 200_000

    package init() {}

    mutating func observe(_ text: String, _ bit: Bool) {
        guard !text.isEmpty, seen.count < Self.maxValues || seen[text] != nil else { return }
        seen[text, default: (0, 0)].set += bit ? 1 : 0
        seen[text, default: (0, 0)].clear += bit ? 0 : 1
    }

    /// Observations usable as evidence: values always seen in one spelling.
    package var observations: Int { seen.values.count { ($0.set == 0) != ($0.clear == 0) } }

    /// The usable observations hashed once under the installation's key, to be scored against every export.
    package func digests(_ keys: PrivacyKeys) -> [(bits: ExportWatermark.Bits, set: Bool)] {
        seen.compactMap { text, c in (c.set == 0) != (c.clear == 0) ? (keys.watermark.words(text), c.set > 0) : nil }
    }

    /// How many observations agree with `mark`. - Returns: (observations, agreeing).
    package static func score(
        _ digests: [(bits: ExportWatermark.Bits, set: Bool)], _ mark: ExportWatermark
    ) -> (n: Int, k: Int) {
        var k = 0
        for d in digests where mark.bit(d.bits) == d.set { k += 1 }
        return (digests.count, k)
    }

    /// log10 of P(X ≥ k) for X ~ Binomial(n, ½).
    package static func log10Tail(n: Int, k: Int) -> Double {
        guard k > 0 else { return 0 }
        guard k <= n else { return -Double.infinity }
        let ln2 = log(2.0)
        func term(_ i: Int) -> Double {
            lgamma(Double(n) + 1) - lgamma(Double(i) + 1) - lgamma(Double(n - i) + 1) - Double(n) * ln2
        }
        var top = -Double.infinity
        var terms: [Double] = []
        for i in k...n {
            let t = term(i)
            terms.append(t)
            top = max(top, t)
        }
        let sum = terms.reduce(0.0) { $0 + exp($1 - top) }
        return min(0, (top + log(sum)) / log(10.0))
    }
}

/// Reads a CSV or JSON Lines file as a stream and records the spelling of each cell (see ``ExportWatermark``).
package struct WatermarkReader: Sendable {
    package enum Format: Sendable { case csv, jsonl }
    let format: Format
    package private(set) var evidence = WatermarkEvidence()
    // CSV state
    private var field: [UInt8] = []
    private var record: [(text: [UInt8], quoted: Bool)] = []
    private var quoted = false, inQuotes = false, afterQuote = false, fieldStarted = false
    private var firstRecord = true
    // JSON Lines state
    private var line: [UInt8] = []

    package init(format: Format) { self.format = format }

    package mutating func feed(_ bytes: some Sequence<UInt8>) {
        switch format {
        case .csv: for b in bytes { csv(b) }
        case .jsonl:
            for b in bytes {
                if b == 0x0A {
                    jsonLine()
                    line.removeAll(keepingCapacity: true)
                } else {
                    line.append(b)
                }
            }
        }
    }

    package mutating func finish() -> WatermarkEvidence {
        switch format {
        case .csv:
            if fieldStarted || !record.isEmpty {
                endField()
                endRecord()
            }
        case .jsonl: if !line.isEmpty { jsonLine() }
        }
        return evidence
    }

    private mutating func csv(_ b: UInt8) {
        if inQuotes {
            if b == 0x22 {
                inQuotes = false
                afterQuote = true
            } else {
                field.append(b)
            }
            return
        }
        switch b {
        case 0x22:
            if afterQuote {
                field.append(b)
                inQuotes = true
                afterQuote = false
            }  // "" inside a quoted cell
            else if !fieldStarted {
                quoted = true
                inQuotes = true
                fieldStarted = true
            } else {
                field.append(b)
            }
        case 0x2C: endField()
        case 0x0A:
            endField()
            endRecord()
        case 0x0D: break
        default:
            afterQuote = false
            fieldStarted = true
            field.append(b)
        }
    }

    private mutating func endField() {
        record.append((field, quoted))
        field.removeAll(keepingCapacity: true)
        quoted = false
        inQuotes = false
        afterQuote = false
        fieldStarted = false
    }

    private mutating func endRecord() {
        defer { record.removeAll(keepingCapacity: true) }
        if firstRecord {
            firstRecord = false
            if record.first?.text.starts(with: [0xEF, 0xBB, 0xBF]) == true { record[0].text.removeFirst(3) }
            // A header (every cell an item name) carries no mark.
            if record.allSatisfy({ c in !c.quoted && DataItem.isValidName(String(decoding: c.text, as: UTF8.self)) }) {
                return
            }
        }
        evidence.rowSeen()
        for cell in record where !cell.text.isEmpty {
            // Cells that must be quoted carry no choice.
            if cell.text.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) { continue }
            evidence.observe(String(decoding: cell.text, as: UTF8.self), cell.quoted)
        }
    }

    /// One line of our own JSON Lines: `{"name":VALUE,"name": VALUE}` with string, number or null values.
    private mutating func jsonLine() {
        var i = 0
        let n = line.count
        func skipSpaces() -> Int {
            var s = 0
            while i < n, line[i] == 0x20 {
                i += 1
                s += 1
            }
            return s
        }
        func string() -> String? {
            guard i < n, line[i] == 0x22 else { return nil }
            i += 1
            var out: [UInt8] = []
            while i < n, line[i] != 0x22 {
                if line[i] == 0x5C, i + 1 < n {
                    i += 1
                    switch line[i] {
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x75:
                        guard i + 4 < n,
                            let v = UInt32(String(decoding: line[(i + 1)...(i + 4)], as: UTF8.self), radix: 16),
                            let u = Unicode.Scalar(v)
                        else { return nil }
                        out += Array(String(Character(u)).utf8)
                        i += 4
                    default: out.append(line[i])
                    }
                } else {
                    out.append(line[i])
                }
                i += 1
            }
            guard i < n else { return nil }
            i += 1
            return String(decoding: out, as: UTF8.self)
        }
        _ = skipSpaces()
        guard i < n, line[i] == 0x7B else { return }
        i += 1
        var cells: [(String, Bool)] = []
        while i < n {
            _ = skipSpaces()
            guard string() != nil, i < n, line[i] == 0x3A else { return }
            i += 1
            let spaced = skipSpaces() > 0
            if i < n, line[i] == 0x22 {
                guard let v = string() else { return }
                cells.append((v, spaced))
            } else {
                let start = i
                while i < n, line[i] != 0x2C, line[i] != 0x7D { i += 1 }
                let raw = String(decoding: line[start..<i], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                if raw != "null" { cells.append((raw, spaced)) }
            }
            _ = skipSpaces()
            guard i < n else { return }
            if line[i] == 0x7D { break }
            guard line[i] == 0x2C else { return }
            i += 1
        }
        evidence.rowSeen()
        for (v, bit) in cells { evidence.observe(v, bit) }
    }
}

extension WatermarkEvidence {
    mutating func rowSeen() { rows += 1 }
}

/// Which export a leaked file came from.
package struct TraceReport: Sendable, Codable {
    package struct Match: Sendable, Codable {
        package var export: ExportID
        package var grant: GrantID
        package var consumer: DepartmentCode
        package var resource: ResourceCode
        package var requestedBy: String
        package var createdAt: Date
        package var observations: Int
        package var agreeing: Int
        /// log10 of the probability that an export the file did not come from agrees this well (union bound over
        /// every export compared).
        package var log10FalseAttribution: Double
    }

    package var rows: Int
    package var observations: Int
    package var exportsCompared: Int
    /// The export named, when the evidence is conclusive.
    package var attributed: Match?
    /// The best-agreeing export, named or not.
    package var best: Match?

    /// Agreement needed to name an export, and the false-attribution probability it must stay under.
    package static let minimumAgreement = 0.9
    package static let maximumLog10FalseAttribution = -9.0
}
