import Configuration
import Foundation
import Logging
import ZhengshuCore
import ZhengshuHTTP

/// Settings of a Zhengshu node.
///
/// - Configuration keys:
///   - `http.host` (string, default `127.0.0.1`)
///   - `http.port` (int, default `8080`)
///   - `data.directory` (string, default `./zhengshu-data`): holds `zhengshu.sqlite`
///   - `database.url` (string, secret, default none): `postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=…` runs the platform
///     on PostgreSQL instead of the SQLite file; several nodes may share one database
///   - `database.connections` (int, default `20`): the PostgreSQL pool size of this node
///   - `database.readers` (int, default `8`): the SQLite reader connections of this node (one writer besides); a read
///     waits, suspended, for a free one
///   - `http.maxConnections` (int, default `1024`): open client connections; more wait in the listen backlog
///   - `http.idleTimeoutSeconds` (int, default `75`): an idle keep-alive connection is closed after this long
///   - `http.maxInFlight` (int, default `256`): requests handled at once; one more is answered `503` with
///     `Retry-After` at once instead of queueing (`/healthz` and `/readyz` always answer)
///   - `http.requestTimeoutSeconds` (int, default `30`): a read (`GET`, `HEAD`) still unanswered after this long is
///     cancelled and answered `503` with `Retry-After`; uploads, imports and other jobs have limits of their own
///   - `blocking.threads` (int, default twice the cores, at least 4): threads for blocking work (SQLite files of
///     sandboxes and snapshots, file reads and writes, workbooks), kept off Swift concurrency's cooperative threads
///   - `storage.inMemory` (bool, default `false`): an in-memory SQLite database, for tests
///   - `node.id` (string, default `HOST:PORT`): this node's name among the nodes sharing a database; jobs record
///     which node runs them, and a node restarted under the same name fails the jobs its previous life left running
///   - `log.level` (string, default `info`)
///   - `log.format` (string, `json` or `text`, default `json`)
///   - `open.publicURL`, `open.title`, `open.licenseId`, `open.licenseTitle`, `open.licenseURL` (the open-data portal)
///   - `security.fastPasswordHashing` (bool, default `false`): cheap scrypt parameters, for tests only
///   - `security.breakGlass.secondApproval` (bool, default `false`): a break-glass access opens only once a second
///     administrator approves it; `security.breakGlass.maxMinutes` (int, default `240`): the longest one
///   - `ingest.maxUploadGib` (double, default `4`): the largest file `POST …/ingest` accepts
///   - `ingest.replaceMaxRejectedRatio` (double, 0–1, default `0`): the share of the rows read a `replace` load (a file,
///     a pull, a topic's materialisation) may reject and still replace the stored rows, unless the load sets its own
///     (`maxRejectedRatio`); at the default any rejected row keeps the old data, and a load that accepts no row never
///     replaces
///   - `pull.sqliteDirectory` (string, default `DATA/sources`): SQLite pull sources must be files below it
///   - `pull.checkSeconds` (int, default `15`): how often the scheduler looks for due pull sources and topics
///   - `webhooks.checkSeconds` (int, default `5`): how often due catalog change notifications are sent
///   - `alerts.scanSeconds` (int, default `60`): how often the risk monitor reads the new audit entries
///   - `standards.divisionsFile` (string, default the GB/T 2260 list shipped, edition 2020-10): a CSV of `code,name`
///     lines that replaces it, so the bureau keeps the division codes current
///   - `quality.everyHours` (int, default `24`): a resource's quality rules run when its data changed since the last run,
///     and at least this often (checked every five minutes)
///   - `pull.allowedHosts` (string, default empty): hosts HTTP and PostgreSQL pull sources may reach, comma-separated
///     names, `*.domain` suffixes, addresses or networks; empty allows any host but loopback, link-local and the like
///     (see ``PullHostPolicy``)
///   - `audit.signingKeyFile` (string, default `DATA/audit-signing.key`): the installation's Ed25519 key that signs audit
///     checkpoints, created (mode 0600) when missing; nodes sharing a PostgreSQL database must share this file
///   - `privacy.keyFile` (string, default `DATA/privacy.key`): the installation's secret for the `hash` and
///     `pseudonymise` masking policies (pseudonyms stay stable while it does), created (mode 0600) when missing; nodes
///     sharing a PostgreSQL database must share this file
///   - `security.cryptoProfile` (string, default: the installation's, `standard` for a new one): `standard` (SHA-256,
///     HMAC-SHA256, Ed25519) or `gm` (SM3, HMAC-SM3, SM2 through the system OpenSSL 3), chosen when the installation
///     is created and kept by its database: naming the other profile later is refused
///   - `security.masterKey` (base64 of 32 bytes, secret; env `ZHENGSHU_SECURITY_MASTER_KEY`) or
///     `security.masterKeyFile` (default `~/.config/zhengshu/master.key`, created 0600 when missing): the master key
///     that wraps the data keys of items encrypted at rest (L4). Never inside the data folder; nodes share it
///   - `backup.keyFile` (default `~/.config/zhengshu/backup.key`, created 0600 by the first backup): the key backup
///     archives are encrypted with. Never inside the data folder; keep a copy apart from the archives
///   - `backup.directory` (string, default empty: no scheduled backups), `backup.intervalHours` (int, 1–8760, default
///     `24`), `backup.retention` (int, default `7`): the server writes an archive there that often (on PostgreSQL, one
///     node each time) and keeps the newest that many; each run is recorded, a failure raises an alert and shows on
///     `/healthz` and the cockpit
///   - `audit.checkpointEvery` (int, default `1000`): a signed checkpoint every this many audit entries
///   - `exports.directory` (string, default `DATA/exports`): where this node writes export files; nodes sharing a
///     PostgreSQL database should share it (a network volume)
///   - `sandbox.statementTimeoutMs` (int, 100–600000, default `10000`), `sandbox.maxRows` (int, default `1000`) and
///     `sandbox.k` (int, default `5`): a sandbox statement is stopped after that long and its result cut at that many
///     rows; a released aggregate's every group covers at least k rows
///   - `sharing.complianceReview` (bool, default `true`): the bureau's compliance review of every application; off, it
///     passes automatically (recorded in each application's history)
///   - `sharing.deadline.review`, `.provider`, `.providerWithoutData`, `.bureauApproval`, `.dispute` (int, working days,
///     defaults 2, 5, 10, 5, 10): how long each step of an application may take
///   - `console.sessionHours` (number, default `8`): a console session ends this long after sign-in
///   - `console.maxFailedLogins` (int, default `5`) and `console.lockoutMinutes` (int, default `15`): that many wrong
///     passwords for a name within the period lock its sign-in for the period after the last
package struct AppConfiguration: Sendable {
    package var host: String
    package var port: Int
    package var dataDirectory: String
    package var databaseURL: String?
    package var databaseConnections: Int
    package var databaseReaders: Int
    /// Connections, in-flight requests and request time (`http.*`).
    package var serverLimits: ServerLimits
    package var blockingThreads: Int
    package var nodeID: String
    package var inMemory: Bool
    package var logLevel: Logger.Level
    /// How the open-data portal names itself, its address and its licence (`open.*`).
    package var openPortal: OpenPortalSettings
    /// `json` (one object per line, the server's default) or `text`.
    package var logFormat: String
    package var fastPasswordHashing: Bool
    package var breakGlass: BreakGlassPolicy
    package var maxUploadBytes: Int64
    package var replaceMaxRejectedRatio: Double
    package var sqliteSourceDirectory: String
    package var pullCheckSeconds: Int
    package var alertScanSeconds: Int
    package var webhookCheckSeconds: Int
    package var qualityEveryHours: Int
    package var divisionsFile: String?
    package var pullAllowedHosts: String
    package var auditSigningKeyFile: String
    package var auditCheckpointEvery: Int
    package var privacyKeyFile: String
    package var cryptoProfile: String?
    package var masterKey: String?
    package var masterKeyFile: String
    package var backupKeyFile: String
    /// Scheduled backups: the folder (empty: none), how often, how many kept.
    package var backupDirectory: String
    package var backupIntervalHours: Int
    package var backupRetention: Int
    package var sharing: SharingPolicy
    package var signIn: SignInPolicy
    package var exportsDirectory: String
    /// The owner-only folder for the copies jobs work from (``WorkFolder``): `DATA/work`.
    package var workDirectory: String
    /// Sandbox statements: time limit, kept rows and the k of released aggregates.
    package var sandbox: SandboxLimits

    package init(config: ConfigReader) {
        host = config.string(forKey: "http.host", default: "127.0.0.1")
        port = config.int(forKey: "http.port", default: 8080)
        dataDirectory = config.string(forKey: "data.directory", default: "./zhengshu-data")
        databaseURL = config.string(forKey: "database.url", isSecret: true)
        databaseConnections = config.int(forKey: "database.connections", default: 20)
        databaseReaders = min(64, max(1, config.int(forKey: "database.readers", default: 8)))
        serverLimits = ServerLimits(
            maxConnections: max(1, config.int(forKey: "http.maxConnections", default: 1024)),
            idleTimeout: .seconds(max(1, config.int(forKey: "http.idleTimeoutSeconds", default: 75))),
            maxInFlight: max(1, config.int(forKey: "http.maxInFlight", default: 256)),
            requestTimeout: .seconds(max(1, config.int(forKey: "http.requestTimeoutSeconds", default: 30))))
        blockingThreads = min(256, max(1, config.int(forKey: "blocking.threads", default: BlockingPool.defaultThreads)))
        nodeID = config.string(forKey: "node.id", default: "\(ProcessInfo.processInfo.hostName):\(port)")
        inMemory = config.bool(forKey: "storage.inMemory", default: false)
        logLevel = Logger.Level(rawValue: config.string(forKey: "log.level", default: "info")) ?? .info
        logFormat = config.string(forKey: "log.format", default: "json")
        let portal = OpenPortalSettings()
        openPortal = OpenPortalSettings(
            publicURL: config.string(forKey: "open.publicURL"),
            title: config.string(forKey: "open.title", default: portal.title),
            licenseID: config.string(forKey: "open.licenseId", default: portal.licenseID),
            licenseTitle: config.string(forKey: "open.licenseTitle", default: portal.licenseTitle),
            licenseURL: config.string(forKey: "open.licenseURL", default: portal.licenseURL))
        fastPasswordHashing = config.bool(forKey: "security.fastPasswordHashing", default: false)
        breakGlass = BreakGlassPolicy(
            secondApproval: config.bool(forKey: "security.breakGlass.secondApproval", default: false),
            maxMinutes: min(24 * 60, max(1, config.int(forKey: "security.breakGlass.maxMinutes", default: 240))))
        maxUploadBytes = Int64(config.double(forKey: "ingest.maxUploadGib", default: 4) * 1_073_741_824)
        replaceMaxRejectedRatio = min(1, max(0, config.double(forKey: "ingest.replaceMaxRejectedRatio", default: 0)))
        sqliteSourceDirectory = config.string(
            forKey: "pull.sqliteDirectory",
            default: (dataDirectory as NSString).appendingPathComponent("sources"))
        pullAllowedHosts = config.string(forKey: "pull.allowedHosts", default: "")
        pullCheckSeconds = max(1, config.int(forKey: "pull.checkSeconds", default: 15))
        alertScanSeconds = max(1, config.int(forKey: "alerts.scanSeconds", default: 60))
        webhookCheckSeconds = max(1, config.int(forKey: "webhooks.checkSeconds", default: 5))
        qualityEveryHours = max(1, config.int(forKey: "quality.everyHours", default: 24))
        divisionsFile = config.string(forKey: "standards.divisionsFile")
        auditSigningKeyFile = config.string(
            forKey: "audit.signingKeyFile",
            default: (dataDirectory as NSString).appendingPathComponent("audit-signing.key"))
        cryptoProfile = config.string(forKey: "security.cryptoProfile")
        masterKey = config.string(forKey: "security.masterKey", isSecret: true)
        masterKeyFile = config.string(
            forKey: "security.masterKeyFile",
            default: (FileManager.default.homeDirectoryForCurrentUser.path as NSString).appendingPathComponent(
                ".config/zhengshu/master.key"))
        backupKeyFile = config.string(
            forKey: "backup.keyFile",
            default: (FileManager.default.homeDirectoryForCurrentUser.path as NSString).appendingPathComponent(
                ".config/zhengshu/backup.key"))
        backupDirectory = config.string(forKey: "backup.directory", default: "")
        backupIntervalHours = min(8760, max(1, config.int(forKey: "backup.intervalHours", default: 24)))
        backupRetention = min(1000, max(1, config.int(forKey: "backup.retention", default: 7)))
        privacyKeyFile = config.string(
            forKey: "privacy.keyFile", default: (dataDirectory as NSString).appendingPathComponent("privacy.key"))
        exportsDirectory = config.string(
            forKey: "exports.directory",
            default: inMemory
                ? (NSTemporaryDirectory() as NSString).appendingPathComponent(
                    "zhengshu-exports-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
                : (dataDirectory as NSString).appendingPathComponent("exports"))
        workDirectory =
            inMemory
            ? (NSTemporaryDirectory() as NSString).appendingPathComponent("zhengshu-work-\(getuid())")
            : (dataDirectory as NSString).appendingPathComponent("work")
        auditCheckpointEvery = max(1, config.int(forKey: "audit.checkpointEvery", default: 1000))
        sandbox = SandboxLimits(
            timeout: .milliseconds(
                min(600_000, max(100, config.int(forKey: "sandbox.statementTimeoutMs", default: 10_000)))),
            maxRows: min(100_000, max(1, config.int(forKey: "sandbox.maxRows", default: 1000))),
            k: min(1000, max(2, config.int(forKey: "sandbox.k", default: ReleaseRules.defaultK))))
        let d = ShareDeadlines()
        func days(_ key: String, _ fallback: Int) -> Int {
            max(0, config.int(forKey: ConfigKey(["sharing", "deadline", key]), default: fallback))
        }
        sharing = SharingPolicy(
            complianceReview: config.bool(forKey: "sharing.complianceReview", default: true),
            deadlines: ShareDeadlines(
                review: days("review", d.review), provider: days("provider", d.provider),
                providerWithoutData: days("providerWithoutData", d.providerWithoutData),
                bureauApproval: days("bureauApproval", d.bureauApproval), dispute: days("dispute", d.dispute)))
        signIn = SignInPolicy(
            sessionHours: max(0.05, config.double(forKey: "console.sessionHours", default: 8)),
            maxFailures: max(1, config.int(forKey: "console.maxFailedLogins", default: 5)),
            window: Double(max(1, config.int(forKey: "console.lockoutMinutes", default: 15))) * 60)
    }

    package var databasePath: String { (dataDirectory as NSString).appendingPathComponent("zhengshu.sqlite") }
}
