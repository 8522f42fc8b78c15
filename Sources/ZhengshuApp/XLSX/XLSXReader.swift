import Foundation
import Synchronization
import ZIPFoundation
import ZhengshuCore

/// Reads one worksheet of an Office Open XML workbook (XLSX) row by row: the named sheet or the first, shared and
/// inline strings, numbers as written (dates stay Excel serial day numbers, which the date items accept).
///
/// A ZIP archive needs random access, so an uploaded workbook is spooled to a file first; the sheet itself is then
/// decompressed and parsed in chunks, never held whole.
package struct XLSXReader {
    package enum Failure: Error, CustomStringConvertible {
        case notAWorkbook(String)
        case noSuchSheet(String, available: [String])
        package var description: String {
            switch self {
            case .notAWorkbook(let why): "not an XLSX workbook: \(why)"
            case .noSuchSheet(let name, let available):
                "the workbook has no sheet named '\(name)' (it has: \(available.joined(separator: ", ")))"
            }
        }
    }

    let archive: Archive
    package let sheetNames: [String]
    let sheetPaths: [String]

    package init(url: URL) throws {
        BlockingPool.assertMayBlock("opening a workbook")
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw Failure.notAWorkbook("the file is not a ZIP archive")
        }
        guard let workbook = archive["xl/workbook.xml"] else {
            throw Failure.notAWorkbook("xl/workbook.xml is missing")
        }
        var names: [(String, String)] = []
        var scanner = XMLScanner()
        try Self.inflate(workbook, in: archive) { data in
            scanner.feed(data) { event in
                if case .start(let name, let attributes, _) = event, name.hasSuffix("sheet"), !name.hasSuffix("sheets"),
                    let sheet = attributes["name"],
                    let rid = attributes["r:id"] ?? attributes.first(where: { $0.key.hasSuffix(":id") })?.value
                {
                    names.append((sheet, rid))
                }
            }
        }
        var targets: [String: String] = [:]
        if let rels = archive["xl/_rels/workbook.xml.rels"] {
            var relScanner = XMLScanner()
            try Self.inflate(rels, in: archive) { data in
                relScanner.feed(data) { event in
                    if case .start(let name, let attributes, _) = event, name == "Relationship",
                        let id = attributes["Id"],
                        let target = attributes["Target"]
                    {
                        targets[id] = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
                    }
                }
            }
        }
        guard !names.isEmpty else { throw Failure.notAWorkbook("the workbook lists no sheets") }
        sheetNames = names.map(\.0)
        sheetPaths = names.enumerated().map { i, s in targets[s.1] ?? "xl/worksheets/sheet\(i + 1).xml" }
    }

    /// A part inflating to more than this many times its compressed size is refused (deflate's limit is about 1,032;
    /// the XML of real workbooks inflates 5 to 50 times), as is one past `maxInflatedBytes`: a crafted workbook must
    /// not hold a thread or the memory for minutes.
    static let maxRatio: UInt64 = 400
    static let minimumLimit: UInt64 = 64 << 20
    static let maxInflatedBytes: UInt64 = 16 << 30

    /// Inflates a part chunk by chunk, checking its CRC-32 and the limits above.
    static func inflate(_ entry: Entry, in archive: Archive, _ consumer: (Data) throws -> Void) throws {
        let limit = min(Self.maxInflatedBytes, max(Self.minimumLimit, UInt64(entry.compressedSize) * Self.maxRatio))
        let refused = Failure.notAWorkbook(
            "\(entry.path) inflates to more than \(limit >> 20) MiB from \(entry.compressedSize) bytes: "
                + "refused as a decompression bomb")
        // The size the archive declares, at once; the bytes actually inflated, as they come (a declared size can lie).
        guard UInt64(entry.uncompressedSize) <= limit else { throw refused }
        var inflated: UInt64 = 0
        _ = try archive.extract(entry, skipCRC32: false) { data in
            inflated += UInt64(data.count)
            guard inflated <= limit else { throw refused }
            try consumer(data)
        }
    }

    /// Writes the sheet as RFC 4180 CSV (UTF-8) to `output`, a row at a time. - Returns: the number of rows written.
    package func convert(sheet: String?, to output: URL) throws -> Int {
        BlockingPool.assertMayBlock("converting a worksheet to a file")
        FileManager.default.createFile(atPath: output.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        return try convert(sheet: sheet) { try handle.write(contentsOf: $0) }
    }

    /// The sheet as RFC 4180 CSV (UTF-8), given to `emit` in chunks of about 1 MiB. - Returns: the number of rows.
    package func convert(sheet: String?, emit: ([UInt8]) throws -> Void) throws -> Int {
        BlockingPool.assertMayBlock("converting a worksheet")
        let index: Int
        if let sheet {
            guard let i = sheetNames.firstIndex(of: sheet) else {
                throw Failure.noSuchSheet(sheet, available: sheetNames)
            }
            index = i
        } else {
            index = 0
        }
        guard let entry = archive[sheetPaths[index]] else {
            throw Failure.notAWorkbook("\(sheetPaths[index]) is missing")
        }
        let strings = try sharedStrings()

        var scanner = XMLScanner()
        var row: [String] = []
        var cellColumn = 0
        var cellType = ""
        var inValue = false
        var inInline = false
        var value = ""
        var nextColumn = 0
        var rows = 0
        var width = 0
        var buffer = ""
        try Self.inflate(entry, in: archive) { data in
            scanner.feed(data) { event in
                switch event {
                case .start("row", _, let selfClosing):
                    row = []
                    nextColumn = 0
                    if selfClosing { row = [] }
                case .start("c", let attributes, let selfClosing):
                    cellColumn = attributes["r"].map(Self.column(of:)) ?? nextColumn
                    cellType = attributes["t"] ?? ""
                    value = ""
                    if selfClosing { nextColumn = cellColumn + 1 }
                case .start("v", _, _): inValue = true
                case .start("t", _, _) where cellType == "inlineStr": inInline = true
                case .text(let text) where inValue || inInline: value += text
                case .end("v"): inValue = false
                case .end("t"): inInline = false
                case .end("c"):
                    while row.count < cellColumn { row.append("") }
                    let text: String =
                        switch cellType {
                        case "s": Int(value).flatMap { $0 < strings.count ? strings[$0] : nil } ?? ""
                        case "b": value == "1" ? "true" : "false"
                        default: value
                        }
                    row.append(text)
                    nextColumn = cellColumn + 1
                case .end("row"):
                    // Excel leaves out empty trailing cells; every row is as wide as the header.
                    if rows == 0 { width = row.count }
                    while row.count < width { row.append("") }
                    if !row.allSatisfy(\.isEmpty) {
                        buffer += CSVLine.encode(row)
                        rows += 1
                    }
                default: break
                }
            }
            if buffer.utf8.count > 1 << 20 {
                try emit(Array(buffer.utf8))
                buffer = ""
            }
        }
        if !buffer.isEmpty { try emit(Array(buffer.utf8)) }
        return rows
    }

    func sharedStrings() throws -> [String] {
        guard let entry = archive["xl/sharedStrings.xml"] else { return [] }
        var strings: [String] = []
        var scanner = XMLScanner()
        var current = ""
        var inText = false
        try Self.inflate(entry, in: archive) { data in
            scanner.feed(data) { event in
                switch event {
                case .start("si", _, _): current = ""
                case .start("t", _, let selfClosing): inText = !selfClosing
                case .text(let text) where inText: current += text
                case .end("t"): inText = false
                case .end("si"): strings.append(current)
                case .start("rPh", _, _): inText = false  // phonetic runs are not part of the text
                default: break
                }
            }
        }
        return strings
    }

    /// `B7` → 1.
    static func column(of reference: String) -> Int {
        var n = 0
        for c in reference.unicodeScalars {
            guard ("A"..."Z").contains(c) else { break }
            n = n * 26 + Int(c.value - 64)
        }
        return max(n - 1, 0)
    }
}

