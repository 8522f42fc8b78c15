import Foundation
import Hummingbird

/// Routes outside `/api/v1`: liveness, readiness, Prometheus metrics and the published OpenAPI document.
package struct SystemRoutes<Context: RequestContext> {
    let readiness: @Sendable () async -> Bool
    let metrics: @Sendable () async -> String

    package init(readiness: @escaping @Sendable () async -> Bool, metrics: @escaping @Sendable () async -> String) {
        self.readiness = readiness
        self.metrics = metrics
    }

    package func register(on router: Router<Context>) {
        let document = OpenAPIDocument.bytes
        router.get("healthz") { _, _ in
            JSON.response(["status": "ok"])
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
