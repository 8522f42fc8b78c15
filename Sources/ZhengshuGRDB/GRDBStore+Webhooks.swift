import Foundation
import GRDB
import ZhengshuCore
import ZhengshuDocuments

extension GRDBStore: WebhookStore {
    package func insertWebhook(
        _ webhook: WebhookSubscription, secret: String, audit: AuditEvent
    ) async throws -> WebhookSubscription {
        try await writer.write { db in
            if try Int.fetchOne(
                db, sql: "SELECT 1 FROM webhook WHERE department = ? AND resource = ? AND url = ?",
                arguments: [webhook.department.rawValue, webhook.resource.rawValue, webhook.url]) != nil
            {
                throw ZhengshuError(
                    .conflict,
                    "department \(webhook.department) already subscribes \(webhook.url) to \(webhook.resource)")
            }
            try db.execute(
                sql: """
                    INSERT INTO webhook (department, resource, url, secret, lastVersion, nextAttemptAt, document) VALUES (?, ?, ?, ?, ?, NULL, '{}')
                    """,
                arguments: [
                    webhook.department.rawValue, webhook.resource.rawValue, webhook.url, secret, webhook.lastVersion,
                ])
            var w = webhook
            w.id = WebhookID(db.lastInsertedRowID)
            try Self.saveWebhook(w, db)
            var event = audit
            event.target = "webhook:\(w.id)"
            try Self.appendAudit(event, in: db)
            return w
        }
    }

    static func saveWebhook(_ w: WebhookSubscription, _ db: Database) throws {
        try db.execute(
            sql:
                "UPDATE webhook SET lastVersion = ?, nextAttemptAt = ?, claimedUntil = NULL, document = ? WHERE id = ?",
            arguments: [w.lastVersion, w.nextAttemptAt?.millis, try Documents.text(w), w.id.rawValue])
    }

    package func deleteWebhook(_ id: WebhookID, audit: AuditEvent) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM webhook WHERE id = ?", arguments: [id.rawValue])
            guard db.changesCount > 0 else { return false }
            try Self.appendAudit(audit, in: db)
            return true
        }
    }

    static func fetchWebhooks(
        _ condition: String, _ arguments: StatementArguments, _ db: Database
    ) throws -> [WebhookSubscription] {
        try String.fetchAll(db, sql: "SELECT document FROM webhook WHERE \(condition)", arguments: arguments)
            .map { try Documents.value(WebhookSubscription.self, $0) }
    }

    package func webhook(_ id: WebhookID) async throws -> WebhookSubscription? {
        try await writer.read { db in try Self.fetchWebhooks("id = ?", [id.rawValue], db).first }
    }

    package func webhooks(department: DepartmentCode?) async throws -> [WebhookSubscription] {
        try await writer.read { db in
            try Self.fetchWebhooks(
                "? IS NULL OR department = ? ORDER BY id", [department?.rawValue, department?.rawValue], db)
        }
    }

    package func claimDueWebhooks(
        now: Date, until: Date, limit: Int
    ) async throws -> [(webhook: WebhookSubscription, secret: String, version: Int)] {
        try await writer.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT w.id, w.secret, w.document, r.version FROM webhook w JOIN resource r ON r.code = w.resource
                    WHERE r.version > w.lastVersion AND (w.nextAttemptAt IS NULL OR w.nextAttemptAt <= ?)
                      AND (w.claimedUntil IS NULL OR w.claimedUntil < ?) ORDER BY w.id LIMIT ?
                    """, arguments: [now.millis, now.millis, limit])
            var out: [(WebhookSubscription, String, Int)] = []
            for r in rows {
                try db.execute(
                    sql: "UPDATE webhook SET claimedUntil = ? WHERE id = ?",
                    arguments: [until.millis, r["id"] as Int64])
                out.append(
                    (
                        try Documents.value(WebhookSubscription.self, (r["document"] as String)),
                        r["secret"], r["version"]
                    ))
            }
            return out
        }
    }

    package func recordWebhookAttempt(_ delivery: WebhookDelivery, next: WebhookSubscription) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO webhookDelivery (webhook, version, at, document) VALUES (?, ?, ?, ?)",
                arguments: [
                    delivery.webhook.rawValue, delivery.version, delivery.at.millis, try Documents.text(delivery),
                ])
            try Self.saveWebhook(next, db)
        }
    }

    package func webhookDeliveries(_ id: WebhookID, limit: Int) async throws -> [WebhookDelivery] {
        try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT document FROM webhookDelivery WHERE webhook = ? ORDER BY id DESC LIMIT ?",
                arguments: [id.rawValue, limit]
            )
            .map { try Documents.value(WebhookDelivery.self, $0) }
        }
    }
}
