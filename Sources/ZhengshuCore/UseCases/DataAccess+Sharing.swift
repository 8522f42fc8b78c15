import Crypto
import Foundation

/// What a data service returns besides its data: the audit entry written for the call and the hash of the request,
/// so provider and consumer can both prove which answer belongs to which request.
package struct ServiceReceipt: Sendable, Hashable {
    package var auditEntry: Int64
    package var requestHash: String
    package var grant: GrantID
}

/// The canonical form of a data-service request (as X-Road's request hash): method, path, the query parameters sorted,
/// and the SHA-256 of the body, each on its own line; the hash is the SHA-256 of that text, in hex.
package enum RequestHash {
    package static func of(method: String, path: String, query: [(String, String)], body: [UInt8]) -> String {
        let sortedQuery = query.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            .map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
        let text = [method.uppercased(), path, sortedQuery, SHA256.hash(data: body).hex].joined(separator: "\n")
        return SHA256.hash(data: Array(text.utf8)).hex
    }

    /// RFC 3986: every byte but unreserved ASCII (letters, digits, `-._~`) as `%XX`.
    static func percentEncoded(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            switch b {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E: out.append(b)
            default: out += [0x25, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One tuple's answer from a verification (核验): whether the record exists and every submitted value matches. Never
/// the stored values.
package struct VerifyResult: Sendable, Hashable {
    package var match: Bool
    /// A record with the submitted key exists.
    package var found: Bool
    /// The submitted items whose values differ (when asked for, and the record exists).
    package var differs: [String]?
}

extension DataAccess {
    static let maxVerifyBatch = 1000

    /// Shared query (共享查询): a consumer reads granted items of another department's resource, masked per policy.
    /// Filtering and sorting are allowed on items granted in clear only, so masked values cannot be probed.
    package func sharedQuery(
        _ code: String, _ parameters: RecordQueryParameters, grant grantID: String?, requestHash: String,
        by caller: Caller
    ) async throws -> (RecordPage, ServiceReceipt) {
        try await denialsAudited("share.query", code, requestHash: requestHash, by: caller) {
            let a = try await authorise(code, .query, grantID, by: caller)
            let (resource, grant, day) = (a.resource, a.grant, a.day)
            var (query, masks) = try Self.grantedQuery(a, parameters)
            query.limit = min(query.limit, try checkQuota(a))
            var (page, source) = try await fetch(resource, query, live: a.live)
            a.masker.apply(masks, fields: page.fields, to: &page.rows)
            let sequence = try await shares.recordShareUse(
                grant, day: day, rows: page.rows.count,
                audit: caller.audit(
                    "share.query", "resource:\(resource.code)", at: clock.current(),
                    detail: Self.detail(
                        grant, rows: page.rows.count, items: page.fields.map(\.name),
                        extra: "filter: "
                            + query.filters.map { "\($0.item.name):\($0.op.rawValue)" }.joined(separator: ",") + source,
                        requestHash: requestHash)))
            return (page, ServiceReceipt(auditEntry: sequence, requestHash: requestHash, grant: grant.id))
        }
    }

    /// Subscription (订阅): the rows inserted or changed since the consumer's cursor, masked as in a query, so a consumer
    /// keeps a copy in sync. After a full replacement of the data the page says `reset` and starts the copy anew.
    package func sharedChanges(
        _ code: String, fields: String?, cursor token: String?, limit: String?, grant grantID: String?,
        requestHash: String, by caller: Caller
    ) async throws -> (ChangePage, ServiceReceipt) {
        try await denialsAudited("share.changes", code, requestHash: requestHash, by: caller) {
            let a = try await authorise(code, .subscribe, grantID, by: caller)
            let (resource, grant, day) = (a.resource, a.grant, a.day)
            if a.live != nil {
                throw ZhengshuError(
                    .conflict,
                    "resource \(resource.code) is read live from its source; it has no change feed, query it instead")
            }
            let (query, masks) = try Self.grantedQuery(a, RecordQueryParameters(fields: fields, limit: limit))
            var after: ChangeCursor?
            if let token, !token.isEmpty {
                guard let c = ChangeCursor(token: token) else {
                    throw ZhengshuError(.invalidInput, "cursor is not one this server issued")
                }
                after = c
            }
            var page = try await sealer.changes(
                records, of: resource, fields: query.fields, after: after, limit: min(query.limit, try checkQuota(a)))
            a.masker.apply(masks, fields: page.fields, to: &page.rows)
            let sequence = try await shares.recordShareUse(
                grant, day: day, rows: page.rows.count,
                audit: caller.audit(
                    "share.changes", "resource:\(resource.code)", at: clock.current(),
                    detail: Self.detail(
                        grant, rows: page.rows.count, items: page.fields.map(\.name),
                        extra:
                            "from: \(after.map { "\($0.generation).\($0.revision).\($0.id)" } ?? "start")\(page.reset ? "; reset" : "")",
                        requestHash: requestHash)))
            return (page, ServiceReceipt(auditEntry: sequence, requestHash: requestHash, grant: grant.id))
        }
    }

    /// Verification (核验): does a record with each tuple's key hold the submitted values? Up to 1,000 tuples a call;
    /// each tuple names the resource's key items and any other granted items.
    package func sharedVerify(
        _ code: String, tuples: [[String: JSONValue]], explain: Bool, grant grantID: String?, requestHash: String,
        by caller: Caller
    ) async throws -> ([VerifyResult], ServiceReceipt) {
        try await denialsAudited("share.verify", code, requestHash: requestHash, by: caller) {
            let a = try await authorise(code, .verify, grantID, by: caller)
            let (resource, grant, day) = (a.resource, a.grant, a.day)
            guard !tuples.isEmpty else { throw ZhengshuError(.invalidInput, "tuples holds nothing to verify") }
            guard tuples.count <= Self.maxVerifyBatch else {
                throw ZhengshuError(.payloadTooLarge, "at most \(Self.maxVerifyBatch) tuples per call")
            }
            let keys = resource.keyItems
            guard !keys.isEmpty else {
                throw ZhengshuError(.conflict, "resource \(resource.code) has no key items to verify against")
            }
            let granted = Set(grant.items)
            let required = VerificationGuard.requiredItems(resource, grant)
            var submitted: [[(DataItem, RecordValue)]] = []
            var v: [ZhengshuError.Violation] = []
            for (k, tuple) in tuples.enumerated() {
                var fields: [(DataItem, RecordValue)] = []
                for (name, json) in tuple.sorted(by: { $0.key < $1.key }) {
                    guard let item = resource.item(named: name) else {
                        v.append(.init(field: name, row: k, reason: "is not an item of \(resource.code)"))
                        continue
                    }
                    guard granted.contains(name) else {
                        throw ZhengshuError(
                            .forbidden,
                            "item \(name) of \(resource.code) is not granted to \(grant.consumer) (grant \(grant.id))")
                    }
                    var loose = item
                    loose.required = false
                    loose.dataElement = nil
                    switch RecordValidator.convert(json, for: loose) {
                    case .success(let value): fields.append((item, value))
                    case .failure(let reason): v.append(.init(field: name, row: k, reason: reason.text))
                    }
                }
                for name in required where !fields.contains(where: { $0.0.name == name && $0.1 != .null }) {
                    v.append(
                        .init(
                            field: name, row: k,
                            reason: keys.contains { $0.name == name }
                                ? "the key item is required to find the record"
                                : "a tuple names the subject fully: \(name) is required beside the key"))
                }
                submitted.append(fields)
            }
            guard v.isEmpty else { throw ZhengshuError.validation(Array(v.prefix(100))) }
            _ = try checkQuota(a)
            try await guardVerification(a, submitted, by: caller)
            // Every tuple's record in one read: a call holds one connection once, not one per tuple.
            let pages = try await fetch(
                resource,
                submitted.map { fields in
                    let filters = fields.filter { f in keys.contains { $0.name == f.0.name } }.map {
                        RecordQuery.Filter(item: $0.0, op: .eq, value: $0.1)
                    }
                    return RecordQuery(
                        fields: fields.map(\.0), filters: filters, sort: nil, descending: false, limit: 1, after: nil)
                }, live: a.live)
            var results: [VerifyResult] = []
            for (fields, page) in zip(submitted, pages) {
                guard let row = page.rows.first else {
                    results.append(VerifyResult(match: false, found: false, differs: nil))
                    continue
                }
                let differs = fields.indices.filter { !Self.same(row[$0], fields[$0].1) }.map { fields[$0].0.name }
                results.append(VerifyResult(match: differs.isEmpty, found: true, differs: explain ? differs : nil))
            }
            let items = Array(Set(submitted.flatMap { $0.map(\.0.name) })).sorted()
            let sequence = try await shares.recordShareUse(
                grant, day: day, rows: results.count,
                audit: caller.audit(
                    "share.verify", "resource:\(resource.code)", at: clock.current(),
                    detail: Self.detail(
                        grant, rows: results.count, items: items,
                        extra: "matched: \(results.filter(\.match).count)", requestHash: requestHash)))
            return (results, ServiceReceipt(auditEntry: sequence, requestHash: requestHash, grant: grant.id))
        }
    }

    /// Counts the tuples against the grant's verification limits (429 past them) and looks for enumeration
    /// (``VerificationGuard``): enumeration suspends the grant, an automatic response (处置), raises an alert the
    /// bureau clears, and refuses the call before anything is looked up.
    func guardVerification(
        _ a: Authorised, _ tuples: [[(DataItem, RecordValue)]], by caller: Caller
    ) async throws {
        let (g, now) = (a.grant, clock.current())
        let count = try await shares.recordVerification(
            VerificationUse(
                grant: g.id, at: now, day: a.day, tuples: tuples.count, limits: g.verification,
                variants: VerificationGuard.variants(tuples, mac: a.masker.keys.verification)))
        guard count.counted else {
            if count.minute + tuples.count > g.verification.tuplesPerMinute {
                let second = Int(now.timeIntervalSince1970.truncatingRemainder(dividingBy: 60))
                throw ZhengshuError(
                    .tooManyRequests,
                    "grant \(g.id) allows \(g.verification.tuplesPerMinute) tuples verified a minute; "
                        + "\(count.minute) are used this minute and this call has \(tuples.count)",
                    retryAfter: max(1, 60 - second))
            }
            throw ZhengshuError(
                .tooManyRequests,
                "grant \(g.id) allows \(g.verification.tuplesPerDay) tuples verified a day; "
                    + "\(count.day) are used today and this call has \(tuples.count)",
                retryAfter: max(1, Int(a.day.adding(days: 1).chinaStart.timeIntervalSince(now).rounded(.up))))
        }
        guard let (kind, n) = count.enumeration else { return }
        let window = VerificationGuard.windowMinutes
        let reason =
            switch kind {
            case .subject: "enumeration: one subject verified with \(n) values of one item within \(window) minutes"
            case .key: "enumeration: \(n) key values verified with the same other items within \(window) minutes"
            }
        let suspended = try await shares.updateGrant(
            g.id,
            audit: AuditEvent(
                actor: Self.riskMonitor, actorDepartment: nil, action: "grant.suspend", target: "grant:\(g.id)",
                at: now,
                requestID: caller.requestID,
                detail: "automatic: \(reason); resource: \(g.resource); consumer: \(g.consumer)")
        ) { current in
            var next = current
            if next.status == .active {
                next.status = .suspended
                next.statusReason = "\(Self.automaticSuspension)\(reason)"
                next.updatedAt = now
            }
            return next
        }
        _ = try await alerts?.insertAlerts([
            RiskAlert(
                rule: .enumeration, severity: .high, subject: "grant:\(g.id)", department: g.consumer.rawValue,
                summary: "\(reason) by \(caller.principal.name); grant \(g.id) suspended until the alert is closed",
                evidence: [], from: now, to: now, raisedAt: now,
                dedupeKey: "enumeration:grant:\(g.id):\(suspended.updatedAt.timeIntervalSince1970)")
        ])
        throw ZhengshuError(.forbidden, "grant \(g.id) is suspended: \(suspended.statusReason ?? reason)")
    }

    /// Who suspends a grant on enumeration, in the audit trail.
    package static let riskMonitor = "risk-monitor"
    /// How an automatic suspension's reason begins: closing its alert resumes the grant (``Alerts``).
    package static let automaticSuspension = "automatic response (处置): "

    /// The query a grant allows: items not granted are refused (403) wherever they are named, and filters and sort
    /// only on items granted in clear (400), so masked values cannot be probed. - Returns: the query and the masks.
    static func grantedQuery(
        _ a: Authorised, _ parameters: RecordQueryParameters
    ) throws -> (RecordQuery, [String: FieldMask]) {
        let (resource, grant) = (a.resource, a.grant)
        let granted = Set(grant.items)
        let named =
            (parameters.fields?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? [])
            + parameters.filters.map { String($0.prefix { $0 != ":" }) }
            + [parameters.sort.map { $0.hasPrefix("-") ? String($0.dropFirst()) : $0 }].compactMap { $0 }
        for name in named where !name.isEmpty && !granted.contains(name) && resource.item(named: name) != nil {
            throw ZhengshuError(
                .forbidden, "item \(name) of \(resource.code) is not granted to \(grant.consumer) (grant \(grant.id))")
        }
        var view = resource
        view.items = resource.items.filter { granted.contains($0.name) }
        let query = try RecordQuery.parse(
            resource: view, fields: parameters.fields, filters: parameters.filters, sort: parameters.sort,
            limit: parameters.limit, cursor: parameters.cursor)
        let masks = a.masks(view.items)
        if let item = maskedFilterOrSort(query, masks) {
            throw ZhengshuError(
                .invalidInput, "\(item.name) is masked for this grant; filter and sort only on items granted in clear")
        }
        return (query, masks)
    }

    /// The first item `query` filters or sorts on that `masks` masks: filtering on it would probe the masked value.
    static func maskedFilterOrSort(_ query: RecordQuery, _ masks: [String: FieldMask]) -> DataItem? {
        (query.filters.map(\.item) + [query.sort].compactMap { $0 }).first { masks[$0.name] != nil }
    }

    /// Values compare as stored (dates and numbers by value, text without surrounding spaces).
    static func same(_ a: RecordValue, _ b: RecordValue) -> Bool {
        if case .string(let x) = a, case .string(let y) = b { return x.trimmingASCIISpaces == y.trimmingASCIISpaces }
        return a == b
    }

    static func detail(_ g: Grant, rows: Int, items: [String], extra: String, requestHash: String) -> String {
        "grant: \(g.id); purpose: \(g.purpose.prefix(200)); items: \(items.joined(separator: ",")); rows: \(rows); \(extra); request: \(requestHash)"
    }

    /// What a data service may do for its caller: the resource, the grant that lets the caller use the service on it,
    /// the grant's use today, and the resource's live source if it is read live.
    struct Authorised {
        var resource: Resource
        var grant: Grant
        var used: (calls: Int, rows: Int)
        var live: PullSource?
        var day: CivilDate
        /// The policies as they stand, for this answer.
        var masker: Masker
        /// The department's other usable grants of the resource: what they release is released beside this one.
        var others: [Grant] = []

        /// The masks of `items` (of this grant), chosen with everything the department receives of the resource under
        /// all its usable grants, so that no two grants together rebuild a masked identifier (``InferenceGuard``).
        func masks(_ items: [DataItem]) -> [String: FieldMask] {
            let own = masker.masks(items, clear: Set(grant.clearItems))
            guard !others.isEmpty else { return own }
            let all = [grant] + others
            let received = Set(all.flatMap(\.items))
            let joint = masker.masks(
                resource.items.filter { received.contains($0.name) }, clear: Set(all.flatMap(\.clearItems)))
            // Shown in clear by another grant (no joint mask): this grant's own mask still applies.
            return own.merging(
                joint.filter { name, _ in items.contains { $0.name == name } && !grant.clearItems.contains(name) }
            ) { _, joint in joint }
        }
    }

    /// The grant named, or the caller's department's newest usable grant that allows `service`. Every refusal names
    /// its reason. One read of the store.
    func authorise(
        _ code: String, _ service: ShareService, _ grantID: String?, by caller: Caller
    ) async throws -> Authorised {
        let p = caller.principal
        guard p.roles.contains(.consumer) || p.isMember, let department = p.department else {
            throw ZhengshuError(.forbidden, "data services are for consuming departments' users and system accounts")
        }
        let code = try ResourceCode(validating: code)
        let now = clock.current()
        let day = CivilDate(chinaTime: now)
        guard let context = try await shares.serviceContext(code, consumer: department, day: day),
            context.resource.status == .published
        else {
            throw ZhengshuError(.notFound, "resource \(code) does not exist")
        }
        if p.isMember, context.resource.openType != .conditional {
            throw ZhengshuError(
                .forbidden, "resource \(code) is no longer open on condition; its grants to members do not work")
        }
        func granted(_ g: (grant: Grant, calls: Int, rows: Int)) -> Authorised {
            Authorised(
                resource: context.resource, grant: g.grant, used: (g.calls, g.rows), live: context.live, day: day,
                masker: Masker(policies: context.policies, keys: masking.keys),
                others: context.grants.map(\.grant).filter { $0.id != g.grant.id && $0.unusableReason(at: now) == nil })
        }
        if let grantID {
            guard let id = Int64(grantID), let g = context.grants.first(where: { $0.grant.id.rawValue == id }) else {
                throw ZhengshuError(
                    .forbidden, "grant \(grantID.prefix(20)) is not a grant of \(code) to \(department)")
            }
            if let why = g.grant.unusableReason(at: now) { throw ZhengshuError(.forbidden, why) }
            guard g.grant.services.contains(service) else {
                throw ZhengshuError(.forbidden, "grant \(g.grant.id) does not allow \(service.rawValue)")
            }
            return granted(g)
        }
        let grants = context.grants
        if let g = grants.first(where: {
            $0.grant.unusableReason(at: now) == nil && $0.grant.services.contains(service)
        }) {
            return granted(g)
        }
        if let g = grants.first(where: { $0.grant.unusableReason(at: now) == nil }) {
            throw ZhengshuError(.forbidden, "grant \(g.grant.id) does not allow \(service.rawValue)")
        }
        if let g = grants.first, let why = g.grant.unusableReason(at: now) { throw ZhengshuError(.forbidden, why) }
        throw ZhengshuError(.forbidden, "department \(department) holds no grant for \(code); apply for it first")
    }

    /// - Returns: the rows the grant may still return today. - Throws: `tooManyRequests` once a daily quota is used up.
    func checkQuota(_ a: Authorised) throws -> Int {
        let g = a.grant
        let retry = max(1, Int(a.day.adding(days: 1).chinaStart.timeIntervalSince(clock.current()).rounded(.up)))
        if a.used.calls >= g.callsPerDay {
            throw ZhengshuError(
                .tooManyRequests, "grant \(g.id) allows \(g.callsPerDay) calls a day; today's are used",
                retryAfter: retry)
        }
        if a.used.rows >= g.rowsPerDay {
            throw ZhengshuError(
                .tooManyRequests, "grant \(g.id) allows \(g.rowsPerDay) rows a day; today's are used", retryAfter: retry
            )
        }
        return g.rowsPerDay - a.used.rows
    }

    /// Runs a data service; a refusal (403, 404, 429, 400 on a masked item) is written to the audit trail before it is
    /// returned, and if that entry cannot be written the refusal still stands.
    func denialsAudited<T>(
        _ action: String, _ code: String, requestHash: String, by caller: Caller,
        _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let e as ZhengshuError where e.code != .internalFailure {
            try? await audit.appendAudit(
                caller.audit(
                    "\(action).denied", "resource:\(code.prefix(64))", at: clock.current(),
                    detail: "\(e.code): \(e.message.prefix(300)); request: \(requestHash)"))
            meter.record(.denial(action: "\(action).denied"))
            throw e
        }
    }
}
