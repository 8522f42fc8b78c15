import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuCore
import ZhengshuHTTP

/// A full node answers at once: 503 with `Retry-After` past its limit of requests in flight, 503 for a read past its
/// time, and `/healthz` and `/readyz` whatever the load (over real sockets).
@Suite struct AdmissionTests {
    /// Requests that wait until the test lets them go.
    actor Gate {
        var isOpen = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        func wait() async {
            if isOpen { return }
            await withCheckedContinuation { waiting.append($0) }
        }
        func open() {
            isOpen = true
            for w in waiting { w.resume() }
            waiting = []
        }
    }

    /// A router with the middleware the application uses, a slow route, a held route and the system routes.
    static func router(_ limits: ServerLimits, admission: Admission, gate: Gate = Gate()) -> Router<BasicRequestContext>
    {
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
        router.get("held") { _, _ -> String in
            await gate.wait()
            return "released"
        }
        SystemRoutes<BasicRequestContext>(readiness: { true }, metrics: { "" }, admission: admission).register(
            on: router)
        return router
    }

    @Test func pastItsLimitTheNodeRefusesAtOnceWithRetryAfterAndStillAnswersHealth() async throws {
        let limits = ServerLimits(maxInFlight: 3, requestTimeout: .seconds(60))
        let admission = Admission(limits: limits)
        let gate = Gate()
        let app = Application(router: Self.router(limits, admission: admission, gate: gate))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let http = StressTests.Client(port: port)
            let held = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<3 { group.addTask { try await http.call("GET", "/held", token: nil).status } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            // Every slot taken (however long the connections take to open on a loaded machine).
            var polls = 0
            while admission.load.inFlight < 3, polls < 3000 {
                try await Task.sleep(for: .milliseconds(20))
                polls += 1
            }
            #expect(admission.load.inFlight == 3 && admission.load.saturated)
            // The next requests are refused at once, while the three are still held.
            let refused = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        let (status, body) = try await http.call("GET", "/held", token: nil)
                        return (status, String(decoding: body, as: UTF8.self))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(
                refused.allSatisfy { $0.0 == 503 && $0.1.contains("limit") && $0.1.contains("\"status\":503") },
                "\(refused.map(\.0))")
            // Liveness and readiness still answer; readiness says the node is full.
            #expect(try await http.call("GET", "/healthz", token: nil).status == 200)
            let ready = try await http.call("GET", "/readyz", token: nil)
            let readiness = try JSONSerialization.jsonObject(with: ready.body) as? [String: Any]
            #expect(
                ready.status == 503 && (readiness?["requests"] as? [String: Any])?["saturated"] as? Bool == true,
                "\(readiness ?? [:])")
            await gate.open()
            #expect(try await held.value == [200, 200, 200])
            // The refusals were counted, and the node is free again.
            let load = admission.load
            #expect(load.refused == 5 && load.inFlight == 0 && !load.saturated)
            #expect(try await http.call("GET", "/slow?ms=1", token: nil).status == 200)
        }
    }

    @Test func aRefusalCarriesRetryAfter() async throws {
        let admission = Admission(limits: ServerLimits(maxInFlight: 1, requestTimeout: .seconds(60)))
        let gate = Gate()
        let app = Application(router: Self.router(admission.limits, admission: admission, gate: gate))
        try await app.test(.router) { client in
            async let held = client.execute(uri: "/held", method: .get) { $0.status }
            var polls = 0
            while admission.load.inFlight < 1, polls < 3000 {
                try await Task.sleep(for: .milliseconds(20))
                polls += 1
            }
            let refused = try await client.execute(uri: "/slow?ms=1", method: .get) { r in
                (r.status, r.headers[.retryAfter])
            }
            #expect(refused.0 == .serviceUnavailable && refused.1 == "1")
            await gate.open()
            #expect(try await held == .ok)
        }
    }

    @Test func aReadPastItsTimeIsCutButAWriteIsNot() async throws {
        let admission = Admission(limits: ServerLimits(maxInFlight: 10, requestTimeout: .seconds(1)))
        let app = Application(router: Self.router(admission.limits, admission: admission))
        try await app.test(.router) { client in
            let cut = try await client.execute(uri: "/slow?ms=5000", method: .get) { r in
                (r.status, r.headers[.retryAfter], String(buffer: r.body))
            }
            #expect(cut.0 == .serviceUnavailable && cut.1 == "5" && cut.2.contains("longer than 1 s"), "\(cut.2)")
            #expect(admission.load.timedOut == 1)
            // An upload or an import may take longer than a read's limit.
            #expect(try await client.execute(uri: "/slow", method: .post) { $0.status } == .ok)
            #expect(try await client.execute(uri: "/slow?ms=10", method: .get) { $0.status } == .ok)
        }
    }
}
