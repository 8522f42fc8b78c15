import Foundation

/// The registry of administrator-defined data elements, with their history.
package protocol StandardsStore: Sendable {
    /// The current version of every element.
    func dataElements() async throws -> [CustomDataElement]
    /// Saves `element` as its next version (1 when new), in one transaction with the audit entry.
    func saveDataElement(_ element: CustomDataElement, audit: AuditEvent) async throws -> CustomDataElement
    /// Every version of one element, oldest first.
    func dataElementVersions(_ id: String) async throws -> [CustomDataElement]
}
