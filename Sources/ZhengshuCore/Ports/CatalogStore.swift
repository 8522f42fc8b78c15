import Foundation

/// The catalog: resources and their versions.
package protocol CatalogStore: Sendable {
    /// - Throws: `conflict` for a duplicate code; `validation` for an unknown department.
    func insertResource(_ resource: Resource, version: ResourceVersion, audit: AuditEvent) async throws
    /// Reads the resource inside the write and applies `change`. When the version number moves, the new state is
    /// saved with a version snapshot (`action`, `actor`); publishing creates the records table and adding items to a
    /// published resource adds its columns, in the same transaction.
    func updateResource(
        _ code: ResourceCode, action: String, actor: String, audit: AuditEvent,
        change: @Sendable (Resource) throws -> Resource
    ) async throws -> Resource
    func resource(_ code: ResourceCode) async throws -> Resource?
    func versions(of code: ResourceCode) async throws -> [ResourceVersion]
    func version(_ number: Int, of code: ResourceCode) async throws -> ResourceVersion?
    func searchResources(_ search: CatalogSearch) async throws -> CatalogSearch.Result
}
