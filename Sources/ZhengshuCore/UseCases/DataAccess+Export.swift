import Crypto
import Foundation

/// An export that passed authorisation and waits to be run (``DataAccess/runExport(_:sink:)``).
package struct PreparedExport: Sendable {
    package let job: ExportJob
    let resource: Resource
    let grant: Grant
    let query: RecordQuery
    let masks: [String: FieldMask]
    let masker: Masker
    let remainingRows: Int
    let caller: Caller
    let requestHash: String
}

extension DataAccess {
    static let exportPage = 5000

    /// Export (数据导出): checks the grant at once (refusals are audited and returned to the caller) and records the
    /// job; the rows are written by ``runExport(_:sink:)``.
    package func startExport(
        _ code: String, _ parameters: RecordQueryParameters, format: ExportFormat, grant grantID: String?,
        requestHash: String, node: String, by caller: Caller
    ) async throws -> PreparedExport {
        try await denialsAudited("share.export", code, requestHash: requestHash, by: caller) {
            let a = try await authorise(code, .export, grantID, by: caller)
            let (resource, grant) = (a.resource, a.grant)
            var p = parameters
            p.limit = nil
            p.cursor = nil
            var (query, masks) = try Self.grantedQuery(a, p)
            query.limit = Self.exportPage
            let remaining = try checkQuota(a)
            let job = try await shares.insertExport(
                ExportJob(
                    id: ExportID(0), grant: grant.id, resource: resource.code, consumer: grant.consumer,
                    requestedBy: caller.principal.name,
                    format: format, fields: query.fields.map(\.name), filters: parameters.filters, status: .running,
                    rows: 0, node: node,
                    createdAt: clock.current()))
            return PreparedExport(
                job: job, resource: resource, grant: grant, query: query, masks: masks, masker: a.masker,
                remainingRows: remaining,
                caller: caller, requestHash: requestHash)
        }
    }

    /// Writes the export through `sink` (header, then rows, masked per the grant), then counts it against the grant's
    /// quota and audits it in one transaction, and stores the manifest. A failure marks the job failed with its reason.
    /// - Returns: the finished job.
    @discardableResult
    package func runExport(_ e: PreparedExport, sink: @Sendable ([UInt8]) async throws -> Void) async -> ExportJob {
        let names = e.query.fields.map(\.name)
        do {
            let algorithm = masking.keys.suite.digestAlgorithm
            var hash = algorithm.running()
            var bytes: Int64 = 0
            var digest = ExportDigest(columns: names.count, algorithm: algorithm)
            func write(_ chunk: [UInt8]) async throws {
                guard !chunk.isEmpty else { return }
                hash.update(chunk)
                bytes += Int64(chunk.count)
                try await sink(chunk)
            }
            try await write(ExportEncoding.header(names, e.job.format))
            var query = e.query
            let masks = e.query.fields.map { e.masks[$0.name] }
            let mark = ExportWatermark(keys: masking.keys, export: e.job.id)
            repeat {
                let (page, _) = try await fetch(e.resource, query)
                guard digest.rows + page.rows.count <= e.remainingRows else {
                    throw ZhengshuError(
                        .tooManyRequests,
                        "the export has more rows than grant \(e.grant.id) may still give today (\(e.remainingRows))")
                }
                var chunk: [UInt8] = []
                for row in page.rows {
                    let cells: [String?] = row.indices.map { k in
                        let v = masks[k].map { e.masker.apply($0, row[k]) } ?? row[k]
                        return v == .null ? nil : v.text
                    }
                    digest.add(cells.map { $0 ?? "" })
                    chunk += ExportEncoding.row(cells, names: names, e.job.format, mark: mark)
                }
                try await write(chunk)
                let rows = digest.rows
                _ = try await shares.updateExport(e.job.id) {
                    var j = $0
                    j.rows = rows
                    return j
                }
                query.after = page.next
            } while query.after != nil
            let now = clock.current()
            let sequence = try await shares.recordShareUse(
                e.grant, day: CivilDate(chinaTime: now), rows: digest.rows,
                audit: e.caller.audit(
                    "share.export", "resource:\(e.resource.code)", at: now,
                    detail: Self.detail(
                        e.grant, rows: digest.rows, items: names,
                        extra: "export: \(e.job.id); filter: "
                            + e.query.filters.map { "\($0.item.name):\($0.op.rawValue)" }.joined(separator: ","),
                        requestHash: e.requestHash)))
            var manifest = ExportManifest(
                export: e.job.id, grant: e.grant.id, resource: e.resource.code, provider: e.grant.provider,
                consumer: e.grant.consumer, purpose: e.grant.purpose, format: e.job.format, rowCount: digest.rows,
                bytes: bytes, sha256: hash.finalize().hex, columns: digest.columnChecksums(names),
                rowDigests: digest.rowDigests, createdAt: now, auditEntry: sequence, requestHash: e.requestHash,
                digestAlgorithm: algorithm == .sha256 ? nil : algorithm)
            if let signer { try manifest.sign(with: signer) }
            let signed = manifest
            let rows = digest.rows
            return try await shares.updateExport(e.job.id) { j in
                var j = j
                j.status = .succeeded
                j.rows = rows
                j.finishedAt = now
                j.manifest = signed
                return j
            }
        } catch {
            let reason =
                (error as? ZhengshuError)?.message ?? "the export failed; quote export \(e.job.id) to the operator"
            try? await audit.appendAudit(
                e.caller.audit(
                    "share.export.failed", "resource:\(e.resource.code)", at: clock.current(),
                    detail: "export: \(e.job.id); \(reason.prefix(300)); request: \(e.requestHash)"))
            let now = clock.current()
            return
                (try? await shares.updateExport(e.job.id) { j in
                    var j = j
                    j.status = .failed
                    j.error = reason
                    j.finishedAt = now
                    return j
                }) ?? e.job
        }
    }

