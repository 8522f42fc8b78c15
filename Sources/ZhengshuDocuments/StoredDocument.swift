import Foundation
import Synchronization
import ZhengshuCore

/// A Core value the engines store as a JSON document, through its own record type (``Document``): the domain type
/// can change without changing what is on disk, and a change of the stored form is a change of this module.
///
/// Documents name their fields themselves; leaf values (codes, row ids, civil dates, instants and vocabulary enums)
/// are stored by their single-value encoding. `DocumentFixtureTests` pins the bytes of every document.
package protocol Stored: Sendable {
    associatedtype Document: StoredDocument where Document.Value == Self
}

/// The stored form of a ``Stored`` value.
package protocol StoredDocument: Codable {
    associatedtype Value
    init(_ value: Value)
    func value() throws -> Value
}

/// How both engines write and read documents: through ``DocumentCoding`` (instants in milliseconds, keys sorted), so a
/// value is the same text on SQLite and on PostgreSQL.
package enum Documents {
    package static func text<T: Stored>(_ value: T) throws -> String {
        try DocumentCoding.json(T.Document(value))
    }

    package static func value<T: Stored>(_ type: T.Type, _ text: String) throws -> T {
        try DocumentCoding.decoder.decode(T.Document.self, from: Data(text.utf8)).value()
    }

    /// The same, remembered by its text: the same grant, account, policy or resource is read on every call of a data
    /// service, and hashing its text costs a fraction of decoding it. The text is the key, so an entry is never stale;
    /// the cache is emptied past 4,096 entries or 32 MiB of text.
    package static func cachedValue<T: Stored>(_ type: T.Type, _ text: String) throws -> T {
        let key = "\(T.self)\u{0}" + text
        if let hit = cache.withLock({ $0.values[key] }) as? T { return hit }
        let value = try Self.value(T.self, text)
        cache.withLock { c in
            if c.values.count >= 4096 || c.bytes + key.utf8.count > 32 << 20 {
                c.values.removeAll(keepingCapacity: true)
                c.bytes = 0
            }
            c.values[key] = value
            c.bytes += key.utf8.count
        }
        return value
    }

    private static let cache = Mutex<(values: [String: any Sendable], bytes: Int)>(([:], 0))

    package static func values<T: Stored>(_ type: [T].Type, _ text: String) throws -> [T] {
        try DocumentCoding.decoder.decode([T.Document].self, from: Data(text.utf8)).map { try $0.value() }
    }

    package static func text<T: Stored>(_ values: [T]) throws -> String {
        try DocumentCoding.json(values.map(T.Document.init))
    }
}
