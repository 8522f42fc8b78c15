import Foundation
import Hummingbird
import ZhengshuCore

/// Routes outside `/api/v1`: liveness, readiness, Prometheus metrics and the published OpenAPI document.
package struct SystemRoutes<Context: RequestContext> {
    let readiness: @Sendable () async -> Bool
    let metrics: @Sendable () async -> String
    let lastBackup: @Sendable () async -> BackupRun?

    package init(readiness: @escaping @Sendable () async -> Bool, metrics: @escaping @Sendable () async -> String,
                 lastBackup: @escaping @Sendable () async -> BackupRun? = { nil }) {
        self.readiness = readiness
        self.metrics = metrics
        self.lastBackup = lastBackup
    }

    /// Liveness, and what an operator must hear of: the last scheduled backup, `degraded` when it failed.
    struct Health: Encodable {
        struct Backup: Encodable {
            var status: String
            var startedAt: Date
            var file: String
            var error: String?
        }
        var status: String
        var backup: Backup?
    }

    package func register(on router: Router<Context>) {
        let document = OpenAPIDocument.bytes
        router.get("healthz") { _, _ in
            let last = await lastBackup()
            return JSON.response(Health(status: last?.status == .failed ? "degraded" : "ok",
                                        backup: last.map { .init(status: $0.status.rawValue, startedAt: $0.startedAt, file: $0.file, error: $0.error) }))
        }
        router.get("readyz") { _, _ in
            let ready = await readiness()
            return JSON.response(["status": ready ? "ready" : "unavailable"], status: ready ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: await metrics())))
        }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }
}

/// The OpenAPI document as shipped: the source of truth, served as is.
package enum OpenAPIDocument {
    package static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url) else {
            preconditionFailure("openapi.json is missing from the ZhengshuHTTP bundle")
        }
        return Array(data)
    }()
}
