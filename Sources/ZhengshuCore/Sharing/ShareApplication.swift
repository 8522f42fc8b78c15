import Foundation

/// Identifier of a share application.
package typealias ApplicationID = RowID<ShareApplication>

/// What a consumer may do with granted data.
package enum ShareService: String, CaseIterable, Sendable, Codable, Comparable, Vocabulary {
    case query, verify, export, subscribe
    /// A sandbox workspace (数据沙箱): masked copies to run SQL over; only approved aggregates leave it.
    case sandbox
    package static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// Where an application stands.
///
/// ```
/// review ─▶ provider ─▶ bureauApproval ─▶ granted        (steps skipped by share type, grade and configuration)
///    │          │             │
///    └──────────┴─────────────┴─▶ rejected ─▶ disputed ─▶ granted | rejected
/// any pending step ─▶ withdrawn;  rejected | withdrawn | refused ─▶ (resubmit) review
/// share type none ─▶ refused
/// ```
package enum ApplicationStatus: String, CaseIterable, Sendable, Codable, Vocabulary {
    /// The bureau's compliance review (符合性审查).
    case review
    /// The providing department's answer (conditional sharing).
    case provider
    /// The bureau's second approval (important, core or L4 data).
    case bureauApproval
    /// The consumer contests a provider's refusal; the bureau rules.
    case disputed
    case granted
    case rejected
    /// The resource is not shared (不予共享): refused at once, citing its legal basis.
    case refused
    case withdrawn

    package var isPending: Bool { [.review, .provider, .bureauApproval, .disputed].contains(self) }
}

/// The terms an approver sets on the grant to be: what may be seen in clear, and how much per day.
package struct GrantTerms: Hashable, Sendable {
    /// Items the consumer sees unmasked (default none: every item masked per policy).
    package var clearItems: [String]?
    package var callsPerDay: Int?
    package var rowsPerDay: Int?
    /// Narrows the services applied for.
    package var services: [ShareService]?
    /// Items granted in clear although, together, they rebuild a masked identifier (``InferenceGuard``): the
    /// approver's confirmation that this is on purpose, recorded with the decision.
    package var clearOnPurpose: [String]?
    /// Verification limits (``VerificationLimits``): tuples a minute and a day, and the items every tuple names.
    package var verifyTuplesPerMinute: Int?
    package var verifyTuplesPerDay: Int?
    package var verifyRequires: [String]?

    package init(
        clearItems: [String]? = nil, callsPerDay: Int? = nil, rowsPerDay: Int? = nil, services: [ShareService]? = nil,
        clearOnPurpose: [String]? = nil, verifyTuplesPerMinute: Int? = nil, verifyTuplesPerDay: Int? = nil,
        verifyRequires: [String]? = nil
    ) {
        self.clearOnPurpose = clearOnPurpose
        self.verifyTuplesPerMinute = verifyTuplesPerMinute
        self.verifyTuplesPerDay = verifyTuplesPerDay
        self.verifyRequires = verifyRequires
        self.clearItems = clearItems
        self.callsPerDay = callsPerDay
        self.rowsPerDay = rowsPerDay
        self.services = services
    }

    /// Later terms override earlier ones field by field.
    func merged(with later: GrantTerms?) -> GrantTerms {
        guard let later else { return self }
        return GrantTerms(
            clearItems: later.clearItems ?? clearItems, callsPerDay: later.callsPerDay ?? callsPerDay,
            rowsPerDay: later.rowsPerDay ?? rowsPerDay, services: later.services ?? services,
            clearOnPurpose: later.clearOnPurpose ?? clearOnPurpose,
            verifyTuplesPerMinute: later.verifyTuplesPerMinute ?? verifyTuplesPerMinute,
            verifyTuplesPerDay: later.verifyTuplesPerDay ?? verifyTuplesPerDay,
            verifyRequires: later.verifyRequires ?? verifyRequires)
    }
}

/// One step in an application's history.
package struct ApplicationEvent: Hashable, Sendable {
    package var at: Date
    package var actor: String
    package var department: String?
    /// `submit`, `review.approve`, `provider.reject`, `withdraw`, `dispute`, `ruling.overturn`, `escalate`, …
    package var action: String
    package var status: ApplicationStatus
    package var reason: String?

    package init(
        at: Date, actor: String, department: String?, action: String, status: ApplicationStatus, reason: String?
    ) {
        self.at = at
        self.actor = actor
        self.department = department
        self.action = action
        self.status = status
        self.reason = reason
    }
}

/// Which workflow an application follows.
package enum ApplicationChannel: String, CaseIterable, Sendable, Codable {
    /// A department's application for shared data (共享), decided by the resource's share type.
    case sharing
    /// A registered member's application for conditional open data (有条件开放), decided by the open type.
    case open
}

/// A consuming department's application (共享申请) for a published resource, or a registered member's for
/// conditional open data (then `consumer` is the member's code, ``MemberProfile/consumerCode(of:)``).
package struct ShareApplication: Hashable, Sendable {
    package var id: ApplicationID
    /// `nil` (older documents) is `sharing`.
    package var channel: ApplicationChannel?
    package var resource: ResourceCode
    /// The providing department (the resource's).
    package var provider: DepartmentCode
    package var consumer: DepartmentCode
    /// The applying user.
    package var applicant: String
    package var items: [String]
    package var services: [ShareService]
    package var purpose: String
    /// The law, regulation or service item the use rests on.
    package var legalBasis: String
    /// The related government service item (政务服务事项), when there is one.
    package var serviceItem: String?
    package var validFrom: CivilDate
    package var validUntil: CivilDate
    /// Rows a day the consumer expects to use.
    package var expectedRowsPerDay: Int?
    package var status: ApplicationStatus
    /// When the current step is due (pending steps only).
    package var dueAt: Date?
    /// Set once an overdue step has been escalated to the bureau.
    package var escalatedAt: Date?
    /// The resource is important, core or L4: the bureau approves a second time.
    package var needsBureauApproval: Bool
    package var terms: GrantTerms
    package var grant: GrantID?
    package var history: [ApplicationEvent]
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        id: ApplicationID, resource: ResourceCode, provider: DepartmentCode, consumer: DepartmentCode,
        applicant: String,
        items: [String], services: [ShareService], purpose: String, legalBasis: String, serviceItem: String?,
        validFrom: CivilDate, validUntil: CivilDate, expectedRowsPerDay: Int?, status: ApplicationStatus, dueAt: Date?,
        escalatedAt: Date? = nil, needsBureauApproval: Bool, terms: GrantTerms = GrantTerms(), grant: GrantID? = nil,
        history: [ApplicationEvent], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.resource = resource
        self.provider = provider
        self.consumer = consumer
        self.applicant = applicant
        self.items = items
        self.services = services
        self.purpose = purpose
        self.legalBasis = legalBasis
        self.serviceItem = serviceItem
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.expectedRowsPerDay = expectedRowsPerDay
        self.status = status
        self.dueAt = dueAt
        self.escalatedAt = escalatedAt
        self.needsBureauApproval = needsBureauApproval
        self.terms = terms
        self.grant = grant
        self.history = history
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    package var isOpenData: Bool { channel == .open }

    package func isOverdue(at now: Date) -> Bool { status.isPending && (dueAt.map { $0 < now } ?? false) }
}

/// What a consumer sends to apply (or to resubmit: fields left out keep their values).
package struct ApplicationDraft: Sendable {
    package var resource: String?
    package var items: [String]?
    package var services: [ShareService]?
    package var purpose: String?
    package var legalBasis: String?
    package var serviceItem: String?
    package var validFrom: CivilDate?
    package var validUntil: CivilDate?
    package var expectedRowsPerDay: Int?

    package init(
        resource: String? = nil, items: [String]? = nil, services: [ShareService]? = nil, purpose: String? = nil,
        legalBasis: String? = nil, serviceItem: String? = nil, validFrom: CivilDate? = nil,
        validUntil: CivilDate? = nil,
        expectedRowsPerDay: Int? = nil
    ) {
        self.resource = resource
        self.items = items
        self.services = services
        self.purpose = purpose
        self.legalBasis = legalBasis
        self.serviceItem = serviceItem
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.expectedRowsPerDay = expectedRowsPerDay
    }
}

/// A decision on a pending step: approve or reject (a rejection must say why), with terms for the grant.
package struct ApplicationDecision: Sendable {
    package var approve: Bool
    package var reason: String?
    package var terms: GrantTerms?

    package init(approve: Bool, reason: String? = nil, terms: GrantTerms? = nil) {
        self.approve = approve
        self.reason = reason
        self.terms = terms
    }
}
