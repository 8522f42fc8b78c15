import Foundation
import PostgresNIO
import ZhengshuCore
import ZhengshuDocuments

extension PostgresStore: PrivacyStore {
    package func maskingPolicies() async throws -> [MaskingPolicy] {
        try await read { db in
            try await Self.fetchDocuments(MaskingPolicy.self, "maskingPolicy", "true ORDER BY name", db)
        }
    }

    package func saveMaskingPolicy(_ policy: MaskingPolicy, audit: AuditEvent) async throws {
        try await write { db in
            try await db.query(
                """
                INSERT INTO maskingPolicy (name, document) VALUES (\(policy.name), \(try Documents.text(policy)))
                ON CONFLICT (name) DO UPDATE SET document = excluded.document
                """, logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
        }
    }

    package func deleteMaskingPolicy(_ name: String, audit: AuditEvent) async throws -> Bool {
        try await write { db in
            let gone =
                try await db.query(
                    "DELETE FROM maskingPolicy WHERE name = \(name) RETURNING name", logger: PostgresLocation.logger
                )
                .collect().count > 0
            if gone { try await Self.appendAudit(audit, in: db) }
            return gone
        }
    }

    package func insertGradeProposal(_ proposal: GradeProposal, audit: AuditEvent) async throws -> GradeProposal {
        try await write { db in
            for var old in try await Self.fetchDocuments(
                GradeProposal.self, "gradeProposal",
                "resource = \(proposal.resource.rawValue) AND status = 'pending' FOR UPDATE", db)
            {
                old.status = .superseded
                try await Self.saveProposal(old, db)
            }
            var p = proposal
            p.id = GradeProposalID(
                try await db.query(
                    """
                    INSERT INTO gradeProposal (resource, department, status, document)
                    VALUES (\(p.resource.rawValue), \(p.department.rawValue), \(p.status.rawValue), '{}') RETURNING id
                    """, logger: PostgresLocation.logger
                ).collect()[0].decode(Int64.self))
            try await Self.saveProposal(p, db)
            var event = audit
            event.detail = [audit.detail, "proposal: \(p.id)"].compactMap { $0 }.joined(separator: "; ")
            try await Self.appendAudit(event, in: db)
            return p
        }
    }

    static func saveProposal(_ p: GradeProposal, _ db: PostgresConnection) async throws {
        try await db.query(
            "UPDATE gradeProposal SET status = \(p.status.rawValue), document = \(try Documents.text(p)) WHERE id = \(p.id.rawValue)",
            logger: PostgresLocation.logger)
    }

    package func updateGradeProposal(
        _ id: GradeProposalID, audit: AuditEvent,
        change: @Sendable (GradeProposal) throws -> GradeProposal
    ) async throws -> GradeProposal {
        try await write { db in
            guard
                let current = try await Self.fetchDocuments(
                    GradeProposal.self, "gradeProposal", "id = \(id.rawValue) FOR UPDATE", db
                ).first
            else {
                throw ZhengshuError(.notFound, "grade proposal \(id) does not exist")
            }
            let next = try change(current)
            try await Self.saveProposal(next, db)
            try await Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func installationSetting(_ name: String, default value: String) async throws -> String {
        try await write { db in
            try await db.query(
                "INSERT INTO installationSetting (name, value) VALUES (\(name), \(value)) ON CONFLICT (name) DO NOTHING",
                logger: PostgresLocation.logger)
            return try await db.query(
                "SELECT value FROM installationSetting WHERE name = \(name)", logger: PostgresLocation.logger
            )
            .collect().first?.decode(String.self) ?? value
        }
    }

    package func gradeProposal(_ id: GradeProposalID) async throws -> GradeProposal? {
        try await read { db in
            try await Self.fetchDocuments(GradeProposal.self, "gradeProposal", "id = \(id.rawValue)", db).first
        }
    }

    package func gradeProposals(
        status: GradeProposal.Status?, department: DepartmentCode?, resource: ResourceCode?, limit: Int
    ) async throws -> [GradeProposal] {
        try await read { db in
            try await Self.fetchDocuments(
                GradeProposal.self, "gradeProposal",
                """
                (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)) AND (\(department?.rawValue)::text IS NULL OR department = \(department?.rawValue))
                AND (\(resource?.rawValue)::text IS NULL OR resource = \(resource?.rawValue)) ORDER BY id DESC LIMIT \(limit)
                """, db)
        }
    }
}

extension PostgresStore: AlertStore {
    package func insertAlerts(_ alerts: [RiskAlert]) async throws -> [RiskAlert] {
        guard !alerts.isEmpty else { return [] }
        return try await write { db in
            var stored: [RiskAlert] = []
            for alert in alerts {
                let rows = try await db.query(
                    """
                    INSERT INTO riskAlert (dedupeKey, rule, state, document) VALUES (\(alert.dedupeKey), \(alert.rule.rawValue), \(alert.state.rawValue), '{}')
                    ON CONFLICT (dedupeKey) DO NOTHING RETURNING id
                    """, logger: PostgresLocation.logger
                ).collect()
                guard let row = rows.first else { continue }
                var a = alert
                a.id = AlertID(try row.decode(Int64.self))
                try await Self.saveAlert(a, db)
                stored.append(a)
            }
            return stored
        }
    }

    static func saveAlert(_ a: RiskAlert, _ db: PostgresConnection) async throws {
        try await db.query(
            "UPDATE riskAlert SET state = \(a.state.rawValue), document = \(try Documents.text(a)) WHERE id = \(a.id.rawValue)",
            logger: PostgresLocation.logger)
    }

    package func alert(_ id: AlertID) async throws -> RiskAlert? {
        try await read { db in
            try await Self.fetchDocuments(RiskAlert.self, "riskAlert", "id = \(id.rawValue)", db).first
        }
    }

    package func alerts(state: RiskAlert.State?, rule: RiskAlert.Rule?, limit: Int) async throws -> [RiskAlert] {
        try await read { db in
            try await Self.fetchDocuments(
                RiskAlert.self, "riskAlert",
                """
                (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue)) AND (\(rule?.rawValue)::text IS NULL OR rule = \(rule?.rawValue))
                ORDER BY id DESC LIMIT \(limit)
                """, db)
        }
    }

    package func updateAlert(
        _ id: AlertID, audit: AuditEvent, change: @Sendable (RiskAlert) throws -> RiskAlert
    ) async throws -> RiskAlert {
        try await write { db in
            guard
                let current = try await Self.fetchDocuments(
                    RiskAlert.self, "riskAlert", "id = \(id.rawValue) FOR UPDATE", db
                ).first
            else {
                throw ZhengshuError(.notFound, "alert \(id) does not exist")
            }
            let next = try change(current)
            try await Self.saveAlert(next, db)
            try await Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func riskCursor() async throws -> Int64 {
        try await read { db in
            try await db.query(
                "SELECT sequence FROM monitorCursor WHERE name = 'risk'", logger: PostgresLocation.logger
            ).collect()
                .first.map { try $0.decode(Int64.self) } ?? 0
        }
    }

    package func setRiskCursor(_ sequence: Int64) async throws {
        try await write { db in
            try await db.query(
                """
                INSERT INTO monitorCursor (name, sequence) VALUES ('risk', \(sequence))
                ON CONFLICT (name) DO UPDATE SET sequence = greatest(monitorCursor.sequence, excluded.sequence)
                """, logger: PostgresLocation.logger)
        }
    }
}

extension PostgresStore: KeyStore {
    static func dataKeys(_ condition: PostgresQuery, _ db: PostgresConnection) async throws -> [WrappedDataKey] {
        var query = condition
        query.sql =
            "SELECT resource, version, wrapped, previous, createdAt FROM dataKey WHERE " + condition.sql
            + " ORDER BY resource, version"
        return try await db.query(query, logger: PostgresLocation.logger).collect().map { r in
            let (resource, version, wrapped, previous, at) = try r.decode((String, Int, String, String?, Int64).self)
            return WrappedDataKey(
                resource: ResourceCode(trusted: resource), version: version, wrapped: wrapped, previous: previous,
                createdAt: Date(millis: at))
        }
    }

    package func dataKeys(_ resource: ResourceCode) async throws -> [WrappedDataKey] {
        try await read { db in try await Self.dataKeys("resource = \(resource.rawValue)", db) }
    }

    package func insertDataKey(_ key: WrappedDataKey) async throws -> [WrappedDataKey] {
        try await write { db in
            try await db.query(
                """
                INSERT INTO dataKey (resource, version, wrapped, createdAt) VALUES (\(key.resource.rawValue), \(key.version), \(key.wrapped), \(key.createdAt.millis))
                ON CONFLICT DO NOTHING
                """, logger: PostgresLocation.logger)
            return try await Self.dataKeys("resource = \(key.resource.rawValue)", db)
        }
    }

    package func allDataKeys() async throws -> [WrappedDataKey] {
        try await read { db in try await Self.dataKeys("true", db) }
    }

    package func retireDataKeys(_ resource: ResourceCode, below version: Int) async throws {
        try await write { db in
            try await db.query(
                "DELETE FROM dataKey WHERE resource = \(resource.rawValue) AND version < \(version)",
                logger: PostgresLocation.logger)
        }
    }

    package func rewrapDataKeys(_ keys: [WrappedDataKey], fingerprint: String, audit: AuditEvent) async throws {
        try await write { db in
            for k in keys {
                try await db.query(
                    """
                    UPDATE dataKey SET wrapped = \(k.wrapped), previous = \(k.previous) WHERE resource = \(k.resource.rawValue) AND version = \(k.version)
                    """, logger: PostgresLocation.logger)
            }
            try await db.query(
                """
                INSERT INTO installationSetting (name, value) SELECT 'master.previousFingerprint', value FROM installationSetting WHERE name = 'master.fingerprint'
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """, logger: PostgresLocation.logger)
            try await db.query(
                """
                INSERT INTO installationSetting (name, value) VALUES ('master.fingerprint', \(fingerprint)) ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """, logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
        }
    }
}
