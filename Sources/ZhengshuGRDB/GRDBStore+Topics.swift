import Foundation
import GRDB
import ZhengshuCore
import ZhengshuDocuments

extension GRDBStore: TopicStore {
    package func insertTopic(
        _ topic: Topic, resource: Resource, version: ResourceVersion, audit: AuditEvent
    ) async throws {
        try await writer.write { db in
            try Self.insertResource(resource, version: version, db)
            try Self.saveTopic(topic, insert: true, db)
            try Self.appendAudit(audit, in: db)
        }
    }

    package func updateTopic(
        _ code: ResourceCode, audit: AuditEvent?, change: @Sendable (Topic) throws -> Topic
    ) async throws -> Topic {
        try await writer.write { db in
            guard let current = try Self.fetchTopic(code, db) else {
                throw ZhengshuError(.notFound, "topic \(code) does not exist")
            }
            let next = try change(current)
            try Self.saveTopic(next, insert: false, db)
            if let audit { try Self.appendAudit(audit, in: db) }
            return next
        }
    }

    package func topic(_ code: ResourceCode) async throws -> Topic? {
        try await quickRead { db in try Self.fetchTopic(code, db) }
    }

    package func topics() async throws -> [Topic] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM topic ORDER BY code").map {
                try Documents.value(Topic.self, $0)
            }
        }
    }

    package func claimDueTopics(now: Date) async throws -> [Topic] {
        try await writer.write { db in
            let due = try String.fetchAll(
                db, sql: "SELECT document FROM topic WHERE nextRunAt <= ? ORDER BY nextRunAt", arguments: [now.millis]
            )
            .map { try Documents.value(Topic.self, $0) }
            return try due.map { topic in
                var claimed = topic
                claimed.nextRunAt = now.addingTimeInterval(Double(topic.intervalSeconds ?? Topic.intervals.lowerBound))
                try Self.saveTopic(claimed, insert: false, db)
                return topic
            }
        }
    }

    static func saveTopic(_ topic: Topic, insert: Bool, _ db: Database) throws {
        let sql =
            insert
            ? "INSERT INTO topic (document, nextRunAt, code) VALUES (?, ?, ?)"
            : "UPDATE topic SET document = ?, nextRunAt = ? WHERE code = ?"
        try db.execute(sql: sql, arguments: [try Documents.text(topic), topic.nextRunAt?.millis, topic.code.rawValue])
    }

    static func fetchTopic(_ code: ResourceCode, _ db: Database) throws -> Topic? {
        try String.fetchOne(db, sql: "SELECT document FROM topic WHERE code = ?", arguments: [code.rawValue])
            .map { try Documents.value(Topic.self, $0) }
    }
}
