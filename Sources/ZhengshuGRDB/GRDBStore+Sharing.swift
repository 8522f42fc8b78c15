import Foundation
import GRDB
import ZhengshuCore
import ZhengshuDocuments

extension GRDBStore: SharingStore {
    package func insertApplication(
        _ application: ShareApplication, audit: AuditEvent
    ) async throws -> (ShareApplication, Grant?) {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO shareApplication (resource, provider, consumer, status, dueAt, updatedAt, document) VALUES (?, ?, ?, ?, ?, ?, '{}')
                    """,
                arguments: [
                    application.resource.rawValue, application.provider.rawValue, application.consumer.rawValue,
                    application.status.rawValue, application.dueAt?.millis, application.updatedAt.millis,
                ])
            var a = application
            a.id = ApplicationID(db.lastInsertedRowID)
            let grant = try Self.grantIfDue(&a, db)
            try Self.saveApplication(a, db)
            var event = audit
            event.target = "application:\(a.id)"
            event.detail = [audit.detail, grant.map { "grant: \($0.id)" }].compactMap { $0 }.joined(separator: "; ")
            try Self.appendAudit(event, in: db)
            return (a, grant)
        }
    }

    package func updateApplication(
        _ id: ApplicationID, audit: AuditEvent,
        change: @Sendable (ShareApplication) throws -> ShareApplication
    ) async throws -> (ShareApplication, Grant?) {
        try await writer.write { db in
            guard let current = try Self.fetchApplications("id = ?", [id.rawValue], db).first else {
                throw ZhengshuError(.notFound, "application \(id) does not exist")
            }
            var next = try change(current)
            let grant = try Self.grantIfDue(&next, db)
            try Self.saveApplication(next, db)
            var event = audit
            if let grant {
                event.detail = [audit.detail, "grant: \(grant.id)"].compactMap { $0 }.joined(separator: "; ")
            }
            try Self.appendAudit(event, in: db)
            return (next, grant)
        }
    }

    /// A granted application without a grant gets one, in the caller's transaction.
    static func grantIfDue(_ a: inout ShareApplication, _ db: Database) throws -> Grant? {
        guard a.status == .granted, a.grant == nil else { return nil }
        var g = Grant(approved: a, at: a.updatedAt)
        try db.execute(
            sql:
                "INSERT INTO shareGrant (application, resource, provider, consumer, status, document) VALUES (?, ?, ?, ?, ?, '{}')",
            arguments: [
                a.id.rawValue, g.resource.rawValue, g.provider.rawValue, g.consumer.rawValue, g.status.rawValue,
            ])
        g.id = GrantID(db.lastInsertedRowID)
        try db.execute(
            sql: "UPDATE shareGrant SET document = ? WHERE id = ?", arguments: [try Documents.text(g), g.id.rawValue])
        a.grant = g.id
        return g
    }

    static func saveApplication(_ a: ShareApplication, _ db: Database) throws {
        try db.execute(
            sql: "UPDATE shareApplication SET status = ?, dueAt = ?, updatedAt = ?, document = ? WHERE id = ?",
            arguments: [a.status.rawValue, a.dueAt?.millis, a.updatedAt.millis, try Documents.text(a), a.id.rawValue])
    }

    static func fetchApplications(
        _ condition: String, _ arguments: StatementArguments, _ db: Database
    ) throws -> [ShareApplication] {
        try String.fetchAll(db, sql: "SELECT document FROM shareApplication WHERE \(condition)", arguments: arguments)
            .map { try Documents.value(ShareApplication.self, $0) }
    }

    package func application(_ id: ApplicationID) async throws -> ShareApplication? {
        try await writer.read { db in try Self.fetchApplications("id = ?", [id.rawValue], db).first }
    }

    package func applications(_ f: ApplicationFilter) async throws -> [ShareApplication] {
        try await writer.read { db in
            var sql = "1 = 1"
            var args: StatementArguments = []
            if let d = f.consumer {
                sql += " AND consumer = ?"
                args += [d.rawValue]
            }
            if let d = f.provider {
                sql += " AND provider = ?"
                args += [d.rawValue]
            }
            if let d = f.department {
                sql += " AND (consumer = ? OR provider = ?)"
                args += [d.rawValue, d.rawValue]
            }
            if let r = f.resource {
                sql += " AND resource = ?"
                args += [r.rawValue]
            }
            if let s = f.status {
                sql += " AND status = ?"
                args += [s.rawValue]
            }
            if let t = f.overdueAt {
                sql += " AND status IN ('review', 'provider', 'bureauApproval', 'disputed') AND dueAt < ?"
                args += [t.millis]
            }
            if let b = f.before {
                sql += " AND id < ?"
                args += [b]
            }
            return try Self.fetchApplications(sql + " ORDER BY id DESC LIMIT ?", args + [f.limit], db)
        }
    }

    package func updateGrant(
        _ id: GrantID, audit: AuditEvent, change: @Sendable (Grant) throws -> Grant
    ) async throws -> Grant {
        try await writer.write { db in
            guard let current = try self.cachedGrants("id = ?", [id.rawValue], db).first else {
                throw ZhengshuError(.notFound, "grant \(id) does not exist")
            }
            let next = try change(current)
            try db.execute(
                sql: "UPDATE shareGrant SET status = ?, document = ? WHERE id = ?",
                arguments: [next.status.rawValue, try Documents.text(next), id.rawValue])
            try Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func grant(_ id: GrantID) async throws -> Grant? {
        try await quickRead { db in try cachedGrants("id = ?", [id.rawValue], db).first }
    }

    /// Grants, decoded through the document cache (the request path reads the same ones on every call).
    func cachedGrants(_ condition: String, _ arguments: StatementArguments, _ db: Database) throws -> [Grant] {
        try String.fetchAll(
            try db.cachedStatement(sql: "SELECT document FROM shareGrant WHERE \(condition)"), arguments: arguments
        )
        .map { try Documents.cachedValue(Grant.self, $0) }
    }

    package func grants(
        consumer: DepartmentCode?, provider: DepartmentCode?, resource: ResourceCode?
    ) async throws -> [Grant] {
        try await quickRead { db in
            try cachedGrants(
                """
                (? IS NULL OR consumer = ?) AND (? IS NULL OR provider = ?) AND (? IS NULL OR resource = ?) ORDER BY id DESC
                """,
                [
                    consumer?.rawValue, consumer?.rawValue, provider?.rawValue, provider?.rawValue, resource?.rawValue,
                    resource?.rawValue,
                ], db)
        }
    }

    package func serviceContext(
        _ code: ResourceCode, consumer: DepartmentCode, day: CivilDate
    ) async throws -> ServiceContext? {
        try await quickRead { db in
            guard let resource = try cachedResource(code, db) else { return nil }
            let grants = try cachedGrants(
                "consumer = ? AND resource = ? ORDER BY id DESC", [consumer.rawValue, code.rawValue], db)
            var used: [Int64: (Int, Int)] = [:]
            for r in try Row.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT u.grantId, u.calls, u.rowCount FROM shareUsage u JOIN shareGrant g ON g.id = u.grantId
                        WHERE u.day = ? AND g.consumer = ? AND g.resource = ?
                        """), arguments: [day.description, consumer.rawValue, code.rawValue])
            {
                used[r["grantId"]] = (r["calls"], r["rowCount"])
            }
            let live = try Row.fetchOne(
                try db.cachedStatement(
                    sql: "SELECT * FROM pullSource WHERE resource = ? AND live = 1 AND enabled = 1 ORDER BY id LIMIT 1"),
                arguments: [code.rawValue]
            ).map(Self.pullSource(from:))
            return ServiceContext(
                resource: resource,
                grants: grants.map { g in
                    let u = used[g.id.rawValue] ?? (0, 0)
                    return (g, u.0, u.1)
                }, live: live, policies: try cachedPolicies(db))
        }
    }

    package func shareUsage(grant: GrantID, day: CivilDate) async throws -> (calls: Int, rows: Int) {
        try await quickRead { db in
            let row = try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT calls, rowCount FROM shareUsage WHERE grantId = ? AND day = ?"),
                arguments: [grant.rawValue, day.description])
            return (row?["calls"] ?? 0, row?["rowCount"] ?? 0)
        }
    }

    package func recordShareUse(_ grant: Grant, day: CivilDate, rows: Int, audit: AuditEvent) async throws -> Int64 {
        try await shareUses.submit(ShareUseWrite(grant: grant, day: day, rows: rows, audit: audit))
    }

    package func recordVerification(_ use: VerificationUse) async throws -> VerificationCount {
        try await verifications.submit(use)
    }

    /// One verification's count, in a group commit's transaction (see ``verificationCommitter(_:)``).
    static func recordVerification(_ use: VerificationUse, _ db: Database) throws -> VerificationCount {
        let g = use.grant.rawValue
        var count = VerificationCount(counted: false, minute: 0, day: 0, variants: [:])
        try db.inSavepoint {
            try db.execute(
                sql: """
                    INSERT INTO verifyUse (grantId, minute, tuples) VALUES (?, ?, ?)
                    ON CONFLICT (grantId, minute) DO UPDATE SET tuples = tuples + excluded.tuples
                    """, arguments: [g, use.minute, use.tuples])
            count.minute =
                try Int.fetchOne(
                    db, sql: "SELECT tuples FROM verifyUse WHERE grantId = ? AND minute = ?",
                    arguments: [g, use.minute]
                ) ?? 0
            count.day =
                try Int.fetchOne(
                    db, sql: "SELECT SUM(tuples) FROM verifyUse WHERE grantId = ? AND minute >= ?",
                    arguments: [g, use.dayStart]) ?? 0
            count.counted =
                count.minute <= use.limits.tuplesPerMinute && count.day <= use.limits.tuplesPerDay
            return count.counted ? .commit : .rollback
        }
        guard count.counted else {
            count.minute -= use.tuples
            count.day -= use.tuples
            return count
        }
        // The first call of a minute sweeps what is past the day and the window.
        if count.minute == use.tuples {
            try db.execute(
                sql: "DELETE FROM verifyUse WHERE grantId = ? AND minute < ?", arguments: [g, use.dayStart - 1440])
            try db.execute(
                sql: "DELETE FROM verifyVariant WHERE grantId = ? AND minute < ?", arguments: [g, use.windowStart])
        }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO verifyVariant (grantId, kind, signature, value, minute) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (grantId, kind, signature, value) DO UPDATE SET minute = excluded.minute
                """)
        for v in use.variants {
            try insert.execute(arguments: [g, v.kind.rawValue, v.signature, v.value, use.minute])
        }
        // The signatures this call touched, each with every value it has within the window.
        let touched = Array(Set(use.variants.map { [Int64($0.kind.rawValue), $0.signature] }))
        guard !touched.isEmpty else { return count }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT kind, MAX(n) AS n FROM (
                  SELECT kind, signature, COUNT(*) AS n FROM verifyVariant
                  WHERE grantId = ? AND minute >= ? AND (kind, signature) IN (VALUES \(touched.map { _ in "(?, ?)" }.joined(separator: ", ")))
                  GROUP BY kind, signature)
                GROUP BY kind
                """, arguments: StatementArguments([g, use.windowStart] + touched.flatMap { $0 }))
        {
            if let kind = VerificationGuard.Kind(rawValue: row["kind"]) { count.variants[kind] = row["n"] }
        }
        return count
    }

    package func forgetVerificationVariants(grant: GrantID) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM verifyVariant WHERE grantId = ?", arguments: [grant.rawValue])
        }
    }

    package func shareUsage(from: CivilDate, to: CivilDate, department: DepartmentCode?) async throws -> [ShareUsage] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM shareUsage WHERE day >= ? AND day <= ? AND (? IS NULL OR consumer = ? OR provider = ?) ORDER BY day, grantId
                    """,
                arguments: [
                    from.description, to.description, department?.rawValue, department?.rawValue, department?.rawValue,
                ]
            ).map { r in
                ShareUsage(
                    grant: GrantID(r["grantId"]), day: CivilDate(iso: r["day"])!,
                    resource: ResourceCode(trusted: r["resource"]),
                    provider: DepartmentCode(trusted: r["provider"]), consumer: DepartmentCode(trusted: r["consumer"]),
                    calls: r["calls"], rows: r["rowCount"])
            }
        }
    }

    package func insertExport(_ job: ExportJob) async throws -> ExportJob {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO shareExport (consumer, status, createdAt, document) VALUES (?, ?, ?, '{}')",
                arguments: [job.consumer.rawValue, job.status.rawValue, job.createdAt.millis])
            var j = job
            j.id = ExportID(db.lastInsertedRowID)
            try db.execute(
                sql: "UPDATE shareExport SET document = ? WHERE id = ?",
                arguments: [try Documents.text(j), j.id.rawValue])
            return j
        }
    }

    package func updateExport(
        _ id: ExportID, change: @Sendable (ExportJob) throws -> ExportJob
    ) async throws -> ExportJob {
        try await writer.write { db in
            guard let current = try Self.fetchExports("id = ?", [id.rawValue], db).first else {
                throw ZhengshuError(.notFound, "export \(id) does not exist")
            }
            let next = try change(current)
            try db.execute(
                sql: "UPDATE shareExport SET status = ?, document = ? WHERE id = ?",
                arguments: [next.status.rawValue, try Documents.text(next), id.rawValue])
            return next
        }
    }

    static func fetchExports(_ condition: String, _ arguments: StatementArguments, _ db: Database) throws -> [ExportJob]
    {
        try String.fetchAll(db, sql: "SELECT document FROM shareExport WHERE \(condition)", arguments: arguments)
            .map { try Documents.value(ExportJob.self, $0) }
    }

    package func export(_ id: ExportID) async throws -> ExportJob? {
        try await writer.read { db in try Self.fetchExports("id = ?", [id.rawValue], db).first }
    }

    package func exports(consumer: DepartmentCode?, limit: Int) async throws -> [ExportJob] {
        try await writer.read { db in
            try Self.fetchExports(
                "? IS NULL OR consumer = ? ORDER BY id DESC LIMIT ?", [consumer?.rawValue, consumer?.rawValue, limit],
                db)
        }
    }

    package func calendarDays() async throws -> [CalendarDay] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM calendarDay ORDER BY day").compactMap { r in
                guard let d = CivilDate(iso: r["day"]), let kind = CalendarDay.Kind(rawValue: r["kind"]) else {
                    return nil
                }
                return CalendarDay(date: d, kind: kind, name: r["name"])
            }
        }
    }

    package func setCalendarDay(_ day: CalendarDay, audit: AuditEvent) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO calendarDay (day, kind, name) VALUES (?, ?, ?) ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name
                    """, arguments: [day.date.description, day.kind.rawValue, day.name])
            try Self.appendAudit(audit, in: db)
        }
    }

    package func removeCalendarDay(_ date: CivilDate, audit: AuditEvent) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM calendarDay WHERE day = ?", arguments: [date.description])
            guard db.changesCount > 0 else { return false }
            try Self.appendAudit(audit, in: db)
            return true
        }
    }
}

