import Foundation
import ZhengshuCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `zhengshu import … --server URL --token T`: pushes the file to a running server (streamed from disk) and follows
/// the job it creates.
struct RemoteImport {
    let server: URL
    let token: String

    struct JobSummary: Decodable {
        var id: Int64
        var status: String
        var source: String
        var encoding: String
        var bytesRead: Int64
        var rowsRead: Int
        var rowsAccepted: Int
        var rowsRejected: Int
        var unknownColumns: [String]
        var error: String?
        var rowsPerSecond: Double?
        var startedAt: Date?
        var finishedAt: Date?
    }

    struct Problem: Decodable {
        var detail: String
        var job: JobSummary?
    }

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    func run(
        code: String, file: String, sheet: String?, request: ImportRequest, progress: ProgressLine
    ) async throws -> JobSummary {
        var components = URLComponents(
            url: server.appendingPathComponent("api/v1/resources/\(code)/ingest"), resolvingAgainstBaseURL: false)!
        var query = [
            URLQueryItem(name: "mode", value: request.mode.rawValue),
            URLQueryItem(name: "format", value: request.format.rawValue),
            URLQueryItem(name: "encoding", value: request.encoding.rawValue),
            URLQueryItem(name: "name", value: request.sourceName),
        ]
        if let sheet { query.append(URLQueryItem(name: "sheet", value: sheet)) }
        if let max = request.maxErrors { query.append(URLQueryItem(name: "maxErrors", value: String(max))) }
        if let ratio = request.maxRejectedRatio {
            query.append(URLQueryItem(name: "maxRejectedRatio", value: String(ratio)))
        }
        for (column, item) in request.mapping.sorted(by: { $0.key < $1.key }) {
            query.append(URLQueryItem(name: "map", value: "\(column):\(item)"))
        }
        components.queryItems = query
        var urlRequest = URLRequest(url: components.url!)
        urlRequest.httpMethod = "POST"
        urlRequest.timeoutInterval = 24 * 3600
        urlRequest.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let contentType =
            switch request.format {
            case .tsv: "text/tab-separated-values"
            case .jsonl: "application/x-ndjson"
            case .json: "application/json"
            case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case .csv: "text/csv"
            }
        urlRequest.setValue(contentType, forHTTPHeaderField: "Content-Type")

        let follower = Task { await follow(code: code, source: request.sourceName, progress: progress) }
        defer { follower.cancel() }
        let (data, response): (Data, URLResponse) = try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.uploadTask(with: urlRequest, fromFile: URL(fileURLWithPath: file)) {
                data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else {
                    continuation.resume(returning: (data ?? Data(), response!))
                }
            }.resume()
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if status == 201 { return try Self.decoder.decode(JobSummary.self, from: data) }
        if let problem = try? Self.decoder.decode(Problem.self, from: data) {
            if let job = problem.job { return job }
            throw ZhengshuError(.invalidInput, "the server answered \(status): \(problem.detail)")
        }
        throw ZhengshuError(
            .invalidInput, "the server answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
    }

    /// Polls the resource's newest running job from this file for the progress line.
    func follow(code: String, source: String, progress: ProgressLine) async {
        var components = URLComponents(
            url: server.appendingPathComponent("api/v1/jobs"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "resource", value: code)]
        var request = URLRequest(url: components.url!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        struct Jobs: Decodable { var items: [JobSummary] }
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            guard let (data, _) = try? await URLSession.shared.data(for: request),
                let jobs = try? Self.decoder.decode(Jobs.self, from: data),
                let job = jobs.items.first(where: { $0.status == "running" && $0.source == source })
            else { continue }
            progress.update(
                JobProgress(
                    bytesRead: job.bytesRead, rowsRead: job.rowsRead, rowsAccepted: job.rowsAccepted,
                    rowsRejected: job.rowsRejected))
        }
    }
}
