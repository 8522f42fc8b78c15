import ArgumentParser
import Foundation
import ZhengshuApp
import ZhengshuCore

/// `zhengshu trace FILE`: which export a leaked file came from, by its watermark (数据水印溯源).
struct Trace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Name the export, grant and department a leaked CSV or JSON Lines file came from, with the false-attribution probability.",
        discussion:
            "Works from a part of an export too (a sample of rows, some columns, shuffled). Exits 3 when no export matches."
    )

    @Argument(help: "The leaked file (CSV, or JSON Lines by extension or content).") var file: String
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var data: DataOptions

    func run() async throws {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw fail(ZhengshuError(.invalidInput, "cannot read \(file)"))
        }
        defer { try? handle.close() }
        var reader: WatermarkReader?
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            if reader == nil {
                let lower = file.lowercased()
                let jsonl =
                    lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson")
                    || chunk.first { $0 != 0x20 && $0 != 0x0A } == 0x7B
                reader = WatermarkReader(format: jsonl ? .jsonl : .csv)
            }
            reader!.feed(chunk)
        }
        let evidence = reader?.finish() ?? WatermarkEvidence()
        let (_, services) = try await data.open()
        let report: TraceReport
        do {
            report = try await services.platform.data.trace(
                evidence, file: file, by: Caller(.localOperator, requestID: "cli"))
        } catch {
            throw fail(error)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(
                "\(file): \(report.rows) rows, \(report.observations) marked cells, compared with \(report.exportsCompared) exports"
            )
            if let m = report.attributed {
                print(
                    "came from export \(m.export): grant \(m.grant) of department \(m.consumer), resource \(m.resource), exported by \(m.requestedBy) at "
                        + ISO8601DateFormatter().string(from: m.createdAt))
                print(
                    "\(m.agreeing) of \(m.observations) cells agree; false-attribution probability < 1e\(Int(m.log10FalseAttribution.rounded(.up)))"
                )
            } else if let b = report.best {
                print(
                    "no export matches: the closest, export \(b.export), agrees on \(b.agreeing) of \(b.observations) cells (as chance would)"
                )
            } else {
                print(
                    "no export matches: the file carries no watermark evidence (re-saved by another program, or not an export)"
                )
            }
        }
        if report.attributed == nil { throw ExitCode(3) }
    }
}
