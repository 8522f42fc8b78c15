import Foundation
import ZhengshuCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Posts webhook notifications over HTTP(S), to hosts the platform's outbound policy allows (the same as pull
/// sources': a consumer must not use the platform to reach its loopback or the cloud metadata address).
package struct HTTPWebhookSender: WebhookSender {
    let hosts: PullHostPolicy
    let session: URLSession

    package init(hosts: PullHostPolicy) {
        self.hosts = hosts
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        session = URLSession(configuration: configuration, delegate: RedirectGuard(hosts: hosts), delegateQueue: nil)
    }

    package func check(_ url: String) throws {
        guard let host = URL(string: url)?.host, !host.isEmpty else {
            throw ZhengshuError.validation([
                .init(field: "url", reason: "must be an http:// or https:// URL with a host")
            ])
        }
        do { try hosts.check(host: host) } catch let e as ZhengshuError {
            throw ZhengshuError.validation(e.violations.map { .init(field: "url", reason: $0.reason) })
        }
    }

    package func post(_ url: String, headers: [(String, String)], body: [UInt8]) async throws -> Int {
        guard let target = URL(string: url) else { throw ZhengshuError(.invalidInput, "not a URL") }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.timeoutInterval = 10
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (_, response) = try await session.upload(for: request, from: Data(body))
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
