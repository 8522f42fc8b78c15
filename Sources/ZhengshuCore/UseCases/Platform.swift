import Foundation

/// Every use case over one store: what the HTTP API, the console and the CLI are given.
package struct Platform: Sendable {
    package let store: any PlatformStore
    package let clock: PlatformClock
    package let departments: Departments
    package let accounts: Accounts
    /// Registered members of the public and companies (conditional open data).
    package let members: Members
    package let catalog: Catalog
    package let data: DataAccess
    package let audit: AuditTrail
    package let ingestion: Ingestion
    package let pulls: Pulls
    /// Topic databases (主题库) derived from other resources.
    package let topics: Topics
    package let quality: Quality
    package let problems: Problems
    package let lineage: LineageService
    package let standards: Standards
    package let sharing: Sharing
    package let webhooks: Webhooks
    package let privacy: Privacy
    package let alerts: Alerts
    /// How the bureau reads a department's records in clear.
    package let breakGlass: BreakGlassAccess
    /// The open-data portal (数据开放).
    package let open: OpenPortal
    /// Profiles in the base databases (一人一档, 一企一档).
    package let profiles: Profiles
    /// The data sandbox (数据沙箱).
    package let sandbox: Sandbox
    /// Performance evaluation and the asset inventory (管).
    package let management: Management
    /// The installation's signing key (audit checkpoints, export manifests), when it has one.
    package let signer: (any InstallationSigner)?
    /// Seals L4 items at rest; rotates the master key.
    package let sealer: Sealer
    let suite: any CryptoSuite

    /// - Parameter node: this process's name among the nodes sharing the store (jobs record who runs them).
    package init(
        store: any PlatformStore, clock: PlatformClock = PlatformClock(), hasher: PasswordHasher = .standard,
        connector: any SourceConnector = NoConnector(), node: String = "local",
        sharing: SharingPolicy = SharingPolicy(),
        webhookSender: any WebhookSender = NoWebhookSender(), privacyKeys: PrivacyKeys = .ephemeral(),
        signer: (any InstallationSigner)? = nil, masterKey: [UInt8]? = nil, meter: any PlatformMeter = NoMeter(),
        sandbox: SandboxLimits = SandboxLimits(), replaceMaxRejectedRatio: Double = 0,
        breakGlass: BreakGlassPolicy = BreakGlassPolicy()
    ) {
        self.store = store
        self.clock = clock
        let masking = MaskerSource(store: store, keys: privacyKeys)
        self.signer = signer
        suite = privacyKeys.suite
        // Without a master key (tests, throwaway platforms) sealed data lives as long as the process.
        sealer = Sealer(
            keys: store, master: masterKey ?? SymmetricKeyBytes.random(), suite: privacyKeys.suite, clock: clock)
        departments = Departments(store: store, clock: clock)
        var accounts = Accounts(store: store, audit: store, clock: clock, hasher: hasher)
        accounts.meter = meter
        self.accounts = accounts
        members = Members(store: store, keys: privacyKeys, clock: clock, hasher: hasher)
        catalog = Catalog(store: store, standards: store, privacy: store, sealing: (store, sealer), clock: clock)
        var data = DataAccess(
            catalog: store, records: store, audit: store, pulls: store, shares: store, masking: masking, signer: signer,
            sealer: sealer, connector: connector, clock: clock)
        data.meter = meter
        data.topics = store
        data.alerts = store
        data.breakGlass = store
        self.data = data
        open = OpenPortal(updates: store, departments: store, data: data)
        profiles = Profiles(updates: store, problems: store, data: data, clock: clock)
        self.sandbox = Sandbox(data: data, store: store, shares: store, audit: store, limits: sandbox, clock: clock)
        audit = AuditTrail(store: store, clock: clock)
        management = Management(store: store, clock: clock)
        lineage = LineageService(catalog: store, store: store, clock: clock)
        var ingestion = Ingestion(
            catalog: store, store: store, audit: store, pulls: store, topics: store, quality: store, lineage: lineage,
            standards: store, problems: store,
            masking: masking, sealer: sealer, clock: clock, node: node)
        ingestion.meter = meter
        ingestion.replaceMaxRejectedRatio = replaceMaxRejectedRatio
        self.ingestion = ingestion
        pulls = Pulls(catalog: store, store: store, ingestion: ingestion, connector: connector, clock: clock)
        topics = Topics(
            catalog: store, records: store, store: store, pulls: store, ingestion: ingestion, lineage: lineage,
            sealer: sealer, clock: clock)
        var quality = Quality(
            catalog: store, records: store, store: store, problems: store, standards: store, updates: store,
            masking: masking,
            sealer: sealer, clock: clock)
        quality.meter = meter
        self.quality = quality
        standards = Standards(store: store, clock: clock)
        problems = Problems(catalog: store, store: store, audit: store, masking: masking, clock: clock)
        webhooks = Webhooks(catalog: store, store: store, clock: clock, sender: webhookSender)
        privacy = Privacy(catalog: catalog, store: store, clock: clock)
        alerts = Alerts(store: store, audit: store, shares: store, clock: clock)
        self.breakGlass = BreakGlassAccess(
            store: store, catalog: store, alerts: store, clock: clock, policy: breakGlass)
        var sharing = Sharing(
            catalog: store, records: store, store: store, accounts: store, audit: store, clock: clock, policy: sharing,
            masking: masking)
        sharing.meter = meter
        self.sharing = sharing
    }

    /// The signing key's public half, for anyone signed in (receivers check signed manifests with it).
    package func installationKey(by caller: Caller) throws -> InstallationKey {
        guard let signer else { throw ZhengshuError(.notFound, "this platform has no signing key") }
        return InstallationKey(
            profile: suite.profile, algorithm: signer.algorithm, publicKey: signer.publicKey,
            fingerprint: signer.fingerprint)
    }

    package func counts(by caller: Caller) async throws -> PlatformCounts {
        try await store.platformCounts()
    }
}

/// The connector of a platform that cannot reach department systems (tests of other features).
package struct NoConnector: SourceConnector {
    package init() {}
    package func fetch(_ source: PullSource) async throws -> PulledData {
        throw ZhengshuError(.conflict, "this node has no connector for \(source.kind.rawValue) sources")
    }
    package func read(_ source: PullSource, items: [DataItem], query: RecordQuery) async throws -> RecordPage {
        throw ZhengshuError(.conflict, "this node cannot read \(source.kind.rawValue) sources")
    }
    package func check(kind: PullKind, location: String) throws {
        throw ZhengshuError(.conflict, "this node cannot pull from \(kind.rawValue) sources")
    }
}