    /// Names the export a leaked file came from, by its watermark (the bureau or an auditor). Every finished export is
    /// compared; the search is audited.
    package func trace(_ evidence: WatermarkEvidence, file: String, by caller: Caller) async throws -> TraceReport {
        try caller.principal.require(anyOf: [.admin, .auditor], to: "tracing a leaked file")
        let exports = try await shares.exports(consumer: nil, limit: Int(Int32.max)).filter { $0.status == .succeeded }
        var report = TraceReport(
            rows: evidence.rows, observations: evidence.observations, exportsCompared: exports.count)
        var best: (job: ExportJob, n: Int, k: Int)?
        let digests = evidence.digests(masking.keys)
        for job in exports {
            let (n, k) = WatermarkEvidence.score(digests, ExportWatermark(keys: masking.keys, export: job.id))
            if n > 0, best == nil || k * best!.n > best!.k * n { best = (job, n, k) }
        }
        if let (job, n, k) = best {
            let log10 = WatermarkEvidence.log10Tail(n: n, k: k) + Foundation.log10(Double(exports.count))
            let match = TraceReport.Match(
                export: job.id, grant: job.grant, consumer: job.consumer, resource: job.resource,
                requestedBy: job.requestedBy, createdAt: job.createdAt, observations: n, agreeing: k,
                log10FalseAttribution: min(0, log10))
            report.best = match
            if Double(k) >= TraceReport.minimumAgreement * Double(n),
                match.log10FalseAttribution <= TraceReport.maximumLog10FalseAttribution
            {
                report.attributed = match
            }
        }
        try await audit.appendAudit(
            caller.audit(
                "export.trace", report.attributed.map { "export:\($0.export)" } ?? "export:none", at: clock.current(),
                detail: "file: \(file.suffix(200)); rows: \(evidence.rows); observations: \(evidence.observations); "
                    + (report.attributed.map {
                        "grant: \($0.grant); consumer: \($0.consumer); agreeing: \($0.agreeing)/\($0.observations)"
                    }
                        ?? "no export matches")))
        return report
    }

    /// Exports this node was writing when it stopped can never finish: they are marked failed (run once at start).
    /// - Returns: how many.
    package func failInterruptedExports(node: String) async throws -> Int {
        var failed = 0
        let now = clock.current()
        for job in try await shares.exports(consumer: nil, limit: 1000) where job.status == .running && job.node == node
        {
            _ = try await shares.updateExport(job.id) { j in
                var j = j
                j.status = .failed
                j.error = "the node writing the export stopped; export again"
                j.finishedAt = now
                return j
            }
            failed += 1
        }
        return failed
    }

    /// An export of the caller's department (or any, for the bureau and auditors).
    package func export(_ id: Int64, by caller: Caller) async throws -> ExportJob {
        let p = caller.principal
        guard let job = try await shares.export(ExportID(id)),
            p.isAdmin || p.roles.contains(.auditor) || p.department == job.consumer
        else {
            throw ZhengshuError(.notFound, "export \(id) does not exist")
        }
        return job
    }

    package func exports(by caller: Caller) async throws -> [ExportJob] {
        let p = caller.principal
        if p.isAdmin || p.roles.contains(.auditor) { return try await shares.exports(consumer: nil, limit: 100) }
        guard let d = p.department else { throw ZhengshuError(.forbidden, "exports belong to departments") }
        return try await shares.exports(consumer: d, limit: 100)
    }

    /// The caller may download the export's file: its department's, finished, and its grant still usable (a revoked
    /// grant stops downloads too). The download is audited.
    package func downloadExport(_ id: Int64, by caller: Caller) async throws -> ExportJob {
        let job = try await export(id, by: caller)
        guard caller.principal.department == job.consumer else {
            throw ZhengshuError(.forbidden, "only department \(job.consumer) downloads its exports")
        }
        guard job.status == .succeeded else { throw ZhengshuError(.conflict, "export \(id) is \(job.status.rawValue)") }
        if let g = try await shares.grant(job.grant), let why = g.unusableReason(at: clock.current()) {
            throw ZhengshuError(.forbidden, why)
        }
        try await audit.appendAudit(
            caller.audit(
                "share.export.download", "resource:\(job.resource)", at: clock.current(),
                detail: "export: \(id); rows: \(job.rows)"))
        return job
    }
}
