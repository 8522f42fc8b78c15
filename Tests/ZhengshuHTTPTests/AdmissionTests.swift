import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
import ZhengshuCore
import ZhengshuHTTP

/// A full node answers at once: 503 with `Retry-After` past its limit of requests in flight, 503 for a read past its
/// time, and `/healthz` and `/readyz` whatever the load (over real sockets).
@Suite struct AdmissionTests {
    /// A router with the middleware the application uses, a slow route and the system routes.
    static func router(_ limits: ServerLimits, admission: Admission) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: AdmissionMiddleware(admission))
        router.get("slow") { request, _ -> String in
            let ms = Int(request.uri.queryParameters.get("ms") ?? "") ?? 500
            try await Task.sleep(for: .milliseconds(ms))
            return "done"
        }
        router.post("slow") { _, _ -> String in
            try await Task.sleep(for: .milliseconds(1500))
            return "written"
        }
        SystemRoutes<BasicRequestContext>(readiness: { true }, metrics: { "" }, admission: admission).register(on: router)
        return router
    }

    @Test func pastItsLimitTheNodeRefusesAtOnceWithRetryAfterAndStillAnswersHealth() async throws {
        let limits = ServerLimits(maxInFlight: 3, requestTimeout: .seconds(10))
        let admission = Admission(limits: limits)
        let app = Application(router: Self.router(limits, admission: admission))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let http = StressTests.Client(port: port)
            let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let (status, body) = try await http.call("GET", "/slow?ms=1500", token: nil)
                        return (status, String(decoding: body, as: UTF8.self))
                    }
                }
                // While three slow reads hold every slot: liveness and readiness still answer, readiness says full.
                try await Task.sleep(for: .milliseconds(400))
                let health = try await http.call("GET", "/healthz", token: nil)
                let ready = try await http.call("GET", "/readyz", token: nil)
                #expect(health.status == 200)
                let readiness = try JSONSerialization.jsonObject(with: ready.body) as? [String: Any]
                #expect(ready.status == 503 && (readiness?["requests"] as? [String: Any])?["saturated"] as? Bool == true, "\(readiness ?? [:])")
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let ok = answers.filter { $0.0 == 200 }, refused = answers.filter { $0.0 == 503 }
            #expect(ok.count == 3 && refused.count == 5, "\(answers.map(\.0))")
            #expect(refused.allSatisfy { $0.1.contains("limit") && $0.1.contains("\"status\":503") }, "\(refused.first?.1 ?? "")")
            // The refusals were counted, and the node is free again.
            let load = admission.load
            #expect(load.refused == 5 && load.inFlight == 0 && !load.saturated)
            #expect(try await http.call("GET", "/slow?ms=1", token: nil).status == 200)
        }
    }

    @Test func aRefusalCarriesRetryAfter() async throws {
        let admission = Admission(limits: ServerLimits(maxInFlight: 1, requestTimeout: .seconds(10)))
        let app = Application(router: Self.router(admission.limits, admission: admission))
        try await app.test(.router) { client in
            async let slow = client.execute(uri: "/slow?ms=800", method: .get) { $0.status }
            try await Task.sleep(for: .milliseconds(200))
            let refused = try await client.execute(uri: "/slow?ms=1", method: .get) { r in (r.status, r.headers[.retryAfter]) }
            #expect(refused.0 == .serviceUnavailable && refused.1 == "1")
            #expect(try await slow == .ok)
        }
    }

    @Test func aReadPastItsTimeIsCutButAWriteIsNot() async throws {
        let admission = Admission(limits: ServerLimits(maxInFlight: 10, requestTimeout: .seconds(1)))
        let app = Application(router: Self.router(admission.limits, admission: admission))
        try await app.test(.router) { client in
            let cut = try await client.execute(uri: "/slow?ms=5000", method: .get) { r in (r.status, r.headers[.retryAfter], String(buffer: r.body)) }
            #expect(cut.0 == .serviceUnavailable && cut.1 == "5" && cut.2.contains("longer than 1 s"), "\(cut.2)")
            #expect(admission.load.timedOut == 1)
            // An upload or an import may take longer than a read's limit.
            #expect(try await client.execute(uri: "/slow", method: .post) { $0.status } == .ok)
            #expect(try await client.execute(uri: "/slow?ms=10", method: .get) { $0.status } == .ok)
        }
    }
}
