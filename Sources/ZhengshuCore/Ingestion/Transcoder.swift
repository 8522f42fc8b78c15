#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Text encodings Chinese offices' files come in.
package enum SourceEncoding: String, CaseIterable, Sendable, Codable, Vocabulary {
    /// A UTF-8 byte order mark, or bytes that are valid UTF-8 (but for a few stray bytes, whose lines are rejected),
    /// mean UTF-8; anything else is read as GB 18030.
    case auto
    case utf8 = "utf-8"
    case gbk
    case gb18030
}

/// Turns a byte stream in a source encoding into UTF-8, chunk by chunk, keeping an incomplete character at the end
/// of a chunk for the next one. GBK is decoded as GB 18030, its superset.
package struct Transcoder: ~Copyable {
    package enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case unavailable(String)
        package var description: String {
            switch self {
            case .unavailable(let e): "the system cannot decode \(e)"
            }
        }
    }

    /// The encoding in use (resolved from `auto` by the first chunk).
    package private(set) var encoding: SourceEncoding
    private var carry: [UInt8] = []
    private var started = false
    private var converter: iconv_t?

    package init(_ encoding: SourceEncoding) {
        self.encoding = encoding
    }

    deinit {
        if let converter { iconv_close(converter) }
    }

    /// Decodes `chunk`; with `final`, also what was carried over. A byte that starts no character of the encoding
    /// becomes U+FFFD, in either encoding, so that the line holding it is rejected with its row (``RecordValidator``)
    /// rather than the whole file failing or being stored as mojibake.
    /// - Throws: ``Failure/unavailable(_:)`` when the system has no GB 18030 converter.
    package mutating func decode(_ chunk: [UInt8], final: Bool = false) throws(Failure) -> [UInt8] {
        var input = carry + chunk
        carry = []
        if !started {
            if input.count < 3 && !final {
                carry = input
                return []
            }
            started = true
            if input.starts(with: [0xEF, 0xBB, 0xBF]) {
                input.removeFirst(3)
                if encoding == .auto { encoding = .utf8 }
            }
            if encoding == .auto {
                let complete = final ? input.count : Self.completePrefix(input)
                encoding =
                    Self.validUTF8Prefix(input, final: final) == complete
                        || Self.mostlyUTF8(Array(input[..<complete])) ? .utf8 : .gb18030
            }
        }
        if encoding == .utf8 {
            let complete = final ? input.count : Self.completePrefix(input)
            carry = Array(input[complete...])
            let text = complete == input.count ? input : Array(input[..<complete])
            return Self.validUTF8Prefix(text, final: true) == text.count ? text : Self.repairedUTF8(text)
        }
        return try iconvDecode(input, final: final)
    }

    private mutating func iconvDecode(_ input: [UInt8], final: Bool) throws(Failure) -> [UInt8] {
        if converter == nil {
            let c = iconv_open("UTF-8", "GB18030")
            guard let c, c != iconv_t(bitPattern: -1) else { throw .unavailable("GB18030") }
            converter = c
        }
        // GB 18030 to UTF-8 takes at most 1.5 bytes a byte; a byte replaced by U+FFFD, 3.
        var output = [UInt8](repeating: 0, count: input.count * 3 + 16)
        var consumed = 0
        var produced = 0
        input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr = UnsafeMutablePointer(mutating: inBuf.baseAddress).map {
                    UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self)
                }
                var inLeft = inBuf.count
                var outPtr = outBuf.baseAddress.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self) }
                var outLeft = outBuf.count
                func replace() {
                    for (k, b) in [0xEF, 0xBF, 0xBD].enumerated() { outPtr?[k] = CChar(bitPattern: UInt8(b)) }
                    outPtr = outPtr.map { $0 + 3 }
                    outLeft -= 3
                    inPtr = inPtr.map { $0 + 1 }
                    inLeft -= 1
                }
                while inLeft > 0 {
                    let r = iconv(converter, &inPtr, &inLeft, &outPtr, &outLeft)
                    if r == -1 {
                        let e = errno
                        if e == EILSEQ {  // a byte that starts no character
                            replace()
                            continue
                        }
                        // EINVAL: a character cut short at the end of the chunk, carried to the next one or, at the
                        // end of the file, replaced byte by byte. (E2BIG cannot happen with 3× room.)
                        guard e == EINVAL, final else { break }
                        while inLeft > 0 { replace() }
                    }
                }
                consumed = inBuf.count - inLeft
                produced = outBuf.count - outLeft
            }
        }
        carry = Array(input[consumed...])
        output.removeSubrange(produced...)
        return output
    }

    /// Length of the prefix that ends on a character boundary (drops at most 3 trailing bytes of a started sequence).
    static func completePrefix(_ bytes: [UInt8]) -> Int {
        var i = bytes.count
        var back = 0
        while i > 0 && back < 4 {
            let b = bytes[i - 1]
            if b & 0xC0 == 0x80 {
                i -= 1
                back += 1
                continue
            }  // continuation byte
            if b >= 0xC0 {  // a lead byte: is its sequence complete?
                let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                return back + 1 >= need ? bytes.count : i - 1
            }
            return bytes.count
        }
        return bytes.count
    }

    /// Length of the longest valid UTF-8 prefix (an incomplete sequence at the end is not counted).
    static func validUTF8Prefix(_ bytes: [UInt8], final: Bool) -> Int {
        var i = 0
        while i < bytes.count, let length = sequenceLength(bytes, at: i) { i += length }
        return i
    }

    /// The length of the valid UTF-8 sequence starting at `i`, or `nil` if none does (a stray or overlong byte, a
    /// surrogate, a sequence cut short).
    static func sequenceLength(_ bytes: [UInt8], at i: Int) -> Int? {
        let b = bytes[i]
        if b < 0x80 { return 1 }
        let need: Int, minValue: UInt32
        if b & 0xE0 == 0xC0 {
            need = 1
            minValue = 0x80
        } else if b & 0xF0 == 0xE0 {
            need = 2
            minValue = 0x800
        } else if b & 0xF8 == 0xF0 {
            need = 3
            minValue = 0x10000
        } else {
            return nil
        }
        guard i + need < bytes.count else { return nil }
        var value = UInt32(b) & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07)
        for k in 1...need {
            let c = bytes[i + k]
            guard c & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard value >= minValue, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else { return nil }
        return need + 1
    }

    /// The bytes with each byte that starts no valid sequence replaced by U+FFFD, so that the line holding it is
    /// rejected with its row (``RecordValidator``) rather than the whole file failing or being stored as mojibake.
    static func repairedUTF8(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var i = 0
        while i < bytes.count {
            if let length = sequenceLength(bytes, at: i) {
                out.append(contentsOf: bytes[i..<i + length])
                i += length
            } else {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += 1
            }
        }
        return out
    }

    /// UTF-8 with a few stray bytes (a line pasted in from a GBK file) rather than GB 18030: its three- and four-byte
    /// sequences, which GB 18030 text seldom forms by chance, outnumber the bytes that start no sequence eightfold.
    static func mostlyUTF8(_ bytes: [UInt8]) -> Bool {
        var (wide, stray, i) = (0, 0, 0)
        while i < bytes.count {
            if let length = sequenceLength(bytes, at: i) {
                if length >= 3 { wide += 1 }
                i += length
            } else {
                stray += 1
                i += 1
            }
        }
        return wide > 0 && wide >= 8 * stray
    }
}
