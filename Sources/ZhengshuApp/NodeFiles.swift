import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ZhengshuCore
import ZhengshuHTTP

/// This node's files and the work that outlives a request, for the HTTP layer (``FileServices``): exports written
/// in the background, workbooks kept in a temporary file while they are read. It is a service of the application's
/// group: an export runs in its task group, and a stop lets the running ones finish.
package final class NodeFiles: FileServices, Service {
    package let node: String
    let exports: ExportFiles
    let platform: Platform
    let work: WorkFolder
    let logger: Logger
    typealias Started = (PreparedExport, ExportFiles.Writer)
    /// Exports started while no run is taking them (before the group starts, or after it stopped) wait here.
    private let queue = Mutex<(running: AsyncStream<Started>.Continuation?, waiting: [Started])>((nil, []))

    package init(directory: String, node: String, platform: Platform, work: WorkFolder, logger: Logger) {
        self.node = node
        self.work = work
        self.exports = ExportFiles(directory: directory, node: node)
        self.platform = platform
        self.logger = logger
    }

    package func startExport(_ prepared: PreparedExport) async throws {
        let started = (prepared, try ExportFiles.Writer(path: try exports.create(prepared.job)))
        queue.withLock { q in
            if let running = q.running { running.yield(started) } else { q.waiting.append(started) }
        }
    }

    /// Takes started exports until the group stops; the application may run more than once (a test does).
    package func run() async {
        let (stream, continuation) = AsyncStream.makeStream(of: Started.self)
        for started in queue.withLock({ q in
            q.running = continuation
            defer { q.waiting = [] }
            return q.waiting
        }) {
            continuation.yield(started)
        }
        await withDiscardingTaskGroup { group in
            for await (prepared, sink) in stream.cancelOnGracefulShutdown() {
                group.addTask { await self.write(prepared, to: sink) }
            }
        }
        queue.withLock { $0.running = nil }
    }

    private func write(_ prepared: PreparedExport, to sink: ExportFiles.Writer) async {
        let done = await platform.data.runExport(prepared) { try await sink.write($0) }
        await sink.close()
        if done.status != .succeeded {
            exports.remove(prepared.job)
            logger.warning("export failed", metadata: ["export": "\(prepared.job.id)", "error": "\(done.error ?? "")"])
        }
    }

    package func exportFile(_ job: ExportJob) -> (any AsyncSequence<[UInt8], any Error> & Sendable)? {
        let path = exports.path(job)
        // blocking-ok: one stat of a local file
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return FileChunks(path: path)
    }

    package func importWorkbook(
        _ request: ImportRequest, sheet: String?, from body: some AsyncSequence<[UInt8], any Error>, by caller: Caller
    ) async throws -> IngestJob {
        let spool = try work.newFile("upload", extension: "xlsx")
        defer { try? FileManager.default.removeItem(at: spool) }
        let file = try SpoolFile(path: spool.path)
        do {
            for try await chunk in body { try await file.append(chunk) }
            try await file.close()
        } catch {
            try? await file.close()
            throw error
        }
        return try await Workbook.importSheet(
            of: spool, sheet: sheet, request, into: platform.ingestion, by: caller)
    }
}

/// A file written from a request body: the body's small chunks gathered into 1 MiB writes, each on the blocking pool.
final class SpoolFile {
    let handle: FileHandle
    var buffer: [UInt8] = []

    init(path: String) throws { handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path)) }

    func append(_ bytes: some Sequence<UInt8>) async throws {
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
