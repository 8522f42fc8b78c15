import Crypto
import Foundation

/// Identifier of an export.
package typealias ExportID = RowID<ExportJob>

package enum ExportFormat: String, CaseIterable, Sendable, Codable, Vocabulary {
    /// UTF-8 with a byte order mark (so spreadsheets read Chinese), a header row, CRLF line ends.
    case csv
    /// One JSON object per line; every value a string (decimals exact) or null.
    case jsonl
}

/// The reconciliation manifest (数据对账) of an export: what was sent, under which grant, and checksums that let the
/// receiver prove the file is whole, or find the row and column that changed.
package struct ExportManifest: Sendable, Hashable, Codable {
    package struct Column: Sendable, Hashable, Codable {
        package var name: String
        /// The digest (``ExportManifest/digestAlgorithm``) of the column's cell texts in row order, each followed by
        /// U+001E. Named for the first algorithm; under the `gm` profile it holds SM3.
        package var sha256: String
    }

    package var export: ExportID
    package var grant: GrantID
    package var resource: ResourceCode
    package var provider: DepartmentCode
    package var consumer: DepartmentCode
    package var purpose: String
    package var format: ExportFormat
    package var rowCount: Int
    package var bytes: Int64
    /// The digest of the whole file (SHA-256, or SM3 under the `gm` profile: see ``digestAlgorithm``).
    package var sha256: String
    package var columns: [Column]
    /// For each row in order, the first 8 hex digits of the digest of its cell texts joined by U+001F.
    package var rowDigests: String
    package var createdAt: Date
    /// The audit entry of the export.
    package var auditEntry: Int64
    package var requestHash: String
    /// The installation's signature over every other field (Ed25519, or SM2 under the `gm` profile).
    package var signature: ManifestSignature?
    /// What the checksums are made with: `sm3` under the `gm` profile; absent is SHA-256.
    package var digestAlgorithm: DigestAlgorithm?

    package var algorithm: DigestAlgorithm { digestAlgorithm ?? .sha256 }

    /// What is signed: the manifest without its signature, as JSON with sorted keys.
    package var signedBytes: [UInt8] {
        var unsigned = self
        unsigned.signature = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array((try? encoder.encode(unsigned)) ?? Data())
    }

    package mutating func sign(with key: any InstallationSigner) throws {
        signature = ManifestSignature(
            algorithm: key.algorithm, publicKey: key.publicKey,
            value: Data(try key.sign(signedBytes)).base64EncodedString())
    }
}

package struct ManifestSignature: Sendable, Hashable, Codable {
    /// `ed25519` or `sm2`.
    package var algorithm: String
    /// The installation's public key (base64 of the raw Ed25519 key, or SM2 in PEM): compare it with the one the
    /// platform publishes before trusting the manifest.
    package var publicKey: String
    package var value: String
}

/// Computes a manifest's checksums over cell texts (`RecordValue.text`, empty for null) as rows go by, in constant
/// memory but for the 8-hex-digit row digests.
package struct ExportDigest: Sendable {
    package private(set) var rows = 0
    private let algorithm: DigestAlgorithm
    private var columns: [RunningDigest]
    private var digests: [UInt8] = []

    package init(columns: Int, algorithm: DigestAlgorithm = .sha256) {
        self.algorithm = algorithm
        self.columns = Array(repeating: algorithm.running(), count: columns)
    }

    package mutating func add(_ cells: [String]) {
        var row = algorithm.running()
        for (k, cell) in cells.enumerated() {
            let bytes = Array(cell.utf8)
            if k < columns.count { columns[k].update(bytes + [0x1E]) }
            row.update(k == 0 ? bytes : [0x1F] + bytes)
        }
        digests += Array(row.finalize().hex.utf8.prefix(8))
        rows += 1
    }

    package func columnChecksums(_ names: [String]) -> [ExportManifest.Column] {
        zip(names, columns).map { ExportManifest.Column(name: $0, sha256: $1.finalize().hex) }
    }

    package var rowDigests: String { String(decoding: digests, as: UTF8.self) }
    /// The last row's digest (8 ASCII hex digits).
    var lastRowDigest: ArraySlice<UInt8> { digests.suffix(8) }
}