/// XLSX to CSV at the edge, for the importer: the one way a workbook is imported, from the CLI or the API.
package enum Workbook {
    /// Imports the sheet (named, or the first) of the workbook at `url`, converted while the import reads it: the job
    /// exists from the start (it is listed, shows its progress and can be cancelled), and a workbook that cannot be
    /// read — not a workbook, no such sheet, a decompression bomb — fails its job with the reason (which part, which
    /// limit) and stores nothing.
    package static func importSheet(
        of url: URL, sheet: String?, _ request: ImportRequest, into ingestion: Ingestion, by caller: Caller,
        onProgress: @Sendable (JobProgress) -> Void = { _ in }
    ) async throws -> IngestJob {
        var csvRequest = request
        csvRequest.encoding = .utf8
        csvRequest.bytesTotal = nil
        return try await ingestion.run(
            csvRequest, source: SheetChunks(url: url, sheet: sheet), by: caller, onProgress: onProgress)
    }
}

/// A sheet's CSV in chunks, converted on the blocking pool as they are read (at most two ahead of the reader: the
/// converting thread waits for room). When the reader stops — the job is cancelled or failed — the conversion stops at
/// its next chunk and the thread is free. A workbook the reader cannot read ends the sequence with a `validation`
/// error naming it.
struct SheetChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let url: URL
    let sheet: String?

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        let room: DispatchSemaphore  // blocking-ok: the reader only signals it; the converting thread waits

        mutating func next() async throws -> [UInt8]? {
            guard let chunk = try await base.next() else { return nil }
            room.signal()
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let room = DispatchSemaphore(value: 2)  // blocking-ok: waited on by the converting thread, on the pool
        let stopped = Mutex(false)
        continuation.onTermination = { _ in
            stopped.withLock { $0 = true }
            room.signal()
        }
        let (url, sheet) = (url, sheet)
        Task {
            do {
                try await BlockingPool.shared.run {
                    _ = try XLSXReader(url: url).convert(sheet: sheet) { chunk in
                        room.wait()
                        if stopped.withLock({ $0 }) { throw CancellationError() }
                        continuation.yield(chunk)
                    }
                }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch let error as ZhengshuError {
                continuation.finish(throwing: error)
            } catch {
                continuation.finish(
                    throwing: ZhengshuError(
                        .validation, "\(error)", violations: [.init(field: "body", reason: "\(error)")]))
            }
        }
        return AsyncIterator(base: stream.makeAsyncIterator(), room: room)
    }
}
