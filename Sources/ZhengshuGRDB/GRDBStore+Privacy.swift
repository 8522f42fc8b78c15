import Foundation
import GRDB
import ZhengshuCore
import ZhengshuDocuments

extension GRDBStore: PrivacyStore {
    package func maskingPolicies() async throws -> [MaskingPolicy] {
        try await quickRead { db in try cachedPolicies(db) }
    }

    func cachedPolicies(_ db: Database) throws -> [MaskingPolicy] {
        try String.fetchAll(try db.cachedStatement(sql: "SELECT document FROM maskingPolicy ORDER BY name"))
            .map { try Documents.cachedValue(MaskingPolicy.self, $0) }
    }

    package func saveMaskingPolicy(_ policy: MaskingPolicy, audit: AuditEvent) async throws {
        try await writer.write { db in
            try db.execute(
                sql:
                    "INSERT INTO maskingPolicy (name, document) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET document = excluded.document",
                arguments: [policy.name, try Documents.text(policy)])
            try Self.appendAudit(audit, in: db)
        }
    }

    package func deleteMaskingPolicy(_ name: String, audit: AuditEvent) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM maskingPolicy WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { return false }
            try Self.appendAudit(audit, in: db)
            return true
        }
    }

    package func insertGradeProposal(_ proposal: GradeProposal, audit: AuditEvent) async throws -> GradeProposal {
        try await writer.write { db in
            for var old in try Self.fetchProposals(
                "resource = ? AND status = 'pending'", [proposal.resource.rawValue], db)
            {
                old.status = .superseded
                try Self.saveProposal(old, db)
            }
            try db.execute(
                sql: "INSERT INTO gradeProposal (resource, department, status, document) VALUES (?, ?, ?, '{}')",
                arguments: [proposal.resource.rawValue, proposal.department.rawValue, proposal.status.rawValue])
            var p = proposal
            p.id = GradeProposalID(db.lastInsertedRowID)
            try Self.saveProposal(p, db)
            var event = audit
            event.detail = [audit.detail, "proposal: \(p.id)"].compactMap { $0 }.joined(separator: "; ")
            try Self.appendAudit(event, in: db)
            return p
        }
    }

    static func saveProposal(_ p: GradeProposal, _ db: Database) throws {
        try db.execute(
            sql: "UPDATE gradeProposal SET status = ?, document = ? WHERE id = ?",
            arguments: [p.status.rawValue, try Documents.text(p), p.id.rawValue])
    }

    static func fetchProposals(
        _ condition: String, _ arguments: StatementArguments, _ db: Database
    ) throws -> [GradeProposal] {
        try String.fetchAll(db, sql: "SELECT document FROM gradeProposal WHERE \(condition)", arguments: arguments)
            .map { try Documents.value(GradeProposal.self, $0) }
    }

    package func updateGradeProposal(
        _ id: GradeProposalID, audit: AuditEvent,
        change: @Sendable (GradeProposal) throws -> GradeProposal
    ) async throws -> GradeProposal {
        try await writer.write { db in
            guard let current = try Self.fetchProposals("id = ?", [id.rawValue], db).first else {
                throw ZhengshuError(.notFound, "grade proposal \(id) does not exist")
            }
            let next = try change(current)
            try Self.saveProposal(next, db)
            try Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func installationSetting(_ name: String, default value: String) async throws -> String {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO installationSetting (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                arguments: [name, value])
            return try String.fetchOne(
                db, sql: "SELECT value FROM installationSetting WHERE name = ?", arguments: [name]) ?? value
        }
    }

    package func gradeProposal(_ id: GradeProposalID) async throws -> GradeProposal? {
        try await writer.read { db in try Self.fetchProposals("id = ?", [id.rawValue], db).first }
    }

    package func gradeProposals(
        status: GradeProposal.Status?, department: DepartmentCode?, resource: ResourceCode?, limit: Int
    ) async throws -> [GradeProposal] {
        try await writer.read { db in
            try Self.fetchProposals(
                """
                (? IS NULL OR status = ?) AND (? IS NULL OR department = ?) AND (? IS NULL OR resource = ?) ORDER BY id DESC LIMIT ?
                """,
                [
                    status?.rawValue, status?.rawValue, department?.rawValue, department?.rawValue, resource?.rawValue,
                    resource?.rawValue, limit,
                ], db)
        }
    }
}

extension GRDBStore: AlertStore {
    package func insertAlerts(_ alerts: [RiskAlert]) async throws -> [RiskAlert] {
        guard !alerts.isEmpty else { return [] }
        return try await writer.write { db in
            var stored: [RiskAlert] = []
            for alert in alerts {
                try db.execute(
                    sql:
                        "INSERT INTO riskAlert (dedupeKey, rule, state, document) VALUES (?, ?, ?, '{}') ON CONFLICT (dedupeKey) DO NOTHING",
                    arguments: [alert.dedupeKey, alert.rule.rawValue, alert.state.rawValue])
                guard db.changesCount > 0 else { continue }
                var a = alert
                a.id = AlertID(db.lastInsertedRowID)
                try Self.saveAlert(a, db)
                stored.append(a)
            }
            return stored
        }
    }

