import Foundation

/// Counts for the bureau's overview.
package protocol StatisticsStore: Sendable {
    func platformCounts() async throws -> PlatformCounts
}

package struct PlatformCounts: Sendable, Hashable {
    package var departments: Int
    package var users: Int
    package var resources: Int
    package var publishedResources: Int
    package var records: Int
    package var auditEntries: Int

    package init(departments: Int, users: Int, resources: Int, publishedResources: Int, records: Int, auditEntries: Int)
    {
        self.departments = departments
        self.users = users
        self.resources = resources
        self.publishedResources = publishedResources
        self.records = records
        self.auditEntries = auditEntries
    }
}
