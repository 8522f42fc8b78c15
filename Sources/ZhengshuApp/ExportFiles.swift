import Foundation
import ZhengshuCore

/// Where this node writes export files: `DIR/ID.csv` or `DIR/ID.jsonl`. Nodes that share a database should share
/// this folder too (a network volume), or a download must reach the node that wrote the file.
package struct ExportFiles: Sendable {
    let directory: String
    let node: String

    package init(directory: String, node: String) {
        self.directory = directory
        self.node = node
    }

    func path(_ job: ExportJob) -> String {
        (directory as NSString).appendingPathComponent("\(job.id).\(job.format.rawValue)")
    }

    /// Creates the job's empty file (mode 0600). - Returns: its path.
    func create(_ job: ExportJob) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let p = path(job)
        guard FileManager.default.createFile(atPath: p, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw ZhengshuError(.internalFailure, "cannot create the export file in \(directory)")
        }
        return p
    }

    func remove(_ job: ExportJob) { try? FileManager.default.removeItem(atPath: path(job)) }

    /// Appends to one export file; used by one task at a time.
    final class Writer: @unchecked Sendable {
        let handle: FileHandle
        init(path: String) throws {
            guard let h = FileHandle(forWritingAtPath: path) else {
                throw ZhengshuError(.internalFailure, "cannot open the export file")
            }
            handle = h
        }
        /// On the blocking pool: a page of an export is many kilobytes of disk write.
        func write(_ bytes: [UInt8]) async throws {
            try await BlockingPool.shared.run { [handle] in try handle.write(contentsOf: bytes) }
        }
        /// Synced to the disk and closed, on the blocking pool (an fsync waits for the disk).
        func close() async {
            _ = try? await BlockingPool.shared.run { [handle] in
                try? handle.synchronize()
                try? handle.close()
            }
        }
    }
}
