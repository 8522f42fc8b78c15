import Foundation
import Hummingbird
import ZhengshuCore
import ZhengshuOpenAPI

/// Pushing a file: the body (or a browser form's file part) streams into the import as it arrives.
package struct IngestRoutes {
    let platform: Platform
    /// Largest accepted upload; the server's 2 MiB JSON limit does not apply to a streamed file.
    let maxUploadBytes: Int64
    /// Where a workbook is read (it needs a file: the application's).
    let files: any FileServices

    package init(platform: Platform, maxUploadBytes: Int64, files: any FileServices) {
        self.platform = platform
        self.maxUploadBytes = maxUploadBytes
        self.files = files
    }

    package func register(on api: RouterGroup<AppRequestContext>) {
        let p = platform
        let limit = maxUploadBytes
        let files = files
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
            let maxRejectedRatio = try q.get("maxRejectedRatio").map { raw -> Double in
                guard let r = Double(raw), (0...1).contains(r) else {
                    throw ZhengshuError(.invalidInput, "maxRejectedRatio must be a number from 0 to 1")
                }
                return r
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
                maxErrors: maxErrors, mapping: mapping, maxRejectedRatio: maxRejectedRatio)
            let sheet = q.get("sheet")
            let file = multipart
            let job = try await Self.belowRequests {
                if format == .xlsx {
                    // A workbook needs random access: the application keeps it in a file, reads the sheet as CSV.
                    if let file {
                        return try await files.importWorkbook(ingestRequest, sheet: sheet, from: file, by: caller)
                    }
                    return try await files.importWorkbook(
                        ingestRequest, sheet: sheet, from: BodyChunks(body: request.body, limit: limit), by: caller)
                }
                if let file { return try await p.ingestion.run(ingestRequest, source: file, by: caller) }
                return try await p.ingestion.run(
                    ingestRequest, source: BodyChunks(body: request.body, limit: limit), by: caller)
            }
            return try Self.response(for: job)
        }
    }

    /// Runs a load below the priority of the calls being answered meanwhile: parsing and validating a file is the
    /// heaviest work a node does, and a department's upload should not slow the data services of every other.
    static func belowRequests<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask(priority: .utility) { try await work() }
            return try await group.next()!
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
