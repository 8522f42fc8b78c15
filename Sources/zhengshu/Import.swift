import ArgumentParser
import Foundation
import Synchronization
import ZhengshuApp
import ZhengshuCore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a CSV, TSV, JSON Lines or JSON file into a published resource, as one atomic job.",
        discussion: """
            Columns map to items by item name or Chinese label; use --map COLUMN=ITEM for the others.
            Rejected rows are kept with their reasons (GET /api/v1/jobs/ID/rejects). Exit status: 0 when every row
            was loaded, 1 when the job failed, 3 when it succeeded but rows were rejected.
            """)

    @OptionGroup var data: DataOptions
    @Argument(help: "Resource code.") var code: String
    @Argument(help: "The file to load.") var file: String
    @Option(help: "append, upsert or replace (default append).") var mode: String = "append"
    @Option(help: "auto, utf-8, gbk or gb18030 (default auto).") var encoding: String = "auto"
    @Option(help: "csv, tsv, jsonl or json (default: from the file name).") var format: String?
    @Option(help: "Stop and fail the job after this many rejected rows.") var maxErrors: Int?
    @Option(name: .customLong("map"), help: "COLUMN=ITEM, repeatable.") var mappings: [String] = []

    func run() async throws {
        do {
            guard let mode = ImportMode(rawValue: mode) else { throw ZhengshuError(.invalidInput, "--mode \(ImportMode.unknown(mode))") }
            guard let encoding = SourceEncoding(rawValue: encoding) else {
                throw ZhengshuError(.invalidInput, "--encoding \(SourceEncoding.unknown(encoding))")
            }
            let format = try format.map { raw in
                guard let f = SourceFormat(rawValue: raw) else { throw ZhengshuError(.invalidInput, "--format \(SourceFormat.unknown(raw))") }
                return f
            } ?? ImportRequest.format(forFileName: file) ?? .csv
            var mapping: [String: String] = [:]
            for m in mappings {
                let parts = m.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ZhengshuError(.invalidInput, "--map \(m): write COLUMN=ITEM") }
                mapping[parts[0]] = parts[1]
            }
            let (chunks, size) = try FileChunks.open(file)
            _ = chunks
            let (_, services) = try data.open()
            let request = ImportRequest(resource: code, mode: mode, format: format, encoding: encoding,
                                        sourceName: (file as NSString).lastPathComponent, bytesTotal: size, maxErrors: maxErrors,
                                        mapping: mapping)
            let line = ProgressLine(total: size, live: isatty(STDERR_FILENO) == 1)
            let job = try await CLITasks(services: services).importFile(request, path: file) { line.update($0) }
            line.finish()
            let seconds = job.finishedAt.flatMap { end in job.startedAt.map { end.timeIntervalSince($0) } } ?? 0
            let rate = seconds > 0 ? Int(Double(job.rowsRead) / seconds) : job.rowsRead
            var summary = "job \(job.id) \(job.status.rawValue): \(job.rowsRead) rows read, \(job.rowsAccepted) accepted, "
                + "\(job.rowsRejected) rejected in \(String(format: "%.1f", seconds)) s (\(rate) rows/s, \(job.encoding.rawValue))"
            if !job.unknownColumns.isEmpty { summary += "\nunknown columns (not loaded): \(job.unknownColumns.joined(separator: ", "))" }
            if let error = job.error { summary += "\n\(error)" }
            if job.rowsRejected > 0 { summary += "\nrejected rows: GET /api/v1/jobs/\(job.id)/rejects" }
            print(summary)
            if job.status != .succeeded { throw ExitCode.failure }
            if job.rowsRejected > 0 { throw ExitCode(3) }
        } catch let e as ExitCode {
            throw e
        } catch let e as CocoaError where e.code == .fileReadNoSuchFile {
            throw fail(ZhengshuError(.invalidInput, "cannot read \(file)"))
        } catch { throw fail(error) }
    }
}

/// A live progress line on a terminal (rows, rows/s, percent of bytes, ETA); silent otherwise.
final class ProgressLine: Sendable {
    let total: Int64
    let live: Bool
    private let state = Mutex<(start: Date, last: Date)>((Date(), .distantPast))

    init(total: Int64, live: Bool) {
        self.total = total
        self.live = live
    }

    func update(_ p: JobProgress) {
        guard live else { return }
        let now = Date()
        let (start, due) = state.withLock { s -> (Date, Bool) in
            let due = now.timeIntervalSince(s.last) >= 0.2
            if due { s.last = now }
            return (s.start, due)
        }
        guard due else { return }
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let fraction = total > 0 ? min(1, Double(p.bytesRead) / Double(total)) : 0
        let eta = fraction > 0 ? elapsed / fraction - elapsed : 0
        let text = String(format: "\r%d rows  %d rows/s  %5.1f%%  ETA %ds  (%d rejected)   ", p.rowsRead, Int(Double(p.rowsRead) / elapsed),
                          fraction * 100, Int(eta), p.rowsRejected)
        FileHandle.standardError.write(Data(text.utf8))
    }

    func finish() {
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
