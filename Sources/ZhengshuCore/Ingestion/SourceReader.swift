import Foundation

/// One data row read from a source, before conversion.
package struct SourceRow: Sendable {
    /// 1-based data row (the header is not counted).
    package var number: Int
    /// Values in header order.
    package var values: [JSONValue]
    /// Index of a value that was cut at the size limit.
    package var oversizedField: Int?
    /// Why the row could not be read at all (bad JSON, not an object), if so.
    package var unreadable: String?

    /// The row as the provider sent it, for the rejected-rows file.
    package var original: [String] {
        values.map { v in
            switch v {
            case .null: ""
            case .string(let s): s
            case .integer(let i): String(i)
            case .number(let d): String(d)
            case .bool(let b): String(b)
            case .array, .object: String(decoding: (try? JSONEncoder().encode(v)) ?? Data(), as: UTF8.self)
            }
        }
    }
}

/// Reads rows out of a UTF-8 byte stream in one of the source formats, incrementally and in constant memory.
package struct SourceReader: Sendable {
    package private(set) var header: [String]?
    /// Keys met in JSON rows that the first row did not have.
    package private(set) var extraKeys: [String] = []
    private let format: SourceFormat
    private var delimited: DelimitedParser
    private var rowNumber = 0
    // JSON state
    private var buffer: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var arrayOpened = false
    private var arrayClosed = false
    private var jsonLine = 1
    private let maxElementBytes: Int

    package init(format: SourceFormat, maxFieldBytes: Int = 1 << 20) {
        self.format = format
        delimited = DelimitedParser(
            delimiter: format == .tsv ? UInt8(ascii: "\t") : UInt8(ascii: ","), maxFieldBytes: maxFieldBytes)
        maxElementBytes = max(maxFieldBytes * 4, 1 << 20)
    }

    package enum Failure: Error, Sendable, CustomStringConvertible {
        case malformed(String)
        package var description: String { if case .malformed(let m) = self { m } else { "" } }
    }

    package mutating func feed(_ bytes: [UInt8], emit: (SourceRow, _ header: [String]) throws -> Void) throws {
        switch format {
        case .csv, .tsv, .xlsx:
            var pendingError: (any Error)?
            var header = self.header
            var rowNumber = self.rowNumber
            delimited.feed(bytes) { record in
                guard pendingError == nil else { return }
                if header == nil {
                    header = record.strings.map { $0.trimmingCharacters(in: .whitespaces) }
                    return
                }
                rowNumber += 1
                do {
                    try emit(
                        SourceRow(
                            number: rowNumber, values: (0..<record.count).map { .string(record.string($0)) },
                            oversizedField: record.oversizedField),
                        header ?? [])
                } catch { pendingError = error }
            }
            self.header = header
            self.rowNumber = rowNumber
            if let pendingError { throw pendingError }
        case .jsonl:
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    try emitJSONLine(emit)
                } else if buffer.count <= maxElementBytes {
                    buffer.append(byte)
                }
            }
        case .json:
            try feedArray(bytes, emit)
        }
    }

    package mutating func finish(emit: (SourceRow, _ header: [String]) throws -> Void) throws {
        switch format {
        case .csv, .tsv, .xlsx:
            var header = self.header
            var rowNumber = self.rowNumber
            var pendingError: (any Error)?
            do {
                try delimited.finish { record in
                    guard pendingError == nil else { return }
                    if header == nil {
                        header = record.strings.map { $0.trimmingCharacters(in: .whitespaces) }
                        return
                    }
                    rowNumber += 1
                    do {
                        try emit(
                            SourceRow(
                                number: rowNumber, values: (0..<record.count).map { .string(record.string($0)) },
                                oversizedField: record.oversizedField),
                            header ?? [])
                    } catch { pendingError = error }
                }
            } catch let e as DelimitedParser.ParseError {
                throw Failure.malformed(e.description)
            }
            self.header = header
            self.rowNumber = rowNumber
            if let pendingError { throw pendingError }
            if self.header == nil { throw Failure.malformed("the file is empty: no header row") }
        case .jsonl:
            try emitJSONLine(emit)
        case .json:
            guard arrayOpened else { throw Failure.malformed("the file holds no JSON array") }
            guard arrayClosed else { throw Failure.malformed("the JSON array is not closed (a truncated file?)") }
        }
    }

    private mutating func emitJSONLine(_ emit: (SourceRow, _ header: [String]) throws -> Void) throws {
        defer { buffer.removeAll(keepingCapacity: true) }
        let isBlank = buffer.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        if isBlank { return }
        try emitElement(emit)
    }

    private mutating func emitElement(_ emit: (SourceRow, _ header: [String]) throws -> Void) throws {
        rowNumber += 1
        if buffer.count > maxElementBytes {
            try emit(
                SourceRow(number: rowNumber, values: [], unreadable: "is longer than \(maxElementBytes) bytes"),
                header ?? [])
            return
        }
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(buffer)) else {
            let unreadable =
                (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer))) == nil
                ? "is not valid JSON" : "is not a JSON object"
            try emit(SourceRow(number: rowNumber, values: [], unreadable: unreadable), header ?? [])
            return
        }
        if let name = Self.repeatedMember(in: buffer) {
            let unreadable = "names the member \"\(name.prefix(40))\" twice; which value is meant is unclear"
            try emit(SourceRow(number: rowNumber, values: [], unreadable: unreadable), header ?? [])
            return
        }
        if header == nil { header = object.keys.sorted() }
        let known = Set(header!)
        for key in object.keys where !known.contains(key) && !extraKeys.contains(key) { extraKeys.append(key) }
        try emit(SourceRow(number: rowNumber, values: header!.map { object[$0] ?? .null }), header!)
    }

    /// The first member name an object of this (valid) JSON text repeats, at any depth. JSON parsers keep one of the
    /// two values silently (RFC 8259 §4 leaves it open); a record that says two things is refused instead.
    static func repeatedMember(in bytes: [UInt8]) -> String? {
        var frames: [(object: Bool, names: Set<String>, expectsName: Bool)] = []
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "{"): frames.append((true, [], true))
            case UInt8(ascii: "["): frames.append((false, [], false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = frames.popLast()
            case UInt8(ascii: ","): if frames.last?.object == true { frames[frames.count - 1].expectsName = true }
            case UInt8(ascii: "\""):
                let start = i
                var escaped = false
                i += 1
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") || escaped {
                    escaped = !escaped && bytes[i] == UInt8(ascii: "\\")
                    i += 1
                }
                guard let top = frames.last, top.object, top.expectsName else { break }
                let raw = Array(bytes[start...min(i, bytes.count - 1)])
                let name =
                    raw.contains(UInt8(ascii: "\\"))
                    ? (try? JSONDecoder().decode(String.self, from: Data(raw))) ?? String(decoding: raw, as: UTF8.self)
                    : String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
                if top.names.contains(name) { return name }
                frames[frames.count - 1].names.insert(name)
                frames[frames.count - 1].expectsName = false
            default: break
            }
            i += 1
        }
        return nil
    }

    /// Splits a top-level JSON array into its elements without holding more than one element.
    private mutating func feedArray(_ bytes: [UInt8], _ emit: (SourceRow, _ header: [String]) throws -> Void) throws {
        for byte in bytes {
            if !arrayOpened {
                if byte == UInt8(ascii: "[") {
                    arrayOpened = true
                    continue
                }
                if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { continue }
                throw Failure.malformed("a JSON array file must start with [")
            }
            if arrayClosed {
                if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { continue }
                throw Failure.malformed("text after the end of the JSON array")
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                if buffer.count <= maxElementBytes { buffer.append(byte) }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 {  // the array's own closing bracket
                    if !buffer.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                        try emitElement(emit)
                    }
                    buffer.removeAll(keepingCapacity: true)
                    arrayClosed = true
                    continue
                }
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 0 {
                    try emitElement(emit)
                    buffer.removeAll(keepingCapacity: true)
                    continue
                }
            default: break
            }
            if buffer.count <= maxElementBytes { buffer.append(byte) }
        }
    }
}
