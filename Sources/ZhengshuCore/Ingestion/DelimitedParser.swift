import Foundation

/// An incremental RFC 4180 parser over UTF-8 bytes: quoted fields, doubled quotes, embedded newlines, CRLF, LF or
/// a lone CR, in any mix. Fed chunk by chunk, it keeps only the record being read, so memory stays constant
/// whatever the file size; a field longer than ``maxFieldBytes`` is cut and the record flagged, never buffered whole.
package struct DelimitedParser: Sendable {
    /// One record: its fields as byte ranges into ``bytes``.
    package struct Record: Sendable {
        package var bytes: [UInt8] = []
        package var ends: [Int] = []
        /// 1-based physical line on which the record starts.
        package var line: Int = 1
        /// Index of the first field that was longer than the limit, if any.
        package var oversizedField: Int?

        package var count: Int { ends.count }

        package func field(_ i: Int) -> ArraySlice<UInt8> {
            bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]]
        }

        package func string(_ i: Int) -> String {
            let start = i == 0 ? 0 : ends[i - 1]
            // Decoding from a contiguous buffer takes the standard library's fast path.
            return bytes.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0[start..<ends[i]]), as: UTF8.self)
            }
        }

        package var strings: [String] { (0..<count).map(string) }
    }

    package enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        /// The input ended inside a quoted field that opened on this line.
        case unterminatedQuote(line: Int)
        package var description: String {
            switch self {
            case .unterminatedQuote(let line):
                "the file ends inside a quoted field opened on line \(line) (a missing closing quote, or a truncated file)"
            }
        }
    }

    let delimiter: UInt8
    package let maxFieldBytes: Int

    private var record = Record()
    private var fieldStart = 0
    private var inQuotes = false
    private var quoteJustClosed = false
    private var fieldWasQuoted = false
    private var pendingCR = false
    private var line = 1
    private var atRecordStart = true

    package init(delimiter: UInt8 = UInt8(ascii: ","), maxFieldBytes: Int = 1 << 20) {
        self.delimiter = delimiter
        self.maxFieldBytes = maxFieldBytes
    }

    /// Parses `chunk`, calling `emit` for every complete record. Blank lines are skipped.
    package mutating func feed(_ chunk: some Collection<UInt8>, emit: (borrowing Record) throws -> Void) rethrows {
        if try chunk.withContiguousStorageIfAvailable({ try feed(buffer: $0, emit: emit) }) == nil {
            try Array(chunk).withUnsafeBufferPointer { try feed(buffer: $0, emit: emit) }
        }
    }

    private mutating func feed(buffer: UnsafeBufferPointer<UInt8>, emit: (borrowing Record) throws -> Void) rethrows {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let n = buffer.count
        var i = 0
        while i < n {
            // Fast paths: a run of plain bytes inside a field is copied at once, not byte by byte.
            if !pendingCR, !atRecordStart, !quoteJustClosed {
                var j = i
                if inQuotes {
                    while j < n, buffer[j] != quote {
                        if buffer[j] == lf { line += 1 }
                        j += 1
                    }
                } else {
                    while j < n {
                        let b = buffer[j]
                        if b == delimiter || b == quote || b == lf || b == cr { break }
                        j += 1
                    }
                }
                if j > i {
                    append(UnsafeBufferPointer(rebasing: buffer[i..<j]))
                    i = j
                    if i == n { break }
                }
            }
            let byte = buffer[i]
            i += 1
            if pendingCR {
                pendingCR = false
                if byte == lf { continue }  // the LF of a CRLF
            }
            if atRecordStart {
                if byte == lf || byte == cr {  // blank line
                    line += 1
                    if byte == cr { pendingCR = true }
                    continue
                }
                record.line = line
                atRecordStart = false
            }
            if inQuotes {
                if byte == quote {
                    inQuotes = false
                    quoteJustClosed = true
                } else {
                    if byte == lf { line += 1 }
                    append(byte)
                }
                continue
            }
            if quoteJustClosed {
                quoteJustClosed = false
                if byte == quote {  // a doubled quote inside a quoted field
                    append(quote)
                    inQuotes = true
                    continue
                }
            }
            switch byte {
            case delimiter:
                endField()
            case lf, cr:
                line += 1
                if byte == cr { pendingCR = true }
                endField()
                try emit(record)
                resetRecord()
            case quote where record.bytes.count == fieldStart && !fieldWasQuoted:
                inQuotes = true
                fieldWasQuoted = true
            default:
                // A quote inside an unquoted field, or text after a closing quote, is kept as written.
                append(byte)
            }
        }
    }

    /// Emits the last record when the input does not end with a newline.
    /// - Throws: ``ParseError/unterminatedQuote(line:)`` when the input ends inside a quoted field.
    package mutating func finish(emit: (borrowing Record) throws -> Void) throws {
        if inQuotes { throw ParseError.unterminatedQuote(line: record.line) }
        if !atRecordStart {
            endField()
            try emit(record)
            resetRecord()
        }
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        if record.bytes.count - fieldStart < maxFieldBytes {
            record.bytes.append(byte)
        } else if record.oversizedField == nil {
            record.oversizedField = record.ends.count
        }
    }

    /// Appends a run of field bytes, cut at the field size limit like ``append(_:)``.
    @inline(__always)
    private mutating func append(_ run: UnsafeBufferPointer<UInt8>) {
        let room = maxFieldBytes - (record.bytes.count - fieldStart)
        if run.count <= room {
            record.bytes.append(contentsOf: run)
        } else {
            if room > 0 { record.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: run[..<room])) }
            if record.oversizedField == nil { record.oversizedField = record.ends.count }
        }
    }

    private mutating func endField() {
        record.ends.append(record.bytes.count)
        fieldStart = record.bytes.count
        fieldWasQuoted = false
        quoteJustClosed = false
    }

    private mutating func resetRecord() {
        record.bytes.removeAll(keepingCapacity: true)
        record.ends.removeAll(keepingCapacity: true)
        record.oversizedField = nil
        fieldStart = 0
        fieldWasQuoted = false
        quoteJustClosed = false
        atRecordStart = true
    }
}

/// Writes RFC 4180 lines (CRLF), quoting only the fields that need it: the inverse of ``DelimitedParser``.
package enum CSVLine {
    package static func encode(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",") + "\r\n"
    }
}
