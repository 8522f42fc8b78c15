import Foundation
import PostgresNIO
import ZhengshuCore
import ZhengshuDocuments

extension PostgresStore: SharingStore {
    package func insertApplication(
        _ application: ShareApplication, audit: AuditEvent
    ) async throws -> (ShareApplication, Grant?) {
        try await write { db in
            var a = application
            a.id = ApplicationID(
                try await db.query(
                    """
                    INSERT INTO shareApplication (resource, provider, consumer, status, dueAt, updatedAt, document)
                    VALUES (\(a.resource.rawValue), \(a.provider.rawValue), \(a.consumer.rawValue), \(a.status.rawValue), \(a.dueAt?.millis),
                            \(a.updatedAt.millis), '{}') RETURNING id
                    """, logger: PostgresLocation.logger
                ).collect()[0].decode(Int64.self))
            let grant = try await Self.grantIfDue(&a, db)
            try await Self.saveApplication(a, db)
            var event = audit
            event.target = "application:\(a.id)"
            event.detail = [audit.detail, grant.map { "grant: \($0.id)" }].compactMap { $0 }.joined(separator: "; ")
            try await Self.appendAudit(event, in: db)
            return (a, grant)
        }
    }

    package func updateApplication(
        _ id: ApplicationID, audit: AuditEvent,
        change: @Sendable (ShareApplication) throws -> ShareApplication
    ) async throws -> (ShareApplication, Grant?) {
        try await write { db in
            guard
                let current = try await Self.fetchDocuments(
                    ShareApplication.self, "shareApplication", "id = \(id.rawValue) FOR UPDATE", db
                ).first
            else {
                throw ZhengshuError(.notFound, "application \(id) does not exist")
            }
            var next = try change(current)
            let grant = try await Self.grantIfDue(&next, db)
            try await Self.saveApplication(next, db)
            var event = audit
            if let grant {
                event.detail = [audit.detail, "grant: \(grant.id)"].compactMap { $0 }.joined(separator: "; ")
            }
            try await Self.appendAudit(event, in: db)
            return (next, grant)
        }
    }

    static func grantIfDue(_ a: inout ShareApplication, _ db: PostgresConnection) async throws -> Grant? {
        guard a.status == .granted, a.grant == nil else { return nil }
        var g = Grant(approved: a, at: a.updatedAt)
        g.id = GrantID(
            try await db.query(
                """
                INSERT INTO shareGrant (application, resource, provider, consumer, status, document)
                VALUES (\(a.id.rawValue), \(g.resource.rawValue), \(g.provider.rawValue), \(g.consumer.rawValue), \(g.status.rawValue), '{}') RETURNING id
                """, logger: PostgresLocation.logger
            ).collect()[0].decode(Int64.self))
        try await db.query(
            "UPDATE shareGrant SET document = \(try Documents.text(g)) WHERE id = \(g.id.rawValue)",
            logger: PostgresLocation.logger)
        a.grant = g.id
        return g
    }

    static func saveApplication(_ a: ShareApplication, _ db: PostgresConnection) async throws {
        try await db.query(
            """
            UPDATE shareApplication SET status = \(a.status.rawValue), dueAt = \(a.dueAt?.millis), updatedAt = \(a.updatedAt.millis),
                document = \(try Documents.text(a)) WHERE id = \(a.id.rawValue)
            """, logger: PostgresLocation.logger)
    }

    /// Decodes the `document` column of the rows of `table` that meet `condition` (remembered by its text).
    static func fetchDocuments<T: Stored>(
        _ type: T.Type, _ table: String, _ condition: PostgresQuery,
        _ db: PostgresConnection
    ) async throws -> [T] {
        var query = condition
        query.sql = "SELECT document FROM \(table) WHERE " + condition.sql
        return try await db.query(query, logger: PostgresLocation.logger).collect().map { r in
            try Documents.cachedValue(T.self, try r.decode(String.self))
        }
    }

