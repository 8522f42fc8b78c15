import Foundation
import PostgresNIO
import ZhengshuCore
import ZhengshuDocuments

extension PostgresStore: WebhookStore {
    package func insertWebhook(
        _ webhook: WebhookSubscription, secret: String, audit: AuditEvent
    ) async throws -> WebhookSubscription {
        try await write { db in
            if try await db.query(
                """
                SELECT 1 FROM webhook WHERE department = \(webhook.department.rawValue) AND resource = \(webhook.resource.rawValue) AND url = \(webhook.url)
                """, logger: PostgresLocation.logger
            ).collect().count > 0 {
                throw ZhengshuError(
                    .conflict,
                    "department \(webhook.department) already subscribes \(webhook.url) to \(webhook.resource)")
            }
            var w = webhook
            w.id = WebhookID(
                try await db.query(
                    """
                    INSERT INTO webhook (department, resource, url, secret, lastVersion, document)
                    VALUES (\(w.department.rawValue), \(w.resource.rawValue), \(w.url), \(secret), \(w.lastVersion), '{}') RETURNING id
                    """, logger: PostgresLocation.logger
                ).collect()[0].decode(Int64.self))
            try await Self.saveWebhook(w, db)
            var event = audit
            event.target = "webhook:\(w.id)"
            try await Self.appendAudit(event, in: db)
            return w
        }
    }

    static func saveWebhook(_ w: WebhookSubscription, _ db: PostgresConnection) async throws {
        try await db.query(
            """
            UPDATE webhook SET lastVersion = \(w.lastVersion), nextAttemptAt = \(w.nextAttemptAt?.millis), claimedUntil = NULL,
                document = \(try Documents.text(w)) WHERE id = \(w.id.rawValue)
            """, logger: PostgresLocation.logger)
    }

    package func deleteWebhook(_ id: WebhookID, audit: AuditEvent) async throws -> Bool {
        try await write { db in
            let gone =
                try await db.query(
                    "DELETE FROM webhook WHERE id = \(id.rawValue) RETURNING id", logger: PostgresLocation.logger
                ).collect().count > 0
            if gone { try await Self.appendAudit(audit, in: db) }
            return gone
        }
    }

    package func webhook(_ id: WebhookID) async throws -> WebhookSubscription? {
        try await read { db in
            try await Self.fetchDocuments(WebhookSubscription.self, "webhook", "id = \(id.rawValue)", db).first
        }
    }

    package func webhooks(department: DepartmentCode?) async throws -> [WebhookSubscription] {
        try await read { db in
            try await Self.fetchDocuments(
                WebhookSubscription.self, "webhook",
                "\(department?.rawValue)::text IS NULL OR department = \(department?.rawValue) ORDER BY id", db)
        }
    }

    package func claimDueWebhooks(
        now: Date, until: Date, limit: Int
    ) async throws -> [(webhook: WebhookSubscription, secret: String, version: Int)] {
        try await write { db in
            // SKIP LOCKED: nodes looking at once take different subscriptions.
            let rows = try await db.query(
                """
                SELECT w.id, w.secret, w.document, r.version FROM webhook w JOIN resource r ON r.code = w.resource
                WHERE r.version > w.lastVersion AND (w.nextAttemptAt IS NULL OR w.nextAttemptAt <= \(now.millis))
                  AND (w.claimedUntil IS NULL OR w.claimedUntil < \(now.millis))
                ORDER BY w.id LIMIT \(limit) FOR UPDATE OF w SKIP LOCKED
                """, logger: PostgresLocation.logger
            ).collect()
            var out: [(WebhookSubscription, String, Int)] = []
            for r in rows {
                let (id, secret, document, version) = try r.decode((Int64, String, String, Int).self)
                try await db.query(
                    "UPDATE webhook SET claimedUntil = \(until.millis) WHERE id = \(id)",
                    logger: PostgresLocation.logger)
                out.append(
                    (try Documents.value(WebhookSubscription.self, document), secret, version))
            }
            return out
        }
    }

    package func recordWebhookAttempt(_ delivery: WebhookDelivery, next: WebhookSubscription) async throws {
        try await write { db in
            try await db.query(
                """
                INSERT INTO webhookDelivery (webhook, version, at, document)
                VALUES (\(delivery.webhook.rawValue), \(delivery.version), \(delivery.at.millis), \(try Documents.text(delivery)))
                """, logger: PostgresLocation.logger)
            try await Self.saveWebhook(next, db)
        }
    }

    package func webhookDeliveries(_ id: WebhookID, limit: Int) async throws -> [WebhookDelivery] {
        try await read { db in
            try await Self.fetchDocuments(
                WebhookDelivery.self, "webhookDelivery", "webhook = \(id.rawValue) ORDER BY id DESC LIMIT \(limit)", db)
        }
    }
}
