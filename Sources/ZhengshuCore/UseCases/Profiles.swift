import Foundation

/// Profiles in the base databases (基础库: 一人一档, 一企一档): every published resource with an item carrying the
/// citizen-ID or credit-code data element contributes what it holds about the subject, each attribute with its
/// provenance. Where departments disagree on a name, phone or address, both get a problem record to fix.
///
/// The lookup rides on an index over every identifying item of each records table, which the store keeps as data is
/// loaded; there is no second copy of the data to fall behind.
package struct Profiles: Sendable {
    let updates: any IngestStore
    let problems: any ProblemStore
    let data: DataAccess
    let clock: PlatformClock

    package init(updates: any IngestStore, problems: any ProblemStore, data: DataAccess, clock: PlatformClock) {
        self.updates = updates
        self.problems = problems
        self.data = data
        self.clock = clock
    }

    /// The concepts whose disagreement becomes problem data.
    static let fed = ["name", "phone", "address"]

    package func profile(_ kind: ProfileKind, _ raw: String, by caller: Caller) async throws -> Profile {
        let p = caller.principal
        guard p.isAdmin || p.roles.contains(.provider) || p.roles.contains(.consumer) else {
            throw ZhengshuError(.forbidden, "profiles are for departments' providers and consumers and the bureau")
        }
        let value = MemberRules.normalized(raw)
        if let problem = MemberRules.identifierProblem(
            value, person: kind == .person, field: kind == .person ? "id" : "code")
        {
            throw ZhengshuError.validation([problem])
        }
        var parts: [ProfilePart] = []
        let policies = try await data.masking.current()
        // Topic databases are copies of other resources' data: their sources speak for themselves (a stale copy would
        // otherwise disagree with its own source).
        let topics = Set(try await data.topics?.topics().map(\.code) ?? [])
        for (resource, updatedAt) in try await updates.updateTimes(department: nil)
        where resource.status == .published && !topics.contains(resource.code) {
            for identifier in ProfileRules.subjectItems(of: resource, kind: kind) {
                if let part = try await data.profilePart(
                    resource, identifier: identifier, value: value, kind: kind, updatedAt: updatedAt,
                    policies: policies, by: caller),
                    !part.rows.isEmpty
                {
                    parts.append(part)
                }
            }
        }
        var attributes: [ProfileAttribute] = []
        var observations: [ProfileRules.Observation] = []
        for part in parts {
            var seen = Set<String>()
            for (row, clear) in zip(part.rows, part.clear) {
                for (k, field) in part.fields.enumerated() where row[k] != .null {
                    let concept = ProfileRules.concept(of: field, kind: kind, identifier: part.identifier)
                    if let concept {
                        observations.append(
                            .init(
                                concept: concept, department: part.resource.department, resource: part.resource.code,
                                item: field.name, clear: clear[k].text, shown: row[k].text))
                    }
                    guard seen.insert("\(field.name)\u{0}\(row[k].text)").inserted else { continue }
                    attributes.append(
                        ProfileAttribute(
                            concept: concept, item: field.name, label: field.label, value: row[k].text,
                            masked: part.masked.contains(field.name), department: part.resource.department,
                            resource: part.resource.code, resourceName: part.resource.name, updatedAt: part.updatedAt))
                }
            }
        }
        let conflicts = ProfileRules.conflicts(observations)
        try await raise(
            conflicts.filter { Self.fed.contains($0.concept) }, observations: observations, kind: kind, value: value,
            parts: parts)
        return Profile(
            kind: kind, subject: kind == .person ? MemberRules.masked(value, kind: .person) : value,
            attributes: attributes,
            conflicts: conflicts,
            sources: parts.map {
                ProfileSource(
                    resource: $0.resource.code, name: $0.resource.name, department: $0.resource.department,
                    item: $0.identifier.name, records: $0.rows.count, updatedAt: $0.updatedAt, grant: $0.grant)
            })
    }

    /// Each department holding a conflicting value finds it in its worklist (问题数据), once per record and item: seen
    /// again, the same problem is touched; it is for the department to fix or dispute.
    func raise(
        _ conflicts: [ProfileConflict], observations: [ProfileRules.Observation], kind: ProfileKind, value: String,
        parts: [ProfilePart]
    ) async throws {
        let now = clock.current()
        for conflict in conflicts {
            for (resource, claims) in Dictionary(
                grouping: observations.filter { $0.concept == conflict.concept }, by: \.resource)
            {
                guard let part = parts.first(where: { $0.resource.code == resource }) else { continue }
                let others = conflict.claims.filter { $0.department != part.resource.department }
                    .map { "\($0.department) \($0.resource).\($0.item) = \($0.value)" }.joined(separator: "; ")
                var seen = Set<String>()
                let sightings = claims.filter { seen.insert("\($0.item)\u{0}\($0.clear)").inserted }.map { claim in
                    ProblemSighting(
                        rowKey: value, field: claim.item, rule: "profile.conflict",
                        value: claim.clear,
                        reason:
                            "the \(kind.rawValue) profile's \(conflict.concept) disagrees with \(others.prefix(500))")
                }
                _ = try await problems.recordSightings(
                    sightings, resource: resource, department: part.resource.department, at: now, closeUnseen: false)
            }
        }
    }
}
