import Foundation

/// Topic definitions and their schedule.
package protocol TopicStore: Sendable {
    /// Registers the topic and its catalog entry (published, with its records table) in one transaction.
    /// - Throws: `conflict` when a resource of that code exists.
    func insertTopic(_ topic: Topic, resource: Resource, version: ResourceVersion, audit: AuditEvent) async throws
    /// Reads the topic inside the write and stores what `change` makes of it (with `audit` when given).
    /// - Throws: `notFound` when there is no such topic.
    func updateTopic(
        _ code: ResourceCode, audit: AuditEvent?, change: @Sendable (Topic) throws -> Topic
    ) async throws -> Topic
    func topic(_ code: ResourceCode) async throws -> Topic?
    /// Every topic, by code.
    func topics() async throws -> [Topic]
    /// Claims the topics due at `now`, moving their next run on by their interval so a concurrent claim skips them.
    func claimDueTopics(now: Date) async throws -> [Topic]
}
