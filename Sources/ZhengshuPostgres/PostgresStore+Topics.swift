import Foundation
import PostgresNIO
import ZhengshuCore
import ZhengshuDocuments

extension PostgresStore: TopicStore {
    package func insertTopic(
        _ topic: Topic, resource: Resource, version: ResourceVersion, audit: AuditEvent
    ) async throws {
        try await write { db in
            try await Self.insertResource(resource, version: version, db)
            try await db.query(
                "INSERT INTO topic (code, document, nextRunAt) VALUES (\(topic.code.rawValue), \(try Documents.text(topic)), \(topic.nextRunAt?.millis))",
                logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
        }
    }

    package func updateTopic(
        _ code: ResourceCode, audit: AuditEvent?, change: @Sendable (Topic) throws -> Topic
    ) async throws -> Topic {
        try await write { db in
            guard let current = try await Self.fetchTopics("code = \(code.rawValue) FOR UPDATE", db).first else {
                throw ZhengshuError(.notFound, "topic \(code) does not exist")
            }
            let next = try change(current)
            try await Self.saveTopic(next, db)
            if let audit { try await Self.appendAudit(audit, in: db) }
            return next
        }
    }

    package func topic(_ code: ResourceCode) async throws -> Topic? {
        try await read { db in try await Self.fetchTopics("code = \(code.rawValue)", db).first }
    }

    package func topics() async throws -> [Topic] {
        try await read { db in try await Self.fetchTopics("true ORDER BY code", db) }
    }

    /// Due topics are locked with `SKIP LOCKED` and moved on in the same transaction: each goes to one node.
    package func claimDueTopics(now: Date) async throws -> [Topic] {
        try await write { db in
            let due = try await Self.fetchTopics(
                "nextRunAt <= \(now.millis) ORDER BY nextRunAt FOR UPDATE SKIP LOCKED", db)
            for topic in due {
                var claimed = topic
                claimed.nextRunAt = now.addingTimeInterval(Double(topic.intervalSeconds ?? Topic.intervals.lowerBound))
                try await Self.saveTopic(claimed, db)
            }
            return due
        }
    }

    static func saveTopic(_ topic: Topic, _ db: PostgresConnection) async throws {
        try await db.query(
            "UPDATE topic SET document = \(try Documents.text(topic)), nextRunAt = \(topic.nextRunAt?.millis) WHERE code = \(topic.code.rawValue)",
            logger: PostgresLocation.logger)
    }

    static func fetchTopics(_ condition: PostgresQuery, _ db: PostgresConnection) async throws -> [Topic] {
        var query = condition
        query.sql = "SELECT document FROM topic WHERE " + condition.sql
        return try await db.query(query, logger: PostgresLocation.logger).collect().map { row in
            try Documents.value(Topic.self, try row.decode(String.self))
        }
    }
}
