import Crypto
import Logging
import ServiceLifecycle
import ZhengshuCore

/// Work a node repeats every `period` until the server shuts down: the wait ends at once on shutdown, a round in
/// progress is never cut, and a failed round is logged and tried again next time.
package struct PeriodicService: Service {
    let name: String
    let period: Duration
    let logger: Logger
    let round: @Sendable (Logger) async throws -> Void

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await round(logger)
            } catch {
                logger.error("\(name) failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
        }
    }

    /// Runs due pull sources (each claimed by one node).
    package static func pullScheduler(_ pulls: Pulls, period: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(name: "scheduled pulls", period: period, logger: logger) { logger in
            for job in try await pulls.runDue() {
                logger.info(
                    "scheduled pull finished",
                    metadata: [
                        "job": "\(job.id)", "resource": "\(job.resource)",
                        "status": "\(job.status.rawValue)", "rows": "\(job.rowsAccepted)",
                    ])
            }
        }
    }

    /// Materialises the topic databases whose schedule is due (each claimed by one node).
    package static func topicScheduler(_ topics: Topics, period: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(name: "scheduled topic materialisations", period: period, logger: logger) { logger in
            for job in try await topics.runDue() {
                logger.info(
                    "topic materialised",
                    metadata: [
                        "job": "\(job.id)", "resource": "\(job.resource)",
                        "status": "\(job.status.rawValue)", "rows": "\(job.rowsAccepted)",
                    ])
            }
        }
    }

    /// Runs the quality rules of resources whose data changed since their last run, or whose last run is older than
    /// `every` hours, so scores and problem worklists follow the data without anyone asking.
    package static func qualityScheduler(
        _ platform: Platform, every hours: Int, period: Duration = .seconds(300), logger: Logger
    ) -> PeriodicService {
        PeriodicService(name: "scheduled quality runs", period: period, logger: logger) { logger in
            let updates = try await platform.store.updateTimes(department: nil)
            for run in try await platform.quality.runDue(updates: updates, every: Double(hours) * 3600) {
                logger.info(
                    "scheduled quality run finished",
                    metadata: [
                        "resource": "\(run.resource)", "rows": "\(run.rowsChecked)",
                        "score": "\(run.score)",
                    ])
            }
        }
    }

    /// Writes a backup into `backup.directory` when one is due (checked every minute).
    package static func backupScheduler(
        _ configuration: AppConfiguration, services: AppServices, period: Duration = .seconds(60),
        logger: Logger
    ) -> PeriodicService {
        PeriodicService(name: "scheduled backups", period: period, logger: logger) { logger in
            guard let run = try await Backups.runIfDue(configuration, services: services) else { return }
            if run.status == .succeeded {
                logger.info(
                    "scheduled backup written",
                    metadata: ["file": "\(run.file)", "bytes": "\(run.bytes ?? 0)", "ms": "\(run.milliseconds ?? 0)"])
            } else {
                logger.error(
                    "scheduled backup failed", metadata: ["file": "\(run.file)", "error": "\(run.error ?? "")"])
            }
        }
    }

    /// Fails the jobs of nodes that died (their heartbeat stopped), so that no job stays "running" forever and its
    /// staging is dropped. Every node runs it; each job is failed once.
    package static func jobReaper(
        _ ingestion: Ingestion, period: Duration = .seconds(30), logger: Logger
    ) -> PeriodicService {
        PeriodicService(name: "reaping abandoned jobs", period: period, logger: logger) { logger in
            let failed = try await ingestion.failAbandonedJobs(includingOwn: false)
            if !failed.isEmpty {
                logger.warning("failed jobs abandoned by a stopped node", metadata: ["jobs": "\(failed)"])
            }
        }
    }

    /// Signs a checkpoint of the audit trail every `every` entries.
    package static func auditCheckpointer(
        _ audit: AuditTrail, key: any InstallationSigner, every: Int,
        period: Duration = .seconds(10), logger: Logger
    ) -> PeriodicService {
        PeriodicService(name: "signing audit checkpoints", period: period, logger: logger) { logger in
            let signed = try await audit.checkpoint(with: key, every: Int64(every))
            if signed > 0 { logger.debug("audit checkpoints signed", metadata: ["count": "\(signed)"]) }
        }
    }

    /// Flags application steps past their working-day deadline and escalates them to the bureau (once each).
    package static func applicationEscalator(
        _ sharing: Sharing, period: Duration = .seconds(300), logger: Logger
    ) -> PeriodicService {
        PeriodicService(name: "escalating overdue applications", period: period, logger: logger) { logger in
            for a in try await sharing.escalateOverdue() {
                logger.notice(
                    "overdue application escalated to the bureau",
                    metadata: ["application": "\(a.id)", "step": "\(a.status.rawValue)"])
            }
        }
    }

    /// Runs the risk rules over the audit entries written since its last round (风险识别).
    package static func riskMonitor(
        _ alerts: Alerts, period: Duration = .seconds(60), logger: Logger
    ) -> PeriodicService {
        PeriodicService(name: "watching the audit trail for risks", period: period, logger: logger) { logger in
            for a in try await alerts.scan() {
                logger.warning(
                    "risk alert raised",
                    metadata: [
                        "alert": "\(a.id)", "rule": "\(a.rule.rawValue)", "severity": "\(a.severity.rawValue)",
                        "subject": "\(a.subject)",
                    ])
            }
        }
    }

    /// Sends due catalog change notifications (each subscription claimed by one node at a time).
    package static func webhookDispatcher(
        _ webhooks: Webhooks, period: Duration = .seconds(5), logger: Logger
    ) -> PeriodicService {
        PeriodicService(name: "sending webhooks", period: period, logger: logger) { logger in
            for d in try await webhooks.deliverDue() where d.outcome != .delivered {
                logger.warning(
                    "webhook not delivered",
                    metadata: [
                        "webhook": "\(d.webhook)", "version": "\(d.version)", "attempt": "\(d.attempt)",
                        "outcome": "\(d.outcome.rawValue)", "error": "\(d.error ?? "")",
                    ])
            }
        }
    }
}
