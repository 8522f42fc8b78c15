import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuHTTP

/// Reaches department systems for scheduled pulls: SQLite files (read-only) and HTTP(S) URLs.
/// What it fetches is spooled to a temporary file that is removed once the importer has read it.
package struct DepartmentSystemConnector: SourceConnector {
    /// SQLite sources must live below this directory: a provider must not be able to read arbitrary files
    /// (the platform's own database least of all).
    let sqliteDirectory: String

    package init(sqliteDirectory: String) {
        self.sqliteDirectory = (sqliteDirectory as NSString).standardizingPath
    }

    package func check(kind: PullKind, location: String) throws {
        guard kind == .sqlite else { return }
        let resolved = URL(fileURLWithPath: location).resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: sqliteDirectory).resolvingSymlinksInPath().path
        guard resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw ZhengshuError.validation([.init(field: "location",
                reason: "SQLite sources must be files under \(sqliteDirectory) (the administrator's pull.sqliteDirectory)")])
        }
    }

    package func read(_ source: PullSource, items: [DataItem], query: RecordQuery) async throws -> RecordPage {
        try check(kind: source.kind, location: source.location)
        guard source.kind == .sqlite, FileManager.default.isReadableFile(atPath: source.location) else {
            throw ZhengshuError(.conflict, "the live source \(source.id) cannot be read")
        }
        return try SQLiteSourceExport.page(path: source.location, query: source.query ?? "", items: items, query: query)
    }

    package func fetch(_ source: PullSource) async throws -> PulledData {
        try check(kind: source.kind, location: source.location)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zs-pull-\(source.id)-\(UUID().uuidString)")
        switch source.kind {
        case .sqlite:
            let (_, watermark) = try SQLiteSourceExport.export(path: source.location, query: source.query ?? "", watermarkColumn: source.watermarkColumn,
                                                               after: source.lastWatermark, to: file)
            return PulledData(chunks: TemporaryFileChunks(url: file), format: .jsonl, watermark: watermark ?? source.lastWatermark)
        case .http:
            guard let url = URL(string: source.location) else { throw ZhengshuError(.invalidInput, "not a URL: \(source.location)") }
            var request = URLRequest(url: url)
            request.timeoutInterval = 600
            let (downloaded, response) = try await URLSession.shared.download(for: request)
            guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
                try? FileManager.default.removeItem(at: downloaded)
                throw ZhengshuError(.conflict, "\(url.host ?? "the source") answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
            }
            try FileManager.default.moveItem(at: downloaded, to: file)
            return PulledData(chunks: TemporaryFileChunks(url: file), format: source.format, watermark: nil)
        }
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

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: FileChunks(path: url.path).makeAsyncIterator(), url: url) }
}
