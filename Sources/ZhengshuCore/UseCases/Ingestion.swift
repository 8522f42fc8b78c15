import Foundation

/// What a department asks to load.
package struct ImportRequest: Sendable {
    package var resource: String
    package var mode: ImportMode
    package var format: SourceFormat
    package var encoding: SourceEncoding
    /// File name, or `upload` for a pushed body.
    package var sourceName: String
    /// Total size when known, for progress.
    package var bytesTotal: Int64?
    /// Stop (and fail the job) once more rows than this are rejected; `nil` keeps going.
    package var maxErrors: Int?
    /// Explicit `column → item` mapping; other columns map by item name or label.
    package var mapping: [String: String]
    /// For `replace`: the share of rows read that may be rejected and the load still replace the stored rows (0–1);
    /// `nil` takes the installation's (``Ingestion/replaceMaxRejectedRatio``). A load that accepts no row never does.
    package var maxRejectedRatio: Double?
    /// A topic's materialisation: the only load a topic's resource takes, and one that may leave it empty.
    var materialisesTopic = false

    package init(
        resource: String, mode: ImportMode = .append, format: SourceFormat = .csv, encoding: SourceEncoding = .auto,
        sourceName: String, bytesTotal: Int64? = nil, maxErrors: Int? = nil, mapping: [String: String] = [:],
        maxRejectedRatio: Double? = nil
    ) {
        self.maxRejectedRatio = maxRejectedRatio
        self.resource = resource
        self.mode = mode
        self.format = format
        self.encoding = encoding
        self.sourceName = sourceName
        self.bytesTotal = bytesTotal
        self.maxErrors = maxErrors
        self.mapping = mapping
    }

    /// The format a file name suggests.
    package static func format(forFileName name: String) -> SourceFormat? {
        switch name.split(separator: ".").last?.lowercased() {
        case "csv", "txt": .csv
        case "tsv", "tab": .tsv
        case "jsonl", "ndjson": .jsonl
        case "json": .json
        case "xlsx": .xlsx
        default: nil
        }
    }
}