    package func application(_ id: ApplicationID) async throws -> ShareApplication? {
        try await read { db in
            try await Self.fetchDocuments(ShareApplication.self, "shareApplication", "id = \(id.rawValue)", db).first
        }
    }

    package func applications(_ f: ApplicationFilter) async throws -> [ShareApplication] {
        try await read { db in
            try await Self.fetchDocuments(
                ShareApplication.self, "shareApplication",
                """
                (\(f.consumer?.rawValue)::text IS NULL OR consumer = \(f.consumer?.rawValue))
                AND (\(f.provider?.rawValue)::text IS NULL OR provider = \(f.provider?.rawValue))
                AND (\(f.department?.rawValue)::text IS NULL OR consumer = \(f.department?.rawValue) OR provider = \(f.department?.rawValue))
                AND (\(f.resource?.rawValue)::text IS NULL OR resource = \(f.resource?.rawValue))
                AND (\(f.status?.rawValue)::text IS NULL OR status = \(f.status?.rawValue))
                AND (\(f.overdueAt?.millis)::bigint IS NULL
                     OR (status IN ('review', 'provider', 'bureauApproval', 'disputed') AND dueAt < \(f.overdueAt?.millis)))
                AND (\(f.before)::bigint IS NULL OR id < \(f.before))
                ORDER BY id DESC LIMIT \(f.limit)
                """, db)
        }
    }

