import Foundation

/// Whether a resource's data is as recent as its declared update cycle promises.
package enum FreshnessStatus: String, Sendable, Codable, CaseIterable {
    /// Updated within its cycle.
    case fresh
    /// Past its cycle, within the grace period (half a cycle, at least a day).
    case due
    /// Past the grace period, or never loaded long after publication.
    case overdue
    /// Declared `irregular`: no schedule to keep.
    case unscheduled
}

package struct ResourceFreshness: Sendable, Hashable {
    package var code: ResourceCode
    package var name: String
    package var department: DepartmentCode
    package var updateCycle: UpdateCycle
    package var lastUpdatedAt: Date?
    package var status: FreshnessStatus
    /// When the next update is due.
    package var dueAt: Date?

    package init(
        code: ResourceCode, name: String, department: DepartmentCode, updateCycle: UpdateCycle, lastUpdatedAt: Date?,
        status: FreshnessStatus, dueAt: Date?
    ) {
        self.code = code
        self.name = name
        self.department = department
        self.updateCycle = updateCycle
        self.lastUpdatedAt = lastUpdatedAt
        self.status = status
        self.dueAt = dueAt
    }
}

package enum Freshness {
    /// The longest a resource may go without an update under its cycle.
    package static func interval(_ cycle: UpdateCycle) -> TimeInterval? {
        let day: TimeInterval = 86_400
        return switch cycle {
        case .realtime, .daily: day
        case .weekly: 7 * day
        case .monthly: 31 * day
        case .quarterly: 92 * day
        case .yearly: 366 * day
        case .irregular: nil
        }
    }

    /// - Parameters:
    ///   - lastUpdated: the last successful load, or `nil` when data never arrived.
    ///   - since: when the clock started for a resource never loaded (its publication).
    package static func status(
        cycle: UpdateCycle, lastUpdated: Date?, since published: Date?, now: Date
    )
        -> (FreshnessStatus, dueAt: Date?)
    {
        guard let interval = interval(cycle) else { return (.unscheduled, nil) }
        guard let reference = lastUpdated ?? published else { return (.overdue, nil) }
        let due = reference.addingTimeInterval(interval)
        let grace = max(interval / 2, 86_400)
        if now <= due { return (lastUpdated == nil ? .due : .fresh, due) }
        return (now <= due.addingTimeInterval(grace) ? .due : .overdue, due)
    }
}
