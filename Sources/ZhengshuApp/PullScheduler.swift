import Logging
import ServiceLifecycle
import ZhengshuCore

/// Fails, every `period`, the jobs of nodes that died (their heartbeat stopped), so that no job stays "running" forever
/// and its staging is dropped. Every node runs it; each job is failed once.
package struct JobReaper: Service {
    let ingestion: Ingestion
    let period: Duration
    let logger: Logger

    package init(ingestion: Ingestion, period: Duration = .seconds(30), logger: Logger) {
        self.ingestion = ingestion
        self.period = period
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { break }
            do {
                let failed = try await ingestion.failAbandonedJobs(includingOwn: false)
                if !failed.isEmpty { logger.warning("failed jobs abandoned by a stopped node", metadata: ["jobs": "\(failed)"]) }
            } catch {
                logger.error("reaping abandoned jobs failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

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
