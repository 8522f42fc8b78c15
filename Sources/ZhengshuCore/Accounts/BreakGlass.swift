import Foundation

package typealias BreakGlassID = RowID<BreakGlass>

/// A break-glass access (紧急授权): a bureau administrator reads one department's resource in clear, for a stated
/// reason and a limited time, approved by a second administrator where the installation requires it. Outside one,
/// the bureau reads other departments' records masked, like any department without a grant.
package struct BreakGlass: Hashable, Sendable {
    package enum Status: String, Sendable, Codable, CaseIterable, Vocabulary {
        /// Waiting for a second administrator.
        case pending
        case active
        /// The second administrator said no.
        case refused
        /// Ended early by an administrator (its time running out needs no change: ``isOpen(at:)``).
        case ended
    }

    package var id: BreakGlassID
    package var resource: ResourceCode
    /// The department whose data it opens.
    package var department: DepartmentCode
    package var requestedBy: String
    package var reason: String
    package var minutes: Int
    package var status: Status
    package var requestedAt: Date
    package var decidedBy: String?
    package var decidedAt: Date?
    /// Set when it opens: `minutes` after it was approved (or requested, without a second approval).
    package var expiresAt: Date?
    package var endedBy: String?
    package var endedAt: Date?

    package init(
        id: BreakGlassID = BreakGlassID(0), resource: ResourceCode, department: DepartmentCode, requestedBy: String,
        reason: String, minutes: Int, status: Status, requestedAt: Date, decidedBy: String? = nil,
        decidedAt: Date? = nil, expiresAt: Date? = nil, endedBy: String? = nil, endedAt: Date? = nil
    ) {
        self.id = id
        self.resource = resource
        self.department = department
        self.requestedBy = requestedBy
        self.reason = reason
        self.minutes = minutes
        self.status = status
        self.requestedAt = requestedAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.expiresAt = expiresAt
        self.endedBy = endedBy
        self.endedAt = endedAt
    }

    /// Whether it lets its requester read in clear at `now`.
    package func isOpen(at now: Date) -> Bool {
        status == .active && (expiresAt.map { now < $0 } ?? false)
    }
}

/// How the installation grants break-glass access (`security.breakGlass.*`).
package struct BreakGlassPolicy: Sendable, Hashable {
    /// A second administrator approves each access before it opens.
    package var secondApproval: Bool
    /// The longest access, in minutes.
    package var maxMinutes: Int

    package init(secondApproval: Bool = false, maxMinutes: Int = 240) {
        self.secondApproval = secondApproval
        self.maxMinutes = maxMinutes
    }
}
