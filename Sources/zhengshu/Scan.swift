import ArgumentParser
import Foundation
import ZhengshuApp
import ZhengshuCore

/// `zhengshu scan FILE` or `zhengshu scan --resource CODE`: which columns of a file, or of a resource's stored records,
/// hold personal or sensitive data (敏感数据识别).
struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Find personal and sensitive data in a CSV, TSV or JSON Lines file, or in a resource's records: per column the type, match ratio, confidence and masked examples.",
        discussion:
            "With --resource, grades are proposed for review (personal information ≥ L3, sensitive ≥ L4) and the catalog entry's text is checked for sensitive words."
    )

    @Argument(help: "The file (UTF-8, with or without BOM, GBK or GB 18030; CSV, or TSV/JSON Lines by extension).")
    var file: String?
    @Option(help: "A resource's stored records instead of a file (its code).") var resource: String?
    @OptionGroup var data: DataOptions
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Look at the first N rows only (default: all).") var sample: Int?
    @Option(help: "Sensitive words to look for, comma-separated (default: 绝密,机密,秘密,涉密,内部资料,内部使用,不得外传).") var words:
        String?

    struct Report: Encodable {
        var file: String
        var rows: Int
        var bytes: Int64
        var seconds: Double
        var columns: [ColumnFinding]
    }

    var wordList: [String] {
        words.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            ?? SensitiveDataScanner.defaultWords
    }

    func run() async throws {
        switch (file, resource) {
        case (let file?, nil): try scan(file: file)
        case (nil, let code?): try await scan(resource: code)
        default: throw fail(ZhengshuError(.invalidInput, "give a FILE or --resource CODE (one of them)"))
        }
    }

    func scan(resource code: String) async throws {
        let (_, services) = try await data.open()
        let scan: ResourceScan
        do {
            scan = try await services.platform.data.scan(
                code, sample: sample, words: wordList, by: Caller(.localOperator, requestID: "cli"))
        } catch {
            throw fail(error)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(scan), as: UTF8.self))
            return
        }
        print("\(scan.resource): \(scan.rows) rows")
        show(scan.columns)
        if !scan.catalogSensitiveWords.isEmpty {
            print("  the catalog entry's text holds: \(scan.catalogSensitiveWords.joined(separator: ","))")
        }
        if let p = scan.proposal {
            print(
                "grade proposal \(p.id) for review: "
                    + p.items.map { "\($0.item) \($0.current?.rawValue ?? "-") → \($0.proposed.rawValue)" }.joined(
                        separator: ", ")
                    + "; resource \(p.currentResourceGrade.rawValue) → \(p.proposedResourceGrade.rawValue)")
        }
    }

    func show(_ columns: [ColumnFinding]) {
        for c in columns {
            var line = "  " + c.column.padding(toLength: 12, withPad: " ", startingAt: 0)
            if let t = c.detected {
                line +=
                    " \(t.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) ratio \(c.matchRatio)  confidence \(c.confidence)  e.g. \(c.examples.joined(separator: " "))"
            } else {
                line += " -"
            }
            if !c.embedded.isEmpty {
                line += "  free text containing \(c.embedded.map(\.rawValue).joined(separator: ", "))"
            }
            if c.sensitiveWordValues > 0 {
                line +=
                    "  sensitive words in \(c.sensitiveWordValues) values: \(c.sensitiveWords.joined(separator: ","))"
            }
            print(line)
        }
    }

    func scan(file: String) throws {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw fail(ZhengshuError(.invalidInput, "cannot read \(file)"))
        }
        defer { try? handle.close() }
        let lower = file.lowercased()
        let format: SourceFormat =
            lower.hasSuffix(".tsv") ? .tsv : (lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") ? .jsonl : .csv)
        let started = Date()
        var transcoder = Transcoder(.auto)
        var scanner: SensitiveDataScanner?
        var rows = 0
        var bytes: Int64 = 0
        let limit = sample ?? Int.max
        do {
            if format == .jsonl {
                var reader = SourceReader(format: format)
                func take(_ row: SourceRow, _ header: [String]) {
                    guard rows < limit else { return }
                    if scanner == nil { scanner = SensitiveDataScanner(columns: header, words: wordList) }
                    scanner!.add(row.original)
                    rows += 1
                }
                while rows < limit, let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    bytes += Int64(chunk.count)
                    try reader.feed(try transcoder.decode(Array(chunk))) { take($0, $1) }
                }
                if rows < limit { try reader.finish { take($0, $1) } }
            } else {
                // CSV and TSV straight from the parser's buffer: no strings made per field.
                var parser = DelimitedParser(delimiter: format == .tsv ? 0x09 : 0x2C)
                func take(_ record: borrowing DelimitedParser.Record) {
                    guard rows < limit else { return }
                    guard scanner != nil else {
                        scanner = SensitiveDataScanner(
                            columns: record.strings.map { $0.trimmingCharacters(in: .whitespaces) }, words: wordList)
                        return
                    }
                    scanner!.add(record)
                    rows += 1
                }
                while rows < limit, let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty {
                    bytes += Int64(chunk.count)
                    parser.feed(try transcoder.decode(Array(chunk))) { take($0) }
                }
                if rows < limit { try parser.finish { take($0) } }
            }
        } catch {
            throw fail(ZhengshuError(.invalidInput, "\(file): \(error)"))
        }
        let report = Report(
            file: file, rows: rows, bytes: bytes, seconds: Date().timeIntervalSince(started),
            columns: scanner?.findings() ?? [])
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print(
            String(
                format: "%@: %d rows, %.1f MB in %.2f s (%.1f MB/s)", file, rows, Double(bytes) / 1e6, report.seconds,
                Double(bytes) / 1e6 / max(report.seconds, 0.001)))
        show(report.columns)
    }
}
