import Foundation

/// Lineage (血缘): run events from the platform's own jobs and from outside tools, and the graph around a resource.
package struct LineageService: Sendable {
    let catalog: any CatalogStore
    let store: any LineageStore
    let clock: PlatformClock

    package init(catalog: any CatalogStore, store: any LineageStore, clock: PlatformClock) {
        self.catalog = catalog
        self.store = store
        self.clock = clock
    }

    /// Accepts an OpenLineage run event (a department's Airflow, Spark or dbt job): providers and admins.
    package func record(_ json: JSONValue, by caller: Caller) async throws {
        try caller.principal.require(anyOf: [.provider, .admin], to: "sending lineage events")
        let run = try OpenLineage.parse(json)
        let document = String(decoding: try JSONEncoder().encode(json), as: UTF8.self)
        guard document.utf8.count <= 1 << 20 else {
            throw ZhengshuError(.payloadTooLarge, "a lineage event may be at most 1 MiB")
        }
        try await store.insertLineageRun(
            run, document: document,
            audit: caller.audit(
                "lineage.event", "job:\(run.job.namespace)/\(run.job.name)".prefix(300).description,
                at: clock.current(), detail: "run: \(run.runID); \(run.eventType)"))
    }

    /// The event of a committed import (never fails the import: lineage is recorded after the data switched).
    package func recordIngest(_ job: IngestJob, resource: Resource, mapping: ColumnMapping?, by caller: Caller) async {
        await recordPlatformEvent(
            OpenLineage.ingestEvent(job: job, resource: resource, mapping: mapping, runID: UUID()), job: job, by: caller
        )
    }

    /// The event of a materialised topic: its inputs' columns feeding its own.
    package func recordTopic(_ job: IngestJob, plan: TopicPlan, resource: Resource, by caller: Caller) async {
        await recordPlatformEvent(
            OpenLineage.topicEvent(job: job, plan: plan, resource: resource, runID: UUID()), job: job, by: caller)
    }

    private func recordPlatformEvent(_ event: JSONValue, job: IngestJob, by caller: Caller) async {
        guard let run = try? OpenLineage.parse(event), let document = try? JSONEncoder().encode(event) else { return }
        try? await store.insertLineageRun(
            run, document: String(decoding: document, as: UTF8.self),
            audit: caller.audit(
                "lineage.event", "job:zhengshu/\(run.job.name)", at: clock.current(),
                detail: "run: \(run.runID); job: \(job.id)"))
    }

    package enum Direction: String, Sendable { case up, down, both }

    /// The datasets and jobs `depth` steps upstream (what fed the resource) and/or downstream (what it fed), with
    /// the column edges of the jobs on the way.
    package func graph(
        of code: String, direction: String?, depth: String?, by caller: Caller
    ) async throws -> LineageGraph {
        let resource = try await catalog.visibleResource(code, to: caller.principal)
        guard let way = Direction(rawValue: direction ?? "both") else {
            throw ZhengshuError(.invalidInput, "direction must be up, down or both")
        }
        guard let steps = Int(depth ?? "3"), (1...10).contains(steps) else {
            throw ZhengshuError(.invalidInput, "depth must be from 1 to 10")
        }
        let start = DatasetRef.resource(resource.code)
        var nodes: [String: LineageGraph.Node] = [:]
        var edges = Set<LineageGraph.Edge>()
        var jobs = Set<JobRef>()
        func datasetNode(_ d: DatasetRef) -> String {
            let id = "dataset:\(d.namespace):\(d.name)"
            nodes[id] = .init(
                id: id, type: "dataset", namespace: d.namespace, name: d.name,
                resource: d.namespace == DatasetRef.platformNamespace ? d.name : nil)
            return id
        }
        func jobNode(_ j: JobRef) -> String {
            let id = "job:\(j.namespace):\(j.name)"
            nodes[id] = .init(id: id, type: "job", namespace: j.namespace, name: j.name, resource: nil)
            jobs.insert(j)
            return id
        }
        _ = datasetNode(start)
        for (towards, from, to) in [(Direction.up, "output", "input"), (.down, "input", "output")]
        where way == towards || way == .both {
            var frontier: Set<DatasetRef> = [start]
            var seen: Set<DatasetRef> = [start]
            for _ in 0..<steps where !frontier.isEmpty {
                let found = try await store.lineageEdges(datasets: Array(frontier))
                let stepJobs = Set(found.filter { $0.role == from && frontier.contains($0.dataset) }.map(\.job))
                var next: Set<DatasetRef> = []
                for edge in found where stepJobs.contains(edge.job) {
                    let d = datasetNode(edge.dataset), j = jobNode(edge.job)
                    edges.insert(edge.role == "input" ? .init(from: d, to: j) : .init(from: j, to: d))
                    if edge.role == to, seen.insert(edge.dataset).inserted { next.insert(edge.dataset) }
                }
                frontier = next
            }
        }
        let columns = try await store.columnEdges(jobs: Array(jobs)).filter {
            nodes["dataset:\($0.from.namespace):\($0.from.name)"] != nil
                && nodes["dataset:\($0.to.namespace):\($0.to.name)"] != nil
        }
        return LineageGraph(
            nodes: nodes.values.sorted { $0.id < $1.id }, edges: edges.sorted { ($0.from, $0.to) < ($1.from, $1.to) },
            columnEdges: columns)
    }
}
