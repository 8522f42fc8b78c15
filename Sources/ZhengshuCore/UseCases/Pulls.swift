import Foundation

/// Scheduled pulls (定时归集): a provider registers its system as a source; the scheduler loads what changed.
package struct Pulls: Sendable {
    let catalog: any CatalogStore
    let store: any PullStore
    let ingestion: Ingestion
    let connector: any SourceConnector
    let clock: PlatformClock

    /// Who the scheduler acts as in jobs and the audit trail.
    static let scheduler = Caller(
        Principal(kind: .localOperator, name: "scheduler", roles: [.admin], department: nil), requestID: "scheduler")

    package init(
        catalog: any CatalogStore, store: any PullStore, ingestion: Ingestion, connector: any SourceConnector,
        clock: PlatformClock
    ) {
        self.catalog = catalog
        self.store = store
        self.ingestion = ingestion
        self.connector = connector
        self.clock = clock
    }

    package func register(_ code: String, _ draft: PullSourceDraft, by caller: Caller) async throws -> PullSource {
        let code = try ResourceCode(validating: code)
        guard let resource = try await catalog.resource(code) else {
            throw ZhengshuError(.notFound, "resource \(code) does not exist")
        }
        try caller.principal.requireProvider(of: resource.department, to: "registering a pull source for \(code)")
        try draft.validate()
        try connector.check(kind: draft.kind, location: draft.location)
        if draft.live == true, try await store.liveSource(for: code) != nil {
            throw ZhengshuError(.conflict, "resource \(code) is already read live from another source")
        }
        let now = clock.current()
        let source = PullSource(
            id: PullSourceID(0), resource: code, department: resource.department, kind: draft.kind,
            location: draft.location, query: draft.query, format: draft.format ?? .csv, mode: draft.mode ?? .upsert,
            intervalSeconds: draft.intervalSeconds, watermarkColumn: draft.watermarkColumn, lastWatermark: nil,
            nextRunAt: now, lastJob: nil, lastError: nil, enabled: true, live: draft.live ?? false,
            createdBy: caller.principal.name, createdAt: now)
        return try await store.insertPullSource(
            source,
            audit: caller.audit(
                "pull.register", "resource:\(code)", at: now,
                detail: "kind: \(draft.kind.rawValue); every \(draft.intervalSeconds) s"))
    }

    package func list(resource: String?, by caller: Caller) async throws -> [PullSource] {
        let code = try resource.map { raw throws(ZhengshuError) in try ResourceCode(validating: raw) }
        let p = caller.principal
        if p.isAdmin || p.roles.contains(.auditor) {
            return try await store.pullSources(resource: code, department: nil)
        }
        try p.require(anyOf: [.provider], to: "listing pull sources")
        guard let department = p.department else { return [] }
        return try await store.pullSources(resource: code, department: department)
    }

    package func delete(_ id: Int64, by caller: Caller) async throws {
        let source = try await visible(id, caller)
        try caller.principal.requireProvider(of: source.department, to: "removing pull source \(id)")
        try await store.deletePullSource(
            source.id, audit: caller.audit("pull.delete", "pull:\(id)", at: clock.current()))
    }

    /// Runs one source now, whatever its schedule.
    package func runNow(_ id: Int64, by caller: Caller) async throws -> IngestJob {
        let source = try await visible(id, caller)
        guard !source.live else {
            throw ZhengshuError(.conflict, "pull source \(id) is read live; there is nothing to run")
        }
        try caller.principal.requireProvider(of: source.department, to: "running pull source \(id)")
        return try await run(source, by: caller)
    }

    /// Runs every due source once (the scheduler calls this). - Returns: the jobs it ran.
    package func runDue() async throws -> [IngestJob] {
        var jobs: [IngestJob] = []
        for source in try await store.claimDuePullSources(now: clock.current()) {
            if let job = try? await run(source, by: Self.scheduler) { jobs.append(job) }
        }
        return jobs
    }

    private func run(_ source: PullSource, by caller: Caller) async throws -> IngestJob {
        let next = clock.current().addingTimeInterval(Double(source.intervalSeconds))
        let data: PulledData
        do {
            data = try await connector.fetch(source)
        } catch {
            let message = "could not read the source: \(error)"
            try await store.recordPull(
                source.id, watermark: source.lastWatermark, job: nil, error: message, nextRunAt: next)
            throw ZhengshuError(.conflict, message)
        }
        let request = ImportRequest(
            resource: source.resource.rawValue, mode: source.mode, format: data.format, encoding: .auto,
            sourceName: "pull:\(source.id)")
        let job = try await ingestion.run(request, source: data.chunks, by: caller)
        let succeeded = job.status == .succeeded
        try await store.recordPull(
            source.id, watermark: succeeded ? (data.watermark ?? source.lastWatermark) : source.lastWatermark,
            job: job.id, error: succeeded ? nil : job.error, nextRunAt: next)
        return job
    }

    private func visible(_ id: Int64, _ caller: Caller) async throws -> PullSource {
        guard let s = try await store.pullSource(PullSourceID(id)),
            caller.principal.isAdmin || caller.principal.roles.contains(.auditor)
                || caller.principal.department == s.department
        else { throw ZhengshuError(.notFound, "pull source \(id) does not exist") }
        return s
    }
}
