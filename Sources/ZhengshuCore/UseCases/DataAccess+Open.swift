import Foundation

/// A read of open data (数据开放) the way CKAN's `datastore_search` asks for it: free text, exact-value filters,
/// one sort key, offset paging.
package struct OpenQuery: Sendable {
    package var text: String?
    /// Item name → accepted values (any of them).
    package var filters: [String: [String]]
    /// An item name, optionally followed by ` asc` or ` desc`.
    package var sort: String?
    package var fields: [String]?
    package var limit: Int
    package var offset: Int

    package init(
        text: String? = nil, filters: [String: [String]] = [:], sort: String? = nil, fields: [String]? = nil,
        limit: Int = 100, offset: Int = 0
    ) {
        self.text = text
        self.filters = filters
        self.sort = sort
        self.fields = fields
        self.limit = limit
        self.offset = offset
    }

    package static let maxLimit = 1000
    /// How deep offset paging goes; past it, the download gives every row.
    package static let maxOffset = 100_000
    /// Rows one search may read to find text or count matches; past it the total is an estimate.
    package static let maxScan = 200_000
}

/// What the public sees of an open resource's records: masked values, and how many match.
package struct OpenPage: Sendable {
    package var resource: Resource
    package var fields: [DataItem]
    /// Items whose values are masked (their type is text to the public).
    package var masked: Set<String>
    package var rows: [[RecordValue]]
    package var total: Int
    /// The count stopped at ``OpenQuery/maxScan`` rows read.
    package var totalEstimated: Bool
}

extension DataAccess {
    /// A resource open to the public: published, and open unconditionally (无条件开放).
    /// - Throws: `notFound` alike for a missing resource and one that is not open (the public learns nothing of it).
    package func openResource(_ code: String) async throws -> Resource {
        let code = try ResourceCode(validating: code)
        guard let r = try await catalog.resource(code), r.status == .published, r.openType == .unconditional else {
            throw ZhengshuError(.notFound, "open dataset \(code) does not exist")
        }
        return r
    }

