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
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: encode(value))))
    }

    /// Reads and decodes the request body.
    /// - Throws: `invalidInput` (400) for a body that is not JSON or not UTF-8, `validation` (422) naming the field
    ///   whose value has the wrong type or is missing, `payloadTooLarge` past `limit` bytes.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: AppRequestContext,
                                     limit: Int = 1024 * 1024) async throws -> T {
        try await decodeWithBytes(type, from: request, context: context, limit: limit).value
    }

    /// Like ``decode(_:from:context:limit:)``, also returning the raw body (for an idempotency fingerprint).
    static func decodeWithBytes<T: Decodable>(_ type: T.Type, from request: Request, context: AppRequestContext,
                                              limit: Int = 1024 * 1024) async throws -> (value: T, body: Data) {
        if let contentType = request.headers[.contentType], !contentType.lowercased().contains("json") {
            throw HTTPError(.unsupportedMediaType, message: "send the body as application/json (got \(contentType.prefix(60)))")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw ZhengshuError(.payloadTooLarge, "the body is larger than \(limit / 1024) KiB")
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw ZhengshuError(.invalidInput, "the request body is empty; send a JSON document") }
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
            throw ZhengshuError(.invalidInput, "the request body is not valid JSON (UTF-8)")
        }
        do {
            return (try JSONDecoder().decode(T.self, from: data), data)
        } catch let error as DecodingError {
            throw ZhengshuError.validation([violation(error)])
        }
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
}
