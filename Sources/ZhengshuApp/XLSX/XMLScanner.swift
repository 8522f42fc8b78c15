import Foundation

/// A small streaming scanner for the XML of spreadsheet parts: start tags with their attributes, end tags and text,
/// fed in chunks. It knows just enough XML for SpreadsheetML (no DTDs, namespaces kept as written).
struct XMLScanner {
    enum Event {
        case start(name: String, attributes: [String: String], selfClosing: Bool)
        case end(name: String)
        case text(String)
    }

    private var pending: [UInt8] = []

    /// Feeds a chunk; complete events are emitted, a partial tag or text waits for the next chunk.
    mutating func feed(_ bytes: some Collection<UInt8>, emit: (Event) throws -> Void) rethrows {
        pending.append(contentsOf: bytes)
        var i = 0
        let n = pending.count
        var consumed = 0
        while i < n {
            if pending[i] == UInt8(ascii: "<") {
                guard let close = pending[i...].firstIndex(of: UInt8(ascii: ">")) else { break }
                let tag = pending[(i + 1)..<close]
                if let first = tag.first, first != UInt8(ascii: "?") && first != UInt8(ascii: "!") {
                    try emit(Self.parseTag(tag))
                }
                i = close + 1
                consumed = i
            } else {
                guard let open = pending[i...].firstIndex(of: UInt8(ascii: "<")) else { break }
                try emit(.text(Self.unescape(pending[i..<open])))
                i = open
                consumed = i
            }
        }
        pending.removeFirst(consumed)
    }

    static func parseTag(_ tag: ArraySlice<UInt8>) -> Event {
        if tag.first == UInt8(ascii: "/") {
            return .end(
                name: String(
                    decoding: tag.dropFirst().prefix { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 },
                    as: UTF8.self))
        }
        let selfClosing = tag.last == UInt8(ascii: "/")
        let body = selfClosing ? tag.dropLast() : tag
        let name = body.prefix { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        var attributes: [String: String] = [:]
        var rest = body.dropFirst(name.count)
        while let eq = rest.firstIndex(of: UInt8(ascii: "=")) {
            let key = String(decoding: rest[rest.startIndex..<eq], as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
            var after = rest[(eq + 1)...].drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
            guard let quote = after.first, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { break }
            after = after.dropFirst()
            guard let endQuote = after.firstIndex(of: quote) else { break }
            attributes[key] = unescape(after[after.startIndex..<endQuote])
            rest = after[(endQuote + 1)...]
        }
        return .start(name: String(decoding: name, as: UTF8.self), attributes: attributes, selfClosing: selfClosing)
    }

    /// Resolves the five predefined entities and numeric character references.
    static func unescape(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        let text = String(decoding: bytes, as: UTF8.self)
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == "&", let semi = text[i...].firstIndex(of: ";"), text.distance(from: i, to: semi) <= 10 {
                let entity = text[text.index(after: i)..<semi]
                var replacement: String?
                switch entity {
                case "amp": replacement = "&"
                case "lt": replacement = "<"
                case "gt": replacement = ">"
                case "quot": replacement = "\""
                case "apos": replacement = "'"
                default:
                    if entity.hasPrefix("#x"), let v = UInt32(entity.dropFirst(2), radix: 16), let s = Unicode.Scalar(v)
                    {
                        replacement = String(s)
                    } else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let s = Unicode.Scalar(v) {
                        replacement = String(s)
                    }
                }
                if let replacement {
                    out += replacement
                    i = text.index(after: semi)
                    continue
                }
            }
            out.append(text[i])
            i = text.index(after: i)
        }
        return out
    }
}
