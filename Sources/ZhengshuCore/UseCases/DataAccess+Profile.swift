import Foundation

/// What one contributing resource says of a subject, as the caller may see it, with the clear values of the compared
/// items (for conflict detection inside the platform; never returned).
package struct ProfilePart: Sendable {
    package var resource: Resource
    package var identifier: DataItem
    package var fields: [DataItem]
    package var rows: [[RecordValue]]
    package var clear: [[RecordValue]]
    package var masked: Set<String>
    package var grant: GrantID?
    package var updatedAt: Date?
}

extension DataAccess {
    /// Rows per resource a profile reads (history rows beyond are left out).
    static let profileRows = 50

    /// One resource's records about a subject, through the one path: authorise (the owning department and the bureau;
    /// a consumer through a usable query grant that includes the identifying item) → fetch by the identifier → mask
    /// (the owner in clear; the bureau per policy; a consumer per policy except the items granted in clear) → audit.
    /// - Returns: `nil` when the caller may not read it (the part is left out of the profile, and nothing says it exists).
    /// - Parameter policies: the masking policies as they stand, read once for the whole profile (a grant's read brings
    ///   its own).
    func profilePart(
        _ resource: Resource, identifier: DataItem, value: String, kind: ProfileKind, updatedAt: Date?,
        policies: Masker, by caller: Caller
    ) async throws -> ProfilePart? {
        let p = caller.principal
        let owner = p.roles.contains(.provider) && p.department == resource.department
        var items = ProfileRules.describingItems(of: resource, identifier: identifier)
        var masks: [String: FieldMask] = [:]
        var authorised: Authorised?
        let masker: Masker
        if owner || p.isAdmin {
            masker = policies
            if !owner { masks = masker.masks(items) }
        } else {
            guard let a = try? await authorise(resource.code.rawValue, .query, nil, by: caller),
                a.grant.items.contains(identifier.name), (try? checkQuota(a)) != nil
            else { return nil }
            authorised = a
            masker = a.masker
            items = items.filter { a.grant.items.contains($0.name) }
            masks = a.masks(items)
        }
        var view = resource
        view.items = items
        let query = try RecordQuery.parse(
            resource: view, fields: items.map(\.name).joined(separator: ","),
            filters: ["\(identifier.name):eq:\(value)"],
            sort: nil, limit: String(Self.profileRows), cursor: nil)
        let live = if let authorised { authorised.live } else { try await pulls.liveSource(for: resource.code) }
        let (page, source) = try await fetch(resource, query, live: live)
        var rows = page.rows
        masker.apply(masks, fields: page.fields, to: &rows)
        let subject = kind == .person ? MemberRules.masked(value, kind: .person) : value
        let detail =
            "kind: \(kind.rawValue); subject: \(subject); rows: \(rows.count); items: \(page.fields.map(\.name).joined(separator: ","))"
            + source
        if let a = authorised {
            _ = try await shares.recordShareUse(
                a.grant, day: a.day, rows: rows.count,
                audit: caller.audit(
                    "profile.read", "resource:\(resource.code)", at: clock.current(),
                    detail: "grant: \(a.grant.id); " + detail))
        } else {
            try await audit.appendAudit(
                caller.audit("profile.read", "resource:\(resource.code)", at: clock.current(), detail: detail))
        }
        return ProfilePart(
            resource: resource, identifier: identifier, fields: page.fields, rows: rows, clear: page.rows,
            masked: Set(page.fields.map(\.name).filter { masks[$0] != nil }), grant: authorised?.grant.id,
            updatedAt: updatedAt)
    }
}
