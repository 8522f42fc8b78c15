import Crypto
import Foundation
import ZhengshuCore
import ZhengshuGM
import ZhengshuGRDB
import ZhengshuPostgres

/// The opened engine and the use cases over it: what the server and the CLI share.
package struct AppServices: Sendable {
    package let store: any PlatformStore
    package let platform: Platform
    /// The owner-only folder for the copies jobs work from.
    package let work: WorkFolder
    /// Signs audit checkpoints (`nil`: none are signed by this process).
    package var auditKey: (any InstallationSigner)?

    /// Puts the GB/T 2260 list in force: the administrator's file, or the one shipped with the platform; beside it the
    /// codes retired or added since, as shipped (`gb2260-history.csv`, from python-stdnum's table).
    package static func installDivisions(_ path: String?) throws {
        let url: URL
        if let path {
            url = URL(fileURLWithPath: path)
        } else {
            guard let shipped = Bundle.module.url(forResource: "gb2260", withExtension: "csv") else {
                throw ZhengshuError(.internalFailure, "the shipped GB/T 2260 list is missing from this build")
            }
            url = shipped
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ZhengshuError(.invalidInput, "standards.divisionsFile: cannot read \(url.path) as UTF-8 text")
        }
        guard let history = Bundle.module.url(forResource: "gb2260-history", withExtension: "csv"),
            let historyText = try? String(contentsOf: history, encoding: .utf8)
        else {
            throw ZhengshuError(.internalFailure, "the shipped GB/T 2260 history is missing from this build")
        }
        Division.install(try Division.parseList(text), history: try Division.parseHistory(historyText))
    }

    /// Where the data lives, for messages: the data folder, or the PostgreSQL database without its password.
    package static func storageDescription(_ configuration: AppConfiguration) -> String {
        guard let url = configuration.databaseURL else { return configuration.dataDirectory }
        return (try? PostgresLocation(parsing: url).redacted) ?? "PostgreSQL"
    }

    /// Opens (creating and migrating when needed) the database the configuration names: PostgreSQL when
    /// `database.url` is set, else SQLite in the data folder (or in memory).
    package static func open(
        _ configuration: AppConfiguration, clock: PlatformClock = PlatformClock()
    ) async throws -> AppServices {
        // Before the pool's first use (opening SQLite below runs on it); a process's later installations share it.
        BlockingPool.configure(threads: configuration.blockingThreads)
        try installDivisions(configuration.divisionsFile)
        let store: any PlatformStore
        if let url = configuration.databaseURL {
            store = try await PostgresStore.open(
                try PostgresLocation(parsing: url, field: "database"),
                maximumConnections: configuration.databaseConnections)
        } else if configuration.inMemory {
            store = try GRDBStore.inMemory()
        } else {
            try FileManager.default.createDirectory(
                atPath: configuration.dataDirectory, withIntermediateDirectories: true)
            // Migrating is synchronous SQLite work: on the blocking pool.
            store = try await BlockingPool.shared.run {
                [path = configuration.databasePath, readers = configuration.databaseReaders] in
                try GRDBStore(path: path, readers: readers)
            }
        }
        let hasher: PasswordHasher = configuration.fastPasswordHashing ? .fastForTesting : .standard
        let wanted = try configuration.cryptoProfile.map { raw throws(ZhengshuError) in
            guard let p = CryptoProfile(rawValue: raw) else {
                throw ZhengshuError(
                    .invalidInput, "security.cryptoProfile must be standard or gm, not '\(raw.prefix(20))'")
            }
            return p
        }
        // The profile is the installation's: recorded by the first start, and kept.
        let recorded = try await store.installationSetting("crypto.profile", default: (wanted ?? .standard).rawValue)
        guard let profile = CryptoProfile(rawValue: recorded), wanted == nil || wanted == profile else {
            throw ZhengshuError(
                .conflict,
                "this installation was created with the \(recorded) crypto profile, not \(wanted?.rawValue ?? "")")
        }
        let suite: any CryptoSuite = profile == .gm ? GMSuite() : StandardSuite()
        // A new installation's audit chain starts with the profile's hash (an existing chain keeps its own).
        SM3.register()
        _ = try await store.installationSetting(AuditChain.algorithmSetting, default: suite.digestAlgorithm.rawValue)
        let key: any InstallationSigner
        if !configuration.inMemory {
            key = try AuditSigningKey.signer(configuration.auditSigningKeyFile, profile: profile)
        } else if profile == .gm {
            key = try SM2Signer(try SM2Key.generate())
        } else {
            key = Ed25519Signer(Curve25519.Signing.PrivateKey())
        }
        let master = configuration.inMemory ? nil : try await Self.masterKey(configuration, store: store, suite: suite)
        let privacy =
            configuration.inMemory
            ? PrivacyKeys.ephemeral(suite)
            : PrivacyKeys(
                secret: try KeyFile.secret(configuration.privacyKeyFile, setting: "privacy.keyFile"), suite: suite)
        // One outbound policy for everything the platform reaches out to: pull sources and webhook receivers.
        let hosts = try PullHostPolicy(parsing: configuration.pullAllowedHosts)
        let work = try WorkFolder(path: configuration.workDirectory)
        return AppServices(
            store: store,
            platform: Platform(
                store: store, clock: clock, hasher: hasher,
                connector: DepartmentSystemConnector(
                    sqliteDirectory: configuration.sqliteSourceDirectory, hosts: hosts, work: work),
                node: configuration.nodeID, sharing: configuration.sharing,
                webhookSender: HTTPWebhookSender(hosts: hosts), privacyKeys: privacy,
                signer: key, masterKey: master, meter: PrometheusMeter(), sandbox: configuration.sandbox,
                replaceMaxRejectedRatio: configuration.replaceMaxRejectedRatio, breakGlass: configuration.breakGlass),
            work: work, auditKey: key)
    }

    /// The master key (from the setting, or its file, created when missing), refused inside the data folder and when
    /// it is not the one the installation's data keys were wrapped with.
    static func masterKey(
        _ configuration: AppConfiguration, store: any PlatformStore, suite: any CryptoSuite
    ) async throws -> [UInt8] {
        let key: [UInt8]
        if let text = configuration.masterKey {
            guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32
            else {
                throw ZhengshuError(.invalidInput, "security.masterKey must be base64 of 32 bytes")
            }
            key = Array(raw)
        } else {
            let path = (configuration.masterKeyFile as NSString).standardizingPath
            let data = (configuration.dataDirectory as NSString).standardizingPath
            if path.hasPrefix(data + "/") {
                throw ZhengshuError(
                    .invalidInput,
                    "security.masterKeyFile \(path) is inside the data folder: keep the master key apart from the data it protects"
                )
            }
            key = try KeyFile.secretBytes(path, setting: "security.masterKeyFile")
        }
        let fingerprint = Sealer.fingerprint(key, suite: suite)
        let current = try await store.installationSetting("master.fingerprint", default: fingerprint)
        // The key before the last rotation still opens the data (until the next rotation): nodes restart one by one.
        let previous = try await store.installationSetting("master.previousFingerprint", default: current)
        guard current == fingerprint || previous == fingerprint else {
            throw ZhengshuError(
                .conflict,
                "the master key is not this installation's (its data keys were wrapped with another): give security.masterKeyFile or ZHENGSHU_SECURITY_MASTER_KEY"
            )
        }
        return key
    }

    /// Run once when a server starts: jobs this node left running before it stopped, and jobs of nodes that died,
    /// can never finish, so they are marked failed (their staging dropped, the resources' data untouched) and can be
    /// run again.
    package func recoverInterruptedJobs(node: String) async throws -> [JobID] {
        _ = try await platform.data.failInterruptedExports(node: node)
        return try await platform.ingestion.failAbandonedJobs(includingOwn: true)
    }
}
