import Foundation
import Hummingbird
import ZhengshuCore
import ZhengshuOpenAPI

/// Pushing a file: the body (or a browser form's file part) streams into the import as it arrives.
package struct IngestRoutes {
    let platform: Platform
    /// Largest accepted upload; the server's 2 MiB JSON limit does not apply to a streamed file.
    let maxUploadBytes: Int64
    /// Turns a sheet of an XLSX file into a CSV file (the composition root provides it).
    let workbookToCSV: WorkbookConverter?

    package init(platform: Platform, maxUploadBytes: Int64, workbookToCSV: WorkbookConverter?) {
        self.platform = platform
        self.maxUploadBytes = maxUploadBytes
        self.workbookToCSV = workbookToCSV
    }

    package func register(on api: RouterGroup<AppRequestContext>) {
        let p = platform
        let limit = maxUploadBytes
        let workbookToCSV = workbookToCSV
        api.post("resources/{code}/ingest") { request, context in
            let caller = try context.caller()
            let q = request.uri.queryParameters
            var contentType = request.headers[.contentType]?.lowercased() ?? ""
            var multipart: MultipartFile?
            if contentType.hasPrefix("multipart/form-data") {
                // A browser form: the file part's own type or name decides the format.
                let file = try await MultipartFile.open(
                    body: BodyChunks(body: request.body, limit: limit),
                    contentType: request.headers[.contentType] ?? "")
                contentType = file.contentType?.lowercased() ?? ""
                if Self.format(contentType: contentType) == nil, let name = file.fileName,
                    let byName = ImportRequest.format(forFileName: name)
                {
                    contentType = Self.contentType(of: byName)
                }
                multipart = file
            }
            guard
                let format = try SourceFormat.parse(q.get("format"), parameter: "format")
                    ?? Self.format(contentType: contentType)
            else {
                throw HTTPError(
                    .unsupportedMediaType,
                    message: "send text/csv, text/tab-separated-values, application/x-ndjson, "
                        + "application/json or an XLSX workbook, or name the format with ?format=")
            }
            let encoding =
                try SourceEncoding.parse(q.get("encoding"), parameter: "encoding") ?? Self.charset(contentType) ?? .auto
            var mapping: [String: String] = [:]
            for m in q.getAll("map") {
                let parts = m.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2 else {
                    throw ZhengshuError(.invalidInput, "map=\(m.prefix(80)): write COLUMN:ITEM")
                }
                mapping[parts[0]] = parts[1]
            }
            let maxErrors = try q.get("maxErrors").map { raw -> Int in
                guard let n = Int(raw), n >= 0 else {
                    throw ZhengshuError(.invalidInput, "maxErrors must be 0 or more")
                }
                return n
            }
            let length = request.headers[.contentLength].flatMap { Int64($0) }
            if let length, length > limit {
                throw ZhengshuError(
                    .payloadTooLarge, "the upload is \(length) bytes; this server accepts at most \(limit)")
            }
            let ingestRequest = ImportRequest(
                resource: try context.parameters.require("code"),
                mode: try ImportMode.parse(q.get("mode"), parameter: "mode") ?? .append,
                format: format, encoding: encoding, sourceName: q.get("name") ?? multipart?.fileName ?? "upload",
                bytesTotal: multipart == nil ? length : nil,
                maxErrors: maxErrors, mapping: mapping)
            let job: IngestJob
            if format == .xlsx {
                // A workbook needs random access: spool it, turn the sheet into CSV, stream that.
                guard let workbookToCSV else {
                    throw HTTPError(.unsupportedMediaType, message: "this server cannot read XLSX")
                }
                let spool = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "zs-upload-\(UUID().uuidString).xlsx")
                defer { try? FileManager.default.removeItem(at: spool) }
                FileManager.default.createFile(atPath: spool.path, contents: nil)
                let spoolFile = try SpoolFile(path: spool.path)
                do {
                    if let multipart {
                        for try await chunk in multipart { try await spoolFile.append(chunk) }
                    } else {
                        for try await chunk in BodyChunks(body: request.body, limit: limit) {
                            try await spoolFile.append(chunk)
                        }
                    }
                    try await spoolFile.close()
                } catch {
                    try? await spoolFile.close()
                    throw error
                }
                let csv: URL
                do {
                    csv = try await workbookToCSV(spool, q.get("sheet"))
                } catch {
                    throw ZhengshuError(.validation, "\(error)", violations: [.init(field: "body", reason: "\(error)")])
                }
                defer { try? FileManager.default.removeItem(at: csv) }
                var csvRequest = ingestRequest
                csvRequest.encoding = .utf8
                csvRequest.bytesTotal = FileChunks.size(atPath: csv.path)
                job = try await p.ingestion.run(csvRequest, source: FileChunks(path: csv.path), by: caller)
            } else if let multipart {
                job = try await p.ingestion.run(ingestRequest, source: multipart, by: caller)
            } else {
                job = try await p.ingestion.run(
                    ingestRequest, source: BodyChunks(body: request.body, limit: limit), by: caller)
            }
            return try Self.response(for: job)
        }
    }

    /// A finished job as the answer: 201 with the job when it succeeded, else the 422 problem carrying it.
    static func response(for job: IngestJob) throws -> Response {
        JSON.response(try Components.Schemas.IngestJob(succeeded: job), status: .created)
    }

    static func format(contentType: String) -> SourceFormat? {
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch type {
        case "text/csv", "application/csv": return .csv
        case "text/tab-separated-values": return .tsv
        case "application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json-lines":
            return .jsonl
        case "application/json": return .json
        case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": return .xlsx
        default: return nil
        }
    }

    static func contentType(of format: SourceFormat) -> String {
        switch format {
        case .csv: "text/csv"
        case .tsv: "text/tab-separated-values"
        case .jsonl: "application/x-ndjson"
        case .json: "application/json"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
    }

    static func charset(_ contentType: String) -> SourceEncoding? {
        guard let range = contentType.range(of: "charset=") else { return nil }
        let value = contentType[range.upperBound...].split(separator: ";").first.map {
            $0.trimmingCharacters(in: .init(charactersIn: " \""))
        }
        switch value {
        case "utf-8", "utf8": return .utf8
        case "gbk", "gb2312", "cp936": return .gbk
        case "gb18030": return .gb18030
        default: return nil
        }
    }
}

