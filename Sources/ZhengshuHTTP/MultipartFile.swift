import Foundation
import Hummingbird
import ZhengshuCore

/// The first file part of a `multipart/form-data` body, streamed: headers are read, then the part's content is
/// yielded chunk by chunk up to the closing boundary, never held whole.
/// Sendable unchecked: a file is read by one task only (the load's, which the request hands it to and never touches
/// again).
struct MultipartFile: AsyncSequence, @unchecked Sendable {
    typealias Element = [UInt8]
    let fileName: String?
    let contentType: String?
    let base: BodyChunks.AsyncIterator
    let leftover: [UInt8]
    let delimiter: [UInt8]

    /// Reads up to the first part that carries a file (`filename=`), skipping plain form fields.
    static func open(body: BodyChunks, contentType: String) async throws -> MultipartFile {
        guard let range = contentType.range(of: "boundary=") else {
            throw ZhengshuError(.invalidInput, "multipart/form-data needs a boundary parameter")
        }
        let boundary =
            contentType[range.upperBound...].split(separator: ";").first.map {
                $0.trimmingCharacters(in: .init(charactersIn: " \""))
            } ?? ""
        guard !boundary.isEmpty, boundary.count <= 200 else {
            throw ZhengshuError(.invalidInput, "the multipart boundary is empty or too long")
        }
        var iterator = body.makeAsyncIterator()
        var buffer: [UInt8] = []
        let opening = Array("--\(boundary)".utf8)
        let headerEnd = Array("\r\n\r\n".utf8)
        while true {
            // Find the next part's headers.
            while Self.find(headerEnd, in: buffer) == nil {
                guard let chunk = try await iterator.next() else {
                    throw ZhengshuError(.invalidInput, "the multipart body holds no file part")
                }
                buffer += chunk
                if buffer.count > 64 * 1024, Self.find(opening, in: buffer) == nil {
                    throw ZhengshuError(.invalidInput, "the multipart body does not start with its boundary")
                }
            }
            let end = Self.find(headerEnd, in: buffer)!
            let headers = String(decoding: buffer[..<end], as: UTF8.self)
            buffer.removeFirst(end + headerEnd.count)
            let lines = headers.components(separatedBy: "\r\n")
            let disposition = lines.first { $0.lowercased().hasPrefix("content-disposition:") } ?? ""
            let partType = lines.first { $0.lowercased().hasPrefix("content-type:") }.map {
                String($0.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces)
            }
            if let nameRange = disposition.range(of: "filename=\"") {
                let rest = disposition[nameRange.upperBound...]
                let fileName = rest.split(separator: "\"", maxSplits: 1).first.map(String.init)
                return MultipartFile(
                    fileName: fileName, contentType: partType, base: iterator, leftover: buffer,
                    delimiter: Array("\r\n--\(boundary)".utf8))
            }
            // A plain field: skip to the next boundary.
            while Self.find(Array("\r\n--\(boundary)".utf8), in: buffer) == nil {
                guard let chunk = try await iterator.next() else {
                    throw ZhengshuError(.invalidInput, "the multipart body holds no file part")
                }
                buffer += chunk
            }
            let next = Self.find(Array("\r\n--\(boundary)".utf8), in: buffer)!
            buffer.removeFirst(next + 2)
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard needle.count <= haystack.count - start, let first = needle.first else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: BodyChunks.AsyncIterator
        var buffer: [UInt8]
        let delimiter: [UInt8]
        var done = false

        mutating func next() async throws -> [UInt8]? {
            while !done {
                if let end = MultipartFile.find(delimiter, in: buffer) {
                    done = true
                    let content = Array(buffer[..<end])
                    buffer = []
                    return content.isEmpty ? nil : content
                }
                // Everything but a tail that could hold the start of the delimiter can go out now.
                let safe = buffer.count - delimiter.count
                if safe > 0 {
                    let content = Array(buffer[..<safe])
                    buffer.removeFirst(safe)
                    if let chunk = try await base.next() {
                        buffer += chunk
                    } else {
                        throw ZhengshuError(
                            .invalidInput, "the multipart body ends before its closing boundary (a truncated upload?)")
                    }
                    return content
                }
                guard let chunk = try await base.next() else {
                    throw ZhengshuError(
                        .invalidInput, "the multipart body ends before its closing boundary (a truncated upload?)")
                }
                buffer += chunk
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base, buffer: leftover, delimiter: delimiter) }
}
