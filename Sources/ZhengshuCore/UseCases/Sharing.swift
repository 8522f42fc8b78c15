import Foundation

/// How an installation runs the sharing workflow.
package struct SharingPolicy: Sendable, Hashable {
    /// The bureau's compliance review of every application (off: passed automatically, recorded as such).
    package var complianceReview: Bool
    package var deadlines: ShareDeadlines

    package init(complianceReview: Bool = true, deadlines: ShareDeadlines = ShareDeadlines()) {
        self.complianceReview = complianceReview
        self.deadlines = deadlines
    }
}

/// Sharing and exchange (共享交换): applications, approvals, disputes, grants, system accounts and the calendar
/// deadlines are counted in. Reading granted data goes through ``DataAccess``.
package struct Sharing: Sendable {
    let catalog: any CatalogStore
    let records: any RecordStore
    let store: any SharingStore
    let accounts: any SystemAccountStore
    let audit: any AuditStore
    let clock: PlatformClock
    package var meter: any PlatformMeter = NoMeter()
    let policy: SharingPolicy
    /// The masking policies, for what an approval releases together (``inference(of:terms:)``).
    let masking: MaskerSource?

    package init(
        catalog: any CatalogStore, records: any RecordStore, store: any SharingStore, accounts: any SystemAccountStore,
        audit: any AuditStore, clock: PlatformClock, policy: SharingPolicy = SharingPolicy(),
        masking: MaskerSource? = nil
    ) {
        self.masking = masking
        self.audit = audit
        self.catalog = catalog
        self.records = records
        self.store = store
        self.accounts = accounts
        self.clock = clock
        self.policy = policy
    }

    static let maxText = 1000

    // MARK: Applications

    /// A consumer department applies for a published resource of another department; a registered member of the
    /// public applies for a resource open on condition (有条件开放), through the same steps.
    package func apply(_ draft: ApplicationDraft, by caller: Caller) async throws -> ShareApplication {
        let p = caller.principal
        if !p.isMember { try p.require(anyOf: [.consumer], to: "applying for shared data") }
        guard let consumer = p.department, p.userID != nil else {
            throw ZhengshuError(.forbidden, "applications are made by a department's people, not by system accounts")
        }
        guard let code = draft.resource else {
            throw ZhengshuError.validation([.init(field: "resource", reason: "is required")])
        }
        let resource: Resource
        if p.isMember {
            resource = try await conditionallyOpen(code)
            if let services = draft.services, services != [.query] {
                throw ZhengshuError.validation([
                    .init(field: "services", reason: "members of the public apply for query only")
                ])
            }
        } else {
            resource = try await catalog.visibleResource(code, to: p)
            try resource.requirePublished("only published resources can be applied for")
            guard resource.department != consumer else {
                throw ZhengshuError(
                    .conflict,
                    "resource \(resource.code) is your own department's; read it through /api/v1/resources/\(resource.code)/records"
                )
            }
        }
        let now = clock.current()
        var a = ShareApplication(
            id: ApplicationID(0), resource: resource.code, provider: resource.department, consumer: consumer,
            applicant: p.name, items: [], services: [], purpose: "", legalBasis: "", serviceItem: nil,
            validFrom: CivilDate(chinaTime: now), validUntil: CivilDate(chinaTime: now), expectedRowsPerDay: nil,
            status: .review, dueAt: nil, needsBureauApproval: false, history: [], createdAt: now, updatedAt: now)
        a.channel = p.isMember ? .open : .sharing
        try Self.fill(&a, from: draft, resource: resource, today: CivilDate(chinaTime: now), creating: true)
        try await start(&a, resource: resource, action: "submit", caller: caller, at: now)
        let (stored, _) = try await store.insertApplication(
            a,
            audit: caller.audit(
                "application.submit", "resource:\(resource.code)", at: now,
                detail: "items: \(a.items.joined(separator: ",")); status: \(a.status.rawValue)"))
        return stored
    }

    /// A published resource open on condition. - Throws: `notFound` for one that is not open at all (the public learns
    /// nothing of it), `conflict` for one open to everyone (no application needed).
    func conditionallyOpen(_ raw: String) async throws -> Resource {
        let code = try ResourceCode(validating: raw)
        guard let r = try await catalog.resource(code), r.status == .published, r.openType != .none else {
            throw ZhengshuError(.notFound, "open dataset \(code) does not exist")
        }
        guard r.openType == .conditional else {
            throw ZhengshuError(
                .conflict,
                "open dataset \(code) is open to everyone; download it from /open/datasets/\(code) without applying")
        }
        return r
    }

    /// Checks and copies the draft's fields (all required on creation; on resubmission only those given).
    static func fill(
        _ a: inout ShareApplication, from d: ApplicationDraft, resource: Resource, today: CivilDate, creating: Bool
    ) throws {
        var v: [ZhengshuError.Violation] = []
        if let items = d.items {
            if items.isEmpty { v.append(.init(field: "items", reason: "name at least one item")) }
            for (k, name) in items.enumerated() where resource.item(named: name) == nil {
                v.append(
                    .init(field: "items", row: k, reason: "'\(name.prefix(60))' is not an item of \(resource.code)"))
            }
            if Set(items).count != items.count { v.append(.init(field: "items", reason: "names an item twice")) }
            a.items = items
        } else if creating {
            v.append(.init(field: "items", reason: "is required: the items the use needs (a subset)"))
        }
        if let services = d.services {
            if services.isEmpty {
                v.append(.init(field: "services", reason: "name at least one of query, verify, export, subscribe"))
            }
            a.services = Array(Set(services)).sorted()
        } else if creating {
            a.services = [.query]
        }
        if let purpose = d.purpose?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if purpose.isEmpty || purpose.count > maxText {
                v.append(.init(field: "purpose", reason: "must be 1-\(maxText) characters"))
            }
            a.purpose = purpose
        } else if creating {
            v.append(.init(field: "purpose", reason: "is required: what the data is used for"))
        }
        if let basis = d.legalBasis?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if basis.count > maxText {
                v.append(.init(field: "legalBasis", reason: "must be at most \(maxText) characters"))
            }
            a.legalBasis = basis
        }
        if let item = d.serviceItem?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if item.count > 200 { v.append(.init(field: "serviceItem", reason: "must be at most 200 characters")) }
            a.serviceItem = item.isEmpty ? nil : item
        }
        if a.legalBasis.isEmpty && a.serviceItem == nil {
            v.append(
                .init(field: "legalBasis", reason: "give the legal basis or the related service item (serviceItem)"))
        }
        if let from = d.validFrom { a.validFrom = from } else if creating { a.validFrom = today }
        if let until = d.validUntil {
            a.validUntil = until
        } else if creating {
            a.validUntil = a.validFrom.adding(days: 364)
        }
        if a.validFrom < today { v.append(.init(field: "validFrom", reason: "must be today (\(today)) or later")) }
        if a.validUntil < a.validFrom { v.append(.init(field: "validUntil", reason: "must not be before validFrom")) }
        if a.validFrom.adding(days: 5 * 366) < a.validUntil {
            v.append(.init(field: "validUntil", reason: "a grant lasts at most 5 years"))
        }
        if let rows = d.expectedRowsPerDay {
            if rows < 0 || rows > 100_000_000 {
                v.append(.init(field: "expectedRowsPerDay", reason: "must be 0-100000000"))
            }
            a.expectedRowsPerDay = rows
        }
        guard v.isEmpty else { throw ZhengshuError.validation(v) }
    }

    /// Puts a (re)submitted application on its first step: refused for a resource that is not shared, else the
    /// compliance review (or past it, when the installation has it off).
    func start(
        _ a: inout ShareApplication, resource: Resource, action: String, caller: Caller, at now: Date
    ) async throws {
        a.needsBureauApproval = resource.gradeLevel >= .important || resource.sensitivity == .l4
        a.escalatedAt = nil
        a.terms = GrantTerms()
        a.history.append(event(action, caller, .review, nil, now))
        if a.isOpenData && resource.openType != .conditional {
            try await move(
                &a, to: .refused, "refuse", reason: "resource \(resource.code) is no longer open on condition (有条件开放)",
                actor: nil, at: now)
        } else if !a.isOpenData && resource.shareType == .none {
            let basis =
                resource.shareCondition.map { "it is not shared (不予共享) under \($0)" } ?? "it is not shared (不予共享)"
            try await move(
                &a, to: .refused, "refuse", reason: "resource \(resource.code): \(basis)", actor: nil, at: now)
        } else if policy.complianceReview {
            try await move(&a, to: .review, nil, reason: nil, actor: nil, at: now)
        } else {
            a.history.append(
                ApplicationEvent(
                    at: now, actor: "system", department: nil, action: "review.skip", status: .review,
                    reason: "compliance review is off in this installation"))
            try await advance(&a, from: .review, resource: resource, at: now)
        }
    }

    /// The step after an approved `step`.
    func advance(
        _ a: inout ShareApplication, from step: ApplicationStatus, resource: Resource, at now: Date
    ) async throws {
        switch step {
        case .review where resource.shareType == .conditional || a.isOpenData:
            try await move(&a, to: .provider, nil, reason: nil, actor: nil, at: now)
        case .review, .provider, .disputed:
            try await move(
                &a, to: a.needsBureauApproval ? .bureauApproval : .granted, nil, reason: nil, actor: nil, at: now)
        default:
            try await move(&a, to: .granted, nil, reason: nil, actor: nil, at: now)
        }
    }

    /// Sets the status and the new step's deadline; `action` (when given) is recorded in the history.
    func move(
        _ a: inout ShareApplication, to status: ApplicationStatus, _ action: String?, reason: String?, actor: Caller?,
        at now: Date
    ) async throws {
        a.status = status
        a.updatedAt = now
        a.escalatedAt = nil
        let d = policy.deadlines
        let days: Int? =
            switch status {
            case .review: d.review
            case .provider: try await providerDays(a.resource)
            case .bureauApproval: d.bureauApproval
            case .disputed: d.dispute
            default: nil
            }
        if let days {
            a.dueAt = WorkingCalendar(try await store.calendarDays()).deadline(after: now, workingDays: days)
        } else {
            a.dueAt = nil
        }
        if let action { a.history.append(event(action, actor, status, reason, now)) }
    }

    func providerDays(_ code: ResourceCode) async throws -> Int {
        guard let r = try await catalog.resource(code) else { return policy.deadlines.providerWithoutData }
        return try await records.recordCount(of: r) > 0
            ? policy.deadlines.provider : policy.deadlines.providerWithoutData
    }

    func event(
        _ action: String, _ caller: Caller?, _ status: ApplicationStatus, _ reason: String?, _ at: Date
    ) -> ApplicationEvent {
        ApplicationEvent(
            at: at, actor: caller?.principal.name ?? "system", department: caller?.principal.department?.rawValue,
            action: action, status: status, reason: reason)
    }

    /// Approves or rejects the pending step: the bureau reviews, approves a second time and rules on disputes; the
    /// providing department answers conditional applications. A rejection must give its reason.
    package func decide(
        _ id: Int64, _ decision: ApplicationDecision, by caller: Caller
    ) async throws -> (ShareApplication, Grant?) {
        let current = try await visibleApplication(id, to: caller)
        let p = caller.principal
        let step = current.status
        switch step {
        case .review, .bureauApproval, .disputed:
            try p.require(anyOf: [.admin], to: "deciding the \(step.rawValue) step of an application")
        case .provider:
            guard p.roles.contains(.provider), p.department == current.provider else {
                throw ZhengshuError(
                    .forbidden, "only a provider of department \(current.provider) answers this application")
            }
        default:
            throw ZhengshuError(.conflict, "application \(id) is \(step.rawValue); there is nothing to decide")
        }
        let reason = decision.reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if !decision.approve, reason?.isEmpty ?? true {
            throw ZhengshuError.validation([.init(field: "reason", reason: "a rejection must give its reason")])
        }
        if let reason, reason.count > Self.maxText {
            throw ZhengshuError.validation([
                .init(field: "reason", reason: "must be at most \(Self.maxText) characters")
            ])
        }
        let resource = try await requireResource(current.resource)
        if let terms = decision.terms { try Self.validate(terms, items: current.items, services: current.services) }
        let now = clock.current()
        // The next state is worked out here (it needs the calendar); the store re-checks that nothing moved meanwhile.
        var next = current
        next.terms = next.terms.merged(with: decision.terms)
        let name = step == .disputed ? "ruling" : step.rawValue
        var onPurpose = ""
        if decision.approve {
            // Items granted in clear that rebuild a masked identifier: the approver masks one of them or confirms.
            let restored = try await inference(of: current, terms: next.terms, resource: resource).filter {
                $0.restoredByClearItems
            }
            let confirmed = Set(next.terms.clearOnPurpose ?? [])
            if let open = restored.first(where: { !Set($0.clearItems).isSubset(of: confirmed) }) {
                throw ZhengshuError(
                    .conflict,
                    "item \(open.item) is masked, but \(open.clearItems.joined(separator: ", ")) granted in clear leave "
                        + "about \(open.candidates) possible values of it: mask one of them, or confirm they are granted "
                        + "in clear on purpose (terms.clearOnPurpose)")
            }
            if !restored.isEmpty {
                onPurpose =
                    "; clear on purpose: "
                    + restored.map { "\($0.clearItems.joined(separator: ",")) (rebuild \($0.item))" }.joined(
                        separator: "; ")
            }
            next.history.append(
                event(step == .disputed ? "ruling.overturn" : "\(name).approve", caller, step, reason, now))
            try await advance(&next, from: step, resource: resource, at: now)
        } else {
            try await move(
                &next, to: .rejected, step == .disputed ? "ruling.uphold" : "\(name).reject", reason: reason,
                actor: caller, at: now)
        }
        let decided = next
        return try await store.updateApplication(
            ApplicationID(id),
            audit: caller.audit(
                "application.\(decision.approve ? "approve" : "reject")", "application:\(id)", at: now,
                detail: "step: \(step.rawValue); status: \(decided.status.rawValue)\(onPurpose)")
        ) { stored in
            guard stored.status == step, stored.updatedAt == current.updatedAt else {
                throw ZhengshuError(
                    .conflict, "application \(id) changed meanwhile (now \(stored.status.rawValue)); reload it")
            }
            return decided
        }
    }

    /// What the masks of an application's items become when they are released together under `terms`, and which
    /// items in clear would rebuild a masked identifier (``InferenceGuard``): the approval screen shows it.
    package func inference(
        of application: ShareApplication, terms: GrantTerms? = nil, resource: Resource? = nil
    ) async throws -> [InferenceGuard.Finding] {
        let masker = try await masking?.current() ?? .defaults
        let found: Resource? = if let resource { resource } else { try await catalog.resource(application.resource) }
        guard let resource = found else { return [] }
        return masker.secured(
            resource.items.filter { application.items.contains($0.name) },
            clear: Set((terms ?? application.terms).clearItems ?? [])
        ).findings
    }

    static func validate(_ t: GrantTerms, items: [String], services: [ShareService]) throws {
        var v: [ZhengshuError.Violation] = []
        for name in t.clearOnPurpose ?? [] where !(t.clearItems ?? []).contains(name) {
            v.append(
                .init(field: "terms.clearOnPurpose", reason: "'\(name.prefix(60))' is not an item granted in clear"))
        }
        for name in t.clearItems ?? [] where !items.contains(name) {
            v.append(.init(field: "terms.clearItems", reason: "'\(name.prefix(60))' is not an item applied for"))
        }
        if let c = t.callsPerDay, !(1...10_000_000).contains(c) {
            v.append(.init(field: "terms.callsPerDay", reason: "must be 1-10000000"))
        }
        if let r = t.rowsPerDay, !(1...1_000_000_000).contains(r) {
            v.append(.init(field: "terms.rowsPerDay", reason: "must be 1-1000000000"))
        }
        if let n = t.verifyTuplesPerMinute, !(1...1_000_000).contains(n) {
            v.append(.init(field: "terms.verifyTuplesPerMinute", reason: "must be 1-1000000"))
        }
        if let n = t.verifyTuplesPerDay, !(1...100_000_000).contains(n) {
            v.append(.init(field: "terms.verifyTuplesPerDay", reason: "must be 1-100000000"))
        }
        for name in t.verifyRequires ?? [] where !items.contains(name) {
            v.append(.init(field: "terms.verifyRequires", reason: "'\(name.prefix(60))' is not an item applied for"))
        }
        if let s = t.services {
            if s.isEmpty { v.append(.init(field: "terms.services", reason: "must keep at least one service")) }
            for service in s where !services.contains(service) {
                v.append(.init(field: "terms.services", reason: "\(service.rawValue) was not applied for"))
            }
        }
        guard v.isEmpty else { throw ZhengshuError.validation(v) }
    }

    /// The consumer takes back a pending application.
    package func withdraw(_ id: Int64, reason: String?, by caller: Caller) async throws -> ShareApplication {
        try await consumerStep(id, "withdraw", from: { $0.isPending }, by: caller) { a, now in
            try await move(&a, to: .withdrawn, "withdraw", reason: reason, actor: caller, at: now)
        }
    }

    /// The consumer contests a provider's refusal; the bureau rules.
    package func dispute(_ id: Int64, reason: String?, by caller: Caller) async throws -> ShareApplication {
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard (1...Self.maxText).contains(reason.count) else {
            throw ZhengshuError.validation([
                .init(field: "reason", reason: "say why the refusal is contested (1-\(Self.maxText) characters)")
            ])
        }
        return try await consumerStep(id, "dispute", from: { $0 == .rejected }, by: caller) { a, now in
            guard a.history.last?.action == "provider.reject" else {
                throw ZhengshuError(
                    .conflict, "only a providing department's refusal can be disputed; resubmit instead")
            }
            try await move(&a, to: .disputed, "dispute", reason: reason, actor: caller, at: now)
        }
    }

    /// The consumer sends a rejected, refused or withdrawn application again, changed as `draft` says.
    package func resubmit(_ id: Int64, _ draft: ApplicationDraft, by caller: Caller) async throws -> ShareApplication {
        try await consumerStep(id, "resubmit", from: { [.rejected, .refused, .withdrawn].contains($0) }, by: caller) {
            a, now in
            let resource = try await requireResource(a.resource)
            try resource.requirePublished("it can no longer be applied for")
            if draft.resource != nil, draft.resource != a.resource.rawValue {
                throw ZhengshuError.validation([
                    .init(field: "resource", reason: "a resubmission keeps its resource; apply anew for another")
                ])
            }
            try Self.fill(&a, from: draft, resource: resource, today: CivilDate(chinaTime: now), creating: false)
            try await start(&a, resource: resource, action: "resubmit", caller: caller, at: now)
        }
    }

    func consumerStep(
        _ id: Int64, _ action: String, from allowed: (ApplicationStatus) -> Bool, by caller: Caller,
        _ body: (inout ShareApplication, Date) async throws -> Void
    ) async throws -> ShareApplication {
        let current = try await visibleApplication(id, to: caller)
        let p = caller.principal
        guard p.roles.contains(.consumer) || p.isMember, p.department == current.consumer, p.userID != nil else {
            throw ZhengshuError(
                .forbidden, "only a consumer of department \(current.consumer) may \(action) this application")
        }
        guard allowed(current.status) else {
            throw ZhengshuError(
                .conflict,
                "application \(id) is \(current.status.rawValue); it cannot be \(action == "withdraw" ? "withdrawn" : action + "d") now"
            )
        }
        let now = clock.current()
        var next = current
        try await body(&next, now)
        let done = next
        return try await store.updateApplication(
            ApplicationID(id),
            audit: caller.audit(
                "application.\(action)", "application:\(id)", at: now,
                detail: "status: \(done.status.rawValue)")
        ) { stored in
            guard stored.updatedAt == current.updatedAt else {
                throw ZhengshuError(
                    .conflict, "application \(id) changed meanwhile (now \(stored.status.rawValue)); reload it")
            }
            return done
        }.0
    }

    /// Marks every overdue step as escalated to the bureau, once per step (the scheduler calls this).
    package func escalateOverdue() async throws -> [ShareApplication] {
        let now = clock.current()
        var escalated: [ShareApplication] = []
        for a in try await store.applications(ApplicationFilter(overdueAt: now, limit: 1000)) where a.escalatedAt == nil
        {
            let caller = Self.scheduler
            let (next, _) = try await store.updateApplication(
                a.id,
                audit: caller.audit(
                    "application.escalate", "application:\(a.id)", at: now,
                    detail: "step: \(a.status.rawValue) was due \(a.dueAt.map { Int64($0.millis) } ?? 0)")
            ) { stored in
                guard stored.status == a.status, stored.escalatedAt == nil else { return stored }
                var s = stored
                s.escalatedAt = now
                s.history.append(
                    ApplicationEvent(
                        at: now, actor: "system", department: nil, action: "escalate", status: s.status,
                        reason: "the \(s.status.rawValue) step is overdue; escalated to the data bureau"))
                return s
            }
            escalated.append(next)
        }
        return escalated
    }

    static let scheduler = Caller(
        Principal(kind: .localOperator, name: "scheduler", roles: [.admin], department: nil), requestID: "scheduler")

    package func application(_ id: Int64, by caller: Caller) async throws -> ShareApplication {
        try await visibleApplication(id, to: caller)
    }

    /// The bureau and auditors see every application; a department those it made or received.
    package func applications(_ filter: ApplicationFilter, by caller: Caller) async throws -> [ShareApplication] {
        var f = filter
        guard (1...1000).contains(f.limit) else { throw ZhengshuError(.invalidInput, "limit must be from 1 to 1000") }
        let p = caller.principal
        if !p.isAdmin && !p.roles.contains(.auditor) {
            guard let own = p.department else {
                throw ZhengshuError(.forbidden, "listing applications needs a department")
            }
            if let d = f.department ?? f.consumer ?? f.provider, d != own {
                throw ZhengshuError(
                    .forbidden, "applications of department \(d) are for that department, the bureau and auditors")
            }
            if f.consumer == nil && f.provider == nil { f.department = own }
        }
        return try await store.applications(f)
    }

    func visibleApplication(_ id: Int64, to caller: Caller) async throws -> ShareApplication {
        let p = caller.principal
        guard let a = try await store.application(ApplicationID(id)),
            p.isAdmin || p.roles.contains(.auditor) || p.department == a.consumer || p.department == a.provider
        else { throw ZhengshuError(.notFound, "application \(id) does not exist") }
        return a
    }

    func requireResource(_ code: ResourceCode) async throws -> Resource {
        guard let r = try await catalog.resource(code) else {
            throw ZhengshuError(.conflict, "resource \(code) no longer exists")
        }
        return r
    }

    // MARK: Grants

    package func grants(
        consumer: String?, provider: String?, resource: String?, by caller: Caller
    ) async throws -> [Grant] {
        var c = try consumer.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        let pr = try provider.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        let r = try resource.map { raw throws(ZhengshuError) in try ResourceCode(validating: raw) }
        let p = caller.principal
        if !p.isAdmin && !p.roles.contains(.auditor) {
            guard let own = p.department else { throw ZhengshuError(.forbidden, "listing grants needs a department") }
            if c == nil && pr == nil { c = own }
            guard c == own || pr == own else {
                throw ZhengshuError(
                    .forbidden, "grants of other departments are for those departments, the bureau and auditors")
            }
        }
        return try await store.grants(consumer: c, provider: pr, resource: r)
    }

    package func grant(_ id: Int64, by caller: Caller) async throws -> Grant {
        let p = caller.principal
        guard let g = try await store.grant(GrantID(id)),
            p.isAdmin || p.roles.contains(.auditor) || p.department == g.consumer || p.department == g.provider
        else { throw ZhengshuError(.notFound, "grant \(id) does not exist") }
        return g
    }

    package enum GrantAction: String, Sendable, CaseIterable, Vocabulary { case suspend, resume, revoke }

    /// The providing department or the bureau suspends, resumes or revokes a grant; it takes effect on the next call.
    package func change(
        grant id: Int64, _ action: GrantAction, reason: String?, by caller: Caller
    ) async throws -> Grant {
        let g = try await grant(id, by: caller)
        try caller.principal.requireProvider(
            of: g.provider, to: "\(action.rawValue == "resume" ? "resuming" : action.rawValue + "ing") grant \(id)")
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if action != .resume, reason?.isEmpty ?? true {
            throw ZhengshuError.validation([
                .init(field: "reason", reason: "say why the grant is \(action == .suspend ? "suspended" : "revoked")")
            ])
        }
        let now = clock.current()
        return try await store.updateGrant(
            GrantID(id),
            audit: caller.audit(
                "grant.\(action.rawValue)", "grant:\(id)", at: now,
                detail: "resource: \(g.resource); consumer: \(g.consumer)")
        ) { current in
            var next = current
            switch (action, current.status) {
            case (_, .revoked): throw ZhengshuError(.conflict, "grant \(id) is revoked; a new application is needed")
            case (.suspend, .active): next.status = .suspended
            case (.resume, .suspended): next.status = .active
            case (.revoke, _): next.status = .revoked
            default:
                throw ZhengshuError(
                    .conflict,
                    "grant \(id) is \(current.status.rawValue); it cannot be \(action == .suspend ? "suspended" : "resumed")"
                )
            }
            next.statusReason = reason
            next.updatedAt = now
            return next
        }
    }

    /// Calls and rows per grant and day; a department sees what it consumes and provides.
    package func usage(from: String?, to: String?, department: String?, by caller: Caller) async throws -> [ShareUsage]
    {
        let today = CivilDate(chinaTime: clock.current())
        func day(_ raw: String?, _ name: String, _ fallback: CivilDate) throws -> CivilDate {
            guard let raw else { return fallback }
            guard let d = CivilDate(iso: raw) else {
                throw ZhengshuError(.invalidInput, "\(name): '\(raw.prefix(20))' is not a date YYYY-MM-DD")
            }
            return d
        }
        let start = try day(from, "from", today.adding(days: -29)), end = try day(to, "to", today)
        guard start <= end, start.adding(days: 366) >= end else {
            throw ZhengshuError(.invalidInput, "from..to must be 1-367 days in order")
        }
        var d = try department.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        let p = caller.principal
        if !p.isAdmin && !p.roles.contains(.auditor) {
            guard let own = p.department, d == nil || d == own else {
                throw ZhengshuError(
                    .forbidden, "sharing statistics of other departments are for the bureau and auditors")
            }
            d = own
        }
        return try await store.shareUsage(from: start, to: end, department: d)
    }

    // MARK: System accounts

    /// A consumer of the department (or the bureau) creates an account. - Returns: the account and its key, shown once.
    package func createSystemAccount(
        _ draft: SystemAccountDraft, by caller: Caller
    ) async throws -> (SystemAccount, key: String) {
        let p = caller.principal
        let department =
            try draft.department.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
            ?? p.department
        guard let department else {
            throw ZhengshuError.validation([.init(field: "department", reason: "is required")])
        }
        try requireAccountManager(of: department, caller)
        var v: [ZhengshuError.Violation] = []
        let name = draft.name ?? ""
        if !SystemAccount.validName(name) {
            v.append(.init(field: "name", reason: "must be 1-48 lower-case letters, digits, '-' or '_'"))
        }
        if let d = draft.description, d.count > 200 {
            v.append(.init(field: "description", reason: "must be at most 200 characters"))
        }
        let networks = draft.networks ?? []
        for (k, n) in networks.enumerated() where IPNetwork(n) == nil {
            v.append(
                .init(field: "networks", row: k, reason: "'\(n.prefix(60))' is not an address or network (10.3.0.0/16)")
            )
        }
        guard v.isEmpty else { throw ZhengshuError.validation(v) }
        let key = SystemKey.generate()
        let now = clock.current()
        let account = SystemAccount(
            id: SystemAccountID(0), department: department, name: name, description: draft.description,
            keyPrefix: SystemKey.displayPrefix(key), networks: networks, createdBy: p.name, createdAt: now)
        let stored = try await accounts.insertSystemAccount(
            account, keyHash: SystemKey.hash(key),
            audit: caller.audit(
                "system-account.create", "department:\(department)", at: now,
                detail: "name: \(name); networks: \(networks.joined(separator: ","))"))
        return (stored, key)
    }

    /// Replaces the key (the old one stops at once). - Returns: the account and the new key, shown once.
    package func rotateSystemAccount(_ id: Int64, by caller: Caller) async throws -> (SystemAccount, key: String) {
        let account = try await systemAccount(id, by: caller)
        try requireAccountManager(of: account.department, caller)
        let key = SystemKey.generate()
        let now = clock.current()
        let next = try await accounts.updateSystemAccount(
            account.id, keyHash: SystemKey.hash(key),
            audit: caller.audit("system-account.rotate", "system-account:\(id)", at: now)
        ) { current in
            guard current.revokedAt == nil else { throw ZhengshuError(.conflict, "system account \(id) is revoked") }
            var next = current
            next.keyPrefix = SystemKey.displayPrefix(key)
            next.rotatedAt = now
            return next
        }
        return (next, key)
    }

    package func revokeSystemAccount(_ id: Int64, by caller: Caller) async throws -> SystemAccount {
        let account = try await systemAccount(id, by: caller)
        try requireAccountManager(of: account.department, caller)
        let now = clock.current()
        return try await accounts.updateSystemAccount(
            account.id, keyHash: nil,
            audit: caller.audit("system-account.revoke", "system-account:\(id)", at: now)
        ) { current in
            var next = current
            next.revokedAt = next.revokedAt ?? now
            return next
        }
    }

    package func systemAccount(_ id: Int64, by caller: Caller) async throws -> SystemAccount {
        let p = caller.principal
        guard let a = try await accounts.systemAccount(SystemAccountID(id)),
            p.isAdmin || p.roles.contains(.auditor) || p.department == a.department
        else { throw ZhengshuError(.notFound, "system account \(id) does not exist") }
        return a
    }

    package func systemAccounts(department: String?, by caller: Caller) async throws -> [SystemAccount] {
        var d = try department.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        let p = caller.principal
        if !p.isAdmin && !p.roles.contains(.auditor) {
            guard let own = p.department, d == nil || d == own else {
                throw ZhengshuError(
                    .forbidden, "system accounts of other departments are for those departments and the bureau")
            }
            d = own
        }
        return try await accounts.systemAccounts(department: d)
    }

    func requireAccountManager(of department: DepartmentCode, _ caller: Caller) throws {
        let p = caller.principal
        guard p.isAdmin || (p.roles.contains(.consumer) && p.department == department && p.userID != nil) else {
            throw ZhengshuError(
                .forbidden, "system accounts of department \(department) are managed by its consumers or an admin")
        }
    }

    /// Resolves a system account's key to the principal it speaks for.
    /// - Throws: `unauthenticated` for an unknown, rotated or revoked key; `forbidden` from a network it is not bound to.
    /// A key that names an account (a revoked one, or one called from outside its networks) is refused with an audit
    /// entry; an unknown key is refused without one (it names no one, and must not let strangers fill the trail).
    package func authenticate(
        systemKey key: String, from address: IPAddress?, requestID: String = "-"
    ) async throws -> Principal {
        let unknown = ZhengshuError(.unauthenticated, "the system key is unknown, rotated or revoked")
        guard key.hasPrefix(SystemKey.scheme), key.count < 200,
            let account = try await accounts.systemAccount(keyHash: SystemKey.hash(key))
        else {
            throw unknown
        }
        func refuse(_ error: ZhengshuError) async throws -> Never {
            let caller = Caller(Principal(system: account), requestID: requestID)
            try? await audit.appendAudit(
                caller.audit(
                    "system-account.denied", "system-account:\(account.id)", at: clock.current(),
                    detail: "\(error.code): \(error.message.prefix(200)); from: \(address?.description ?? "unknown")"))
            meter.record(.denial(action: "system-account.denied"))
            throw error
        }
        if account.revokedAt != nil { try await refuse(unknown) }
        guard account.admits(address) else {
            try await refuse(
                ZhengshuError(
                    .forbidden,
                    "system account \(account.actorName) may call only from \(account.networks.joined(separator: ", "))"
                ))
        }
        let now = clock.current()
        if let address, !(account.seenNetworks ?? []).contains(SystemAccount.network(of: address)) {
            // A network the key was never used from: remembered, and (after the first) an entry the risk rules read.
            let network = SystemAccount.network(of: address)
            let first = (account.seenNetworks ?? []).isEmpty
            let caller = Caller(Principal(system: account), requestID: requestID)
            _ = try await accounts.updateSystemAccount(
                account.id, keyHash: nil,
                audit: caller.audit(
                    first ? "system-account.first-network" : "system-account.new-network",
                    "system-account:\(account.id)", at: now,
                    detail:
                        "from: \(address); network: \(network); known: \((account.seenNetworks ?? []).joined(separator: ","))"
                )
            ) { current in
                guard current.seenNetworks?.contains(network) != true else { return current }
                var next = current
                next.seenNetworks = Array(((current.seenNetworks ?? []) + [network]).suffix(100))
                return next
            }
            try await accounts.touchSystemAccount(account.id, at: now)
        } else if account.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await accounts.touchSystemAccount(account.id, at: now)
        }
        return Principal(system: account)
    }

    // MARK: Calendar

    package func calendar(year: Int?) async throws -> [CalendarDay] {
        let days = try await store.calendarDays()
        return year.map { y in days.filter { $0.date.year == y } } ?? days
    }

    package func setCalendarDay(_ day: CalendarDay, by caller: Caller) async throws {
        try caller.principal.require(anyOf: [.admin], to: "editing the working-day calendar")
        guard (1...50).contains(day.name.count) else {
            throw ZhengshuError.validation([.init(field: "name", reason: "must be 1-50 characters")])
        }
        try await store.setCalendarDay(
            day,
            audit: caller.audit(
                "calendar.set", "calendar:\(day.date)", at: clock.current(),
                detail: "\(day.kind.rawValue): \(day.name)"))
    }

    package func removeCalendarDay(_ raw: String, by caller: Caller) async throws {
        try caller.principal.require(anyOf: [.admin], to: "editing the working-day calendar")
        guard let date = CivilDate(iso: raw) else {
            throw ZhengshuError(.invalidInput, "'\(raw.prefix(20))' is not a date YYYY-MM-DD")
        }
        guard
            try await store.removeCalendarDay(
                date, audit: caller.audit("calendar.remove", "calendar:\(date)", at: clock.current()))
        else {
            throw ZhengshuError(
                .notFound,
                "\(date) is not in the calendar (it is an ordinary \(WorkingCalendar.isOrdinaryWorkingDay(date) ? "working day" : "weekend day"))"
            )
        }
    }
}