    static func saveAlert(_ a: RiskAlert, _ db: Database) throws {
        try db.execute(
            sql: "UPDATE riskAlert SET state = ?, document = ? WHERE id = ?",
            arguments: [a.state.rawValue, try Documents.text(a), a.id.rawValue])
    }

    static func fetchAlerts(_ condition: String, _ arguments: StatementArguments, _ db: Database) throws -> [RiskAlert]
    {
        try String.fetchAll(db, sql: "SELECT document FROM riskAlert WHERE \(condition)", arguments: arguments)
            .map { try Documents.value(RiskAlert.self, $0) }
    }

    package func alert(_ id: AlertID) async throws -> RiskAlert? {
        try await writer.read { db in try Self.fetchAlerts("id = ?", [id.rawValue], db).first }
    }

    package func alerts(state: RiskAlert.State?, rule: RiskAlert.Rule?, limit: Int) async throws -> [RiskAlert] {
        try await writer.read { db in
            try Self.fetchAlerts(
                "(? IS NULL OR state = ?) AND (? IS NULL OR rule = ?) ORDER BY id DESC LIMIT ?",
                [state?.rawValue, state?.rawValue, rule?.rawValue, rule?.rawValue, limit], db)
        }
    }

    package func updateAlert(
        _ id: AlertID, audit: AuditEvent, change: @Sendable (RiskAlert) throws -> RiskAlert
    ) async throws -> RiskAlert {
        try await writer.write { db in
            guard let current = try Self.fetchAlerts("id = ?", [id.rawValue], db).first else {
                throw ZhengshuError(.notFound, "alert \(id) does not exist")
            }
            let next = try change(current)
            try Self.saveAlert(next, db)
            try Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func riskCursor() async throws -> Int64 {
        try await writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT sequence FROM monitorCursor WHERE name = 'risk'") ?? 0
        }
    }

    package func setRiskCursor(_ sequence: Int64) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO monitorCursor (name, sequence) VALUES ('risk', ?)
                    ON CONFLICT (name) DO UPDATE SET sequence = max(sequence, excluded.sequence)
                    """, arguments: [sequence])
        }
    }
}

extension GRDBStore: KeyStore {
    static func dataKeys(
        _ condition: String, _ arguments: StatementArguments, _ db: Database
    ) throws -> [WrappedDataKey] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM dataKey WHERE \(condition) ORDER BY resource, version", arguments: arguments
        ).map { r in
            WrappedDataKey(
                resource: ResourceCode(trusted: r["resource"]), version: r["version"], wrapped: r["wrapped"],
                previous: r["previous"],
                createdAt: Date(millis: r["createdAt"]))
        }
    }

    package func dataKeys(_ resource: ResourceCode) async throws -> [WrappedDataKey] {
        try await quickRead { db in try Self.dataKeys("resource = ?", [resource.rawValue], db) }
    }

    package func insertDataKey(_ key: WrappedDataKey) async throws -> [WrappedDataKey] {
        try await writer.write { db in
            try db.execute(
                sql:
                    "INSERT INTO dataKey (resource, version, wrapped, createdAt) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [key.resource.rawValue, key.version, key.wrapped, key.createdAt.millis])
            return try Self.dataKeys("resource = ?", [key.resource.rawValue], db)
        }
    }

    package func allDataKeys() async throws -> [WrappedDataKey] {
        try await writer.read { db in try Self.dataKeys("1", [], db) }
    }

    package func retireDataKeys(_ resource: ResourceCode, below version: Int) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "DELETE FROM dataKey WHERE resource = ? AND version < ?", arguments: [resource.rawValue, version])
        }
    }

    package func rewrapDataKeys(_ keys: [WrappedDataKey], fingerprint: String, audit: AuditEvent) async throws {
        try await writer.write { db in
            for k in keys {
                try db.execute(
                    sql: "UPDATE dataKey SET wrapped = ?, previous = ? WHERE resource = ? AND version = ?",
                    arguments: [k.wrapped, k.previous, k.resource.rawValue, k.version])
            }
            try db.execute(
                sql: """
                    INSERT INTO installationSetting (name, value) SELECT 'master.previousFingerprint', value FROM installationSetting WHERE name = 'master.fingerprint'
                    ON CONFLICT (name) DO UPDATE SET value = excluded.value
                    """)
            try db.execute(
                sql:
                    "INSERT INTO installationSetting (name, value) VALUES ('master.fingerprint', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                arguments: [fingerprint])
            try Self.appendAudit(audit, in: db)
        }
    }
}
