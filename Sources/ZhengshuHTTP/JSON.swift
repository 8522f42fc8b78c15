import Foundation
import Hummingbird
import ZhengshuCore

/// JSON in and out, with the precise errors the platform promises: which field, why.
package enum JSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func encode(_ value: some Encodable) -> [UInt8] {
        do { return Array(try encoder.encode(value)) } catch { return Array("{}".utf8) }
    }

    /// A JSON response.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: encode(value))))
    }

    /// The problem a body the generated server could not decode makes: 400 when it is not JSON at all (the decoder
    /// calls the data corrupt at the top; an empty body never reaches it, see ``APITransport``), else 422 naming the
    /// field and why (an enum's allowed values from the document, which the decoder does not say).
    static func problem(_ error: DecodingError, operation: String) -> ZhengshuError {
        if case .dataCorrupted(let ctx) = error, ctx.codingPath.isEmpty { return notJSON }
        var v = violation(error)
        if case .dataCorrupted(let ctx) = error, let allowed = OpenAPIDocument.enumValues(operation, ctx.codingPath) {
            v.reason = "is not one of: \(allowed.joined(separator: ", "))"
        }
        return ZhengshuError.validation([v])
    }

    /// A request body read whole, refused past `limit` bytes.
    static func collect(_ body: RequestBody, upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: limit)
        } catch {
            throw ZhengshuError(.payloadTooLarge, "the body is larger than \(limit / 1024) KiB")
        }
    }

    static let notJSON = ZhengshuError(.invalidInput, "the request body is not valid JSON (UTF-8)")
    static let emptyBody = ZhengshuError(.invalidInput, "the request body is empty; send a JSON document")

    static func notJSONMediaType(_ contentType: String?) -> String {
        "send the body as application/json (got \(contentType?.prefix(60) ?? "no Content-Type"))"
    }

    static func path(_ codingPath: [any CodingKey]) -> (String, Int?) {
        var row: Int?
        var parts: [String] = []
        for (i, key) in codingPath.enumerated() {
            if let index = key.intValue {
                if i == 0 { row = index } else { parts.append("[\(index)]") }
            } else {
                parts.append(parts.isEmpty ? key.stringValue : ".\(key.stringValue)")
            }
        }
        return (parts.joined().isEmpty ? "body" : parts.joined(), row)
    }

    static func violation(_ error: DecodingError) -> ZhengshuError.Violation {
        switch error {
        case .typeMismatch(let type, let ctx):
            let (field, row) = path(ctx.codingPath)
            return .init(field: field, row: row, reason: "must be \(describe(type))")
        case .valueNotFound(let type, let ctx):
            let (field, row) = path(ctx.codingPath)
            return .init(field: field, row: row, reason: "must be \(describe(type)), not null")
        case .keyNotFound(let key, let ctx):
            let (field, row) = path(ctx.codingPath + [key])
            return .init(field: field, row: row, reason: "is required")
        case .dataCorrupted(let ctx):
            let (field, row) = path(ctx.codingPath)
            return .init(field: field, row: row, reason: ctx.debugDescription)
        @unknown default:
            return .init(field: "body", reason: "cannot be read")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "String": return "a string"
        case "Int", "Int64": return "an integer"
        case "Bool": return "true or false"
        case "Double": return "a number"
        default:
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a valid value"
        }
    }

    /// Appends `s` as a JSON string (RFC 8259 escapes; other characters as UTF-8, as the encoder writes them).
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20: out += Array(String(format: "\\u%04x", b).utf8)
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    /// Appends a record value as ``RecordValue``'s `Encodable` conformance writes it (a decimal as its exact digits).
    static func appendValue(_ v: RecordValue, to out: inout [UInt8]) {
        switch v {
        case .null: out += Array("null".utf8)
        case .string(let s): appendString(s, to: &out)
        case .integer(let i): out += Array(String(i).utf8)
        case .decimal(let d):
            if Double(d) != nil, d.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }) {
                out += Array(d.utf8)
            } else {
                appendString(d, to: &out)
            }
        case .date(let d): appendString(d.description, to: &out)
        case .datetime(let t): appendString(RecordValue.formatDatetime(t), to: &out)
        case .boolean(let b): out += Array((b ? "true" : "false").utf8)
        }
    }

    /// A page of records, written directly (the hot path of the data services): `{"fields":…,"nextCursor":…,`
    /// `extra…,"records":[{…}]}` with keys in the order the encoder's sorted keys give.
    static func recordPage(
        fields: [String], rows: [[RecordValue]], nextCursor: String?, between: [(String, [UInt8])] = []
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + rows.count * fields.count * 24)
        out += Array("{\"fields\":[".utf8)
        for (k, f) in fields.enumerated() {
            if k > 0 { out.append(0x2C) }
            appendString(f, to: &out)
        }
        out.append(0x5D)
        if let nextCursor {
            out += Array(",\"nextCursor\":".utf8)
            appendString(nextCursor, to: &out)
        }
        for (key, json) in between {
            out.append(0x2C)
            appendString(key, to: &out)
            out.append(0x3A)
            out += json
        }
        out += Array(",\"records\":[".utf8)
        let order = fields.indices.sorted { fields[$0] < fields[$1] }
        for (r, row) in rows.enumerated() {
            out += r > 0 ? [0x2C, 0x7B] : [0x7B]
            for (n, k) in order.enumerated() {
                if n > 0 { out.append(0x2C) }
                appendString(fields[k], to: &out)
                out.append(0x3A)
                appendValue(row[k], to: &out)
            }
            out.append(0x7D)
        }
        out += Array("]}".utf8)
        return out
    }
}