/// Loading data into a resource (数据归集): stream → decode → parse → map → validate → stage → commit, one atomic job.
package struct Ingestion: Sendable {
    let catalog: any CatalogStore
    let store: any IngestStore
    let audit: any AuditStore
    let pulls: any PullStore
    let topics: (any TopicStore)?
    let quality: (any QualityStore)?
    let lineage: LineageService?
    let standards: (any StandardsStore)?
    let problems: (any ProblemStore)?
    let masking: MaskerSource?
    let sealer: Sealer?
    let clock: PlatformClock
    /// This process among the nodes sharing the store.
    package let node: String
    /// Cancellation of the jobs this process runs.
    package let control = JobControl()
    /// Counts finished jobs and their rows (operations metrics).
    package var meter: any PlatformMeter = NoMeter()
    /// The share of rows read a `replace` load (a file, a pull, a topic's materialisation) may reject and still replace
    /// the stored rows, unless the load sets its own (`ingest.replaceMaxRejectedRatio`, default 0: any rejected row
    /// keeps the old data).
    package var replaceMaxRejectedRatio = 0.0

    /// How often a running job tells the store it is alive, and how old a heartbeat may be before its job counts as
    /// abandoned by a dead node.
    package static let heartbeatInterval: Duration = .seconds(10)
    package static let abandonedAfter: TimeInterval = 60

    /// Rows staged per write transaction: large enough to amortise the transaction, small enough to keep memory flat.
    static let batchSize = 8192

    package init(
        catalog: any CatalogStore, store: any IngestStore, audit: any AuditStore, pulls: any PullStore,
        topics: (any TopicStore)? = nil,
        quality: (any QualityStore)? = nil,
        lineage: LineageService? = nil, standards: (any StandardsStore)? = nil, problems: (any ProblemStore)? = nil,
        masking: MaskerSource? = nil, sealer: Sealer? = nil, clock: PlatformClock, node: String = "local"
    ) {
        self.masking = masking
        self.sealer = sealer
        self.problems = problems
        self.lineage = lineage
        self.standards = standards
        self.catalog = catalog
        self.store = store
        self.audit = audit
        self.pulls = pulls
        self.topics = topics
        self.quality = quality
        self.clock = clock
        self.node = node
    }

    /// Runs one import job to its end. The job is persisted before the first byte is read, so its progress is visible
    /// while it runs and its outcome afterwards.
    /// - Parameters:
    ///   - source: the file's bytes in chunks, in the source encoding.
    ///   - onProgress: called after each staged batch (for a progress line).
    /// - Returns: the finished job: `succeeded`, or `failed`/`cancelled` with its reason and the old data untouched.
    /// - Throws: before the job exists, for an unknown resource or a caller who may not load it.
    package func run<S: AsyncSequence>(
        _ request: ImportRequest, source: S, by caller: Caller,
        onProgress: @Sendable (JobProgress) -> Void = { _ in }
    ) async throws -> IngestJob
    where S.Element == [UInt8] {
        let resource = try await catalog.visibleResource(request.resource, to: caller.principal)
        let code = resource.code
        try caller.principal.requireProvider(of: resource.department, to: "loading data into \(code)")
        try resource.requirePublished("publish it before loading data")
        if try await pulls.liveSource(for: code) != nil {
            throw ZhengshuError(.conflict, "resource \(code) is read live from its source; it takes no loads")
        }
        if !request.materialisesTopic, try await topics?.topic(code) != nil {
            throw ZhengshuError(
                .conflict, "resource \(code) is a topic database materialised from its inputs; it takes no loads")
        }
        if let maxErrors = request.maxErrors, maxErrors < 0 {
            throw ZhengshuError(.invalidInput, "max-errors must be 0 or more")
        }
        if let ratio = request.maxRejectedRatio, !(0...1).contains(ratio) {
            throw ZhengshuError(.invalidInput, "max-rejected-ratio must be from 0 to 1")
        }
        let job = try await store.createJob(
            NewIngestJob(
                resource: code, department: resource.department, mode: request.mode, format: request.format,
                encoding: request.encoding, source: request.sourceName, bytesTotal: request.bytesTotal,
                maxErrors: request.maxErrors, createdBy: caller.principal.name, createdAt: clock.current(), node: node),
            audit: caller.audit(
                "ingest.start", "resource:\(code)", at: clock.current(),
                detail: "mode: \(request.mode.rawValue); source: \(request.sourceName.prefix(100))"))
        control.started(job.id)
        defer { control.ended(job.id) }
        // The heartbeat runs whatever the job is doing (a long index build, a slow upload), so no other node takes
        // this job for abandoned while it lives.
        let (store, clock, id) = (self.store, self.clock, job.id)
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.heartbeatInterval)
                if Task.isCancelled { break }
                try? await store.heartbeat(id, at: clock.current())
            }
        }
        defer { heartbeat.cancel() }
        do {
            let started = clock.current()
            let flagged = try await load(
                request, source: source, resource: resource, job: job.id, onProgress: onProgress)
            try Task.checkCancellation()
            let committed = try await store.commitImport(
                job.id, resource: resource.stored, mode: request.mode, clock: clock,
                audit: caller.audit("ingest.commit", "resource:\(code)", at: clock.current()))
            if let flagged {
                try await recordIngestRun(flagged, job: committed, resource: resource, started: started, by: caller)
            }
            // (A topic's lineage is its inputs' columns, which its materialisation records.)
            if let lineage, !request.materialisesTopic {
                let header = (try? await store.jobHeader(job.id)) ?? []
                let mapping = try? ColumnMapping.resolve(
                    header: header,
                    items: resource.items.map {
                        var i = $0
                        i.required = false
                        return i
                    },
                    explicit: request.mapping)
                await lineage.recordIngest(committed, resource: resource, mapping: mapping, by: caller)
            }
            meter.record(
                .ingestJob(
                    status: committed.status, rowsAccepted: committed.rowsAccepted, rowsRejected: committed.rowsRejected
                ))
            return committed
        } catch {
            let cancelled = error is CancellationError
            let message = cancelled ? "cancelled before commit; the resource's data is unchanged" : Self.describe(error)
            let ended = try await store.finishJob(
                job.id, status: cancelled ? .cancelled : .failed, error: message, at: clock.current(),
                audit: caller.audit(
                    cancelled ? "ingest.cancel" : "ingest.fail", "resource:\(code)",
                    at: clock.current(), detail: "job: \(job.id); \(message.prefix(200))"))
            meter.record(.ingestJob(status: ended.status, rowsAccepted: 0, rowsRejected: ended.rowsRejected))
            return ended
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let e as ZhengshuError:
            ([e.message] + e.violations.map { "\($0.field): \($0.reason)" }).joined(separator: "; ")
        case let e as Transcoder.Failure: e.description
        case let e as SourceReader.Failure: e.description
        default: "the import failed: \(error)"
        }
    }

    /// What the `flag` rules found in the rows of a job, before they landed.
    struct FlaggedRows: Sendable {
        var run: QualityRun
        var rows: Int
        var sightings: [ProblemSighting]
    }

    /// Keeps a job's `flag` findings as a quality run (trigger `ingest`) and routes them as problems; the run over every
    /// stored row that follows closes what no longer fails.
    private func recordIngestRun(
        _ flagged: FlaggedRows, job: IngestJob, resource: Resource, started: Date, by caller: Caller
    ) async throws {
        guard let quality, let problems else { return }
        let results = flagged.run.results()
        _ = try await quality.insertQualityRun(
            QualityRunRecord(
                id: QualityRunID(0), resource: resource.code, department: resource.department, trigger: "ingest",
                startedAt: started,
                finishedAt: clock.current(), rowsChecked: flagged.rows, score: QualityRun.score(results),
                results: results),
            audit: caller.audit(
                "quality.run", "resource:\(resource.code)", at: clock.current(),
                detail: "ingest job \(job.id); rows: \(flagged.rows)"))
        _ = try await problems.recordSightings(
            Quality.distinct(flagged.sightings), resource: resource.code, department: resource.department,
            at: started, closeUnseen: false)
    }

    /// Streams the source into the staging table, quarantining rejected rows; counts are saved as it goes.
    /// - Returns: what the resource's `flag` rules found in the accepted rows, when it has rules of its own.
    private func load<S: AsyncSequence>(
        _ request: ImportRequest, source: S, resource: Resource, job: JobID,
        onProgress: @Sendable (JobProgress) -> Void
    ) async throws -> FlaggedRows?
    where S.Element == [UInt8] {
        var transcoder = Transcoder(request.encoding)
        var reader = SourceReader(format: request.format)
        var converter: RowConverter?
        let seal = try await sealer?.seal(for: resource, create: true)
        var rules = try await quality?.qualityRules(of: resource.code) ?? []
        if rules.isEmpty, resource.items.contains(where: { $0.element != nil }) {
            // No rules of its own yet: the proposed ones, which carry the registered elements' checks.
            rules = QualityRules.proposed(for: resource, elements: try await standards?.dataElements() ?? [])
        }
        let (items, gate) = try Self.ingestChecks(resource, rules: rules, at: clock.current())
        var ingestRun = gate
        // `flag` rules are checked on the accepted rows as they stream by (not uniqueness, which would hold every key in
        // memory, nor the resource-level and referential rules: the run over the stored rows does those).
        let perRow = rules.filter { rule in
            guard rule.enabled, rule.severity == .flag else { return false }
            switch rule.check {
            case .unique, .fresh, .references: return false
            default: return true
            }
        }
        var flagged =
            perRow.isEmpty || quality == nil
            ? nil
            : FlaggedRows(
                run: try QualityRun(
                    resource: resource, rules: perRow, at: clock.current(),
                    masker: try await masking?.current() ?? .defaults), rows: 0, sightings: [])
        let keyPositions = Quality.keyPositions(resource, rules)
        var progress = JobProgress(encoding: request.encoding)
        var staged: [(row: Int, values: RecordValidator.Row)] = []
        var rejects: [RejectedRow] = []
        staged.reserveCapacity(Self.batchSize)

        func handle(_ row: SourceRow, _ header: [String]) throws {
            if converter == nil {
                converter = RowConverter(
                    items: items,
                    mapping: try ColumnMapping.resolve(header: header, items: items, explicit: request.mapping))
            }
            progress.rowsRead += 1
            if let unreadable = row.unreadable {
                rejects.append(RejectedRow(row: row.number, field: "*", reason: unreadable, original: row.original))
                progress.rowsRejected += 1
                return
            }
            var (values, problems) = converter!.convert(row.values, oversizedField: row.oversizedField)
            if problems.isEmpty, ingestRun != nil {
                ingestRun!.check(values, number: row.number) {
                    problems.append(.init(field: $0.field, reason: $0.reason))
                }
            }
            if problems.isEmpty {
                if flagged != nil {
                    flagged!.rows += 1
                    let checks = flagged!.run.rules
                    var found: [ProblemSighting] = []
                    flagged!.run.check(values, number: row.number) { f in
                        found.append(
                            ProblemSighting(
                                rowKey: Quality.rowKey(values, keyPositions, number: f.row), field: f.field,
                                rule: checks[f.rule].check.kindName, value: f.value, reason: f.reason))
                    }
                    if flagged!.sightings.count < Quality.maxSightings { flagged!.sightings += found }
                }
                staged.append((row.number, values))
                progress.rowsAccepted += 1
            } else {
                let original = row.original
                for p in problems {
                    rejects.append(RejectedRow(row: row.number, field: p.field, reason: p.reason, original: original))
                }
                progress.rowsRejected += 1
            }
        }

        // Parsing and validating the next batch overlaps writing the previous one (two cores, two batches in memory).
        var writing: Task<Void, any Error>?
        var began = false
        func flush() async throws {
            if !began, let converter {
                try await store.beginStaging(job, resource: resource.stored, header: converter.mapping.header)
                began = true
            }
            try await writing?.value
            progress.encoding = transcoder.encoding
            progress.unknownColumns = (converter?.mapping.unknownColumns ?? []) + reader.extraKeys
            let (snapshot, store, stored) = (progress, self.store, resource.stored)
            // L4 items are sealed before they reach the staging table, and in the rejected rows kept with the job.
            var rejected = rejects
            if let seal, let mapping = converter?.mapping {
                let columns = resource.items.indices.filter { resource.items[$0].isSealed }.compactMap {
                    mapping.columns[$0]
                }
                for r in rejected.indices {
                    for c in columns where c < rejected[r].original.count && !rejected[r].original[c].isEmpty {
                        rejected[r].original[c] = try seal.seal(text: rejected[r].original[c])
                    }
                }
            }
            let rows =
                try seal.map { s in zip(staged, try s.seal(staged.map(\.values))).map { ($0.0.row, $0.1) } } ?? staged
            writing = Task {
                if !rows.isEmpty { try await store.stage(rows, job: job, resource: stored) }
                if !rejected.isEmpty { try await store.quarantine(rejected, job: job) }
                try await store.saveProgress(job, snapshot)
                // A cancel asked for on another node arrives here, once a batch.
                if try await store.isCancelRequested(job) { throw CancellationError() }
            }
            staged = []
            staged.reserveCapacity(Self.batchSize)
            rejects.removeAll(keepingCapacity: true)
            onProgress(progress)
            if let max = request.maxErrors, progress.rowsRejected > max {
                try await writing?.value
                throw ZhengshuError(
                    .validation,
                    "stopped after \(progress.rowsRejected) rejected rows (more than max-errors \(max)); "
                        + "download the rejected rows, fix them and load again")
            }
        }
        defer { writing?.cancel() }

        for try await chunk in source {
            try Task.checkCancellation()
            if control.isCancelled(job) { throw CancellationError() }
            progress.bytesRead += Int64(chunk.count)
            let text = try transcoder.decode(chunk)
            try reader.feed(text) { try handle($0, $1) }
            if staged.count >= Self.batchSize || rejects.count >= Self.batchSize { try await flush() }
        }
        let tail = try transcoder.decode([], final: true)
        try reader.feed(tail) { try handle($0, $1) }
        try reader.finish { try handle($0, $1) }
        if converter == nil, let header = reader.header {
            // A header and no rows: still check the mapping, so a wrong file fails loudly.
            converter = RowConverter(
                items: items,
                mapping: try ColumnMapping.resolve(header: header, items: items, explicit: request.mapping))
        }
        if converter == nil {
            // JSON with no objects: nothing changed at the source. A CSV without even a header is a broken file.
            guard request.format == .jsonl || request.format == .json else {
                throw SourceReader.Failure.malformed("the file is empty: no header row")
            }
            try await store.beginStaging(job, resource: resource.stored, header: [])
            began = true
        }
        if request.mode == .replace, progress.rowsRead == 0, !request.materialisesTopic {
            throw ZhengshuError(
                .validation, "the source holds no rows; replacing the data with nothing would empty the resource")
        }
        try await flush()
        try await writing?.value

        // Keys repeated within the file (or, for append, already stored) are rejected with the row they repeat.
        let duplicates = try await store.takeDuplicates(job, resource: resource.stored, mode: request.mode)
        if !duplicates.isEmpty, let mapping = converter?.mapping {
            let header = mapping.header
            let rejected = duplicates.map { d in
                var original = Array(repeating: "", count: header.count)
                for (value, column) in zip(d.values, mapping.columns) {
                    if let column { original[column] = value.text }
                }
                return RejectedRow(
                    row: d.row, field: resource.keyItems.map(\.name).joined(separator: ","), reason: d.reason,
                    original: original)
            }
            for start in stride(from: 0, to: rejected.count, by: Self.batchSize) {
                try await store.quarantine(
                    Array(rejected[start..<min(start + Self.batchSize, rejected.count)]), job: job)
            }
            progress.rowsAccepted -= duplicates.count
            progress.rowsRejected += duplicates.count
            try await store.saveProgress(job, progress)
            onProgress(progress)
            if let max = request.maxErrors, progress.rowsRejected > max {
                throw ZhengshuError(
                    .validation, "stopped after \(progress.rowsRejected) rejected rows (more than max-errors \(max))")
            }
        }
        if request.mode == .replace {
            try Self.checkReplace(progress, allowed: request.maxRejectedRatio ?? replaceMaxRejectedRatio)
        }
        return flagged
    }

    /// A `replace` swaps the stored rows for the load's only when the load accepted rows and rejected no more than the
    /// allowed share of what it read: a bad file never empties or shrinks a resource by accident.
    static func checkReplace(_ progress: JobProgress, allowed: Double) throws(ZhengshuError) {
        let (read, rejected) = (progress.rowsRead, progress.rowsRejected)
        guard read > 0, rejected > 0 else { return }
        if progress.rowsAccepted == 0 {
            throw ZhengshuError(
                .validation,
                "all \(read) rows were rejected; replace keeps the stored rows. "
                    + "Download the rejected rows, fix them and load again")
        }
        let ratio = Double(rejected) / Double(read)
        guard ratio > allowed else { return }
        func percent(_ r: Double) -> String { String(format: "%.1f%%", r * 100) }
        throw ZhengshuError(
            .validation,
            "\(rejected) of \(read) rows were rejected (\(percent(ratio)), more than the \(percent(allowed)) a replace "
                + "allows); the stored rows stay. Fix the rejected rows, or allow a share with max-rejected-ratio")
    }

    /// What ingest enforces, from the resource's rules. Without stored rules, the items' own checks (required, data
    /// element) reject. With rules, the rules decide: an item is required, or must match its element, at ingest only
    /// when a `reject` rule says so; other `reject` rules (patterns, ranges, consistency…) run on each converted row.
    /// `flag` rules let rows land; quality runs report them.
    static func ingestChecks(
        _ resource: Resource, rules: [QualityRule], at now: Date
    ) throws -> ([DataItem], QualityRun?) {
        guard !rules.isEmpty else { return (resource.items, nil) }
        let rejecting = rules.filter { $0.enabled && $0.severity == .reject }
        var requiredItems = Set<String>(), elementItems = Set<String>()
        var others: [QualityRule] = []
        for rule in rejecting {
            switch rule.check {
            case .required(let item): requiredItems.insert(item)
            case .element(let item, let element) where resource.item(named: item)?.dataElement == element:
                elementItems.insert(item)
            case .unique: break  // the key's uniqueness is checked over the staged rows
            default: others.append(rule)
            }
        }
        let items = resource.items.map { item -> DataItem in
            var i = item
            i.required = requiredItems.contains(item.name) || item.key  // a key is never empty: its column is NOT NULL
            if !elementItems.contains(item.name) { i.dataElement = nil }
            return i
        }
        return (items, others.isEmpty ? nil : try QualityRun(resource: resource, rules: others, at: now))
    }

    // MARK: Reading and steering jobs

    /// Asks a running job to stop; it ends `cancelled` with the resource's data unchanged.
    package func cancel(_ id: Int64, by caller: Caller) async throws -> IngestJob {
        let job = try await job(id, by: caller)
        guard Self.canSee(job, caller.principal), caller.principal.isAdmin || caller.principal.roles.contains(.provider)
        else {
            throw ZhengshuError(.forbidden, "cancelling a job requires a provider of \(job.department) or an admin")
        }
        guard !job.status.isFinished else {
            throw ZhengshuError(.conflict, "job \(id) has already \(job.status.rawValue)")
        }
        // Running here: stopped at once. Running on another node: that node stops it at its next batch.
        let cancelled = control.cancel(job.id)
        guard try await (cancelled ? true : store.requestCancel(job.id)) else {
            throw ZhengshuError(.conflict, "job \(id) is not running")
        }
        return job
    }

    /// Fails the jobs no node runs any more: this node's own from before a restart (`includingOwn`) and any whose
    /// heartbeat stopped (a dead node). Their staging is dropped; the resources' data is untouched.
    package func failAbandonedJobs(includingOwn: Bool) async throws -> [JobID] {
        let now = clock.current()
        return try await store.failInterruptedJobs(
            node: includingOwn ? node : nil, staleBefore: now.addingTimeInterval(-Self.abandonedAfter),
            reason:
                "interrupted: the node running this job stopped; the resource's data is unchanged; run the import again",
            at: now)
    }

    /// Freshness of every published resource (or one department's), against its declared update cycle.
    package func freshness(department: String?, by caller: Caller) async throws -> [ResourceFreshness] {
        let filter = try department.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        let now = clock.current()
        return try await store.updateTimes(department: filter).map { r in
            let (status, due) = Freshness.status(
                cycle: r.resource.updateCycle, lastUpdated: r.lastUpdatedAt,
                since: r.resource.publishedAt, now: now)
            return ResourceFreshness(
                code: r.resource.code, name: r.resource.name, department: r.resource.department,
                updateCycle: r.resource.updateCycle, lastUpdatedAt: r.lastUpdatedAt, status: status, dueAt: due)
        }
    }

    package func job(_ id: Int64, by caller: Caller) async throws -> IngestJob {
        guard let job = try await store.job(JobID(id)), Self.canSee(job, caller.principal) else {
            throw ZhengshuError(.notFound, "job \(id) does not exist")
        }
        return job
    }

    package func jobs(resource: String?, by caller: Caller) async throws -> [IngestJob] {
        let p = caller.principal
        let code = try resource.map { raw throws(ZhengshuError) in try ResourceCode(validating: raw) }
        if p.isAdmin || p.roles.contains(.auditor) {
            return try await store.jobs(department: nil, resource: code, limit: 200)
        }
        try p.require(anyOf: [.provider], to: "listing ingestion jobs")
        guard let department = p.department else { return [] }
        return try await store.jobs(department: department, resource: code, limit: 200)
    }

    /// The header of the job's source and a page of its rejected rows, as they were sent. Those who read the
    /// department's values in clear (``Principal/readsInClear(of:)``) read them so; anyone else who may see the job
    /// (the bureau, auditors) reads each value masked as the item its column maps to is masked (a column that maps to
    /// no item is hidden), and the values quoted in reasons hidden. Every page read is audited before it is returned.
    package func rejects(
        of id: Int64, after row: Int, limit: Int, by caller: Caller
    ) async throws -> (header: [String], rows: [RejectedRow]) {
        let job = try await job(id, by: caller)
        let header = try await store.jobHeader(job.id)
        var rows = try await store.rejects(of: job.id, after: row, limit: limit)
        let clear = caller.principal.readsInClear(of: job.department)
        let sealed = rows.contains { $0.original.contains { $0.hasPrefix(FieldCipher.prefix) } }
        let resource = sealed || !clear ? try await catalog.resource(job.resource) : nil
        if sealed, let resource, let seal = try await sealer?.seal(for: resource) {
            for r in rows.indices {
                rows[r].original = try rows[r].original.map { try seal.open(text: $0) }
            }
        }
        if !clear {
            let items = resource?.items ?? []
            let masker = try await masking?.current() ?? .defaults
            let itemMasks = masker.masks(items)
            let masks: [FieldMask?] = header.map { column in
                guard let item = items.first(where: { $0.name == column || $0.label == column }) else {
                    return .suppress
                }
                return itemMasks[item.name]
            }
            for r in rows.indices {
                rows[r].original = rows[r].original.enumerated().map { k, value in
                    k < masks.count ? masker.apply(masks[k], text: value) : ""
                }
                rows[r].reason = Self.hidingQuotedValues(rows[r].reason)
            }
        }
        try await audit.appendAudit(
            caller.audit(
                "ingest.rejects.read", "job:\(job.id)", at: clock.current(),
                detail: "resource: \(job.resource); rows: \(rows.count) after row \(row); \(clear ? "clear" : "masked")"
            ))
        return (header, rows)
    }

    /// A reason with the values it quotes (`'…'`) hidden: they are the rejected values themselves. A quote opens after
    /// a space or at the start, so an apostrophe inside a word ("the file's") is text.
    static func hidingQuotedValues(_ reason: String) -> String {
        var out = "", quoted = false, previous: Character = " "
        for c in reason {
            if c == "'", quoted {
                quoted = false
                out.append(c)
            } else if c == "'", previous == " " || previous == "(" {
                quoted = true
                out += "'…"
            } else if !quoted {
                out.append(c)
            }
            previous = c
        }
        return out
    }

    static func canSee(_ job: IngestJob, _ p: Principal) -> Bool {
        p.isAdmin || p.roles.contains(.auditor) || (p.roles.contains(.provider) && p.department == job.department)
    }
}
