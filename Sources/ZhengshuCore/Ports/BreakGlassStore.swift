import Foundation

/// Break-glass accesses (``BreakGlass``), each change with its audit entry in one transaction.
package protocol BreakGlassStore: Sendable {
    /// Stores a new access (the store assigns its id) with the audit entries `audit` makes of it.
    func insertBreakGlass(
        _ access: BreakGlass, audit: @Sendable (BreakGlass) -> [AuditEvent]
    ) async throws -> BreakGlass
    /// Reads the access inside the write and applies `change`.
    func updateBreakGlass(
        _ id: BreakGlassID, audit: [AuditEvent], change: @Sendable (BreakGlass) throws -> BreakGlass
    ) async throws -> BreakGlass
    func breakGlass(_ id: BreakGlassID) async throws -> BreakGlass?
    /// Newest first; one requester's and one resource's when given.
    func breakGlasses(requestedBy: String?, resource: ResourceCode?, limit: Int) async throws -> [BreakGlass]
}
