import ArgumentParser
import Foundation
import Synchronization
import ZhengshuApp
import ZhengshuCore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a CSV, TSV, JSON Lines, JSON or XLSX file into a published resource, as one atomic job.",
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
    @Option(help: "csv, tsv, jsonl, json or xlsx (default: from the file name).") var format: String?
    @Option(help: "The sheet of an XLSX workbook (default: the first).") var sheet: String?
    @Option(help: "Stop and fail the job after this many rejected rows.") var maxErrors: Int?
    @Option(
        help: """
            For replace: the share of rows (0-1) that may be rejected and the load still replace the stored rows \
            (default: the installation's ingest.replaceMaxRejectedRatio, 0).
            """)
    var maxRejectedRatio: Double?
    @Option(name: .customLong("map"), help: "COLUMN=ITEM, repeatable.") var mappings: [String] = []
    @Option(help: "Push to a running server at this URL instead of opening the data folder.") var server: String?
    @Option(help: "API token for --server (or the environment variable ZHENGSHU_TOKEN).") var token: String?

    func run() async throws {
        do {
            guard let mode = ImportMode(rawValue: mode) else {
                throw ZhengshuError(.invalidInput, "--mode \(ImportMode.unknown(mode))")
            }
            guard let encoding = SourceEncoding(rawValue: encoding) else {
                throw ZhengshuError(.invalidInput, "--encoding \(SourceEncoding.unknown(encoding))")
            }
            let format =
                try format.map { raw in
                    guard let f = SourceFormat(rawValue: raw) else {
                        throw ZhengshuError(.invalidInput, "--format \(SourceFormat.unknown(raw))")
                    }
                    return f
                } ?? ImportRequest.format(forFileName: file) ?? .csv
            var mapping: [String: String] = [:]
            for m in mappings {
                let parts = m.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ZhengshuError(.invalidInput, "--map \(m): write COLUMN=ITEM") }
                mapping[parts[0]] = parts[1]
            }
            let size = try CLITasks.sourceSize(file)
            let request = ImportRequest(
                resource: code, mode: mode, format: format, encoding: encoding,
                sourceName: (file as NSString).lastPathComponent, bytesTotal: size, maxErrors: maxErrors,
                mapping: mapping, maxRejectedRatio: maxRejectedRatio)
            let line = ProgressLine(total: size, live: isatty(STDERR_FILENO) == 1)
            let outcome: Outcome
            if let server {
                guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https" else {
                    throw ZhengshuError(.invalidInput, "--server must be an http(s) URL")
                }
                guard let token = token ?? ProcessInfo.processInfo.environment["ZHENGSHU_TOKEN"] else {
                    throw ZhengshuError(.invalidInput, "--server needs --token or ZHENGSHU_TOKEN")
                }
                let job = try await RemoteImport(server: url, token: token).run(
                    code: code, file: file, sheet: sheet, request: request, progress: line)
                outcome = Outcome(
                    id: job.id, status: job.status, encoding: job.encoding, rowsRead: job.rowsRead,
                    rowsAccepted: job.rowsAccepted,
                    rowsRejected: job.rowsRejected, unknownColumns: job.unknownColumns, error: job.error,
                    seconds: job.rowsPerSecond.map { $0 > 0 ? Double(job.rowsRead) / $0 : 0 } ?? 0)
            } else {
                let (_, services) = try await data.open()
                let job = try await CLITasks(services: services).importFile(request, path: file, sheet: sheet) {
                    line.update($0)
                }
                outcome = Outcome(
                    id: job.id.rawValue, status: job.status.rawValue, encoding: job.encoding.rawValue,
                    rowsRead: job.rowsRead,
                    rowsAccepted: job.rowsAccepted, rowsRejected: job.rowsRejected, unknownColumns: job.unknownColumns,
                    error: job.error,
                    seconds: job.finishedAt.flatMap { end in job.startedAt.map { end.timeIntervalSince($0) } } ?? 0)
            }
            line.finish()
            let job = outcome
            let rate = job.seconds > 0 ? Int(Double(job.rowsRead) / job.seconds) : job.rowsRead
            var summary =
                "job \(job.id) \(job.status): \(job.rowsRead) rows read, \(job.rowsAccepted) accepted, "
                + "\(job.rowsRejected) rejected in \(String(format: "%.1f", job.seconds)) s (\(rate) rows/s, \(job.encoding))"
            if !job.unknownColumns.isEmpty {
                summary += "\nunknown columns (not loaded): \(job.unknownColumns.joined(separator: ", "))"
            }
            if let error = job.error { summary += "\n\(error)" }
            if job.rowsRejected > 0 { summary += "\nrejected rows: GET /api/v1/jobs/\(job.id)/rejects" }
            print(summary)
            if job.status != "succeeded" { throw ExitCode.failure }
            if job.rowsRejected > 0 { throw ExitCode(3) }
        } catch let e as ExitCode {
            throw e
        } catch let e as CocoaError where e.code == .fileReadNoSuchFile {
            throw fail(ZhengshuError(.invalidInput, "cannot read \(file)"))
        } catch { throw fail(error) }
    }
}

/// What the summary line reports, from a local or a remote job.
struct Outcome {
    var id: Int64
    var status: String
    var encoding: String
    var rowsRead: Int
    var rowsAccepted: Int
    var rowsRejected: Int
    var unknownColumns: [String]
    var error: String?
    var seconds: Double
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
        let text = String(
            format: "\r%d rows  %d rows/s  %5.1f%%  ETA %ds  (%d rejected)   ", p.rowsRead,
            Int(Double(p.rowsRead) / elapsed),
            fraction * 100, Int(eta), p.rowsRejected)
        FileHandle.standardError.write(Data(text.utf8))
    }

    func finish() {
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
