import Foundation

/// A resource's data key, as stored: wrapped by the installation's master key.
package struct WrappedDataKey: Sendable, Hashable, Codable {
    package var resource: ResourceCode
    package var version: Int
    package var wrapped: String
    /// The key wrapped under the master key before the last rotation: nodes still running with that key use it
    /// until they restart with the new one.
    package var previous: String?
    package var createdAt: Date

    package init(resource: ResourceCode, version: Int, wrapped: String, previous: String? = nil, createdAt: Date) {
        self.resource = resource
        self.version = version
        self.wrapped = wrapped
        self.previous = previous
        self.createdAt = createdAt
    }
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
            stored = try await keys.insertDataKey(
                WrappedDataKey(resource: resource.code, version: 1, wrapped: wrapped, createdAt: clock.current()))
        }
        var ciphers: [Int: FieldCipher] = [:]
        for k in stored {
            let key: [UInt8]
            if let current = try? FieldCipher.unwrap(k.wrapped, master: master, suite: suite) {
                key = current
            } else {
                key = try FieldCipher.unwrap(k.previous ?? k.wrapped, master: master, suite: suite)
            }
            ciphers[k.version] = FieldCipher(dataKey: key, version: k.version, suite: suite)
        }
        return ResourceSeal(resource: resource, ciphers: ciphers, current: stored.last.flatMap { ciphers[$0.version] })
    }
}

extension Sealer {
    /// What identifies a master key without revealing it (the installation keeps it to refuse a wrong one).
    package static func fingerprint(_ master: [UInt8], suite: any CryptoSuite) -> String {
        suite.keyedMAC(master).mac("zhengshu master key").prefix(8).hex
    }

    /// Re-wraps every data key under `newMaster` (`zhengshu keys rotate`): the data stays as it is, and nodes still
    /// running with the old master key keep serving (they use the previous wrapping) until restarted with the new one.
    /// - Returns: how many data keys.
    package func rotate(to newMaster: [UInt8], by caller: Caller) async throws -> Int {
        try caller.principal.require(anyOf: [.admin], to: "rotating the master key")
        guard newMaster != master else { throw ZhengshuError(.invalidInput, "the new master key is the current one") }
        let all = try await keys.allDataKeys()
        let rewrapped = try all.map { k in
            var k = k
            k.previous = k.wrapped
            k.wrapped = try FieldCipher.rewrap(k.wrapped, from: master, to: newMaster, suite: suite)
            return k
        }
        let fingerprint = Self.fingerprint(newMaster, suite: suite)
        try await keys.rewrapDataKeys(
            rewrapped, fingerprint: fingerprint,
            audit: caller.audit(
                "keys.rotate", "installation", at: clock.current(),
                detail: "data keys: \(all.count); master key: \(fingerprint)"))
        return all.count
    }

