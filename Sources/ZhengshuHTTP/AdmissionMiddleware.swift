import Hummingbird
import Synchronization
import ZhengshuCore

/// How much a node takes on at once (`http.*`; see `AppConfiguration`).
package struct ServerLimits: Sendable {
    /// Open client connections.
    package var maxConnections: Int
    /// An idle keep-alive connection is closed after this long.
    package var idleTimeout: Duration
    /// Requests handled at once; the next is refused with 503 and `Retry-After` rather than queued.
    package var maxInFlight: Int
    /// A read still unanswered after this long is cancelled and answered 503.
    package var requestTimeout: Duration

    package init(
        maxConnections: Int = 1024, idleTimeout: Duration = .seconds(75), maxInFlight: Int = 256,
        requestTimeout: Duration = .seconds(30)
    ) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.maxInFlight = maxInFlight
        self.requestTimeout = requestTimeout
    }
}

/// The node's admission count: requests being handled now, and those refused because the node was full.
package final class Admission: Sendable {
    package let limits: ServerLimits
    private let inFlight = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let timedOut = Atomic<Int>(0)

    package init(limits: ServerLimits) { self.limits = limits }

    /// What `/readyz` and the metrics report.
    package struct Load: Sendable, Encodable {
        package var inFlight: Int
        package var maxInFlight: Int
        package var refused: Int
        package var timedOut: Int
        package var saturated: Bool
    }

    package var load: Load {
        let n = inFlight.load(ordering: .relaxed)
        return Load(
            inFlight: n, maxInFlight: limits.maxInFlight, refused: refused.load(ordering: .relaxed),
            timedOut: timedOut.load(ordering: .relaxed), saturated: n >= limits.maxInFlight)
    }

    /// Takes a slot, or says the node is full.
    func enter() -> Bool {
        let n = inFlight.add(1, ordering: .acquiringAndReleasing).newValue
        if n > limits.maxInFlight {
            inFlight.subtract(1, ordering: .acquiringAndReleasing)
            refused.add(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { inFlight.subtract(1, ordering: .acquiringAndReleasing) }

    func countTimeout() { timedOut.add(1, ordering: .relaxed) }
}

/// Admission control: at most `maxInFlight` requests at once, the rest refused at once with 503 and `Retry-After: 1`
/// (a client backs off; nothing queues without bound), and reads cut at `requestTimeout`. `/healthz` and `/readyz`
/// are never refused: an operator must be able to ask a full node how it is.
package struct AdmissionMiddleware<Context: RequestContext>: RouterMiddleware {
    let admission: Admission

    package init(_ admission: Admission) { self.admission = admission }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" || path == "/readyz" { return try await next(request, context) }
        guard admission.enter() else {
            throw ZhengshuError(
                .unavailable,
                "the server is handling \(admission.limits.maxInFlight) requests, its limit; retry in a second",
                retryAfter: 1)
        }
        defer { admission.leave() }
        // Reads only: an upload or an import may rightly take minutes, and has limits and progress of its own.
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        let timeout = admission.limits.requestTimeout
        do {
            return try await Deadline.run(within: timeout) { try await next(request, context) }
        } catch is Deadline.Passed {
            admission.countTimeout()
            throw ZhengshuError(
                .unavailable,
                "the request took longer than \(timeout.components.seconds) s and was stopped; retry later",
                retryAfter: 5)
        }
    }
}

/// Runs work under a time limit: past it, the work's task is cancelled (database reads are interrupted) and
/// ``Passed`` thrown.
package enum Deadline {
    package struct Passed: Error {}

    /// A non-escaping closure carried into the child task of a group that cannot outlive it.
    private struct Carried<T>: @unchecked Sendable { let value: T }

    package static func run<T: Sendable>(within limit: Duration, _ work: () async throws -> T) async throws -> T {
        try await withoutActuallyEscaping(work) { work in
            let carried = Carried(value: work)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await carried.value() }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else { throw Passed() }
                return value
            }
        }
    }
}
