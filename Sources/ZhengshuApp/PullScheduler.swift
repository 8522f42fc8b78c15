import Logging
import ServiceLifecycle
import ZhengshuCore

/// Runs due pull sources every `period` until the server shuts down; a run in progress finishes first.
package struct PullScheduler: Service {
    let pulls: Pulls
    let period: Duration
    let logger: Logger

    package init(pulls: Pulls, period: Duration = .seconds(15), logger: Logger) {
        self.pulls = pulls
        self.period = period
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let jobs = try await pulls.runDue()
                for job in jobs {
                    logger.info("scheduled pull finished", metadata: ["job": "\(job.id)", "resource": "\(job.resource)",
                                                                      "status": "\(job.status.rawValue)", "rows": "\(job.rowsAccepted)"])
                }
            } catch {
                logger.error("scheduled pulls failed", metadata: ["error": "\(error)"])
            }
            // The wait ends at once when the server shuts down; a run in progress is never cut.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
        }
    }
}
