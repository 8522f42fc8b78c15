import Foundation

/// Identifier of a problem record.
package typealias ProblemID = RowID<Problem>

/// Where a problem (问题数据) stands. open → acknowledged → fixed → verified, or disputed (an admin rules on it).
package enum ProblemStatus: String, CaseIterable, Sendable, Codable, Vocabulary {
    case open, acknowledged, fixed, verified, disputed

    /// The states a provider may move a problem to from this one.
    package var providerMoves: Set<ProblemStatus> {
        switch self {
        case .open: [.acknowledged, .fixed, .disputed]
        case .acknowledged: [.fixed, .disputed]
        case .fixed, .verified, .disputed: []
        }
    }

    package var isClosed: Bool { self == .verified }
}

/// A failing value routed to the providing department: found by a quality run, or raised by a consumer who received
/// it (校核纠错).
package struct Problem: Hashable, Sendable {
    package var id: ProblemID
    package var resource: ResourceCode
    package var department: DepartmentCode
    /// `quality` or `objection`.
    package var source: String
    /// The row's key (its key items, or its leading identifier), so the department finds the row.
    package var rowKey: String
    package var field: String
    /// The rule that failed (`required`, `element`, … or `objection`).
    package var rule: String
    package var value: String
    package var reason: String
    package var status: ProblemStatus
    package var firstSeenAt: Date
    package var lastSeenAt: Date
    package var closedAt: Date?
    package var raisedBy: String?
    /// A dispute's reason, then the admin's ruling.
    package var note: String?

    package init(
        id: ProblemID, resource: ResourceCode, department: DepartmentCode, source: String, rowKey: String,
        field: String, rule: String,
        value: String, reason: String, status: ProblemStatus, firstSeenAt: Date, lastSeenAt: Date,
        closedAt: Date? = nil,
        raisedBy: String? = nil, note: String? = nil
    ) {
        self.id = id
        self.resource = resource
        self.department = department
        self.source = source
        self.rowKey = rowKey
        self.field = field
        self.rule = rule
        self.value = value
        self.reason = reason
        self.status = status
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
        self.closedAt = closedAt
        self.raisedBy = raisedBy
        self.note = note
    }
}

/// One failing value a quality run saw.
package struct ProblemSighting: Hashable, Sendable {
    package var rowKey: String
    package var field: String
    package var rule: String
    package var value: String
    package var reason: String

    package init(rowKey: String, field: String, rule: String, value: String, reason: String) {
        self.rowKey = rowKey
        self.field = field
        self.rule = rule
        self.value = value
        self.reason = reason
    }
}

/// Counts for management: per department, problems by status and the mean time from first sight to fixed.
package struct ProblemStats: Hashable, Sendable {
    package var department: DepartmentCode
    package var counts: [String: Int]
    package var meanHoursToFix: Double?

    package init(department: DepartmentCode, counts: [String: Int], meanHoursToFix: Double?) {
        self.department = department
        self.counts = counts
        self.meanHoursToFix = meanHoursToFix
    }
}
