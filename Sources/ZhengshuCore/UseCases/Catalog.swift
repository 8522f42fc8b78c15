import Foundation

/// The catalog (政务信息资源目录): providers register and maintain their department's resources; everyone finds them.
package struct Catalog: Sendable {
    let store: any CatalogStore
    let standards: (any StandardsStore)?
    let privacy: (any PrivacyStore)?
    /// Seals or opens stored values when an item's grade crosses L4.
    let sealing: (records: any RecordStore, sealer: Sealer)?
    let clock: PlatformClock

    package init(
        store: any CatalogStore, standards: (any StandardsStore)? = nil, privacy: (any PrivacyStore)? = nil,
        sealing: (records: any RecordStore, sealer: Sealer)? = nil, clock: PlatformClock
    ) {
        self.sealing = sealing
        self.store = store
        self.standards = standards
        self.privacy = privacy
        self.clock = clock
    }

    /// Items that reference an administrator's data element must name one that exists, of their own type; items that
    /// name a masking policy, one that exists.
    func checkElements(_ items: [DataItem]) async throws {
        if let privacy, items.contains(where: { $0.masking != nil }) {
            let policies = Set(try await privacy.maskingPolicies().map(\.name))
            let unknown = items.enumerated().filter { $0.element.masking.map { !policies.contains($0) } ?? false }
            if !unknown.isEmpty {
                throw ZhengshuError.validation(
                    unknown.map {
                        .init(
                            field: "items[\($0.offset)].masking",
                            reason: "no masking policy '\($0.element.masking!.prefix(48))' exists")
                    })
            }
        }
        let referencing = items.enumerated().filter { $0.element.element != nil }
        guard !referencing.isEmpty else { return }
        let known = Dictionary(uniqueKeysWithValues: (try await standards?.dataElements() ?? []).map { ($0.id, $0) })
        var v: [ZhengshuError.Violation] = []
        for (k, item) in referencing {
            guard let element = known[item.element!] else {
                v.append(
                    .init(
                        field: "items[\(k)].element",
                        reason: "no data element '\(item.element!.prefix(48))' is registered"))
                continue
            }
            if element.type != item.type {
                v.append(
                    .init(
                        field: "items[\(k)].element",
                        reason: "\(element.id) holds \(element.type.rawValue) values, not \(item.type.rawValue)"))
            }
            if item.dataElement != nil {
                v.append(
                    .init(
                        field: "items[\(k)].element",
                        reason: "an item references one data element, built-in or registered"))
            }
        }
        guard v.isEmpty else { throw ZhengshuError.validation(v) }
    }

    package func create(_ draft: ResourceDraft, by caller: Caller) async throws -> Resource {
        var draft = draft
        if draft.department == nil, !caller.principal.isAdmin {
            draft.department = caller.principal.department?.rawValue
        }
        let now = clock.current()
        let resource = try CatalogRules.newResource(from: draft, now: now)
        try caller.principal.requireProvider(of: resource.department, to: "registering a resource")
        try await checkElements(resource.items)
        let version = ResourceVersion(
            code: resource.code, version: 1, action: "create", actor: caller.principal.name, at: now,
            snapshot: resource)
        try await store.insertResource(
            resource, version: version,
            audit: caller.audit("resource.create", "resource:\(resource.code)", at: now))
        return resource
    }

    package func update(_ code: String, _ draft: ResourceDraft, by caller: Caller) async throws -> Resource {
        if let items = draft.items { try await checkElements(items) }
        return try await change(code, action: "update", by: caller) { current, now in
            try CatalogRules.applying(draft, to: current, now: now)
        }
    }

    package func publish(_ code: String, by caller: Caller) async throws -> Resource {
        try await change(code, action: "publish", by: caller) { current, now in
            try CatalogRules.transition(current, to: .published, now: now)
        }
    }

    package func retire(_ code: String, by caller: Caller) async throws -> Resource {
        try await change(code, action: "retire", by: caller) { current, now in
            try CatalogRules.transition(current, to: .retired, now: now)
        }
    }

    func change(
        _ code: String, action: String, by caller: Caller,
        _ transform: @escaping @Sendable (Resource, Date) throws -> Resource
    ) async throws -> Resource {
        let code = try ResourceCode(validating: code)
        let now = clock.current()
        let principal = caller.principal
        let before = try await store.resource(code)
        let after = try await store.updateResource(
            code, action: action, actor: principal.name,
            audit: caller.audit("resource.\(action)", "resource:\(code)", at: now)
        ) { current in
            try principal.requireProvider(of: current.department, to: "changing resource \(code)")
            return try transform(current, now)
        }
        if let before, let sealing { try await sealing.sealer.reseal(sealing.records, from: before, to: after) }
        return after
    }

    /// A resource by code. Drafts are visible only to their department's users and the bureau.
    package func get(_ code: String, by caller: Caller) async throws -> Resource {
        let code = try ResourceCode(validating: code)
        guard let r = try await store.resource(code), isVisible(r, to: caller.principal) else {
            throw ZhengshuError(.notFound, "resource \(code) does not exist")
        }
        return r
    }

    package func versions(_ code: String, by caller: Caller) async throws -> [ResourceVersion] {
        let r = try await get(code, by: caller)
        return try await store.versions(of: r.code)
    }

    package func version(_ number: Int, of code: String, by caller: Caller) async throws -> ResourceVersion {
        let r = try await get(code, by: caller)
        guard let v = try await store.version(number, of: r.code) else {
            throw ZhengshuError(.notFound, "resource \(r.code) has no version \(number)")
        }
        return v
    }

    /// Field-level changes between two versions of a resource.
    package func diff(_ code: String, from: Int, to: Int, by caller: Caller) async throws -> [FieldChange] {
        let a = try await version(from, of: code, by: caller)
        let b = try await version(to, of: code, by: caller)
        return ResourceDiff.between(a.snapshot, b.snapshot)
    }

    package func search(_ search: CatalogSearch, by caller: Caller) async throws -> CatalogSearch.Result {
        guard (1...100).contains(search.limit) else {
            throw ZhengshuError(.invalidInput, "limit must be from 1 to 100")
        }
        guard search.offset >= 0, search.offset <= 100_000 else {
            throw ZhengshuError(.invalidInput, "offset must be from 0 to 100000")
        }
        if let text = search.text, text.count > 200 {
            throw ZhengshuError(.invalidInput, "q must be at most 200 characters")
        }
        var s = search
        let p = caller.principal
        // Drafts and retired entries are the owning department's (and the bureau's) business.
        if !p.isAdmin, !p.roles.contains(.auditor) { s.visibility = .publishedOr(p.department) }
        return try await store.searchResources(s)
    }

    func isVisible(_ r: Resource, to p: Principal) -> Bool {
        r.status == .published || p.isAdmin || p.roles.contains(.auditor) || p.department == r.department
    }
}