extension GRDBStore: SystemAccountStore {
    package func insertSystemAccount(
        _ account: SystemAccount, keyHash: String, audit: AuditEvent
    ) async throws -> SystemAccount {
        try await writer.write { db in
            guard try Self.fetchDepartment(account.department, db) != nil else {
                throw ZhengshuError.validation([
                    .init(field: "department", reason: "department \(account.department) does not exist")
                ])
            }
            if try Int.fetchOne(
                db, sql: "SELECT 1 FROM systemAccount WHERE department = ? AND name = ?",
                arguments: [account.department.rawValue, account.name]) != nil
            {
                throw ZhengshuError(
                    .conflict, "department \(account.department) already has a system account named \(account.name)")
            }
            try db.execute(
                sql: "INSERT INTO systemAccount (department, name, keyHash, document) VALUES (?, ?, ?, '{}')",
                arguments: [account.department.rawValue, account.name, keyHash])
            var a = account
            a.id = SystemAccountID(db.lastInsertedRowID)
            try db.execute(
                sql: "UPDATE systemAccount SET document = ? WHERE id = ?",
                arguments: [try Documents.text(a), a.id.rawValue])
            var event = audit
            event.target = "system-account:\(a.id)"
            try Self.appendAudit(event, in: db)
            return a
        }
    }

