import Foundation
import ZhengshuCore

/// A file's bytes as an async sequence of 1 MiB chunks: what an import streams, never the whole file.
package struct FileChunks: AsyncSequence, Sendable {
    package typealias Element = [UInt8]
    let path: String
    let chunkSize: Int

    package init(path: String, chunkSize: Int = 1 << 20) {
        self.path = path
        self.chunkSize = chunkSize
    }

    package struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        let chunkSize: Int
        /// Each chunk is read on the blocking pool: a megabyte from a disk is not a cooperative thread's work.
        package mutating func next() async throws -> [UInt8]? {
            let (handle, size) = (self.handle, chunkSize)
            return try await BlockingPool.shared.run {
                guard let data = try handle.read(upToCount: size), !data.isEmpty else {
                    try? handle.close()
                    return nil
                }
                return [UInt8](data)
            }
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        // Opening was checked by the caller (``open(_:)``); a file removed since reads as empty.
        AsyncIterator(handle: FileHandle(forReadingAtPath: path) ?? FileHandle.nullDevice, chunkSize: chunkSize)
    }

    /// - Throws: when the file cannot be read, naming it.
    package static func open(_ path: String) throws -> (FileChunks, size: Int64) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            FileManager.default.isReadableFile(atPath: path)
        else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        return (FileChunks(path: path), size(atPath: path) ?? 0)
    }

    /// The size of a file in bytes, when it can be read.
    package static func size(atPath path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }
}
