import Foundation

/// Topic databases (主题库): the bureau defines a resource by a query over other resources; the platform materialises
/// it on demand or on a schedule as a normal catalog resource, through the import path (staging, atomic swap, quality
/// checks, sealing), and records its column lineage.
package struct Topics: Sendable {
    let catalog: any CatalogStore
    let records: any RecordStore
    let store: any TopicStore
    let pulls: any PullStore
    let ingestion: Ingestion
    let lineage: LineageService
    let sealer: Sealer
    let clock: PlatformClock

    /// Rows read from an input per page.
    static let pageSize = 5000
    /// Bytes of JSON Lines handed to the import at a time, about.
    static let chunkBytes = 1 << 16

    package init(
        catalog: any CatalogStore, records: any RecordStore, store: any TopicStore, pulls: any PullStore,
        ingestion: Ingestion,
        lineage: LineageService, sealer: Sealer, clock: PlatformClock
    ) {
        self.catalog = catalog
        self.records = records
        self.store = store
        self.pulls = pulls
        self.ingestion = ingestion
        self.lineage = lineage
        self.sealer = sealer
        self.clock = clock
    }

    /// A topic with its catalog entry.
    package struct Entry: Sendable {
        package var topic: Topic
        package var resource: Resource
    }

    /// Defines a topic: its resource is registered published, with the query's columns as items and a grade at least
    /// the highest of its inputs'. Admins only.
    package func define(_ draft: TopicDraft, by caller: Caller) async throws -> Entry {
        try requireAdmin(caller, "defining a topic database")
        let query = try requireQuery(draft)
        try Self.checkInterval(draft.intervalSeconds)
        let plan = try await plan(query, for: nil)
        var resource = draft.resource
        if resource.department == nil { resource.department = caller.principal.department?.rawValue }
        let now = clock.current()
        // Registered and published in one step: its first version is the published entry.
        var entry = try CatalogRules.transition(
            try CatalogRules.newResource(from: try Self.catalogDraft(resource, plan), now: now), to: .published,
            now: now)
        entry.version = 1
        let topic = Topic(
            code: entry.code, query: query, intervalSeconds: draft.intervalSeconds,
            nextRunAt: draft.intervalSeconds.map { _ in now },
            lastJob: nil, lastError: nil, createdBy: caller.principal.name, createdAt: now, updatedAt: now)
        try await store.insertTopic(
            topic, resource: entry,
            version: ResourceVersion(
                code: entry.code, version: 1, action: "create", actor: caller.principal.name, at: now, snapshot: entry),
            audit: caller.audit(
                "topic.define", "resource:\(entry.code)", at: now,
                detail: "inputs: \(plan.inputs.map(\.rawValue).joined(separator: ", "))"))
        return Entry(topic: topic, resource: entry)
    }

    /// Replaces a topic's query and schedule (and catalog fields it names). The resource's records table exists, so
    /// the new query may only add optional columns after the existing ones; the next materialisation fills them.
    package func redefine(_ code: String, _ draft: TopicDraft, by caller: Caller) async throws -> Entry {
        try requireAdmin(caller, "changing a topic database")
        let current = try await entry(code)
        let query = try requireQuery(draft)
        try Self.checkInterval(draft.intervalSeconds)
        let plan = try await plan(query, for: current.topic.code)
        var draftChanges = try Self.catalogDraft(draft.resource, plan, current: current.resource)
        if plan.items == current.resource.items { draftChanges.items = nil }
        let changes = draftChanges
        let now = clock.current()
        let resource = try await catalog.updateResource(
            current.resource.code, action: "update", actor: caller.principal.name,
            audit: caller.audit("resource.update", "resource:\(current.resource.code)", at: now)
        ) { r in
            guard (changes.items ?? r.items).prefix(r.items.count).elementsEqual(r.items) else {
                throw ZhengshuError(
                    .conflict,
                    "a published topic keeps its columns; add optional columns after them, or retire it and define a new one"
                )
            }
            return try CatalogRules.applying(changes, to: r, now: now)
        }
        let topic = try await store.updateTopic(
            current.topic.code,
            audit: caller.audit(
                "topic.define", "resource:\(resource.code)", at: now,
                detail: "redefined; inputs: \(plan.inputs.map(\.rawValue).joined(separator: ", "))")
        ) { t in
            var t = t
            t.query = query
            if t.intervalSeconds != draft.intervalSeconds { t.nextRunAt = draft.intervalSeconds.map { _ in now } }
            t.intervalSeconds = draft.intervalSeconds
            t.updatedAt = now
            return t
        }
        return Entry(topic: topic, resource: resource)
    }

    /// Every topic; government users may read the definitions (which resources feed which).
    package func list(by caller: Caller) async throws -> [Entry] {
        try caller.principal.require(anyOf: [.admin, .auditor, .provider, .consumer], to: "listing topic databases")
        var out: [Entry] = []
        for topic in try await store.topics() {
            if let r = try await catalog.resource(topic.code) { out.append(Entry(topic: topic, resource: r)) }
        }
        return out
    }

    package func get(_ code: String, by caller: Caller) async throws -> Entry {
        try caller.principal.require(anyOf: [.admin, .auditor, .provider, .consumer], to: "reading a topic database")
        return try await entry(code)
    }

    /// Materialises a topic now: its query runs over the inputs' stored rows and replaces the topic's data in one
    /// import job (visible with its progress in the jobs list while it runs). Admins only.
    /// - Parameter onProgress: called as rows are staged (for a progress line).
    package func materialise(
        _ code: String, by caller: Caller, onProgress: @Sendable (JobProgress) -> Void = { _ in }
    ) async throws -> IngestJob {
        try requireAdmin(caller, "materialising a topic database")
        let current = try await entry(code)
        return try await run(current.topic, resource: current.resource, by: caller, onProgress: onProgress)
    }

    /// Materialises every topic whose time has come (the scheduler calls this). - Returns: the jobs it ran.
    package func runDue() async throws -> [IngestJob] {
        var jobs: [IngestJob] = []
        for topic in try await store.claimDueTopics(now: clock.current()) {
            // A retired topic keeps its definition but is no longer refreshed.
            guard let resource = try await catalog.resource(topic.code), resource.status == .published else { continue }
            if let job = try? await run(topic, resource: resource, by: Pulls.scheduler) { jobs.append(job) }
        }
        return jobs
    }

    private func run(
        _ topic: Topic, resource: Resource, by caller: Caller, onProgress: @Sendable (JobProgress) -> Void = { _ in }
    ) async throws -> IngestJob {
        let plan: TopicPlan
        do {
            plan = try await self.plan(topic.query, for: topic.code)
            // The items were fixed when the topic was defined; inputs changed since (an item's type, a grade) show here.
            guard plan.items.map(\.name) == resource.items.map(\.name),
                plan.items.map(\.type) == resource.items.map(\.type)
            else {
                throw ZhengshuError(
                    .conflict,
                    "the inputs of topic \(topic.code) changed since it was defined (its columns would now be "
                        + plan.items.map { "\($0.name) \($0.type.rawValue)" }.joined(separator: ", ") + "); redefine it"
                )
            }
        } catch {
            let message = Ingestion.describe(error)
            _ = try? await store.updateTopic(topic.code, audit: nil) {
                var t = $0
                t.lastError = message
                return t
            }
            throw error
        }
        var request = ImportRequest(
            resource: topic.code.rawValue, mode: .replace, format: .jsonl, encoding: .utf8,
            sourceName: "topic:\(topic.code)")
        request.materialisesTopic = true
        let source = TopicRows(plan: plan, records: records, sealer: sealer, names: resource.items.map(\.name))
        let job = try await ingestion.run(request, source: source, by: caller, onProgress: onProgress)
        if job.status == .succeeded { await lineage.recordTopic(job, plan: plan, resource: resource, by: caller) }
        _ = try await store.updateTopic(topic.code, audit: nil) { t in
            var t = t
            t.lastJob = job.id
            t.lastError = job.status == .succeeded ? nil : job.error
            // The schedule counts from the last materialisation, whoever asked for it.
            if let interval = t.intervalSeconds, job.status == .succeeded, let finished = job.finishedAt {
                t.nextRunAt = max(t.nextRunAt ?? finished, finished.addingTimeInterval(Double(interval)))
            }
            return t
        }
        return job
    }

    // MARK: Checks

    private func requireAdmin(_ caller: Caller, _ action: String) throws(ZhengshuError) {
        guard caller.principal.isAdmin else {
            throw ZhengshuError(.forbidden, "\(action) is for the data bureau's admins")
        }
    }

    private func requireQuery(_ draft: TopicDraft) throws(ZhengshuError) -> TopicQuery {
        guard let query = draft.query else {
            throw .validation([.init(field: "query", reason: "is required: from, joins, where, columns")])
        }
        return query
    }

    static func checkInterval(_ seconds: Int?) throws(ZhengshuError) {
        if let seconds, !Topic.intervals.contains(seconds) {
            throw .validation([
                .init(
                    field: "intervalSeconds",
                    reason:
                        "must be from \(Topic.intervals.lowerBound) (an hour) to \(Topic.intervals.upperBound) (a year); leave it out to materialise on demand"
                )
            ])
        }
    }

    private func entry(_ code: String) async throws -> Entry {
        let code = try ResourceCode(validating: code)
        guard let topic = try await store.topic(code), let resource = try await catalog.resource(code) else {
            throw ZhengshuError(.notFound, "topic \(code) does not exist")
        }
        return Entry(topic: topic, resource: resource)
    }

    /// The query checked against the catalog as it is now. A topic reads stored data: not itself, not live sources.
    private func plan(_ query: TopicQuery, for topic: ResourceCode?) async throws -> TopicPlan {
        var inputs: [ResourceCode: Resource] = [:]
        var v: [ZhengshuError.Violation] = []
        for (k, code) in query.inputCodes.enumerated() {
            let field = k == 0 ? "query.from" : "query.joins[\(k - 1)].resource"
            guard ResourceCode.isValid(code), inputs[ResourceCode(trusted: code)] == nil else { continue }
            let c = ResourceCode(trusted: code)
            if c == topic {
                v.append(.init(field: field, reason: "a topic cannot read itself"))
                continue
            }
            guard let r = try await catalog.resource(c) else { continue }
            if try await pulls.liveSource(for: c) != nil {
                v.append(.init(field: field, reason: "\(c) is read live from its source; a topic reads stored data"))
                continue
            }
            inputs[c] = r
        }
        guard v.isEmpty else { throw ZhengshuError.validation(v) }
        return try TopicPlan(query, inputs: inputs)
    }

    /// The catalog fields of a topic: its items are the query's, its grade and sensitivity at least the inputs' highest.
    static func catalogDraft(
        _ draft: ResourceDraft, _ plan: TopicPlan, current: Resource? = nil
    ) throws(ZhengshuError) -> ResourceDraft {
        var d = draft
        var v: [ZhengshuError.Violation] = []
        let grade = d.gradeLevel ?? current?.gradeLevel ?? plan.gradeLevel
        if grade < plan.gradeLevel {
            v.append(
                .init(
                    field: "gradeLevel",
                    reason: "must be at least \(plan.gradeLevel.rawValue), the highest grade of its inputs"))
        }
        let sensitivity = d.sensitivity ?? current?.sensitivity ?? plan.sensitivity
        if sensitivity < plan.sensitivity {
            v.append(
                .init(
                    field: "sensitivity",
                    reason: "must be at least \(plan.sensitivity.rawValue), the highest of its inputs"))
        }
        guard v.isEmpty else { throw .validation(v) }
        d.gradeLevel = max(grade, plan.gradeLevel)
        d.sensitivity = max(sensitivity, plan.sensitivity)
        d.items = plan.items
        if current == nil { d.sourceSystem = d.sourceSystem ?? "主题库" }
        return d
    }
}

