import Foundation

/// The data sandbox (数据沙箱, 数据可用不可见): a consuming department's workspaces over masked copies of what its
/// sandbox grants cover, read-only SQL confined to one workspace, and the release of aggregate results that every
/// providing department approves and whose every group covers at least k rows.
package struct Sandbox: Sendable {
    let data: DataAccess
    let store: any SandboxStore
    let shares: any SharingStore
    let audit: any AuditStore
    package let limits: SandboxLimits
    let clock: PlatformClock

    package init(
        data: DataAccess, store: any SandboxStore, shares: any SharingStore, audit: any AuditStore,
        limits: SandboxLimits,
        clock: PlatformClock
    ) {
        self.data = data
        self.store = store
        self.shares = shares
        self.audit = audit
        self.limits = limits
        self.clock = clock
    }

    /// What a consumer asks for: a name and the sandbox grants to copy.
    package struct Draft: Sendable, Decodable {
        package var name: String
        package var grants: [Int64]
        package init(name: String, grants: [Int64]) {
            self.name = name
            self.grants = grants
        }
    }

    static let maxGrants = 20
    static let maxSQL = 20_000
    static let maxReleaseGroups = 10_000

    /// Creates a workspace and copies each grant's items into it, masked (one table per resource). A copy that fails
    /// marks the workspace failed and deletes what was copied.
    package func create(_ draft: Draft, by caller: Caller) async throws -> Workspace {
        let department = try requireConsumer(caller, "creating a sandbox workspace")
        var v: [ZhengshuError.Violation] = []
        let name = draft.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 100 { v.append(.init(field: "name", reason: "must be 1-100 characters")) }
        if draft.grants.isEmpty || draft.grants.count > Self.maxGrants {
            v.append(.init(field: "grants", reason: "must name 1-\(Self.maxGrants) sandbox grants"))
        }
        if Set(draft.grants).count != draft.grants.count {
            v.append(.init(field: "grants", reason: "names a grant twice"))
        }
        guard v.isEmpty else { throw ZhengshuError.validation(v) }
        var resources: Set<ResourceCode> = []
        for (k, id) in draft.grants.enumerated() {
            guard let g = try await shares.grant(GrantID(id)), g.consumer == department else {
                throw ZhengshuError(.forbidden, "grant \(id) is not a grant to department \(department)")
            }
            guard resources.insert(g.resource).inserted else {
                throw ZhengshuError.validation([
                    .init(field: "grants[\(k)]", reason: "a second grant of \(g.resource); one table per resource")
                ])
            }
        }
        let now = clock.current()
        var workspace = try await store.insertWorkspace(
            Workspace(
                id: WorkspaceID(0), consumer: department, name: name, createdBy: caller.principal.name, createdAt: now,
                status: .preparing, tables: []),
            audit: caller.audit(
                "sandbox.create", "department:\(department)", at: now,
                detail: "name: \(name.prefix(100)); grants: \(draft.grants.map(String.init).joined(separator: ","))"))
        do {
            for id in draft.grants {
                let wid = workspace.id
                let table = try await data.copyIntoWorkspace(wid, grant: GrantID(id), into: store, by: caller) {
                    table in
                    _ = try await store.updateWorkspace(wid, audit: nil) { w in
                        var w = w
                        if let k = w.tables.firstIndex(where: { $0.name == table.name }) {
                            w.tables[k] = table
                        } else {
                            w.tables.append(table)
                        }
                        return w
                    }
                }
                workspace = try await store.updateWorkspace(wid, audit: nil) { w in
                    var w = w
                    w.tables.removeAll { $0.name == table.name }
                    w.tables.append(table)
                    return w
                }
            }
            return try await store.updateWorkspace(
                workspace.id,
                audit: caller.audit(
                    "sandbox.ready", "workspace:\(workspace.id)", at: clock.current(),
                    detail: workspace.tables.map { "\($0.name): \($0.rows) rows" }.joined(separator: "; "))
            ) { w in
                var w = w
                w.status = .ready
                return w
            }
        } catch {
            let reason = (error as? ZhengshuError)?.message ?? "the copy failed"
            try? await store.dropWorkspaceData(workspace.id)
            _ = try? await store.updateWorkspace(workspace.id, audit: nil) { w in
                var w = w
                w.status = .failed
                w.error = reason
                w.tables = []
                return w
            }
            throw error
        }
    }

    /// The caller's department's workspaces; every one for the bureau and auditors.
    package func list(by caller: Caller) async throws -> [Workspace] {
        let p = caller.principal
        if p.isAdmin || p.roles.contains(.auditor) { return try await store.workspaces(consumer: nil) }
        guard let d = p.department else { throw ZhengshuError(.forbidden, "workspaces belong to departments") }
        return try await store.workspaces(consumer: d)
    }

    /// A workspace of the caller's department (any, for the bureau and auditors). - Throws: `notFound` otherwise.
    package func get(_ id: Int64, by caller: Caller) async throws -> Workspace {
        let p = caller.principal
        guard let w = try await store.workspace(WorkspaceID(id)),
            p.isAdmin || p.roles.contains(.auditor) || p.department == w.consumer
        else {
            throw ZhengshuError(.notFound, "workspace \(id) does not exist")
        }
        return w
    }

    /// Closes a workspace of the caller's department: its copies are deleted; its queries and releases stay on record.
    package func close(_ id: Int64, by caller: Caller) async throws -> Workspace {
        let w = try await own(id, by: caller)
        guard w.status != .closed else { return w }
        try await store.dropWorkspaceData(w.id)
        return try await store.updateWorkspace(
            w.id, audit: caller.audit("sandbox.close", "workspace:\(w.id)", at: clock.current())
        ) { w in
            var w = w
            w.status = .closed
            w.closedAt = clock.current()
            return w
        }
    }

    /// Runs one read-only statement in a workspace of the caller's department and keeps its result there. Every run
    /// is audited with its statement; a refusal too.
    package func run(_ id: Int64, sql: String, by caller: Caller) async throws -> SandboxQueryRecord {
        try await audited("sandbox.query", id, sql: sql, by: caller) {
            let w = try await own(id, by: caller)
            try await usable(w)
            guard sql.utf8.count <= Self.maxSQL else {
                throw ZhengshuError(.payloadTooLarge, "the statement is longer than \(Self.maxSQL) bytes")
            }
            try SandboxSQL.check(sql)
            let started = ContinuousClock.now
            let result = try await store.runWorkspaceQuery(w.id, sql: sql, tables: w.tables.map(\.name), limits: limits)
            let elapsed = ContinuousClock.now - started
            let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            let now = clock.current()
            return try await store.insertSandboxQuery(
                SandboxQueryRecord(
                    id: SandboxQueryID(0), workspace: w.id, sql: sql, ranBy: caller.principal.name, ranAt: now,
                    milliseconds: ms, result: result),
                audit: caller.audit(
                    "sandbox.query", "workspace:\(w.id)", at: now,
                    detail:
                        "rows: \(result.rows.count)\(result.truncated ? "+" : ""); ms: \(ms); sql: \(Self.oneLine(sql))"
                ))
        }
    }

    /// A workspace's queries and their results (its department, the bureau and auditors); reading them again is
    /// audited like running them.
    package func queries(_ id: Int64, by caller: Caller) async throws -> [SandboxQueryRecord] {
        let w = try await get(id, by: caller)
        let queries = try await store.sandboxQueries(workspace: w.id, limit: 100)
        try await audit.appendAudit(
            caller.audit(
                "sandbox.results.read", "workspace:\(w.id)", at: clock.current(),
                detail: "queries: \(queries.count); rows: \(queries.reduce(0) { $0 + $1.result.rows.count })"))
        return queries
    }

    /// Asks to take a query's result out. The statement must be a plain aggregate (``ReleaseRules``); it is run again
    /// with each group's size, and refused when a group covers fewer than k rows. Otherwise the request waits for every
    /// department whose data the workspace holds.
    package func requestRelease(
        _ id: Int64, query queryID: Int64, purpose: String, by caller: Caller
    ) async throws -> SandboxRelease {
        let w = try await own(id, by: caller)
        guard let q = try await store.sandboxQuery(SandboxQueryID(queryID)), q.workspace == w.id else {
            throw ZhengshuError(.notFound, "query \(queryID) was not run in workspace \(id)")
        }
        return try await audited("sandbox.release.request", id, sql: q.sql, by: caller) {
            let purpose = purpose.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...1000).contains(purpose.count) else {
                throw ZhengshuError.validation([.init(field: "purpose", reason: "must be 1-1000 characters")])
            }
            try await usable(w)
            let aggregate = try ReleaseRules.aggregate(q.sql)
            var sized = limits
            sized.maxRows = Self.maxReleaseGroups
            let counted = try await store.runWorkspaceQuery(
                w.id, sql: aggregate.withGroupSizes, tables: w.tables.map(\.name), limits: sized)
            if counted.truncated {
                throw ZhengshuError.validation([
                    .init(field: "query", reason: "a released result has at most \(Self.maxReleaseGroups) groups")
                ])
            }
            let sizes = counted.rows.map { row -> Int64 in if case .integer(let n) = row.first { n } else { 0 } }
            let small = ReleaseRules.smallGroups(sizes, k: limits.k)
            if let first = small.first {
                throw ZhengshuError.validation([
                    .init(
                        field: "query",
                        reason: "\(small.count) of \(sizes.count) groups cover fewer than \(limits.k) rows "
                            + "(the first is result row \(first), with \(sizes[first - 1])); every group of a released result must cover at least k = \(limits.k) rows"
                    )
                ])
            }
            try await notDifferencing(w, aggregate, limits: sized)
            let result = SandboxResult(
                columns: Array(counted.columns.dropFirst()), rows: counted.rows.map { Array($0.dropFirst()) },
                truncated: false)
            let now = clock.current()
            let read = Set(
                ((try? ReleaseRules.tokenize(q.sql)) ?? []).compactMap {
                    $0.identifier.map(SandboxSQL.unquoted)?.lowercased()
                })
            let tables = w.tables.filter { read.contains($0.name) }
            let providers = Array(Set((tables.isEmpty ? w.tables : tables).map(\.provider))).sorted {
                $0.rawValue < $1.rawValue
            }
            return try await store.insertRelease(
                SandboxRelease(
                    id: ReleaseID(0), workspace: w.id, query: q.id, consumer: w.consumer, providers: providers,
                    purpose: purpose,
                    requestedBy: caller.principal.name, requestedAt: now, status: .pending, k: limits.k,
                    smallestGroup: Int(sizes.min() ?? 0), result: result, decisions: []),
                audit: caller.audit(
                    "sandbox.release.request", "workspace:\(w.id)", at: now,
                    detail:
                        "query: \(q.id); groups: \(sizes.count); smallest: \(sizes.min() ?? 0); k: \(limits.k); providers: "
                        + providers.map(\.rawValue).joined(separator: ",")))
        }
    }

    /// A providing department's answer. Any refusal rejects the release; it is approved once every provider approves.
    package func decide(_ id: Int64, approve: Bool, reason: String?, by caller: Caller) async throws -> SandboxRelease {
        let r = try await release(id, by: caller)
        let p = caller.principal
        guard let department = p.department, p.roles.contains(.provider), r.providers.contains(department) else {
            throw ZhengshuError(
                .forbidden,
                "release \(id) is decided by providers of \(r.providers.map(\.rawValue).joined(separator: ", "))")
        }
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
        if !approve, reason == nil {
            throw ZhengshuError.validation([.init(field: "reason", reason: "a refusal states its reason")])
        }
        if let reason, reason.count > 1000 {
            throw ZhengshuError.validation([.init(field: "reason", reason: "at most 1000 characters")])
        }
        let now = clock.current()
        return try await store.updateRelease(
            r.id,
            audit: caller.audit(
                approve ? "sandbox.release.approve" : "sandbox.release.reject", "workspace:\(r.workspace)", at: now,
                detail: "release: \(r.id)" + (reason.map { "; reason: \($0.prefix(300))" } ?? ""))
        ) { r in
            guard r.status == .pending else {
                throw ZhengshuError(.conflict, "release \(r.id) is already \(r.status.rawValue)")
            }
            guard r.awaiting.contains(department) else {
                throw ZhengshuError(.conflict, "department \(department) has already decided release \(r.id)")
            }
            var r = r
            r.decisions.append(.init(department: department, by: p.name, at: now, approve: approve, reason: reason))
            r.status = !approve ? .rejected : r.awaiting.isEmpty ? .approved : .pending
            return r
        }
    }

    /// Releases the caller may see: its department's requests, those awaiting or decided by its department, every one
    /// for the bureau and auditors.
    package func releases(by caller: Caller) async throws -> [SandboxRelease] {
        let all = try await store.releases(limit: 500)
        let p = caller.principal
        let seen: [SandboxRelease]
        if p.isAdmin || p.roles.contains(.auditor) {
            seen = all
        } else {
            guard let d = p.department else { throw ZhengshuError(.forbidden, "releases belong to departments") }
            seen = all.filter { $0.consumer == d || $0.providers.contains(d) }
        }
        try await audit.appendAudit(
            caller.audit("sandbox.releases.read", "releases", at: clock.current(), detail: "releases: \(seen.count)"))
        return seen
    }

    package func release(_ id: Int64, by caller: Caller) async throws -> SandboxRelease {
        let p = caller.principal
        guard let r = try await store.release(ReleaseID(id)),
            p.isAdmin || p.roles.contains(.auditor)
                || p.department.map({ $0 == r.consumer || r.providers.contains($0) }) == true
        else {
            throw ZhengshuError(.notFound, "release \(id) does not exist")
        }
        return r
    }

    /// The approved result, for the requesting department only; the download is audited.
    package func download(_ id: Int64, by caller: Caller) async throws -> SandboxRelease {
        let r = try await release(id, by: caller)
        guard caller.principal.department == r.consumer else {
            throw ZhengshuError(.forbidden, "only department \(r.consumer) downloads its releases")
        }
        guard r.status == .approved else {
            throw ZhengshuError(
                .conflict, "release \(id) is \(r.status.rawValue); only an approved result leaves the sandbox")
        }
        try await audit.appendAudit(
            caller.audit(
                "sandbox.release.download", "workspace:\(r.workspace)", at: clock.current(),
                detail: "release: \(r.id); rows: \(r.result.rows.count)"))
        return r
    }

    /// Refuses a release whose groups, set against a group of an earlier release of the workspace that is pending or
    /// approved, leave fewer than k rows of a table in the difference (``ReleaseRules/isolation(_:against:k:)``): the
    /// workspace's data never changes, so each earlier statement is run again to learn the rows its groups cover.
    func notDifferencing(_ w: Workspace, _ aggregate: ReleaseRules.AggregateQuery, limits: SandboxLimits) async throws {
        func members(_ aggregate: ReleaseRules.AggregateQuery) async throws -> ReleaseRules.Members? {
            guard let sources = aggregate.sources,
                let sql = aggregate.withGroupMembers(identity: store.workspaceRowIdentity, list: store.workspaceList)
            else { return nil }
            let r = try await store.runWorkspaceQuery(w.id, sql: sql, tables: w.tables.map(\.name), limits: limits)
            return ReleaseRules.members(r.rows, sources: sources)
        }
        guard let groups = try await members(aggregate) else {
            throw ZhengshuError.validation([
                .init(
                    field: "query",
                    reason:
                        "a released result reads the workspace's tables by name (no subquery or function in FROM), so that the rows each group covers can be checked against the workspace's earlier releases"
                )
            ])
        }
        var earlier: [(release: ReleaseID, groups: ReleaseRules.Members)] = []
        for r in try await store.releases(of: w.id) where r.status != .rejected {
            guard let q = try await store.sandboxQuery(r.query),
                let theirs = try? ReleaseRules.aggregate(q.sql), let groups = try await members(theirs)
            else { continue }
            earlier.append((r.id, groups))
        }
        if let i = ReleaseRules.isolation(groups, against: earlier, k: limits.k) {
            throw ZhengshuError.validation([
                .init(
                    field: "query",
                    reason:
                        "set against release \(i.release) of this workspace, the group of result row \(i.group) and that release's group of result row \(i.earlierGroup) differ by \(i.rows) row\(i.rows == 1 ? "" : "s") of \(i.table): subtracting one from the other would give \(i.rows == 1 ? "that row's" : "those rows'") values; groups of a workspace's releases must differ by no rows or by at least k = \(limits.k)"
                )
            ])
        }
    }

    // MARK: -

    func requireConsumer(_ caller: Caller, _ action: String) throws -> DepartmentCode {
        let p = caller.principal
        guard p.roles.contains(.consumer), !p.isMember, let d = p.department else {
            throw ZhengshuError(.forbidden, "\(action) is for consuming departments' users")
        }
        return d
    }

    /// A workspace of the caller's department, for its consumers. - Throws: `notFound` for another department's.
    func own(_ id: Int64, by caller: Caller) async throws -> Workspace {
        let department = try requireConsumer(caller, "working in a sandbox workspace")
        guard let w = try await store.workspace(WorkspaceID(id)), w.consumer == department else {
            throw ZhengshuError(.notFound, "workspace \(id) does not exist")
        }
        return w
    }

    /// The workspace is ready and every grant it was copied under still works (a revoked or expired grant stops it).
    func usable(_ w: Workspace) async throws {
        guard w.status == .ready else { throw ZhengshuError(.conflict, "workspace \(w.id) is \(w.status.rawValue)") }
        let now = clock.current()
        for t in w.tables {
            guard let g = try await shares.grant(t.grant) else {
                throw ZhengshuError(.forbidden, "grant \(t.grant) no longer exists")
            }
            if let why = g.unusableReason(at: now) {
                throw ZhengshuError(.forbidden, "\(why); the workspace's copy of \(t.resource) may not be used")
            }
        }
    }

    /// Runs `body`; a refusal is audited (with the statement) before it is returned.
    func audited<T>(
        _ action: String, _ workspace: Int64, sql: String, by caller: Caller, _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let e as ZhengshuError where e.code != .internalFailure {
            try? await audit.appendAudit(
                caller.audit(
                    "\(action).denied", "workspace:\(workspace)", at: clock.current(),
                    detail: "\(e.code): \(e.message.prefix(300)); sql: \(Self.oneLine(sql))"))
            throw e
        }
    }

    static func oneLine(_ sql: String) -> String {
        String(sql.split(whereSeparator: \.isNewline).joined(separator: " ").prefix(1000))
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
