import Foundation

/// The data standards registry (数据元): the built-in national elements and the administrator's own, versioned.
package struct Standards: Sendable {
    let store: any StandardsStore
    let clock: PlatformClock

    package init(store: any StandardsStore, clock: PlatformClock) {
        self.store = store
        self.clock = clock
    }

    package func list() async throws -> [CustomDataElement] { try await store.dataElements() }

    /// Defines or changes an element (admins): each save is a new version; items referencing it follow at once.
    package func save(_ id: String, _ draft: CustomDataElement, by caller: Caller) async throws -> CustomDataElement {
        try caller.principal.require(anyOf: [.admin], to: "defining data elements")
        var element = draft
        element.id = id
        element.updatedAt = clock.current()
        element.updatedBy = caller.principal.name
        try element.validate()
        return try await store.saveDataElement(
            element, audit: caller.audit("element.save", "element:\(id)", at: element.updatedAt))
    }

    package func versions(of id: String) async throws -> [CustomDataElement] {
        let versions = try await store.dataElementVersions(id)
        guard !versions.isEmpty else {
            throw ZhengshuError(.notFound, "data element \(id.prefix(48)) is not registered")
        }
        return versions
    }
}
