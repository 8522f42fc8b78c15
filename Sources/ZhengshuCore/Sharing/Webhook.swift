import Crypto
import Foundation

/// Identifier of a webhook subscription.
package typealias WebhookID = RowID<WebhookSubscription>

/// A department's subscription to changes of a resource's catalog entry: each new version is POSTed to `url` with an
/// HMAC-SHA256 signature over the body, and retried with exponential backoff until the receiver answers 2xx.
package struct WebhookSubscription: Sendable, Hashable {
    package var id: WebhookID
    package var department: DepartmentCode
    package var resource: ResourceCode
    package var url: String
    package var createdBy: String
    package var createdAt: Date
    /// The catalog version last delivered (or given up on); versions after it are due.
    package var lastVersion: Int
    /// Failed attempts at the next version.
    package var attempts: Int
    package var nextAttemptAt: Date?
    package var lastError: String?
    package var lastDeliveredAt: Date?

    package init(
        id: WebhookID, department: DepartmentCode, resource: ResourceCode, url: String, createdBy: String,
        createdAt: Date,
        lastVersion: Int, attempts: Int = 0, nextAttemptAt: Date? = nil, lastError: String? = nil,
        lastDeliveredAt: Date? = nil
    ) {
        self.id = id
        self.department = department
        self.resource = resource
        self.url = url
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.lastVersion = lastVersion
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.lastDeliveredAt = lastDeliveredAt
    }

    /// Attempts at one version before it is given up (the log keeps each attempt).
    package static let maxAttempts = 8

    /// Seconds to wait after the `attempt`th failure: 30 s doubling, at most an hour.
    package static func backoff(afterAttempt attempt: Int, base: Double = 30) -> Double {
        min(3600, base * pow(2, Double(max(0, attempt - 1))))
    }
}

/// One attempt to deliver a version.
package struct WebhookDelivery: Sendable, Hashable {
    package enum Outcome: String, Sendable, Codable { case delivered, retrying, abandoned }
    package var webhook: WebhookID
    package var version: Int
    package var attempt: Int
    package var outcome: Outcome
    package var httpStatus: Int?
    package var error: String?
    package var at: Date
    package var milliseconds: Int

    package init(
        webhook: WebhookID, version: Int, attempt: Int, outcome: Outcome, httpStatus: Int?, error: String?, at: Date,
        milliseconds: Int
    ) {
        self.webhook = webhook
        self.version = version
        self.attempt = attempt
        self.outcome = outcome
        self.httpStatus = httpStatus
        self.error = error
        self.at = at
        self.milliseconds = milliseconds
    }
}

/// The notification's body.
package struct WebhookEvent: Sendable, Hashable, Codable {
    package var event: String
    /// `WEBHOOK-VERSION`: a receiver that sees one twice (a retry after a lost answer) ignores it.
    package var delivery: String
    package var resource: ResourceCode
    package var version: Int
    /// What made the version: `create`, `update`, `publish`, `retire`.
    package var action: String
    package var actor: String
    package var at: Date
    /// Top-level catalog fields that differ from the version before.
    package var changedFields: [String]
}

/// Signing of webhook bodies: `X-Zhengshu-Signature: sha256=HEX`, the HMAC-SHA256 under the subscription's secret of
/// `TIMESTAMP.BODY`, with the timestamp (Unix seconds) in `X-Zhengshu-Timestamp` so a receiver can refuse replays.
package enum WebhookSignature {
    package static func sign(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + Data(mac).hex
    }

    package static func newSecret() -> String {
        var rng = SystemRandomNumberGenerator()
        return "whsec_" + (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }.hex
    }
}

/// Sends webhook requests (the composition root gives one that honours the platform's host policy).
package protocol WebhookSender: Sendable {
    /// Checks that `url` may be called at all. - Throws: `validation` on the `url` field.
    func check(_ url: String) throws
    /// POSTs `body`. - Returns: the HTTP status. - Throws: on a network failure or timeout.
    func post(_ url: String, headers: [(String, String)], body: [UInt8]) async throws -> Int
}

/// The sender of a node that sends no webhooks (tests of other features).
package struct NoWebhookSender: WebhookSender {
    package init() {}
    package func check(_ url: String) throws {}
    package func post(_ url: String, headers: [(String, String)], body: [UInt8]) async throws -> Int {
        throw ZhengshuError(.conflict, "this node sends no webhooks")
    }
}
