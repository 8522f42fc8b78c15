import Foundation
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuHTTP
import ZhengshuPostgres

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Reaches department systems for scheduled pulls and live resources: SQLite files (read-only), PostgreSQL databases
/// (read-only sessions) and HTTP(S) URLs. What a pull fetches is spooled to a temporary file that is removed once
/// the importer has read it. Network sources are held to the administrator's ``PullHostPolicy``.
package struct DepartmentSystemConnector: SourceConnector {
    /// SQLite sources must live below this directory: a provider must not be able to read arbitrary files
    /// (the platform's own database least of all).
    let sqliteDirectory: String
    let hosts: PullHostPolicy
    let work: WorkFolder
    let session: URLSession

    package init(sqliteDirectory: String, hosts: PullHostPolicy, work: WorkFolder) {
        self.sqliteDirectory = (sqliteDirectory as NSString).standardizingPath
        self.hosts = hosts
        self.work = work
        session = URLSession(configuration: .ephemeral, delegate: RedirectGuard(hosts: hosts), delegateQueue: nil)
    }

    package func check(kind: PullKind, location: String) throws {
        switch kind {
        case .sqlite:
            let resolved = URL(fileURLWithPath: location).resolvingSymlinksInPath().path
            let root = URL(fileURLWithPath: sqliteDirectory).resolvingSymlinksInPath().path
            guard resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
                throw ZhengshuError.validation([
                    .init(
                        field: "location",
                        reason:
                            "SQLite sources must be files under \(sqliteDirectory) (the administrator's pull.sqliteDirectory)"
                    )
                ])
            }
        case .postgres:
            try hosts.check(host: try PostgresLocation(parsing: location).host)
        case .http:
            guard let host = URL(string: location)?.host, !host.isEmpty else {
                throw ZhengshuError.validation([
                    .init(field: "location", reason: "must be an http:// or https:// URL with a host")
                ])
            }
            try hosts.check(host: host)
        }
    }

    package func read(_ source: PullSource, items: [DataItem], query: RecordQuery) async throws -> RecordPage {
        switch source.kind {
        case .sqlite:
            try check(kind: source.kind, location: source.location)
            guard FileManager.default.isReadableFile(atPath: source.location) else {
                throw ZhengshuError(.conflict, "the live source \(source.id) cannot be read")
            }
            return try await SQLiteSourceExport.page(
                path: source.location, query: source.query ?? "", items: items, query: query)
        case .postgres:
            let location = try PostgresLocation(parsing: source.location)
            return try await PostgresSourceExport.page(
                location, address: try hosts.check(host: location.host), query: source.query ?? "",
                items: items, query: query)
        case .http:
            throw ZhengshuError(.conflict, "the live source \(source.id) is not a database")
        }
    }

    package func fetch(_ source: PullSource) async throws -> PulledData {
        try check(kind: source.kind, location: source.location)
        let file = try work.newFile("pull")
        switch source.kind {
        case .sqlite:
            let (_, watermark) = try await SQLiteSourceExport.export(
                path: source.location, query: source.query ?? "", watermarkColumn: source.watermarkColumn,
                after: source.lastWatermark, to: file)
            return PulledData(
                chunks: TemporaryFileChunks(url: file), format: .jsonl, watermark: watermark ?? source.lastWatermark)
        case .postgres:
            let location = try PostgresLocation(parsing: source.location)
            do {
                let (_, watermark) = try await PostgresSourceExport.export(
                    location, address: try hosts.check(host: location.host),
                    query: source.query ?? "", watermarkColumn: source.watermarkColumn,
                    after: source.lastWatermark, to: file)
                return PulledData(
                    chunks: TemporaryFileChunks(url: file), format: .jsonl, watermark: watermark ?? source.lastWatermark
                )
            } catch {
                try? FileManager.default.removeItem(at: file)
                throw error
            }
        case .http:
            guard let url = URL(string: source.location) else {
                throw ZhengshuError(.invalidInput, "not a URL: \(source.location)")
            }
            var request = URLRequest(url: url)
            request.timeoutInterval = 600
            let (downloaded, response) = try await session.download(for: request)
            guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
                try? FileManager.default.removeItem(at: downloaded)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (300..<400).contains(status),
                    let target = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Location")
                {
                    throw ZhengshuError(
                        .conflict,
                        "\(url.host ?? "the source") redirected to \(target.prefix(200)), which pull sources may not reach"
                    )
                }
                throw ZhengshuError(.conflict, "\(url.host ?? "the source") answered \(status)")
            }
            // (URLSession downloads into the system's temporary folder: the copy moves into the work folder at once.)
            try FileManager.default.removeItem(at: file)
            try FileManager.default.moveItem(at: downloaded, to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            return PulledData(chunks: TemporaryFileChunks(url: file), format: source.format, watermark: nil)
        }
    }
}

/// Follows a redirect only to an http(s) URL whose host the pull policy allows.
final class RedirectGuard: NSObject, URLSessionTaskDelegate, Sendable {
    let hosts: PullHostPolicy
    init(hosts: PullHostPolicy) { self.hosts = hosts }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        guard let url = request.url, url.scheme == "http" || url.scheme == "https", let host = url.host,
            (try? hosts.check(host: host)) != nil
        else { return completionHandler(nil) }
        completionHandler(request)
    }
}

/// A spooled file read in chunks, removed once read to the end.
struct TemporaryFileChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let url: URL

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: FileChunks.AsyncIterator
        let url: URL
        mutating func next() async throws -> [UInt8]? {
            guard let chunk = try await base.next() else {
                try? FileManager.default.removeItem(at: url)
                return nil
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: FileChunks(path: url.path).makeAsyncIterator(), url: url)
    }
}
