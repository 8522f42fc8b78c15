import Synchronization

/// Cancellation requests for the jobs this process runs: the one piece of in-process mutable state ingestion needs.
package final class JobControl: Sendable {
    private let state = Mutex<(running: Set<JobID>, cancelled: Set<JobID>)>(([], []))

    package init() {}

    func started(_ id: JobID) { state.withLock { _ = $0.running.insert(id) } }

    func ended(_ id: JobID) {
        state.withLock {
            $0.running.remove(id)
            $0.cancelled.remove(id)
        }
    }

    /// Asks a running job to stop before it commits. - Returns: false when this process does not run the job.
    package func cancel(_ id: JobID) -> Bool {
        state.withLock { s in
            guard s.running.contains(id) else { return false }
            s.cancelled.insert(id)
            return true
        }
    }

    func isCancelled(_ id: JobID) -> Bool { state.withLock { $0.cancelled.contains(id) } }
}
