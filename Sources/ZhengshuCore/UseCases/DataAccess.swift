import Foundation

/// The one path by which records enter and leave the platform: authorise → fetch → mask → audit.
///
/// The sharing issue extends `authorise` with grants and `mask` with policies; no caller can skip a step.
package struct DataAccess: Sendable {
    let catalog: any CatalogStore
    let records: any RecordStore
    let audit: any AuditStore
    let pulls: any PullStore
    /// Topic resources take no writes but their materialisation's.
    var topics: (any TopicStore)?
    let shares: any SharingStore
    let masking: MaskerSource
    /// Signs export manifests (the installation's key); none on platforms without one (tests).
    let signer: (any InstallationSigner)?
    let sealer: Sealer
    let connector: any SourceConnector
    let clock: PlatformClock
    package var meter: any PlatformMeter = NoMeter()
    /// Where verification's automatic response raises its alert.
    var alerts: (any AlertStore)?
    /// The bureau's break-glass accesses, which open records to it in clear.
    var breakGlass: (any BreakGlassStore)?

    package init(
        catalog: any CatalogStore, records: any RecordStore, audit: any AuditStore, pulls: any PullStore,
        shares: any SharingStore, masking: MaskerSource, signer: (any InstallationSigner)? = nil, sealer: Sealer,
        connector: any SourceConnector, clock: PlatformClock
    ) {
        self.sealer = sealer
        self.shares = shares
        self.masking = masking
        self.signer = signer
        self.catalog = catalog
        self.records = records
        self.audit = audit
        self.pulls = pulls
        self.connector = connector
        self.clock = clock
    }

    static let maxBatch = 10_000

    /// Validates and stores a batch of records, all or nothing.
    /// - Parameter idempotencyKey: the client's key and the SHA-256 of its request body; a retry stores nothing twice.
    package func insert(
        _ rows: [[String: JSONValue]], into code: String, idempotencyKey: (key: String, fingerprint: String)? = nil,
        by caller: Caller
    ) async throws -> InsertOutcome {
        let resource = try await publishedResource(code, for: caller)
        try caller.principal.requireProvider(of: resource.department, to: "loading records into \(resource.code)")
        guard !rows.isEmpty else { throw ZhengshuError(.invalidInput, "the body holds no records") }
        guard rows.count <= Self.maxBatch else {
            throw ZhengshuError(
                .payloadTooLarge, "at most \(Self.maxBatch) records per request; use a batch import for more")
        }
        if let key = idempotencyKey?.key, key.isEmpty || key.count > 255 || key.contains(where: { !$0.isASCII }) {
            throw ZhengshuError(.invalidInput, "Idempotency-Key must be 1-255 ASCII characters")
        }
        if try await pulls.liveSource(for: resource.code) != nil {
            throw ZhengshuError(
                .conflict, "resource \(resource.code) is read live from its source; write to the source system")
        }
        if try await topics?.topic(resource.code) != nil {
            throw ZhengshuError(
                .conflict,
                "resource \(resource.code) is a topic database materialised from its inputs; it takes no writes")
        }
        let converted = try RecordValidator.validate(rows, items: resource.items).get()
        let sealed = try await sealer.seal(for: resource, create: true)?.seal(converted) ?? converted
        return try await records.insertRecords(
            sealed, into: resource.stored,
            idempotency: idempotencyKey.map {
                IdempotencyKey(key: $0.key, actor: caller.principal.name, fingerprint: $0.fingerprint)
            },
            audit: caller.audit(
                "records.insert", "resource:\(resource.code)", at: clock.current(), detail: "rows: \(converted.count)"))
    }

    /// Reads a page of records: the owning department's providers in clear, the bureau masked by policy unless it
    /// holds an open break-glass access (``BreakGlass``); consumers read through grants
    /// (``sharedQuery(_:_:grant:requestHash:by:)``).
    package func query(
        _ code: String, _ parameters: RecordQueryParameters, by caller: Caller
    ) async throws -> RecordPage {
        let resource = try await publishedResource(code, for: caller)
        let p = caller.principal
        try p.requireProvider(of: resource.department, to: "reading records of \(resource.code)")
        let query = try RecordQuery.parse(
            resource: resource, fields: parameters.fields, filters: parameters.filters,
            sort: parameters.sort, limit: parameters.limit, cursor: parameters.cursor)
        let now = clock.current()
        let clear = p.readsInClear(of: resource.department)
        let access =
            clear
            ? nil
            : try await breakGlass?.breakGlasses(requestedBy: p.name, resource: resource.code, limit: 20)
                .first { $0.isOpen(at: now) }
        // Masked unless the owner reads, or the bureau through an open break-glass access.
        let masker = clear || access != nil ? nil : try await masking.current()
        let masks = masker?.masks(resource.items) ?? [:]
        if let item = Self.maskedFilterOrSort(query, masks) {
            throw ZhengshuError(
                .invalidInput,
                "\(item.name) is masked for the bureau: filtering or sorting on it needs break-glass access")
        }
        var (page, source) = try await fetch(resource, query)
        masker?.apply(masks, fields: page.fields, to: &page.rows)
        let detail = "rows: \(page.rows.count); fields: \(query.fields.map(\.name).joined(separator: ","))" + source
        try await audit.appendAudit(
            caller.audit(
                access == nil ? "records.query" : "records.query.break-glass", "resource:\(resource.code)", at: now,
                detail: access.map { "break-glass: \($0.id); reason: \($0.reason.prefix(200)); " + detail }
                    ?? detail + (masks.isEmpty ? "" : "; masked")))
        return page
    }

    /// A few records shown on the console's resource page to the owning department and the bureau: masked as every
    /// item's policy says (no clear-text grant applies to a preview), and audited like any read.
    package func sample(_ code: String, limit: Int = 5, by caller: Caller) async throws -> RecordPage {
        let resource = try await publishedResource(code, for: caller)
        try caller.principal.requireProvider(of: resource.department, to: "previewing records of \(resource.code)")
        let query = try RecordQuery.parse(
            resource: resource, fields: nil, filters: [], sort: nil, limit: String(limit), cursor: nil)
        var (page, source) = try await fetch(resource, query)
        let masker = try await masking.current()
        masker.apply(masker.masks(resource.items), fields: page.fields, to: &page.rows)
        try await audit.appendAudit(
            caller.audit(
                "records.sample", "resource:\(resource.code)", at: clock.current(),
                detail: "rows: \(page.rows.count); masked" + source))
        return page
    }

    /// A page of the resource's records: from the store, or from its source system when it is read live.
    /// - Returns: the page, and `"; live from pull N"` for the audit entry when it was read live (else empty).
    func fetch(_ resource: Resource, _ query: RecordQuery) async throws -> (RecordPage, String) {
        try await fetch(resource, query, live: try await pulls.liveSource(for: resource.code))
    }

    /// The same, when the caller already knows the resource's live source (or that it has none).
    func fetch(_ resource: Resource, _ query: RecordQuery, live: PullSource?) async throws -> (RecordPage, String) {
        if let live {
            return (try await connector.read(live, items: resource.items, query: query), "; live from pull \(live.id)")
        }
        return (try await sealer.records(records, of: resource, query: query), "")
    }

    /// A page for each query: from the store in one read, or from the source system one by one.
    func fetch(_ resource: Resource, _ queries: [RecordQuery], live: PullSource?) async throws -> [RecordPage] {
        guard let live else { return try await sealer.records(records, of: resource, queries: queries) }
        var pages: [RecordPage] = []
        for query in queries { pages.append(try await connector.read(live, items: resource.items, query: query)) }
        return pages
    }

    func publishedResource(_ code: String, for caller: Caller) async throws -> Resource {
        let r = try await catalog.visibleResource(code, to: caller.principal)
        try r.requirePublished("records exist only for published resources")
        return r
    }
}