/// A topic's output rows as JSON Lines, produced as the import reads them: the joined inputs are indexed at the first
/// read, then the base is read a page at a time (the import's pace sets the reading's).
struct TopicRows: AsyncSequence {
    typealias Element = [UInt8]
    let plan: TopicPlan
    let records: any RecordStore
    let sealer: Sealer
    /// The output items' names, in column order.
    let names: [String]

    func makeAsyncIterator() -> Iterator {
        Iterator(
            rows: self, run: TopicRun(plan),
            prefixes: names.enumerated().map { k, n in
                Array(((k == 0 ? "{" : ",") + ExportEncoding.jsonString(n) + ":").utf8)
            })
    }

    struct Iterator: AsyncIteratorProtocol {
        let rows: TopicRows
        var run: TopicRun
        let prefixes: [[UInt8]]
        var indexed = false
        var done = false
        var cursor: RecordQuery.Cursor?

        mutating func next() async throws -> [UInt8]? {
            let (plan, records, sealer, prefixes) = (rows.plan, rows.records, rows.sealer, self.prefixes)
            if !indexed {
                for s in plan.sources.indices.dropFirst() {
                    var query = RecordQuery(
                        fields: plan.sources[s].fields, filters: [], sort: nil, descending: false,
                        limit: Topics.pageSize, after: nil)
                    repeat {
                        let page = try await sealer.records(records, of: plan.sources[s].resource, query: query)
                        for row in page.rows { try run.index(row, source: s) }
                        query.after = page.next
                    } while query.after != nil
                }
                indexed = true
            }
            var out: [UInt8] = []
            while !done, out.count < Topics.chunkBytes {
                let page = try await sealer.records(
                    records, of: plan.sources[0].resource,
                    query: RecordQuery(
                        fields: plan.sources[0].fields, filters: [], sort: nil, descending: false,
                        limit: Topics.pageSize, after: cursor))
                for row in page.rows { try run.feed(row) { Self.encode($0, prefixes, into: &out) } }
                cursor = page.next
                if cursor == nil {
                    run.finish { Self.encode($0, prefixes, into: &out) }
                    done = true
                }
            }
            return out.isEmpty && done ? nil : out
        }

        /// One JSON object per line, every value as text (the import types it by the item).
        private static func encode(_ row: [RecordValue], _ prefixes: [[UInt8]], into out: inout [UInt8]) {
            for (k, value) in row.enumerated() {
                out += prefixes[k]
                if value.isNull {
                    out += Array("null".utf8)
                } else {
                    out += Array(ExportEncoding.jsonString(value.text).utf8)
                }
            }
            out += Array("}\n".utf8)
        }
    }
}
