import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// Catalog change notifications delivered to a real HTTP receiver on loopback: signed, retried with backoff.
@Suite struct WebhookTests {
    /// What the receiver saw; it fails the first `failures` requests with 500.
    final class Receiver: Sendable {
        let requests = Mutex<[(headers: HTTPFields, body: String)]>([])
        let failures: Int
        init(failures: Int) { self.failures = failures }
    }

    /// Runs a receiver on a free loopback port for the duration of `body`.
    func withReceiver(failures: Int, _ body: @Sendable (Receiver, Int) async throws -> Void) async throws {
        let receiver = Receiver(failures: failures)
        let router = Router()
        router.post("hook") { request, _ -> HTTPResponse.Status in
            let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let n = receiver.requests.withLock {
                $0.append((request.headers, text))
                return $0.count
            }
            return n <= receiver.failures ? .internalServerError : .noContent
        }
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var bound: Int?
            for _ in 0..<200 where bound == nil {
                try await Task.sleep(for: .milliseconds(20))
                bound = port.withLock { $0 }
            }
            try await body(receiver, try #require(bound))
            group.cancelAll()
        }
    }

    final class Clock: Sendable {
        let now = Mutex(Date())
        func advance(_ seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    @Test func changesAreSignedSentAndRetriedWithBackoff() async throws {
        try await withReceiver(failures: 2) { receiver, port in
            let api = SharingAPITests()
            // The test's own clock drives the deliveries: the application's dispatcher (real time) stays out of it.
            try await api.withAPI(configure: { $0.webhookCheckSeconds = 86_400 }) { f, client in
                let url = "http://127.0.0.1:\(port)/hook"
                let created = try await api.call(
                    client, .post, "/api/v1/webhooks", token: f.tokens["consumer"],
                    json: #"{"resource":"RK-0001","url":"\#(url)"}"#)
                #expect(created.status == .created, "\(created.text)")
                let secret = try #require(created.body["secret"] as? String)
                let id = try #require((created.body["webhook"] as? [String: Any])?["id"] as? Int)
                // The outbound policy holds for webhooks too; a bad URL and a second identical subscription are refused.
                let metadata = try await api.call(
                    client, .post, "/api/v1/webhooks", token: f.tokens["consumer"],
                    json: #"{"resource":"RK-0001","url":"http://169.254.169.254/latest/meta-data"}"#)
                #expect(metadata.status == .unprocessableContent && metadata.text.contains("url"))
                #expect(
                    try await api.call(
                        client, .post, "/api/v1/webhooks", token: f.tokens["consumer"],
                        json: #"{"resource":"RK-0001","url":"ftp://x"}"#
                    ).status == .unprocessableContent)
                #expect(
                    try await api.call(
                        client, .post, "/api/v1/webhooks", token: f.tokens["consumer"],
                        json: #"{"resource":"RK-0001","url":"\#(url)"}"#
                    ).status == .conflict)

                let clock = Clock()
                let store = f.platform.store
                let webhooks = Webhooks(
                    catalog: store, store: store, clock: PlatformClock { clock.now.withLock { $0 } },
                    sender: HTTPWebhookSender(hosts: try PullHostPolicy(parsing: "127.0.0.1")))
                // Nothing changed yet: nothing is sent.
                #expect(try await webhooks.deliverDue().isEmpty)
                var change = ResourceDraft()
                change.abstract = "全市户籍人口的身份与联系信息（每日同步）"
                let updated = try await f.platform.platform.catalog.update(
                    "RK-0001", change, by: try await f.platform.caller("ga"))
                var outcomes: [WebhookDelivery.Outcome] = []
                outcomes += try await webhooks.deliverDue().map(\.outcome)  // 500: retry in 30 s
                clock.advance(10)
                #expect(try await webhooks.deliverDue().isEmpty)  // not due yet
                clock.advance(21)
                outcomes += try await webhooks.deliverDue().map(\.outcome)  // 500: retry in 60 s
                clock.advance(59)
                #expect(try await webhooks.deliverDue().isEmpty)
                clock.advance(2)
                outcomes += try await webhooks.deliverDue().map(\.outcome)  // 204
                #expect(outcomes == [.retrying, .retrying, .delivered])
                #expect(try await webhooks.deliverDue().isEmpty)

                let requests = receiver.requests.withLock { $0 }
                #expect(requests.count == 3)
                let last = try #require(requests.last)
                let timestamp = try #require(last.headers[HTTPField.Name("X-Zhengshu-Timestamp")!])
                let signature = try #require(last.headers[HTTPField.Name("X-Zhengshu-Signature")!])
                let mac = HMAC<SHA256>.authenticationCode(
                    for: Array("\(timestamp).\(last.body)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
                #expect(signature == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
                let event = try #require(try JSONSerialization.jsonObject(with: Data(last.body.utf8)) as? [String: Any])
                #expect(event["resource"] as? String == "RK-0001" && event["version"] as? Int == updated.version)
                #expect(event["changedFields"] as? [String] == ["abstract"], "\(event)")
                #expect(last.headers[HTTPField.Name("X-Zhengshu-Delivery")!] == "\(id)-\(updated.version)")

                let log = try await api.call(
                    client, .get, "/api/v1/webhooks/\(id)/deliveries", token: f.tokens["consumer"]
                ).items
                #expect(log.map { $0["outcome"] as? String } == ["delivered", "retrying", "retrying"])
                #expect(log.last?["httpStatus"] as? Int == 500)
                #expect(
                    try await api.call(client, .get, "/api/v1/webhooks/\(id)/deliveries", token: f.tokens["rs"]).status
                        == .notFound)
                #expect(
                    try await api.call(client, .delete, "/api/v1/webhooks/\(id)", token: f.tokens["consumer"]).status
                        == .noContent)
                #expect(try await api.call(client, .get, "/api/v1/webhooks", token: f.tokens["consumer"]).items.isEmpty)
            }
        }
    }

    @Test func backoffDoublesToAnHour() {
        #expect(
            (1...9).map { WebhookSubscription.backoff(afterAttempt: $0) } == [
                30, 60, 120, 240, 480, 960, 1920, 3600, 3600,
            ])
    }
}
