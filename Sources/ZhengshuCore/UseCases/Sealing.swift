import Foundation

/// A resource's data key, as stored: wrapped by the installation's master key.
package struct WrappedDataKey: Sendable, Hashable, Codable {
    package var resource: ResourceCode
    package var version: Int
    package var wrapped: String
    package var createdAt: Date

    package init(resource: ResourceCode, version: Int, wrapped: String, createdAt: Date) {
        self.resource = resource
        self.version = version
        self.wrapped = wrapped
        self.createdAt = createdAt
    }
}

/// Data keys of resources whose items are sealed at rest.
package protocol KeyStore: Sendable {
    /// The resource's keys, oldest version first.
    func dataKeys(_ resource: ResourceCode) async throws -> [WrappedDataKey]
    /// Stores the key unless the resource already has that version; returns the resource's keys as stored (when two
    /// nodes create the first key at once, both then use the one that won).
    func insertDataKey(_ key: WrappedDataKey) async throws -> [WrappedDataKey]
    func allDataKeys() async throws -> [WrappedDataKey]
    /// Replaces the wrapped form of every key given, in one transaction with its audit entry (master key rotation).
    func rewrapDataKeys(_ keys: [WrappedDataKey], audit: AuditEvent) async throws
}

extension DataItem {
    /// Graded L4: stored sealed, as text.
    package var isSealed: Bool { sensitivity == .l4 }

    /// The item as its table column holds it: a sealed item is text of any length.
    package var stored: DataItem {
        guard isSealed else { return self }
        var i = self
        i.type = .string
        i.length = nil
        i.dataElement = nil
        i.element = nil
        return i
    }
}

extension Resource {
    /// The resource as its table holds it (what the engines are given): sealed items are text.
    package var stored: Resource {
        guard items.contains(where: \.isSealed) else { return self }
        var r = self
        r.items = items.map(\.stored)
        return r
    }
}

/// Seals a resource's L4 items on the way into storage and opens them on the way out (envelope encryption, see
/// ``FieldCipher``). Every read and write of records goes through one: engines only ever see sealed text.
package struct Sealer: Sendable {
    let keys: any KeyStore
    let master: [UInt8]
    let suite: any CryptoSuite
    let clock: PlatformClock

    package init(keys: any KeyStore, master: [UInt8], suite: any CryptoSuite, clock: PlatformClock) {
        self.keys = keys
        self.master = master
        self.suite = suite
        self.clock = clock
    }

    /// The resource's seal, creating its first data key when `create` (a write); `nil` when nothing is sealed.
    package func seal(for resource: Resource, create: Bool = false) async throws -> ResourceSeal? {
        guard resource.items.contains(where: \.isSealed) else { return nil }
        var stored = try await keys.dataKeys(resource.code)
        if stored.isEmpty {
            guard create else { return ResourceSeal(resource: resource, ciphers: [:], current: nil) }
            let (_, wrapped) = try FieldCipher.newDataKey(master: master, suite: suite)
            stored = try await keys.insertDataKey(WrappedDataKey(resource: resource.code, version: 1, wrapped: wrapped, createdAt: clock.current()))
        }
        var ciphers: [Int: FieldCipher] = [:]
        for k in stored {
            ciphers[k.version] = FieldCipher(dataKey: try FieldCipher.unwrap(k.wrapped, master: master, suite: suite), version: k.version, suite: suite)
        }
        return ResourceSeal(resource: resource, ciphers: ciphers, current: stored.last.flatMap { ciphers[$0.version] })
    }
}

/// One resource's ciphers: every key version (to open), the newest (to seal).
package struct ResourceSeal: Sendable {
    let resource: Resource
    let ciphers: [Int: FieldCipher]
    let current: FieldCipher?

    /// Seals the sealed items of rows in the resource's item order.
    package func seal(_ rows: [RecordValidator.Row]) throws -> [RecordValidator.Row] {
        guard let current else { throw ZhengshuError(.internalFailure, "resource \(resource.code) has no data key to seal with") }
        let positions = resource.items.indices.filter { resource.items[$0].isSealed }
        return try rows.map { row in
            var row = row
            for k in positions where row[k] != .null { row[k] = .string(try current.seal(row[k].text)) }
            return row
        }
    }

    /// Opens the sealed items of rows whose columns are `fields` (as stored), back to their typed values.
    package func open(_ rows: inout [[RecordValue]], fields: [DataItem]) throws {
        for (k, field) in fields.enumerated() {
            guard let item = resource.item(named: field.name), item.isSealed else { continue }
            var loose = item
            loose.required = false
            loose.dataElement = nil
            loose.length = nil
            for r in rows.indices {
                guard case .string(let sealed) = rows[r][k] else { continue }
                guard let version = FieldCipher.version(of: sealed), let cipher = ciphers[version] else {
                    throw ZhengshuError(.internalFailure, "a stored value of \(resource.code).\(item.name) is not sealed under any of its data keys")
                }
                let text = try cipher.open(sealed)
                rows[r][k] = (try? RecordValidator.convert(.string(text), for: loose).get()) ?? .string(text)
            }
        }
    }

    /// The query as the engine must run it: sealed items compare by their sealed text (equality only: their order
    /// and their parts are hidden), under every key version.
    package func stored(_ query: RecordQuery) throws -> RecordQuery {
        var q = query
        q.fields = query.fields.map(\.stored)
        if let sort = query.sort {
            guard !sort.isSealed else {
                throw ZhengshuError(.invalidInput, "\(sort.name) is encrypted at rest (L4): it cannot be sorted on")
            }
        }
        var filters: [RecordQuery.Filter] = []
        for f in query.filters {
            guard f.item.isSealed else { filters.append(f); continue }
            guard f.op == .eq else {
                throw ZhengshuError(.invalidInput, "\(f.item.name) is encrypted at rest (L4): only equality filters (eq) apply to it")
            }
            let versions = ciphers.values.sorted { $0.version > $1.version }
            guard versions.count <= 1 else {
                throw ZhengshuError(.conflict, "\(resource.code) is being re-encrypted; filter on \(f.item.name) again in a moment")
            }
            // No data key yet: nothing stored can match.
            let sealed = try versions.first.map { try $0.seal(f.value.text) } ?? FieldCipher.prefix + "none"
            filters.append(RecordQuery.Filter(item: f.item.stored, op: .eq, value: .string(sealed)))
        }
        q.filters = filters
        return q
    }
}
