import Foundation
import Synchronization

/// Threads the process owns for work that blocks a thread: synchronous SQLite work of our own (sandbox statements,
/// snapshots, department files), file reads and writes of more than a page, workbook inflation.
///
/// Swift concurrency's cooperative pool has one thread per core. A job that blocks one of them (a semaphore, a
/// synchronous database pool, a disk read) takes that core away from every request; when every such thread waits for
/// something only another task can release, the process stops for good — which is how a two-core server once hung
/// at six concurrent reads. Blocking work therefore hops here and the task suspends until it is done.
///
/// Sized once, before first use, by ``configure(threads:)`` (`blocking.threads`); a job waits in a first-in
/// first-out queue while every thread is busy.
public final class BlockingPool: Sendable {
    /// The process's pool.
    public static var shared: BlockingPool { _shared }
    private static let _shared = BlockingPool(threads: configuredThreads.withLock { $0 } ?? defaultThreads)
    private static let configuredThreads = Mutex<Int?>(nil)

    /// Twice the cores, at least four: these threads mostly wait for the disk or for SQLite, not for a core.
    public static var defaultThreads: Int { max(4, ProcessInfo.processInfo.activeProcessorCount * 2) }

    /// Sets the size of ``shared``; effective only before its first use (the server calls it at start).
    public static func configure(threads: Int) {
        configuredThreads.withLock { $0 = max(1, threads) }
    }

    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var busy = 0
    }

    private let condition = NSCondition()
    private nonisolated(unsafe) var state = State()
    public let threads: Int
    private static let marker = "zhengshu.blockingPool"

    public init(threads: Int) {
        self.threads = threads
        for n in 0..<threads {
            let thread = Thread { [self] in
                Thread.current.threadDictionary[Self.marker] = true
                work()
            }
            thread.name = "zs-blocking-\(n)"
            thread.start()
        }
    }

    /// Runs `body` on one of the pool's threads; the calling task suspends (its thread goes on with other work).
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            enqueue { c.resume(with: Result { try body() }) }
        }
    }

    /// Jobs waiting for a thread and jobs running, for `/readyz` and metrics.
    public var load: (queued: Int, busy: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (state.jobs.count - state.head, state.busy)
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        state.jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            // The pool's own threads wait for work here.
            while state.head == state.jobs.count { condition.wait() }  // blocking-ok: the pool's own thread
            let job = state.jobs[state.head]
            state.head += 1
            if state.head > 1024, state.head * 2 > state.jobs.count {
                state.jobs.removeFirst(state.head)
                state.head = 0
            }
            state.busy += 1
            condition.unlock()
            job()
            condition.lock()
            state.busy -= 1
            condition.unlock()
        }
    }

    /// Whether the calling thread is one of the pool's.
    public static var isPoolThread: Bool { Thread.current.threadDictionary[marker] as? Bool ?? false }

    /// The guard of the rule above, called first by every synchronous function that may block its thread (a
    /// synchronous SQLite connection, a file read or write): in a debug build, a call from a task's thread that is not
    /// one of the pool's stops the process, naming `what` — such a call would hold a cooperative thread, and the
    /// suite's stress test would otherwise find it only by hanging. Threads outside Swift concurrency (a test's
    /// synchronous setup, GRDB's own queues) are allowed.
    @inline(__always)
    public static func assertMayBlock(
        _ what: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
    ) {
        #if DEBUG
            if isPoolThread { return }
            if withUnsafeCurrentTask(body: { $0 != nil }) {
                preconditionFailure(
                    "blocking call on a Swift concurrency thread: \(what()); run it through BlockingPool.shared.run",
                    file: file, line: line)
            }
        #endif
    }
}