    /// Open data as the public may read it: authorise (open resources only) → fetch → mask (every item's policy; no
    /// grant lifts a mask here) → audit. Text and filters match what the public sees, never the clear values behind a
    /// mask, so a search cannot confirm a masked identifier; filtering or sorting on a masked item is refused.
    package func openRecords(_ code: String, _ q: OpenQuery, by caller: Caller) async throws -> OpenPage {
        let resource = try await openResource(code)
        guard (0...OpenQuery.maxLimit).contains(q.limit) else {
            throw ZhengshuError(
                .invalidInput, "limit must be from 0 to \(OpenQuery.maxLimit)",
                violations: [.init(field: "limit", reason: "out of range")])
        }
        guard (0...OpenQuery.maxOffset).contains(q.offset) else {
            throw ZhengshuError(
                .invalidInput, "offset must be from 0 to \(OpenQuery.maxOffset); download the dataset for every row",
                violations: [.init(field: "offset", reason: "out of range")])
        }
        let masker = try await masking.current()
        let masks = masker.masks(resource.items)
        func unmasked(_ name: String, _ parameter: String) throws(ZhengshuError) -> DataItem {
            guard let item = resource.item(named: name) else {
                throw ZhengshuError(
                    .invalidInput, "\(parameter): '\(name.prefix(60))' is not a field of \(resource.code)",
                    violations: [.init(field: parameter, reason: "unknown field '\(name.prefix(60))'")])
            }
            guard masks[item.name] == nil else {
                throw ZhengshuError(
                    .invalidInput,
                    "\(parameter): \(item.name) is masked in open data and cannot be used to \(parameter == "sort" ? "sort" : "filter")",
                    violations: [.init(field: parameter, reason: "\(item.name) is masked")])
            }
            return item
        }
        // One value per item is pushed to the store; several are matched here.
        var pushed: [String] = []
        var anyOf: [(position: Int, values: Set<String>)] = []
        var fieldNames = q.fields.map { $0.isEmpty ? resource.items.map(\.name) : $0 } ?? resource.items.map(\.name)
        for (name, values) in q.filters.sorted(by: { $0.key < $1.key }) {
            let item = try unmasked(name, "filters")
            if values.count == 1 {
                pushed.append("\(item.name):eq:\(values[0])")
            } else if !fieldNames.contains(item.name) {
                fieldNames.append(item.name)
            }
            if values.count > 1 { anyOf.append((fieldNames.firstIndex(of: item.name)!, Set(values))) }
        }
        var sort: String?
        if let raw = q.sort?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            let parts = raw.split(separator: " ", omittingEmptySubsequences: true).map { String($0) }
            guard parts.count <= 2, parts.count == 1 || ["asc", "desc"].contains(parts[1].lowercased()) else {
                throw ZhengshuError(
                    .invalidInput, "sort must be a field name, optionally followed by asc or desc",
                    violations: [.init(field: "sort", reason: "'\(raw.prefix(60))' is not 'field [asc|desc]'")])
            }
            let item = try unmasked(parts[0], "sort")
            sort = (parts.count == 2 && parts[1].lowercased() == "desc" ? "-" : "") + item.name
        }
        var query = try RecordQuery.parse(
            resource: resource, fields: fieldNames.joined(separator: ","), filters: pushed, sort: sort,
            limit: String(RecordQuery.maxLimit), cursor: nil)
        let shown = q.fields.map { $0.isEmpty ? query.fields.count : $0.count } ?? resource.items.count
        let rowMasks = query.fields.map { masks[$0.name] }
        let needle = q.text?.trimmingCharacters(in: .whitespaces).lowercased()
        let text = needle?.isEmpty == false ? needle : nil
        let scanning = text != nil || !anyOf.isEmpty || !pushed.isEmpty
        let live = try await pulls.liveSource(for: resource.code)
        var rows: [[RecordValue]] = []
        var matched = 0
        var read = 0
        var estimated = false
        var fastTotal: Int?
        if !scanning, live == nil { fastTotal = try await records.recordCount(of: resource) }
        scan: while true {
            let (page, _) = try await fetch(resource, query, live: live)
            for raw in page.rows {
                read += 1
                var row = raw
                for k in row.indices { if let m = rowMasks[k] { row[k] = masker.apply(m, row[k]) } }
                if !anyOf.allSatisfy({ $0.values.contains(row[$0.position].text) }) { continue }
                if let text, !row.contains(where: { $0.text.lowercased().contains(text) }) { continue }
                if matched >= q.offset && rows.count < q.limit { rows.append(Array(row.prefix(shown))) }
                matched += 1
                if fastTotal != nil && rows.count == q.limit && matched >= q.offset + q.limit { break scan }
                if read >= OpenQuery.maxScan {
                    estimated = page.next != nil || raw != page.rows.last
                    break scan
                }
            }
            guard let next = page.next else { break }
            query.after = next
        }
        let fields = Array(query.fields.prefix(shown))
        try await audit.appendAudit(
            caller.audit(
                "open.query", "resource:\(resource.code)", at: clock.current(),
                detail: "rows: \(rows.count); offset: \(q.offset)" + (text.map { "; q: \($0.prefix(60))" } ?? "")))
        return OpenPage(
            resource: resource, fields: fields, masked: Set(fields.map(\.name).filter { masks[$0] != nil }), rows: rows,
            total: fastTotal ?? matched, totalEstimated: estimated)
    }

    /// Audits the download, then streams every record of an open resource, masked, as CSV or JSON Lines.
    /// - Returns: the rows written.
    @discardableResult
    package func openDownload(
        _ code: String, format: ExportFormat, by caller: Caller,
        sink: ([UInt8]) async throws -> Void
    ) async throws -> Int {
        let resource = try await openResource(code)
        let masker = try await masking.current()
        let masks = masker.masks(resource.items)
        var query = try RecordQuery.parse(
            resource: resource, fields: nil, filters: [], sort: nil, limit: String(RecordQuery.maxLimit), cursor: nil)
        let names = query.fields.map(\.name)
        let rowMasks = query.fields.map { masks[$0.name] }
        let live = try await pulls.liveSource(for: resource.code)
        // The entry is durable before the first byte leaves; a download cut short writes a second one saying where.
        let total = live == nil ? String(try await records.recordCount(of: resource)) : "live"
        try await audit.appendAudit(
            caller.audit(
                "open.download", "resource:\(resource.code)", at: clock.current(),
                detail: "rows: \(total); format: \(format.rawValue)"))
        var count = 0
        do {
            try await sink(ExportEncoding.header(names, format))
            while true {
                let (page, _) = try await fetch(resource, query, live: live)
                var chunk: [UInt8] = []
                for row in page.rows {
                    let cells: [String?] = row.indices.map { k in
                        let v = rowMasks[k].map { masker.apply($0, row[k]) } ?? row[k]
                        return v == .null ? nil : v.text
                    }
                    chunk += ExportEncoding.row(cells, names: names, format)
                }
                count += page.rows.count
                if !chunk.isEmpty { try await sink(chunk) }
                guard let next = page.next else { break }
                query.after = next
            }
        } catch {
            try? await audit.appendAudit(
                caller.audit(
                    "open.download.interrupted", "resource:\(resource.code)", at: clock.current(),
                    detail: "rows sent: \(count); format: \(format.rawValue)"))
            throw error
        }
        return count
    }
}
