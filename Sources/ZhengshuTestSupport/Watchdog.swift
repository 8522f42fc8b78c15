import Foundation

/// Stops the test process when a test makes no progress for too long: a deadlock of the cooperative pool would
/// otherwise hang the run for good (nothing in Swift concurrency can time out once every cooperative thread is
/// blocked). It waits on a thread of its own, outside Swift concurrency.
package final class Watchdog: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)

    /// - Parameter what: named in the failure, with `limit`.
    package init(_ what: String, limit: Duration) {
        let seconds = Double(limit.components.seconds)
        let thread = Thread { [done] in
            if done.wait(timeout: .now() + seconds) == .timedOut {
                FileHandle.standardError.write(
                    Data(
                        "watchdog: \(what) made no progress for \(Int(seconds)) s: the server's threads are blocked\n"
                            .utf8))
                fatalError("watchdog: \(what) did not finish within \(Int(seconds)) s")
            }
        }
        thread.name = "zhengshu-test-watchdog"
        thread.start()
    }

    /// The watched work is over.
    package func finish() { done.signal() }
}
