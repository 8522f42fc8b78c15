import Foundation

/// Webhook subscriptions to catalog changes and the log of their deliveries.
package protocol WebhookStore: Sendable {
    /// - Throws: `conflict` when the department already has a subscription of that resource to that URL.
    func insertWebhook(
        _ webhook: WebhookSubscription, secret: String, audit: AuditEvent
    ) async throws -> WebhookSubscription
    /// - Returns: whether it existed.
    func deleteWebhook(_ id: WebhookID, audit: AuditEvent) async throws -> Bool
    func webhook(_ id: WebhookID) async throws -> WebhookSubscription?
    func webhooks(department: DepartmentCode?) async throws -> [WebhookSubscription]
    /// Takes (until `until`) subscriptions whose resource has a catalog version after the one last delivered and whose
    /// next attempt is due, so that one node sends each. - Returns: them, their secrets and the resources' versions.
    func claimDueWebhooks(
        now: Date, until: Date, limit: Int
    ) async throws -> [(webhook: WebhookSubscription, secret: String, version: Int)]
    /// Logs an attempt and saves the subscription's state after it (releasing the claim).
    func recordWebhookAttempt(_ delivery: WebhookDelivery, next: WebhookSubscription) async throws
    /// Newest first.
    func webhookDeliveries(_ id: WebhookID, limit: Int) async throws -> [WebhookDelivery]
}