    /// New data keys, and every sealed value re-sealed under them (`zhengshu keys rotate --reencrypt`), a resource at a
    /// time: each resource's values are rewritten in one transaction, readers open either version meanwhile, writers
    /// seal under the new one at once; then the old keys are dropped. - Returns: the resources re-encrypted.
    package func reencrypt(
        _ catalog: any CatalogStore, _ records: any RecordStore, _ audit: any AuditStore,
        by caller: Caller
    ) async throws -> [ResourceCode] {
        try caller.principal.require(anyOf: [.admin], to: "re-encrypting data at rest")
        var done: [ResourceCode] = []
        for code in Set(try await keys.allDataKeys().map(\.resource)).sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let resource = try await catalog.resource(code), resource.status == .published,
                resource.items.contains(where: \.isSealed)
            else { continue }
            let next = (try await keys.dataKeys(code).last?.version ?? 0) + 1
            let (_, wrapped) = try FieldCipher.newDataKey(master: master, suite: suite)
            _ = try await keys.insertDataKey(
                WrappedDataKey(resource: code, version: next, wrapped: wrapped, createdAt: clock.current()))
            guard let seal = try await seal(for: resource) else { continue }
            let sealed = resource.items.filter(\.isSealed).map(\.name)
            try await records.rewriteColumns(of: resource, columns: sealed) { values in
                try values.map { v in
                    try v.map {
                        FieldCipher.version(of: $0) == next ? $0 : try seal.seal(text: try seal.open(text: $0))
                    }
                }
            }
            try await keys.retireDataKeys(code, below: next)
            try await audit.appendAudit(
                caller.audit(
                    "keys.reencrypt", "resource:\(code)", at: clock.current(), detail: "data key version: \(next)"))
            done.append(code)
        }
        return done
    }

    /// After a catalog change: items of a published resource whose grade crossed L4 are sealed, or opened, in the
    /// stored rows (and their columns retyped), in one transaction.
    package func reseal(_ records: any RecordStore, from before: Resource, to after: Resource) async throws {
        guard before.status == .published, after.status == .published else { return }
        let crossed = after.items.filter { a in before.item(named: a.name).map { $0.isSealed != a.isSealed } ?? false }
        guard !crossed.isEmpty else { return }
        let sealing = try await seal(for: after, create: true)
        let opening = try await seal(for: before)
        let plan = crossed.map(\.isSealed)
        try await records.rewriteColumns(of: after, columns: crossed.map(\.name)) { values in
            try zip(values, plan).map { value, seal in
                // Idempotent: a value already in the wanted form stays as it is.
                try value.map { v in
                    let sealed = v.hasPrefix(FieldCipher.prefix)
                    return seal ? (sealed ? v : try sealing!.seal(text: v)) : (sealed ? try opening!.open(text: v) : v)
                }
            }
        }
    }

    /// A page of stored records, its sealed items opened.
    package func records(_ store: any RecordStore, of resource: Resource, query: RecordQuery) async throws -> RecordPage
    {
        try await records(store, of: resource, queries: [query])[0]
    }

    /// A page for each query, read together, their sealed items opened.
    package func records(
        _ store: any RecordStore, of resource: Resource, queries: [RecordQuery]
    ) async throws -> [RecordPage] {
        guard let seal = try await seal(for: resource) else {
            return try await store.records(of: resource, queries: queries)
        }
        var pages = try await store.records(of: resource.stored, queries: try queries.map(seal.stored))
        for i in pages.indices {
            try seal.open(&pages[i].rows, fields: pages[i].fields)
            pages[i].fields = queries[i].fields
        }
        return pages
    }

    /// The change feed's page, its sealed items opened.
    package func changes(
        _ store: any RecordStore, of resource: Resource, fields: [DataItem], after: ChangeCursor?, limit: Int
    ) async throws -> ChangePage {
        guard let seal = try await seal(for: resource) else {
            return try await store.changes(of: resource, fields: fields, after: after, limit: limit)
        }
        var page = try await store.changes(
            of: resource.stored, fields: fields.map(\.stored), after: after, limit: limit)
        try seal.open(&page.rows, fields: page.fields)
        page.fields = fields
        return page
    }
}

/// One resource's ciphers: every key version (to open), the newest (to seal).
package struct ResourceSeal: Sendable {
    let resource: Resource
    let ciphers: [Int: FieldCipher]
    let current: FieldCipher?

    package func seal(text: String) throws -> String {
        guard let current else {
            throw ZhengshuError(.internalFailure, "resource \(resource.code) has no data key to seal with")
        }
        return try current.seal(text)
    }

    package func open(text sealed: String) throws -> String {
        // A value stored before its item became L4, if sealing it was interrupted: served as it is.
        guard sealed.hasPrefix(FieldCipher.prefix) else { return sealed }
        guard let version = FieldCipher.version(of: sealed), let cipher = ciphers[version] else {
            throw ZhengshuError(
                .internalFailure, "a stored value of \(resource.code) is not sealed under any of its data keys")
        }
        return try cipher.open(sealed)
    }

    /// Seals the sealed items of rows in the resource's item order.
    package func seal(_ rows: [RecordValidator.Row]) throws -> [RecordValidator.Row] {
        guard let current else {
            throw ZhengshuError(.internalFailure, "resource \(resource.code) has no data key to seal with")
        }
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
                let text = try open(text: sealed)
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
            guard f.item.isSealed else {
                filters.append(f)
                continue
            }
            guard f.op == .eq else {
                throw ZhengshuError(
                    .invalidInput, "\(f.item.name) is encrypted at rest (L4): only equality filters (eq) apply to it")
            }
            let versions = ciphers.values.sorted { $0.version > $1.version }
            guard versions.count <= 1 else {
                throw ZhengshuError(
                    .conflict, "\(resource.code) is being re-encrypted; filter on \(f.item.name) again in a moment")
            }
            // No data key yet: nothing stored can match.
            let sealed = try versions.first.map { try $0.seal(f.value.text) } ?? FieldCipher.prefix + "none"
            filters.append(RecordQuery.Filter(item: f.item.stored, op: .eq, value: .string(sealed)))
        }
        q.filters = filters
        return q
    }
}
