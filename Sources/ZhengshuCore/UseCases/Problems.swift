import Foundation

/// Problem-data feedback (问题数据反馈): the providing department's worklist of failing values, consumers' objections
/// to values they received (校核纠错), and the bureau's rulings on disputes.
package struct Problems: Sendable {
    let catalog: any CatalogStore
    let store: any ProblemStore
    let audit: any AuditStore
    let masking: MaskerSource?
    let clock: PlatformClock

    package init(
        catalog: any CatalogStore, store: any ProblemStore, audit: any AuditStore, masking: MaskerSource? = nil,
        clock: PlatformClock
    ) {
        self.catalog = catalog
        self.store = store
        self.audit = audit
        self.masking = masking
        self.clock = clock
    }

    /// What a provider or an admin changes on a problem.
    package struct Update: Sendable {
        package var status: ProblemStatus
        /// Why a problem is disputed, or an admin's ruling.
        package var note: String?
        package init(status: ProblemStatus, note: String? = nil) {
            self.status = status
            self.note = note
        }
    }

    /// A consumer's objection to a value it received.
    package struct Objection: Sendable {
        package var rowKey: String
        package var field: String
        package var value: String?
        package var reason: String
        package init(rowKey: String, field: String, value: String? = nil, reason: String) {
            self.rowKey = rowKey
            self.field = field
            self.value = value
            self.reason = reason
        }
    }

    /// Admins and auditors see every department's problems; a provider its own department's.
    package func list(
        department: String?, resource: String?, status: String?, after: Int64, limit: Int, by caller: Caller
    ) async throws -> [Problem] {
        let scope = try scope(department, caller)
        let code = try resource.map { raw throws(ZhengshuError) in try ResourceCode(validating: raw) }
        let state = try status.map { raw throws(ZhengshuError) in
            guard let s = ProblemStatus(rawValue: raw) else {
                throw ZhengshuError(.invalidInput, "status: \(ProblemStatus.unknown(raw))")
            }
            return s
        }
        guard (1...1000).contains(limit), after >= 0 else {
            throw ZhengshuError(.invalidInput, "limit must be from 1 to 1000 and after 0 or more")
        }
        var problems = try await store.problems(
            department: scope, resource: code, status: state, after: after, limit: limit)
        let masked = try await shown(&problems, to: caller.principal)
        try await audit.appendAudit(
            caller.audit(
                "problem.read", "department:\(scope?.rawValue ?? "*")", at: clock.current(),
                detail: "problems: \(problems.count); masked: \(masked)"))
        return problems
    }

    /// Problem values are the providing department's (``Principal/readsInClear(of:)``): others (the bureau, auditors)
    /// read the value and the row's key masked as their items are. - Returns: how many were masked.
    private func shown(_ problems: inout [Problem], to p: Principal) async throws -> Int {
        let foreign = problems.indices.filter { !p.readsInClear(of: problems[$0].department) }
        guard !foreign.isEmpty else { return 0 }
        let masker = try await masking?.current() ?? .defaults
        var read: [ResourceCode: (items: [DataItem], masks: [String: FieldMask])] = [:]
        for k in foreign {
            let code = problems[k].resource
            if read[code] == nil {
                let items = try await catalog.resource(code)?.items ?? []
                read[code] = (items, masker.masks(items))
            }
            let (resource, masks) = read[code]!
            // A field or key part whose item is unknown (since removed) is hidden.
            func show(_ text: String, as name: String?) -> String {
                guard let name, resource.contains(where: { $0.name == name }) else { return text.isEmpty ? "" : "***" }
                return masker.apply(masks[name], text: text)
            }
            problems[k].value = show(problems[k].value, as: problems[k].field)
            // A resource without key items names its rows by number (`row 12`): nothing to mask.
            guard !problems[k].rowKey.hasPrefix("row ") else { continue }
            let keys = resource.filter(\.key)
            let parts = problems[k].rowKey.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            problems[k].rowKey =
                parts.count == keys.count
                ? zip(parts, keys).map { show($0, as: $1.name) }.joined(separator: "|")
                : show(problems[k].rowKey, as: keys.first?.name)
        }
        return foreign.count
    }

    /// The provider moves its problem along (acknowledged, fixed, disputed with a reason); an admin rules on a dispute
    /// (`open`: the value is wrong after all; `verified`: the value stands) with a note.
    package func update(_ id: Int64, _ update: Update, by caller: Caller) async throws -> Problem {
        let p = caller.principal
        let note = update.note?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let note, note.count > 2000 {
            throw ZhengshuError.validation([.init(field: "note", reason: "at most 2000 characters")])
        }
        let now = clock.current()
        guard let current = try await store.problem(ProblemID(id)),
            p.isAdmin || p.roles.contains(.auditor) || p.department == current.department
        else {
            throw ZhengshuError(.notFound, "problem \(id) does not exist")
        }
        let ruling = p.isAdmin && current.status == .disputed
        if !ruling { try p.requireProvider(of: current.department, to: "updating problem \(id)") }
        return try await store.updateProblem(
            ProblemID(id),
            audit: caller.audit(
                "problem.\(update.status.rawValue)", "problem:\(id)", at: now,
                detail: note.map { String($0.prefix(200)) })
        ) { problem in
            var next = problem
            if ruling {
                guard [.open, .verified].contains(update.status), let note, !note.isEmpty else {
                    throw ZhengshuError.validation([
                        .init(field: "status", reason: "a ruling on a dispute sets open or verified, with a note")
                    ])
                }
                next.note = [problem.note, "ruling: \(note)"].compactMap { $0 }.joined(separator: "\n")
            } else {
                guard problem.status.providerMoves.contains(update.status) else {
                    throw ZhengshuError(
                        .conflict,
                        "problem \(id) is \(problem.status.rawValue); it cannot become \(update.status.rawValue)")
                }
                if update.status == .disputed {
                    guard let note, !note.isEmpty else {
                        throw ZhengshuError.validation([
                            .init(field: "note", reason: "a dispute needs the reason the value is right")
                        ])
                    }
                    next.note = note
                }
            }
            next.status = update.status
            next.closedAt = update.status.isClosed ? now : nil
            return next
        }
    }

    /// A consumer objects to a value of a published resource it can see; the provider finds it in its worklist.
    package func object(to code: String, _ objection: Objection, by caller: Caller) async throws -> Problem {
        let resource = try await catalog.visibleResource(code, to: caller.principal)
        try resource.requirePublished("objections are for published data")
        try caller.principal.require(anyOf: [.consumer, .admin], to: "objecting to a value")
        var v: [ZhengshuError.Violation] = []
        if resource.item(named: objection.field) == nil {
            v.append(
                .init(field: "field", reason: "'\(objection.field.prefix(60))' is not an item of \(resource.code)"))
        }
        let rowKey = objection.rowKey.trimmingCharacters(in: .whitespaces)
        if rowKey.isEmpty || rowKey.count > 200 { v.append(.init(field: "rowKey", reason: "must be 1-200 characters")) }
        let reason = objection.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.isEmpty || reason.count > 2000 {
            v.append(.init(field: "reason", reason: "must be 1-2000 characters"))
        }
        if (objection.value?.count ?? 0) > 2000 { v.append(.init(field: "value", reason: "at most 2000 characters")) }
        guard v.isEmpty else { throw ZhengshuError.validation(v) }
        let now = clock.current()
        return try await store.insertProblem(
            Problem(
                id: ProblemID(0), resource: resource.code, department: resource.department, source: "objection",
                rowKey: rowKey,
                field: objection.field, rule: "objection", value: objection.value ?? "", reason: reason, status: .open,
                firstSeenAt: now, lastSeenAt: now, raisedBy: caller.principal.name),
            audit: caller.audit(
                "problem.object", "resource:\(resource.code)", at: now,
                detail: "row: \(rowKey.prefix(60)); field: \(objection.field)"))
    }

    /// Counts by status and the mean time to fix, per department (all for the bureau and auditors, else one's own).
    package func stats(department: String?, by caller: Caller) async throws -> [ProblemStats] {
        try await store.problemStats(department: try scope(department, caller))
    }

    private func scope(_ department: String?, _ caller: Caller) throws -> DepartmentCode? {
        let requested = try department.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        let p = caller.principal
        if p.isAdmin || p.roles.contains(.auditor) { return requested }
        try p.require(anyOf: [.provider], to: "reading problem records")
        guard let own = p.department, requested == nil || requested == own else {
            throw ZhengshuError(.forbidden, "problem records of other departments are for the bureau and auditors")
        }
        return own
    }
}