    package func updateGrant(
        _ id: GrantID, audit: AuditEvent, change: @Sendable (Grant) throws -> Grant
    ) async throws -> Grant {
        try await write { db in
            guard
                let current = try await Self.fetchDocuments(
                    Grant.self, "shareGrant", "id = \(id.rawValue) FOR UPDATE", db
                ).first
            else {
                throw ZhengshuError(.notFound, "grant \(id) does not exist")
            }
            let next = try change(current)
            try await db.query(
                "UPDATE shareGrant SET status = \(next.status.rawValue), document = \(try Documents.text(next)) WHERE id = \(id.rawValue)",
                logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func grant(_ id: GrantID) async throws -> Grant? {
        try await read { db in try await Self.fetchDocuments(Grant.self, "shareGrant", "id = \(id.rawValue)", db).first
        }
    }

    package func grants(
        consumer: DepartmentCode?, provider: DepartmentCode?, resource: ResourceCode?
    ) async throws -> [Grant] {
        try await read { db in
            try await Self.fetchDocuments(
                Grant.self, "shareGrant",
                """
                (\(consumer?.rawValue)::text IS NULL OR consumer = \(consumer?.rawValue))
                AND (\(provider?.rawValue)::text IS NULL OR provider = \(provider?.rawValue))
                AND (\(resource?.rawValue)::text IS NULL OR resource = \(resource?.rawValue)) ORDER BY id DESC
                """, db)
        }
    }

    /// One statement (each round trip costs the node more than the database): the resource, the consumer's grants of
    /// it with today's use, whether it is read live, and the masking policies. The live source, when there is one, is a
    /// second.
    package func serviceContext(
        _ code: ResourceCode, consumer: DepartmentCode, day: CivilDate
    ) async throws -> ServiceContext? {
        try await read { db in
            guard
                let row = try await db.query(
                    """
                    SELECT r.document,
                      ARRAY(SELECT g.document FROM shareGrant g WHERE g.consumer = \(consumer.rawValue) AND g.resource = r.code ORDER BY g.id DESC),
                      ARRAY(SELECT u.grantId FROM shareUsage u JOIN shareGrant g ON g.id = u.grantId
                            WHERE u.day = \(day.description) AND g.consumer = \(consumer.rawValue) AND g.resource = r.code ORDER BY u.grantId),
                      ARRAY(SELECT u.calls::bigint FROM shareUsage u JOIN shareGrant g ON g.id = u.grantId
                            WHERE u.day = \(day.description) AND g.consumer = \(consumer.rawValue) AND g.resource = r.code ORDER BY u.grantId),
                      ARRAY(SELECT u.rowCount::bigint FROM shareUsage u JOIN shareGrant g ON g.id = u.grantId
                            WHERE u.day = \(day.description) AND g.consumer = \(consumer.rawValue) AND g.resource = r.code ORDER BY u.grantId),
                      EXISTS (SELECT 1 FROM pullSource p WHERE p.resource = r.code AND p.live AND p.enabled),
                      ARRAY(SELECT m.document FROM maskingPolicy m ORDER BY m.name)
                    FROM resource r WHERE r.code = \(code.rawValue)
                    """, logger: PostgresLocation.logger
                ).collect().first
            else { return nil }
            let (resource, grants, ids, calls, rows, live, policies) = try row.decode(
                (String, [String], [Int64], [Int64], [Int64], Bool, [String]).self)
            var used: [Int64: (Int, Int)] = [:]
            for (k, id) in ids.enumerated() { used[id] = (Int(calls[k]), Int(rows[k])) }
            return ServiceContext(
                resource: try Documents.cachedValue(Resource.self, resource),
                grants: try grants.map { text in
                    let g = try Documents.cachedValue(Grant.self, text)
                    let u = used[g.id.rawValue] ?? (0, 0)
                    return (g, u.0, u.1)
                },
                live: live
                    ? try await Self.fetchPullSources(
                        "resource = \(code.rawValue) AND live AND enabled ORDER BY id LIMIT 1", db
                    ).first : nil,
                policies: try policies.map { try Documents.cachedValue(MaskingPolicy.self, $0) })
        }
    }

    package func shareUsage(grant: GrantID, day: CivilDate) async throws -> (calls: Int, rows: Int) {
        try await read { db in
            let rows = try await db.query(
                """
                SELECT calls, rowCount FROM shareUsage WHERE grantId = \(grant.rawValue) AND day = \(day.description)
                """, logger: PostgresLocation.logger
            ).collect()
            guard let r = rows.first else { return (0, 0) }
            let (calls, count) = try r.decode((Int, Int).self)
            return (calls, count)
        }
    }

    package func recordShareUse(_ grant: Grant, day: CivilDate, rows: Int, audit: AuditEvent) async throws -> Int64 {
        try await shareUses.submit(ShareUseWrite(grant: grant, day: day, rows: rows, audit: audit))
    }

    /// A batch of data-service calls: each grant's day counted up once (in grant order, so that two nodes' batches
    /// lock the same rows in the same order) and every audit entry, in one statement under one hold of the chain's
    /// lock (the only lock taken before the counts' rows, here and everywhere else).
    static func commit(_ batch: [ShareUseWrite], in db: PostgresConnection) async throws -> [Int64] {
        struct Key: Hashable { var grant: Int64, day: String }
        var usage: [Key: (grant: Grant, day: CivilDate, calls: Int, rows: Int)] = [:]
        for w in batch {
            // One batch may straddle midnight: a grant's calls of two days are counted apart.
            let key = Key(grant: w.grant.id.rawValue, day: w.day.description)
            usage[key, default: (w.grant, w.day, 0, 0)].calls += 1
            usage[key]!.rows += w.rows
        }
        let counts = usage.values.sorted {
            ($0.grant.id.rawValue, $0.day.description) < ($1.grant.id.rawValue, $1.day.description)
        }
        // The counts go in the entries' statement: under the chain's lock, but no round trip of their own.
        var binds = PostgresBindings()
        binds.append(counts.map(\.grant.id.rawValue))
        binds.append(counts.map(\.day.description))
        binds.append(counts.map(\.grant.resource.rawValue))
        binds.append(counts.map(\.grant.provider.rawValue))
        binds.append(counts.map(\.grant.consumer.rawValue))
        binds.append(counts.map { Int64($0.calls) })
        binds.append(counts.map { Int64($0.rows) })
        return try await appendAudits(
            batch.map(\.audit),
            after: (
                """
                WITH counted AS (
                  INSERT INTO shareUsage (grantId, day, resource, provider, consumer, calls, rowCount)
                  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
                  ON CONFLICT (grantId, day) DO UPDATE SET calls = shareUsage.calls + excluded.calls, rowCount = shareUsage.rowCount + excluded.rowCount)
                """, binds
            ), in: db)
    }

    /// Two statements, each atomic on its own, and no transaction around them (the fewest round trips on the
    /// verification's path): the count, then the variants with their counts. The minute's row, locked by the upsert,
    /// orders concurrent calls of the grant; the day's sum is of the other minutes as they stood, plus this one's. A
    /// call that fails between the two has had its tuples counted, which errs on the side of the limit; a refused
    /// call's tuples are taken back by a third.
    package func recordVerification(_ use: VerificationUse) async throws -> VerificationCount {
        try await read { db in try await Self.recordVerification(use, in: db) }
    }

    static func recordVerification(_ use: VerificationUse, in db: PostgresConnection) async throws -> VerificationCount
    {
        let g = use.grant.rawValue
        let (minute, day) =
            try await db.query(
                """
                WITH up AS (
                  INSERT INTO verifyUse (grantId, minute, tuples) VALUES (\(g), \(use.minute), \(use.tuples))
                  ON CONFLICT (grantId, minute) DO UPDATE SET tuples = verifyUse.tuples + excluded.tuples
                  RETURNING tuples)
                SELECT up.tuples::bigint, (up.tuples + COALESCE((SELECT SUM(tuples) FROM verifyUse
                  WHERE grantId = \(g) AND minute >= \(use.dayStart) AND minute <> \(use.minute)), 0))::bigint FROM up
                """, logger: PostgresLocation.logger
            ).collect().first?.decode((Int, Int).self) ?? (0, 0)
        guard minute <= use.limits.tuplesPerMinute, day <= use.limits.tuplesPerDay else {
            try await db.query(
                "UPDATE verifyUse SET tuples = tuples - \(use.tuples) WHERE grantId = \(g) AND minute = \(use.minute)",
                logger: PostgresLocation.logger)
            return VerificationCount(
                counted: false, minute: minute - use.tuples, day: day - use.tuples, variants: [:])
        }
        // The first call of a minute sweeps what is past the day and the window.
        if minute == use.tuples {
            try await db.query(
                "DELETE FROM verifyUse WHERE grantId = \(g) AND minute < \(use.dayStart - 1440)",
                logger: PostgresLocation.logger)
            try await db.query(
                "DELETE FROM verifyVariant WHERE grantId = \(g) AND minute < \(use.windowStart)",
                logger: PostgresLocation.logger)
        }
        var count = VerificationCount(counted: true, minute: minute, day: day, variants: [:])
        let v = use.variants
        guard !v.isEmpty else { return count }
        // The signatures this call touched, each with every value it has within the window: those stored before and
        // this call's (the statement's own inserts are not visible to it).
        for row in try await db.query(
            """
            WITH v AS (
              SELECT DISTINCT k::integer AS k, s, x
              FROM unnest(\(v.map { Int16($0.kind.rawValue) })::smallint[], \(v.map(\.signature))::bigint[], \(v.map(\.value))::bigint[]) AS t(k, s, x)),
            ins AS (
              INSERT INTO verifyVariant (grantId, kind, signature, value, minute) SELECT \(g), k, s, x, \(use.minute) FROM v
              ON CONFLICT (grantId, kind, signature, value) DO UPDATE SET minute = excluded.minute),
            vals AS (
              SELECT kind::integer AS k, signature AS s, value AS x FROM verifyVariant
              WHERE grantId = \(g) AND minute >= \(use.windowStart) AND (kind, signature) IN (SELECT k, s FROM v)
              UNION SELECT k, s, x FROM v)
            SELECT k, MAX(n)::bigint FROM (SELECT k, s, COUNT(*) AS n FROM vals GROUP BY k, s) AS c GROUP BY k
            """, logger: PostgresLocation.logger
        ).collect() {
            let (kind, n) = try row.decode((Int32, Int).self)
            if let kind = VerificationGuard.Kind(rawValue: Int(kind)) { count.variants[kind] = n }
        }
        return count
    }

    package func forgetVerificationVariants(grant: GrantID) async throws {
        try await write { db in
            try await db.query(
                "DELETE FROM verifyVariant WHERE grantId = \(grant.rawValue)", logger: PostgresLocation.logger)
        }
    }

    package func shareUsage(from: CivilDate, to: CivilDate, department: DepartmentCode?) async throws -> [ShareUsage] {
        try await read { db in
            try await db.query(
                """
                SELECT grantId, day, resource, provider, consumer, calls, rowCount FROM shareUsage
                WHERE day >= \(from.description) AND day <= \(to.description)
                  AND (\(department?.rawValue)::text IS NULL OR consumer = \(department?.rawValue) OR provider = \(department?.rawValue))
                ORDER BY day, grantId
                """, logger: PostgresLocation.logger
            ).collect().map { r in
                let (grant, day, resource, provider, consumer, calls, rows) = try r.decode(
                    (Int64, String, String, String, String, Int, Int).self)
                return ShareUsage(
                    grant: GrantID(grant), day: CivilDate(iso: day)!, resource: ResourceCode(trusted: resource),
                    provider: DepartmentCode(trusted: provider), consumer: DepartmentCode(trusted: consumer),
                    calls: calls, rows: rows)
            }
        }
    }

    package func insertExport(_ job: ExportJob) async throws -> ExportJob {
        try await write { db in
            var j = job
            j.id = ExportID(
                try await db.query(
                    """
                    INSERT INTO shareExport (consumer, status, createdAt, document) VALUES (\(j.consumer.rawValue), \(j.status.rawValue), \(j.createdAt.millis), '{}')
                    RETURNING id
                    """, logger: PostgresLocation.logger
                ).collect()[0].decode(Int64.self))
            try await db.query(
                "UPDATE shareExport SET document = \(try Documents.text(j)) WHERE id = \(j.id.rawValue)",
                logger: PostgresLocation.logger)
            return j
        }
    }

    package func updateExport(
        _ id: ExportID, change: @Sendable (ExportJob) throws -> ExportJob
    ) async throws -> ExportJob {
        try await write { db in
            guard
                let current = try await Self.fetchDocuments(
                    ExportJob.self, "shareExport", "id = \(id.rawValue) FOR UPDATE", db
                ).first
            else {
                throw ZhengshuError(.notFound, "export \(id) does not exist")
            }
            let next = try change(current)
            try await db.query(
                "UPDATE shareExport SET status = \(next.status.rawValue), document = \(try Documents.text(next)) WHERE id = \(id.rawValue)",
                logger: PostgresLocation.logger)
            return next
        }
    }

    package func export(_ id: ExportID) async throws -> ExportJob? {
        try await read { db in
            try await Self.fetchDocuments(ExportJob.self, "shareExport", "id = \(id.rawValue)", db).first
        }
    }

    package func exports(consumer: DepartmentCode?, limit: Int) async throws -> [ExportJob] {
        try await read { db in
            try await Self.fetchDocuments(
                ExportJob.self, "shareExport",
                "\(consumer?.rawValue)::text IS NULL OR consumer = \(consumer?.rawValue) ORDER BY id DESC LIMIT \(limit)",
                db)
        }
    }

    package func calendarDays() async throws -> [CalendarDay] {
        try await read { db in
            try await db.query("SELECT day, kind, name FROM calendarDay ORDER BY day", logger: PostgresLocation.logger)
                .collect().compactMap { r in
                    let (day, kind, name) = try r.decode((String, String, String).self)
                    guard let d = CivilDate(iso: day), let k = CalendarDay.Kind(rawValue: kind) else { return nil }
                    return CalendarDay(date: d, kind: k, name: name)
                }
        }
    }

    package func setCalendarDay(_ day: CalendarDay, audit: AuditEvent) async throws {
        try await write { db in
            try await db.query(
                """
                INSERT INTO calendarDay (day, kind, name) VALUES (\(day.date.description), \(day.kind.rawValue), \(day.name))
                ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name
                """, logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
        }
    }

    package func removeCalendarDay(_ date: CivilDate, audit: AuditEvent) async throws -> Bool {
        try await write { db in
            let removed =
                try await db.query(
                    "DELETE FROM calendarDay WHERE day = \(date.description) RETURNING day",
                    logger: PostgresLocation.logger
                ).collect().count > 0
            if removed { try await Self.appendAudit(audit, in: db) }
            return removed
        }
    }
}

extension PostgresStore: SystemAccountStore {
    package func insertSystemAccount(
        _ account: SystemAccount, keyHash: String, audit: AuditEvent
    ) async throws -> SystemAccount {
        try await write { db in
            guard try await Self.fetchDepartment(account.department, db) != nil else {
                throw ZhengshuError.validation([
                    .init(field: "department", reason: "department \(account.department) does not exist")
                ])
            }
            if try await db.query(
                "SELECT 1 FROM systemAccount WHERE department = \(account.department.rawValue) AND name = \(account.name)",
                logger: PostgresLocation.logger
            ).collect().count > 0 {
                throw ZhengshuError(
                    .conflict, "department \(account.department) already has a system account named \(account.name)")
            }
            var a = account
            a.id = SystemAccountID(
                try await db.query(
                    """
                    INSERT INTO systemAccount (department, name, keyHash, document) VALUES (\(a.department.rawValue), \(a.name), \(keyHash), '{}')
                    RETURNING id
                    """, logger: PostgresLocation.logger
                ).collect()[0].decode(Int64.self))
            try await db.query(
                "UPDATE systemAccount SET document = \(try Documents.text(a)) WHERE id = \(a.id.rawValue)",
                logger: PostgresLocation.logger)
            var event = audit
            event.target = "system-account:\(a.id)"
            try await Self.appendAudit(event, in: db)
            return a
        }
    }

    package func updateSystemAccount(
        _ id: SystemAccountID, keyHash: String?, audit: AuditEvent,
        change: @Sendable (SystemAccount) throws -> SystemAccount
    ) async throws -> SystemAccount {
        try await write { db in
            guard let current = try await Self.fetchSystemAccounts("id = \(id.rawValue) FOR UPDATE", db).first else {
                throw ZhengshuError(.notFound, "system account \(id) does not exist")
            }
            let next = try change(current)
            try await db.query(
                """
                UPDATE systemAccount SET document = \(try Documents.text(next)), keyHash = COALESCE(\(keyHash), keyHash) WHERE id = \(id.rawValue)
                """, logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
            return next
        }
    }

    static func fetchSystemAccounts(
        _ condition: PostgresQuery, _ db: PostgresConnection
    ) async throws -> [SystemAccount] {
        var query = condition
        query.sql = "SELECT document, lastUsedAt FROM systemAccount WHERE " + condition.sql
        return try await db.query(query, logger: PostgresLocation.logger).collect().map { r in
            let (document, lastUsed) = try r.decode((String, Int64?).self)
            var a = try Documents.cachedValue(SystemAccount.self, document)
            a.lastUsedAt = lastUsed.map(Date.init(millis:))
            return a
        }
    }

    package func systemAccount(_ id: SystemAccountID) async throws -> SystemAccount? {
        try await read { db in try await Self.fetchSystemAccounts("id = \(id.rawValue)", db).first }
    }

    package func systemAccount(keyHash: String) async throws -> SystemAccount? {
        try await read { db in try await Self.fetchSystemAccounts("keyHash = \(keyHash)", db).first }
    }

    package func systemAccounts(department: DepartmentCode?) async throws -> [SystemAccount] {
        try await read { db in
            try await Self.fetchSystemAccounts(
                "\(department?.rawValue)::text IS NULL OR department = \(department?.rawValue) ORDER BY id", db)
        }
    }

    package func touchSystemAccount(_ id: SystemAccountID, at: Date) async throws {
        try await write { db in
            try await db.query(
                "UPDATE systemAccount SET lastUsedAt = \(at.millis) WHERE id = \(id.rawValue)",
                logger: PostgresLocation.logger)
        }
    }
}