/// Encodes export rows.
package enum ExportEncoding {
    package static func header(_ names: [String], _ format: ExportFormat) -> [UInt8] {
        switch format {
        case .csv: [0xEF, 0xBB, 0xBF] + Array((names.map(csvField).joined(separator: ",") + "\r\n").utf8)
        case .jsonl: []
        }
    }

    /// A row, each non-empty cell spelled as `mark` says (see ``ExportWatermark``).
    package static func row(
        _ cells: [String?], names: [String], _ format: ExportFormat, mark: ExportWatermark? = nil
    ) -> [UInt8] {
        func marked(_ cell: String?) -> Bool {
            guard let mark, let cell, !cell.isEmpty else { return false }
            return mark.bit(cell)
        }
        switch format {
        case .csv:
            return Array(
                (cells.map { cell in
                    let text = csvField(cell ?? "")
                    return marked(cell) && text == cell ? "\"" + text + "\"" : text
                }.joined(separator: ",") + "\r\n").utf8)
        case .jsonl:
            let pairs = zip(names, cells).map { name, cell in
                jsonString(name) + (marked(cell) ? ": " : ":") + (cell.map(jsonString) ?? "null")
            }
            return Array(("{" + pairs.joined(separator: ",") + "}\n").utf8)
        }
    }

    /// RFC 4180 quoting; a cell that starts with =, +, - or @ is quoted too but left as it is (the checksum covers the
    /// real value; receivers open exports with care).
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// Checks a received export against its manifest, reading the file as a stream (`feed`, then `finish`).
package struct ExportVerifier: Sendable {
    package struct Finding: Sendable, Hashable {
        /// 1-based data row (the CSV header is not counted), or `nil` for the file as a whole.
        package var row: Int?
        package var column: String?
        package var message: String
    }

    let manifest: ExportManifest
    var reader: SourceReader
    var hash: RunningDigest
    var bytes: Int64 = 0
    var digest: ExportDigest
    var firstBadRow: Int?
    var failure: String?
    var started = false
    let names: [String]
    let expectedDigests: [UInt8]

    package init(manifest: ExportManifest) {
        self.manifest = manifest
        expectedDigests = Array(manifest.rowDigests.utf8)
        names = manifest.columns.map(\.name)
        reader = SourceReader(format: manifest.format == .csv ? .csv : .jsonl)
        hash = manifest.algorithm.running()
        digest = ExportDigest(columns: manifest.columns.count, algorithm: manifest.algorithm)
    }

    package mutating func feed(_ chunk: [UInt8]) {
        hash.update(chunk)
        bytes += Int64(chunk.count)
        var input = chunk
        if !started {
            started = true
            if input.starts(with: [0xEF, 0xBB, 0xBF]) { input.removeFirst(3) }
        }
        guard failure == nil else { return }
        var r = reader
        var taken: [(SourceRow, [String])] = []
        do { try r.feed(input) { row, header in taken.append((row, header)) } } catch { failure = "\(error)" }
        reader = r
        for (row, header) in taken { take(row, header) }
    }

    mutating func take(_ row: SourceRow, _ header: [String]) {
        let cells = names.map { name -> String in
            guard let k = header.firstIndex(of: name), k < row.values.count else { return "" }
            return row.original[k]
        }
        let index = digest.rows
        digest.add(cells)
        if firstBadRow == nil {
            let start = index * 8
            if start + 8 > expectedDigests.count
                || !expectedDigests[start..<start + 8].elementsEqual(digest.lastRowDigest)
            {
                firstBadRow = index + 1
            }
        }
    }

    /// Everything that differs; empty when the file is the one the manifest describes.
    package mutating func finish() -> [Finding] {
        if failure == nil {
            var r = reader
            var taken: [(SourceRow, [String])] = []
            do { try r.finish { row, header in taken.append((row, header)) } } catch { failure = "\(error)" }
            reader = r
            for (row, header) in taken { take(row, header) }
        }
        if hash.finalize().hex == manifest.sha256 && bytes == manifest.bytes { return [] }
        var findings: [Finding] = []
        if let failure {
            findings.append(Finding(row: nil, column: nil, message: "the file cannot be read: \(failure)"))
        }
        if let header = reader.header, header != names {
            findings.append(
                Finding(
                    row: nil, column: nil,
                    message:
                        "the columns are \(header.joined(separator: ",")); the manifest lists \(names.joined(separator: ","))"
                ))
        }
        if digest.rows != manifest.rowCount {
            findings.append(
                Finding(
                    row: nil, column: nil,
                    message: "the file has \(digest.rows) rows; the manifest says \(manifest.rowCount)"))
        }
        let columns = zip(digest.columnChecksums(names), manifest.columns).filter { $0.sha256 != $1.sha256 }.map(
            \.0.name)
        if let row = firstBadRow ?? (digest.rows < manifest.rowCount ? digest.rows + 1 : nil) {
            findings.append(
                Finding(
                    row: row, column: columns.count == 1 ? columns[0] : nil,
                    message: "row \(row) differs from the export"
                        + (columns.isEmpty
                            ? "" : " (column\(columns.count == 1 ? "" : "s") \(columns.joined(separator: ", ")))")))
        } else if findings.isEmpty {
            findings.append(
                Finding(
                    row: nil, column: nil,
                    message:
                        "the file's bytes differ from the export (\(manifest.algorithm.displayName) \(manifest.sha256)) though every value matches: its encoding or layout changed"
                ))
        }
        return findings
    }
}

/// An export of granted data (数据导出), run in the background: its progress, its file's place, and once done its manifest.
package struct ExportJob: Sendable, Hashable {
    package enum Status: String, Sendable, Codable, CaseIterable, Vocabulary { case running, succeeded, failed }

    package var id: ExportID
    package var grant: GrantID
    package var resource: ResourceCode
    package var consumer: DepartmentCode
    package var requestedBy: String
    package var format: ExportFormat
    package var fields: [String]
    /// The filters as sent (`item:op:value`).
    package var filters: [String]
    package var status: Status
    package var rows: Int
    package var error: String?
    /// The node that writes the file (exports live in that node's export folder).
    package var node: String
    package var createdAt: Date
    package var finishedAt: Date?
    package var manifest: ExportManifest?

    package init(
        id: ExportID, grant: GrantID, resource: ResourceCode, consumer: DepartmentCode, requestedBy: String,
        format: ExportFormat,
        fields: [String], filters: [String], status: Status, rows: Int, error: String? = nil, node: String,
        createdAt: Date,
        finishedAt: Date? = nil, manifest: ExportManifest? = nil
    ) {
        self.id = id
        self.grant = grant
        self.resource = resource
        self.consumer = consumer
        self.requestedBy = requestedBy
        self.format = format
        self.fields = fields
        self.filters = filters
        self.status = status
        self.rows = rows
        self.error = error
        self.node = node
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.manifest = manifest
    }
}
