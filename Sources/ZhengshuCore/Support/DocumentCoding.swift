import Foundation

/// How both engines store documents (a resource, its versions, job headers) as JSON: instants in milliseconds, keys
/// sorted, so the same resource is the same text on SQLite and on PostgreSQL.
package enum DocumentCoding {
    package static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    package static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }()

    package static func json(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
