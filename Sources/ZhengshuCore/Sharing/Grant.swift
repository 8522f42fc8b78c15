import Foundation

/// Identifier of a grant.
package typealias GrantID = RowID<Grant>

package enum GrantStatus: String, CaseIterable, Sendable, Codable, Vocabulary {
    case active, suspended, revoked
}

/// An approved application in force (共享授权): which items of which resource a consuming department may use, through
/// which services, until when, how much a day, and which items it sees in clear.
package struct Grant: Hashable, Sendable {
    package var id: GrantID
    package var application: ApplicationID
    package var resource: ResourceCode
    package var provider: DepartmentCode
    package var consumer: DepartmentCode
    package var items: [String]
    /// Items shown unmasked; every other item is masked per policy.
    package var clearItems: [String]
    package var services: [ShareService]
    package var purpose: String
    /// First and last day of validity (China time, inclusive).
    package var validFrom: CivilDate
    package var validUntil: CivilDate
    package var callsPerDay: Int
    package var rowsPerDay: Int
    /// How much it may verify (核验), and what every tuple must name.
    package var verification: VerificationLimits
    package var status: GrantStatus
    /// Why it was last suspended, resumed or revoked.
    package var statusReason: String?
    package var createdAt: Date
    package var updatedAt: Date

    package static let defaultCallsPerDay = 10_000
    package static let defaultRowsPerDay = 1_000_000

    package init(
        id: GrantID, application: ApplicationID, resource: ResourceCode, provider: DepartmentCode,
        consumer: DepartmentCode,
        items: [String], clearItems: [String], services: [ShareService], purpose: String, validFrom: CivilDate,
        validUntil: CivilDate, callsPerDay: Int, rowsPerDay: Int,
        verification: VerificationLimits = VerificationLimits(),
        status: GrantStatus, statusReason: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.verification = verification
        self.id = id
        self.application = application
        self.resource = resource
        self.provider = provider
        self.consumer = consumer
        self.items = items
        self.clearItems = clearItems
        self.services = services
        self.purpose = purpose
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.callsPerDay = callsPerDay
        self.rowsPerDay = rowsPerDay
        self.status = status
        self.statusReason = statusReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The grant an approved application becomes.
    package init(approved a: ShareApplication, at now: Date) {
        let terms = a.terms
        self.init(
            id: GrantID(0), application: a.id, resource: a.resource, provider: a.provider, consumer: a.consumer,
            items: a.items, clearItems: (terms.clearItems ?? []).filter(a.items.contains),
            services: terms.services ?? a.services, purpose: a.purpose, validFrom: a.validFrom,
            validUntil: a.validUntil,
            callsPerDay: terms.callsPerDay ?? Self.defaultCallsPerDay,
            rowsPerDay: terms.rowsPerDay ?? Self.defaultRowsPerDay,
            verification: VerificationLimits(
                tuplesPerMinute: terms.verifyTuplesPerMinute ?? VerificationLimits.defaultPerMinute,
                tuplesPerDay: terms.verifyTuplesPerDay ?? VerificationLimits.defaultPerDay,
                requiredItems: terms.verifyRequires?.filter(a.items.contains)),
            status: .active, createdAt: now, updatedAt: now)
    }

    /// Why the grant does not work at `now`, or `nil` when it does. An expired or revoked grant stops at once.
    package func unusableReason(at now: Date) -> String? {
        let today = CivilDate(chinaTime: now)
        switch status {
        case .revoked: return "grant \(id) was revoked" + (statusReason.map { ": \($0)" } ?? "")
        case .suspended: return "grant \(id) is suspended" + (statusReason.map { ": \($0)" } ?? "")
        case .active: break
        }
        if today < validFrom { return "grant \(id) is valid from \(validFrom)" }
        if validUntil < today { return "grant \(id) expired on \(validUntil)" }
        return nil
    }
}

/// Calls and rows per day, summed by resource, consuming or providing department, or grant (the dashboard's series).
package struct ShareTotal: Hashable, Sendable {
    package enum Dimension: String, CaseIterable, Sendable, Codable, Vocabulary {
        case grant, resource, consumer, provider
    }
    package var key: String
    package var day: CivilDate
    package var calls: Int
    package var rows: Int

    /// Sums `usage` by `dimension` and day, ordered by day then key.
    package static func totals(_ usage: [ShareUsage], by dimension: Dimension) -> [ShareTotal] {
        var sums: [String: ShareTotal] = [:]
        for u in usage {
            let key =
                switch dimension {
                case .grant: u.grant.description
                case .resource: u.resource.rawValue
                case .consumer: u.consumer.rawValue
                case .provider: u.provider.rawValue
                }
            sums["\(u.day)\u{0}\(key)", default: ShareTotal(key: key, day: u.day, calls: 0, rows: 0)].calls += u.calls
            sums["\(u.day)\u{0}\(key)"]!.rows += u.rows
        }
        return sums.values.sorted { ($0.day, $0.key) < ($1.day, $1.key) }
    }
}

/// A day's use of a grant: what quotas count and the management dashboard sums.
package struct ShareUsage: Hashable, Sendable {
    package var grant: GrantID
    package var day: CivilDate
    package var resource: ResourceCode
    package var provider: DepartmentCode
    package var consumer: DepartmentCode
    package var calls: Int
    package var rows: Int

    package init(
        grant: GrantID, day: CivilDate, resource: ResourceCode, provider: DepartmentCode, consumer: DepartmentCode,
        calls: Int, rows: Int
    ) {
        self.grant = grant
        self.day = day
        self.resource = resource
        self.provider = provider
        self.consumer = consumer
        self.calls = calls
        self.rows = rows
    }
}
