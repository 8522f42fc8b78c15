import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import ZhengshuConsole
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuHTTP

/// Builds the HTTP application over opened services: middleware, system routes, the API and the console.
package func buildApplication(
    _ configuration: AppConfiguration, services: AppServices
) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "zhengshu")
    logger.logLevel = configuration.logLevel
    let admission = Admission(limits: configuration.serverLimits)
    let files = NodeFiles(
        directory: configuration.exportsDirectory, node: configuration.nodeID, platform: services.platform,
        work: services.work, logger: logger)
    let store = services.store
    let lastBackup = LastBackup { try? await store.backupRuns(limit: 1).first }
    let router = try await buildRouter(
        services: services, configuration: configuration, admission: admission, files: files, lastBackup: lastBackup)
    var background: [any Service] = [files, lastBackup]
    background += [
        PeriodicService.pullScheduler(
            services.platform.pulls, period: .seconds(configuration.pullCheckSeconds), logger: logger),
        PeriodicService.topicScheduler(
            services.platform.topics, period: .seconds(configuration.pullCheckSeconds), logger: logger),
        PeriodicService.jobReaper(services.platform.ingestion, logger: logger),
        PeriodicService.qualityScheduler(services.platform, every: configuration.qualityEveryHours, logger: logger),
        PeriodicService.applicationEscalator(services.platform.sharing, logger: logger),
        PeriodicService.riskMonitor(
            services.platform.alerts, period: .seconds(configuration.alertScanSeconds), logger: logger),
        PeriodicService.webhookDispatcher(
            services.platform.webhooks, period: .seconds(configuration.webhookCheckSeconds), logger: logger),
    ]
    // On PostgreSQL every node runs it; each scheduled backup is claimed by one (see `claimBackupRun`).
    if !configuration.inMemory, !configuration.backupDirectory.isEmpty {
        background.append(PeriodicService.backupScheduler(configuration, services: services, logger: logger))
    }
    if let key = services.auditKey {
        background.append(
            PeriodicService.auditCheckpointer(
                services.platform.audit, key: key, every: configuration.auditCheckpointEvery, logger: logger))
    }
    let limits = configuration.serverLimits
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .seconds(Int64(limits.idleTimeout.components.seconds)))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "zhengshu",
            availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
        services: background, logger: logger)
}

/// Builds the application and runs it until the process is told to stop (SIGTERM, SIGINT): what `zhengshu serve` does.
package func serve(_ configuration: AppConfiguration, services: AppServices) async throws {
    // Copies of records a killed server or CLI left behind.
    services.work.sweep()
    try await buildApplication(configuration, services: services).runService()
}

/// The router alone, for tests that drive it without sockets (with no service group running, an export started
/// through it is never written).
package func buildRouter(
    services: AppServices, configuration: AppConfiguration,
    admission: Admission? = nil, files: NodeFiles? = nil, lastBackup: LastBackup? = nil
) async throws -> Router<AppRequestContext> {
    let admission = admission ?? Admission(limits: configuration.serverLimits)
    let files =
        files
        ?? NodeFiles(
            directory: configuration.exportsDirectory, node: configuration.nodeID, platform: services.platform,
            work: services.work, logger: Logger(label: "zhengshu"))
    let router = Router(context: AppRequestContext.self)
    // Outermost first: the log sees the final status; tokens and cookies never reach it.
    router.add(middleware: LogRequestsMiddleware(.info, redactHeaders: [.authorization, .cookie]))
    // Inside the log, outside the error mapping: counts the status the client got, by route template.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware())
    // Inside the error mapping (a refusal is a problem document with Retry-After), before any route's work.
    router.add(middleware: AdmissionMiddleware(admission))
    let store = services.store
    let lastBackup = lastBackup ?? LastBackup { try? await store.backupRuns(limit: 1).first }
    SystemRoutes<AppRequestContext>(
        readiness: { (try? await store.isSchemaCurrent()) ?? false },
        metrics: { await OperationsMetrics.exposition(store: store) },
        lastBackup: { await lastBackup.current() }, admission: admission
    ).register(on: router)
    try APIRoutes(platform: services.platform, maxUploadBytes: configuration.maxUploadBytes, files: files)
        .register(on: router)
    OpenDataRoutes(portal: services.platform.open, settings: configuration.openPortal).register(on: router)
    try await ConsoleRoutes<AppRequestContext>(platform: services.platform, policy: configuration.signIn).register(
        on: router)
    return router
}