    package func updateSystemAccount(
        _ id: SystemAccountID, keyHash: String?, audit: AuditEvent,
        change: @Sendable (SystemAccount) throws -> SystemAccount
    ) async throws -> SystemAccount {
        try await writer.write { db in
            guard let current = try self.fetchSystemAccounts("id = ?", [id.rawValue], db).first else {
                throw ZhengshuError(.notFound, "system account \(id) does not exist")
            }
            let next = try change(current)
            try db.execute(
                sql: "UPDATE systemAccount SET document = ?, keyHash = COALESCE(?, keyHash) WHERE id = ?",
                arguments: [try Documents.text(next), keyHash, id.rawValue])
            try Self.appendAudit(audit, in: db)
            return next
        }
    }

    /// Accounts, decoded through the document cache (a key is looked up on every call of a system).
    func fetchSystemAccounts(
        _ condition: String, _ arguments: StatementArguments, _ db: Database
    ) throws -> [SystemAccount] {
        try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT document, lastUsedAt FROM systemAccount WHERE \(condition)"),
            arguments: arguments
        ).map { r in
            var a = try Documents.cachedValue(SystemAccount.self, r["document"])
            a.lastUsedAt = (r["lastUsedAt"] as Int64?).map(Date.init(millis:))
            return a
        }
    }

    package func systemAccount(_ id: SystemAccountID) async throws -> SystemAccount? {
        try await writer.read { db in try self.fetchSystemAccounts("id = ?", [id.rawValue], db).first }
    }

    package func systemAccount(keyHash: String) async throws -> SystemAccount? {
        try await quickRead { db in try fetchSystemAccounts("keyHash = ?", [keyHash], db).first }
    }

    package func systemAccounts(department: DepartmentCode?) async throws -> [SystemAccount] {
        try await writer.read { db in
            try self.fetchSystemAccounts(
                "? IS NULL OR department = ? ORDER BY id", [department?.rawValue, department?.rawValue], db)
        }
    }

    package func touchSystemAccount(_ id: SystemAccountID, at: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE systemAccount SET lastUsedAt = ? WHERE id = ?", arguments: [at.millis, id.rawValue])
        }
    }
}
