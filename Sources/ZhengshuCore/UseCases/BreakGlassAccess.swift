import Foundation

/// Break-glass access (紧急授权): how a bureau administrator reads a department's records in clear. Each access names
/// one resource, a reason and a time limit; where the installation requires it a second administrator approves it
/// before it opens; opening it raises an alert, and every read under it has an audit entry of its own kind
/// (`records.query.break-glass`).
package struct BreakGlassAccess: Sendable {
    let store: any BreakGlassStore
    let catalog: any CatalogStore
    let alerts: any AlertStore
    let clock: PlatformClock
    let policy: BreakGlassPolicy

    package init(
        store: any BreakGlassStore, catalog: any CatalogStore, alerts: any AlertStore, clock: PlatformClock,
        policy: BreakGlassPolicy
    ) {
        self.store = store
        self.catalog = catalog
        self.alerts = alerts
        self.clock = clock
        self.policy = policy
    }

    package static let defaultMinutes = 60

    /// An administrator asks to read `code` in clear for `minutes` (default 60), saying why.
    package func request(
        resource code: String, reason: String?, minutes: Int?, by caller: Caller
    ) async throws -> BreakGlass {
        let p = caller.principal
        try p.require(anyOf: [.admin], to: "break-glass access")
        guard p.userID != nil else {
            throw ZhengshuError(.forbidden, "break-glass access is asked for by a signed-in administrator")
        }
        let reason = (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let minutes = minutes ?? Self.defaultMinutes
        var v: [ZhengshuError.Violation] = []
        if reason.count < 10 {
            v.append(.init(field: "reason", reason: "say why the data is needed in clear (at least 10 characters)"))
        } else if reason.count > 1000 {
            v.append(.init(field: "reason", reason: "must be at most 1000 characters"))
        }
        if !(1...policy.maxMinutes).contains(minutes) {
            v.append(.init(field: "minutes", reason: "must be 1-\(policy.maxMinutes)"))
        }
        guard v.isEmpty else { throw ZhengshuError.validation(v) }
        guard let resource = try await catalog.resource(ResourceCode(trusted: String(code.prefix(100)))) else {
            throw ZhengshuError(.notFound, "resource \(code.prefix(40)) does not exist")
        }
        let now = clock.current()
        let opens = !policy.secondApproval
        let access = BreakGlass(
            resource: resource.code, department: resource.department, requestedBy: p.name, reason: reason,
            minutes: minutes, status: opens ? .active : .pending, requestedAt: now,
            expiresAt: opens ? now.addingTimeInterval(Double(minutes) * 60) : nil)
        let stored = try await store.insertBreakGlass(access) { b in
            [
                caller.audit(
                    "break-glass.request", "break-glass:\(b.id)", at: now,
                    detail: "resource: \(b.resource); minutes: \(b.minutes); reason: \(b.reason.prefix(300))")
            ] + (opens ? [Self.openEntry(b, by: caller, at: now)] : [])
        }
        if opens { try await raise(stored, at: now) }
        return stored
    }

    /// A second administrator approves a pending access (it opens for its minutes from now) or refuses it.
    package func decide(_ id: String, approve: Bool, note: String?, by caller: Caller) async throws -> BreakGlass {
        let p = caller.principal
        try p.require(anyOf: [.admin], to: "deciding break-glass access")
        let current = try await get(id, by: caller)
        guard current.requestedBy != p.name else {
            throw ZhengshuError(
                .forbidden,
                "break-glass access \(current.id) is decided by a second administrator, not the one who asked")
        }
        let now = clock.current()
        let note = note?.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300) ?? ""
        let opened = try await store.updateBreakGlass(
            current.id,
            audit: [
                caller.audit(
                    approve ? "break-glass.approve" : "break-glass.refuse", "break-glass:\(current.id)", at: now,
                    detail: "resource: \(current.resource)" + (note.isEmpty ? "" : "; note: \(note)"))
            ]
                + (approve
                    ? [Self.openEntry(current, by: caller, at: now)] : [])
        ) { b in
            guard b.status == .pending else {
                throw ZhengshuError(.conflict, "break-glass access \(b.id) is \(b.status.rawValue), not pending")
            }
            var next = b
            next.status = approve ? .active : .refused
            next.decidedBy = p.name
            next.decidedAt = now
            if approve { next.expiresAt = now.addingTimeInterval(Double(b.minutes) * 60) }
            return next
        }
        if approve { try await raise(opened, at: now) }
        return opened
    }

    /// An administrator ends an open access before its time.
    package func end(_ id: String, by caller: Caller) async throws -> BreakGlass {
        let p = caller.principal
        try p.require(anyOf: [.admin], to: "ending break-glass access")
        let current = try await get(id, by: caller)
        let now = clock.current()
        return try await store.updateBreakGlass(
            current.id,
            audit: [caller.audit("break-glass.end", "break-glass:\(current.id)", at: now)]
        ) { b in
            guard b.isOpen(at: now) || b.status == .pending else {
                throw ZhengshuError(.conflict, "break-glass access \(b.id) is no longer open")
            }
            var next = b
            next.status = .ended
            next.endedBy = p.name
            next.endedAt = now
            return next
        }
    }

    /// Every access, newest first: administrators and auditors.
    package func list(by caller: Caller) async throws -> [BreakGlass] {
        try caller.principal.require(anyOf: [.admin, .auditor], to: "reading break-glass accesses")
        return try await store.breakGlasses(requestedBy: nil, resource: nil, limit: 500)
    }

    package func get(_ id: String, by caller: Caller) async throws -> BreakGlass {
        try caller.principal.require(anyOf: [.admin, .auditor], to: "reading break-glass accesses")
        guard let n = Int64(id), let b = try await store.breakGlass(BreakGlassID(n)) else {
            throw ZhengshuError(.notFound, "break-glass access \(id.prefix(20)) does not exist")
        }
        return b
    }

    static func openEntry(_ b: BreakGlass, by caller: Caller, at now: Date) -> AuditEvent {
        caller.audit(
            "break-glass.open", "resource:\(b.resource)", at: now,
            detail: "break-glass: \(b.id); for: \(b.requestedBy); minutes: \(b.minutes)")
    }

    /// Opening an access is itself a risk the bureau watches: a high alert naming who and why.
    func raise(_ b: BreakGlass, at now: Date) async throws {
        _ = try await alerts.insertAlerts([
            RiskAlert(
                rule: .breakGlass, severity: .high, subject: b.requestedBy, department: b.department.rawValue,
                summary:
                    "break-glass access \(b.id): \(b.requestedBy) reads \(b.resource) in clear for \(b.minutes) minutes; reason: \(b.reason.prefix(200))",
                evidence: [], from: now, to: b.expiresAt ?? now, raisedAt: now, dedupeKey: "break_glass:\(b.id)")
        ])
    }
}
