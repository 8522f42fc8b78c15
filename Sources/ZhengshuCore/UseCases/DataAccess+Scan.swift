import Foundation

/// A scan of a resource's stored records for personal and sensitive data.
package struct ResourceScan: Sendable, Codable {
    package var resource: ResourceCode
    package var rows: Int
    package var columns: [ColumnFinding]
    /// Words of the sensitive-word list found in the catalog entry's own text (name, abstract, item labels).
    package var catalogSensitiveWords: [String]
    /// The grades this scan proposes, waiting for review (none when they would change nothing).
    package var proposal: GradeProposal?
}

extension DataAccess {
    static let maxScanRows = 1_000_000

    /// Discovery (敏感数据识别) over a resource's records, the first `sample` rows (default 10,000): its provider or
    /// the bureau. Only masked examples leave; the scan is audited.
    package func scan(
        _ code: String, sample: Int?, words: [String] = SensitiveDataScanner.defaultWords, by caller: Caller
    ) async throws -> ResourceScan {
        let resource = try await publishedResource(code, for: caller)
        try caller.principal.requireProvider(of: resource.department, to: "scanning the records of \(resource.code)")
        let limit = sample ?? 10_000
        guard (1...Self.maxScanRows).contains(limit) else {
            throw ZhengshuError(.invalidInput, "sample must be from 1 to \(Self.maxScanRows)")
        }
        var scanner = SensitiveDataScanner(columns: resource.items.map(\.name), words: words)
        var query = RecordQuery(
            fields: resource.items, filters: [], sort: nil, descending: false, limit: min(5000, limit), after: nil)
        var rows = 0
        repeat {
            let (page, _) = try await fetch(resource, query)
            for row in page.rows.prefix(limit - rows) { scanner.add(row.map { $0 == .null ? "" : $0.text }) }
            rows += min(page.rows.count, limit - rows)
            query.after = rows < limit ? page.next : nil
        } while query.after != nil
        let text = ([resource.name, resource.abstract] + resource.items.flatMap { [$0.label, $0.description ?? ""] })
            .joined(separator: "\n")
        let findings = scanner.findings()
        try await audit.appendAudit(
            caller.audit(
                "resource.scan", "resource:\(resource.code)", at: clock.current(),
                detail: "rows: \(rows); found: "
                    + findings.compactMap { f in f.detected.map { "\(f.column)=\($0.rawValue)" } }
                    .joined(separator: ",")))
        var proposal: GradeProposal?
        if let items = Grading.propose(resource, findings: findings) {
            let p = GradeProposal(resource: resource, items: items, by: caller.principal.name, at: clock.current())
            proposal = try await masking.store.insertGradeProposal(
                p,
                audit: caller.audit(
                    "grading.propose", "resource:\(resource.code)", at: p.createdAt,
                    detail: p.items.map { "\($0.item)=\($0.proposed.rawValue)" }.joined(separator: ",")
                        + "; resource: \(p.proposedResourceGrade.rawValue)"))
        }
        return ResourceScan(
            resource: resource.code, rows: rows, columns: findings,
            catalogSensitiveWords: words.filter { text.contains($0) },
            proposal: proposal)
    }
}