/// The request body as byte chunks, refusing to read past `limit`.
struct BodyChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let body: RequestBody
    let limit: Int64

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int64
        var total: Int64 = 0
        mutating func next() async throws -> [UInt8]? {
            guard let buffer = try await base.next() else { return nil }
            total += Int64(buffer.readableBytes)
            if total > limit {
                throw ZhengshuError(.payloadTooLarge, "the upload is larger than this server's limit of \(limit) bytes")
            }
            return Array(buffer.readableBytesView)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: body.makeAsyncIterator(), limit: limit) }
}

/// Converts a sheet (named, or the first) of the XLSX file at a URL into a temporary CSV file and returns its URL.
package typealias WorkbookConverter = @Sendable (_ workbook: URL, _ sheet: String?) async throws -> URL

/// A file written from a request body: the body's small chunks gathered into 1 MiB writes, each on the blocking pool.
final class SpoolFile {
    let handle: FileHandle
    var buffer: [UInt8] = []

    init(path: String) throws { handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path)) }

    func append<Bytes: Sequence<UInt8>>(_ bytes: Bytes) async throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try await flush() }
    }

    func flush() async throws {
        guard !buffer.isEmpty else { return }
        let (handle, bytes) = (self.handle, buffer)
        buffer.removeAll(keepingCapacity: true)
        try await BlockingPool.shared.run { try handle.write(contentsOf: bytes) }
    }

    func close() async throws {
        try await flush()
        try handle.close()
    }
}
