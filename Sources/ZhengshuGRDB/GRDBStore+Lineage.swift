import Foundation
import GRDB
import ZhengshuCore

extension GRDBStore: LineageStore {
    package func insertLineageRun(_ run: LineageRun, document: String, audit: AuditEvent) async throws {
        try await writer.write { db in
            try db.execute(
                sql:
                    "INSERT INTO lineageEvent (runId, eventType, eventTime, jobNamespace, jobName, document) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [run.runID, run.eventType, run.eventTime.millis, run.job.namespace, run.job.name, document])
            for (role, datasets) in [("input", run.inputs), ("output", run.outputs)] {
                for d in datasets {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO lineageEdge VALUES (?, ?, ?, ?, ?)",
                        arguments: [run.job.namespace, run.job.name, role, d.namespace, d.name])
                }
            }
            for c in run.columns {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO lineageColumn VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        c.job.namespace, c.job.name, c.from.namespace, c.from.name, c.fromField, c.to.namespace,
                        c.to.name, c.toField,
                    ])
            }
            try Self.appendAudit(audit, in: db)
        }
    }

    package func lineageEdges(datasets: [DatasetRef]) async throws -> [(job: JobRef, role: String, dataset: DatasetRef)]
    {
        try await writer.read { db in
            var jobs = Set<JobRef>()
            for d in datasets {
                for r in try Row.fetchAll(
                    db,
                    sql: "SELECT jobNamespace, jobName FROM lineageEdge WHERE datasetNamespace = ? AND datasetName = ?",
                    arguments: [d.namespace, d.name])
                {
                    jobs.insert(JobRef(namespace: r[0], name: r[1]))
                }
            }
            var out: [(job: JobRef, role: String, dataset: DatasetRef)] = []
            for j in jobs.sorted(by: { ($0.namespace, $0.name) < ($1.namespace, $1.name) }) {
                for r in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT role, datasetNamespace, datasetName FROM lineageEdge WHERE jobNamespace = ? AND jobName = ? ORDER BY 1, 2, 3
                        """, arguments: [j.namespace, j.name])
                {
                    out.append((j, r[0], DatasetRef(namespace: r[1], name: r[2])))
                }
            }
            return out
        }
    }

    package func columnEdges(jobs: [JobRef]) async throws -> [ColumnEdge] {
        try await writer.read { db in
            try jobs.flatMap { j in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT * FROM lineageColumn WHERE jobNamespace = ? AND jobName = ? ORDER BY toField, fromField",
                    arguments: [j.namespace, j.name]
                ).map { r in
                    ColumnEdge(
                        from: DatasetRef(namespace: r["fromNamespace"], name: r["fromName"]), fromField: r["fromField"],
                        to: DatasetRef(namespace: r["toNamespace"], name: r["toName"]), toField: r["toField"], job: j)
                }
            }
        }
    }
}
