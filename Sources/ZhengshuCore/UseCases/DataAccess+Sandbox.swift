import Foundation

extension DataAccess {
    /// Copies what a sandbox grant covers into a workspace (the data exit of the sandbox): authorised by the grant,
    /// every granted item fetched a page at a time, masked per policy (items granted in clear stay clear), counted
    /// against the grant's quota and audited as `sandbox.copy`.
    /// - Parameter progress: called after each page with the rows copied so far.
    /// - Returns: the table as copied.
    func copyIntoWorkspace(
        _ workspace: WorkspaceID, grant grantID: GrantID, into store: any SandboxStore, by caller: Caller,
        progress: @Sendable (WorkspaceTable) async throws -> Void
    ) async throws -> WorkspaceTable {
        guard let known = try await shares.grant(grantID), known.consumer == caller.principal.department else {
            throw ZhengshuError(
                .forbidden,
                "grant \(grantID) is not a grant to department \(caller.principal.department?.rawValue ?? "-")")
        }
        let requestHash = "workspace:\(workspace)"
        return try await denialsAudited("sandbox.copy", known.resource.rawValue, requestHash: requestHash, by: caller) {
            let a = try await authorise(known.resource.rawValue, .sandbox, String(grantID.rawValue), by: caller)
            var (query, masks) = try Self.grantedQuery(a, RecordQueryParameters())
            query.limit = Self.exportPage
            let remaining = try checkQuota(a)
            let columns = query.fields.map {
                WorkspaceColumn(
                    name: $0.name, type: masks[$0.name] == nil ? $0.type : .string, masked: masks[$0.name] != nil)
            }
            var table = WorkspaceTable(
                name: WorkspaceTable.name(for: a.resource.code), resource: a.resource.code, grant: a.grant.id,
                provider: a.grant.provider, columns: columns, rows: 0)
            try await store.createWorkspaceTable(workspace, table: table.name, columns: columns)
            repeat {
                var (page, _) = try await fetch(a.resource, query, live: a.live)
                guard table.rows + page.rows.count <= remaining else {
                    throw ZhengshuError(
                        .tooManyRequests,
                        "the resource has more rows than grant \(a.grant.id) may still give today (\(remaining))")
                }
                a.masker.apply(masks, fields: page.fields, to: &page.rows)
                try await store.appendWorkspaceRows(workspace, table: table.name, columns: columns, rows: page.rows)
                table.rows += page.rows.count
                try await progress(table)
                query.after = page.next
            } while query.after != nil
            _ = try await shares.recordShareUse(
                a.grant, day: a.day, rows: table.rows,
                audit: caller.audit(
                    "sandbox.copy", "resource:\(a.resource.code)", at: clock.current(),
                    detail: Self.detail(
                        a.grant, rows: table.rows, items: columns.map(\.name),
                        extra:
                            "workspace: \(workspace); masked: \(columns.filter(\.masked).map(\.name).joined(separator: ","))",
                        requestHash: requestHash)))
            return table
        }
    }
}
