import Foundation

/// Catalog change notifications (订阅通知): departments subscribe a URL to a resource's catalog entry; every new
/// version is POSTed to it, signed, and retried with exponential backoff until it is taken.
package struct Webhooks: Sendable {
    let catalog: any CatalogStore
    let store: any WebhookStore
    let clock: PlatformClock
    let sender: any WebhookSender
    /// Seconds before the first retry (doubling after each failure, at most an hour).
    let retryBase: Double

    package init(
        catalog: any CatalogStore, store: any WebhookStore, clock: PlatformClock, sender: any WebhookSender,
        retryBase: Double = 30
    ) {
        self.catalog = catalog
        self.store = store
        self.clock = clock
        self.sender = sender
        self.retryBase = retryBase
    }

    /// Subscribes the caller's department. - Returns: the subscription and its signing secret, shown once.
    package func create(
        resource code: String?, url: String?, by caller: Caller
    ) async throws
        -> (WebhookSubscription, secret: String)
    {
        let p = caller.principal
        guard let department = p.department, p.userID != nil, !p.roles.isDisjoint(with: [.consumer, .provider]) else {
            throw ZhengshuError(.forbidden, "webhooks are set up by a department's consumers or providers")
        }
        var v: [ZhengshuError.Violation] = []
        if code == nil { v.append(.init(field: "resource", reason: "is required")) }
        let url = url?.trimmingCharacters(in: .whitespaces) ?? ""
        if let u = URL(string: url), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), !(u.host ?? "").isEmpty,
            url.count <= 2000
        {
            do { try sender.check(url) } catch let e as ZhengshuError {
                v += e.violations.map { .init(field: "url", reason: $0.reason) }
            }
        } else {
            v.append(
                .init(field: "url", reason: "must be an http:// or https:// URL with a host (at most 2000 characters)"))
        }
        guard v.isEmpty, let code else { throw ZhengshuError.validation(v) }
        let resource = try await catalog.visibleResource(code, to: p)
        let now = clock.current()
        let secret = WebhookSignature.newSecret()
        let webhook = WebhookSubscription(
            id: WebhookID(0), department: department, resource: resource.code, url: url, createdBy: p.name,
            createdAt: now, lastVersion: resource.version)
        let stored = try await store.insertWebhook(
            webhook, secret: secret,
            audit: caller.audit(
                "webhook.create", "resource:\(resource.code)", at: now,
                detail: "url host: \(URL(string: url)?.host ?? "")"))
        return (stored, secret)
    }

    /// The bureau and auditors see every subscription; a department its own.
    package func list(by caller: Caller) async throws -> [WebhookSubscription] {
        let p = caller.principal
        if p.isAdmin || p.roles.contains(.auditor) { return try await store.webhooks(department: nil) }
        guard let d = p.department else { throw ZhengshuError(.forbidden, "webhooks belong to departments") }
        return try await store.webhooks(department: d)
    }

    package func delete(_ id: Int64, by caller: Caller) async throws {
        let w = try await visible(id, caller)
        guard
            caller.principal.isAdmin || (caller.principal.department == w.department && caller.principal.userID != nil)
        else {
            throw ZhengshuError(.forbidden, "only department \(w.department) or an admin removes this webhook")
        }
        _ = try await store.deleteWebhook(
            w.id, audit: caller.audit("webhook.delete", "webhook:\(id)", at: clock.current()))
    }

    package func deliveries(_ id: Int64, by caller: Caller) async throws -> [WebhookDelivery] {
        let w = try await visible(id, caller)
        return try await store.webhookDeliveries(w.id, limit: 100)
    }

    func visible(_ id: Int64, _ caller: Caller) async throws -> WebhookSubscription {
        let p = caller.principal
        guard let w = try await store.webhook(WebhookID(id)),
            p.isAdmin || p.roles.contains(.auditor) || p.department == w.department
        else {
            throw ZhengshuError(.notFound, "webhook \(id) does not exist")
        }
        return w
    }

    /// Sends the next due version of every due subscription, once (the dispatcher calls this every few seconds).
    /// - Returns: the attempts made.
    @discardableResult
    package func deliverDue(limit: Int = 50) async throws -> [WebhookDelivery] {
        let now = clock.current()
        var attempts: [WebhookDelivery] = []
        for (webhook, secret, _) in try await store.claimDueWebhooks(
            now: now, until: now.addingTimeInterval(120), limit: limit)
        {
            attempts.append(try await deliver(webhook, secret: secret))
        }
        return attempts
    }

    func deliver(_ webhook: WebhookSubscription, secret: String) async throws -> WebhookDelivery {
        var next = webhook
        let versionNumber = webhook.lastVersion + 1
        let attempt = webhook.attempts + 1
        let started = Date()
        var status: Int?
        var failure: String?
        if let version = try await catalog.version(versionNumber, of: webhook.resource) {
            let previous = try await catalog.version(versionNumber - 1, of: webhook.resource)
            let event = WebhookEvent(
                event: "catalog.changed", delivery: "\(webhook.id)-\(versionNumber)", resource: webhook.resource,
                version: versionNumber, action: version.action, actor: version.actor, at: version.at,
                changedFields: previous.map {
                    Array(
                        Set(
                            ResourceDiff.between($0.snapshot, version.snapshot)
                                .map { String($0.field.prefix { $0 != "[" && $0 != "." }) })
                    ).sorted()
                } ?? [])
            let body = Array(try DocumentCoding.json(event).utf8)
            let timestamp = Int64(clock.current().timeIntervalSince1970)
            do {
                try sender.check(webhook.url)
                status = try await sender.post(
                    webhook.url,
                    headers: [
                        ("Content-Type", "application/json"), ("X-Zhengshu-Event", event.event),
                        ("X-Zhengshu-Delivery", event.delivery),
                        ("X-Zhengshu-Timestamp", String(timestamp)),
                        (
                            "X-Zhengshu-Signature",
                            WebhookSignature.sign(secret: secret, timestamp: timestamp, body: body)
                        ),
                    ], body: body)
                if !(200..<300).contains(status!) { failure = "the receiver answered \(status!)" }
            } catch let e as ZhengshuError {
                failure = e.violations.first?.reason ?? e.message
            } catch {
                failure = "\(error)".prefix(300).description
            }
        } else {
            failure = "version \(versionNumber) of \(webhook.resource) is gone"
        }
        let now = clock.current()
        let outcome: WebhookDelivery.Outcome
        if failure == nil {
            outcome = .delivered
            next.lastVersion = versionNumber
            next.attempts = 0
            next.nextAttemptAt = nil
            next.lastError = nil
            next.lastDeliveredAt = now
        } else if attempt >= WebhookSubscription.maxAttempts {
            outcome = .abandoned
            next.lastVersion = versionNumber
            next.attempts = 0
            next.nextAttemptAt = nil
            next.lastError = failure
        } else {
            outcome = .retrying
            next.attempts = attempt
            next.nextAttemptAt = now.addingTimeInterval(
                WebhookSubscription.backoff(afterAttempt: attempt, base: retryBase))
            next.lastError = failure
        }
        let delivery = WebhookDelivery(
            webhook: webhook.id, version: versionNumber, attempt: attempt, outcome: outcome, httpStatus: status,
            error: failure, at: now, milliseconds: Int(Date().timeIntervalSince(started) * 1000))
        try await store.recordWebhookAttempt(delivery, next: next)
        return delivery
    }
}
