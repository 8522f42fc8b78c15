import Foundation
import ServiceLifecycle
import Synchronization
import ZhengshuCore
import ZhengshuHTTP

/// The last scheduled backup, for `/healthz`: read from the store every two seconds by this service of the
/// application's group, so a health check never waits on a loaded database. Only a check that finds nothing read yet
/// (the node just started, or no group runs this service) reads it itself, for at most a second.
package final class LastBackup: Service {
    let read: @Sendable () async -> BackupRun?
    let period: Duration
    private let state = Mutex<(value: BackupRun?, readAt: ContinuousClock.Instant?)>((nil, nil))

    package init(period: Duration = .seconds(2), _ read: @escaping @Sendable () async -> BackupRun?) {
        self.read = read
        self.period = period
    }

    package func run() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await refresh()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.period) }
        }
    }

    package func current() async -> BackupRun? {
        let (value, readAt) = state.withLock { ($0.value, $0.readAt) }
        // Fresh enough, or refreshed by the service: what was read last.
        if let readAt, ContinuousClock.now - readAt < period * 5 { return value }
        _ = try? await Deadline.run(within: .seconds(1)) { await self.refresh() }
        return state.withLock { $0.value }
    }

    private func refresh() async {
        let fresh = await read()
        state.withLock { $0 = (fresh, .now) }
    }
}