/// The raw query-string parameters of a records read, parsed against the resource by ``RecordQuery``.
package struct RecordQueryParameters: Sendable {
    package var fields: String?
    package var filters: [String]
    package var sort: String?
    package var limit: String?
    package var cursor: String?

    package init(
        fields: String? = nil, filters: [String] = [], sort: String? = nil, limit: String? = nil, cursor: String? = nil
    ) {
        self.fields = fields
        self.filters = filters
        self.sort = sort
        self.limit = limit
        self.cursor = cursor
    }
}

extension CatalogStore {
    /// A resource the principal may know of: published, or its own department's, or any for the bureau.
    /// - Throws: `notFound` alike for a missing resource and one the caller may not see.
    package func visibleResource(_ code: String, to principal: Principal) async throws -> Resource {
        let code = try ResourceCode(validating: code)
        guard let r = try await resource(code),
            r.status == .published || principal.isAdmin || principal.department == r.department
        else { throw ZhengshuError(.notFound, "resource \(code) does not exist") }
        return r
    }
}

extension Resource {
    /// - Throws: `conflict` naming the resource's status and `why` unless it is published.
    package func requirePublished(_ why: String) throws(ZhengshuError) {
        guard status == .published else {
            throw ZhengshuError(.conflict, "resource \(code) is \(status.rawValue); \(why)")
        }
    }
}
