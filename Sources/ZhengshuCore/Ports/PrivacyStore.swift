import Foundation

/// Masking policies (脱敏策略) and grade proposals (分级).
package protocol PrivacyStore: Sendable {
    /// Every policy, by name.
    func maskingPolicies() async throws -> [MaskingPolicy]
    /// Creates or replaces the policy of that name, with its audit entry.
    func saveMaskingPolicy(_ policy: MaskingPolicy, audit: AuditEvent) async throws
    /// - Returns: false when no policy has that name.
    func deleteMaskingPolicy(_ name: String, audit: AuditEvent) async throws -> Bool

    /// Stores a new pending proposal (the store assigns its id), superseding the resource's earlier pending ones.
    func insertGradeProposal(_ proposal: GradeProposal, audit: AuditEvent) async throws -> GradeProposal
    func updateGradeProposal(
        _ id: GradeProposalID, audit: AuditEvent,
        change: @Sendable (GradeProposal) throws -> GradeProposal
    ) async throws -> GradeProposal
    func gradeProposal(_ id: GradeProposalID) async throws -> GradeProposal?
    /// The installation's setting `name`: the stored value, or `value` stored now when there is none.
    func installationSetting(_ name: String, default value: String) async throws -> String
    /// Newest first.
    func gradeProposals(
        status: GradeProposal.Status?, department: DepartmentCode?, resource: ResourceCode?, limit: Int
    ) async throws -> [GradeProposal]
}
