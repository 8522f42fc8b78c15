import Foundation
import PostgresNIO
import ZhengshuCore

extension PostgresStore: LineageStore {
    package func insertLineageRun(_ run: LineageRun, document: String, audit: AuditEvent) async throws {
        try await write { db in
            try await db.query(
                """
                INSERT INTO lineageEvent (runId, eventType, eventTime, jobNamespace, jobName, document)
                VALUES (\(run.runID), \(run.eventType), \(run.eventTime.millis), \(run.job.namespace), \(run.job.name), \(document))
                """, logger: PostgresLocation.logger)
            for (role, datasets) in [("input", run.inputs), ("output", run.outputs)] {
                for d in datasets {
                    try await db.query(
                        """
                        INSERT INTO lineageEdge VALUES (\(run.job.namespace), \(run.job.name), \(role), \(d.namespace), \(d.name)) ON CONFLICT DO NOTHING
                        """, logger: PostgresLocation.logger)
                }
            }
            for c in run.columns {
                try await db.query(
                    """
                    INSERT INTO lineageColumn VALUES (\(c.job.namespace), \(c.job.name), \(c.from.namespace), \(c.from.name), \(c.fromField),
                                                      \(c.to.namespace), \(c.to.name), \(c.toField)) ON CONFLICT DO NOTHING
                    """, logger: PostgresLocation.logger)
            }
            try await Self.appendAudit(audit, in: db)
        }
    }

    package func lineageEdges(datasets: [DatasetRef]) async throws -> [(job: JobRef, role: String, dataset: DatasetRef)]
    {
        try await read { db in
            let rows = try await db.query(
                """
                SELECT e.jobNamespace, e.jobName, e.role, e.datasetNamespace, e.datasetName FROM lineageEdge e
                WHERE (e.jobNamespace, e.jobName) IN (
                    SELECT jobNamespace, jobName FROM lineageEdge
                    WHERE (datasetNamespace, datasetName) IN (SELECT * FROM unnest(\(datasets.map(\.namespace))::text[], \(datasets.map(\.name))::text[])))
                ORDER BY 1, 2, 3, 4, 5
                """, logger: PostgresLocation.logger
            ).collect()
            return try rows.map { row in
                let (jn, jname, role, dn, dname) = try row.decode((String, String, String, String, String).self)
                return (JobRef(namespace: jn, name: jname), role, DatasetRef(namespace: dn, name: dname))
            }
        }
    }

    package func columnEdges(jobs: [JobRef]) async throws -> [ColumnEdge] {
        try await read { db in
            try await db.query(
                """
                SELECT jobNamespace, jobName, fromNamespace, fromName, fromField, toNamespace, toName, toField FROM lineageColumn
                WHERE (jobNamespace, jobName) IN (SELECT * FROM unnest(\(jobs.map(\.namespace))::text[], \(jobs.map(\.name))::text[]))
                ORDER BY jobNamespace, jobName, toField, fromField
                """, logger: PostgresLocation.logger
            ).collect().map { row in
                let (jn, jname, fn, fname, ff, tn, tname, tf) = try row.decode(
                    (String, String, String, String, String, String, String, String).self)
                return ColumnEdge(
                    from: DatasetRef(namespace: fn, name: fname), fromField: ff,
                    to: DatasetRef(namespace: tn, name: tname),
                    toField: tf, job: JobRef(namespace: jn, name: jname))
            }
        }
    }
}
