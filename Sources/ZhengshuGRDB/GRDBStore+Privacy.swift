import Foundation
import GRDB
import ZhengshuCore

extension GRDBStore: PrivacyStore {
    package func maskingPolicies() async throws -> [MaskingPolicy] {
        try quickRead { db in try cachedPolicies(db) }
    }

    func cachedPolicies(_ db: Database) throws -> [MaskingPolicy] {
        try String.fetchAll(try db.cachedStatement(sql: "SELECT document FROM maskingPolicy ORDER BY name"))
            .map { try decodeDocument(MaskingPolicy.self, $0) }
    }

    package func saveMaskingPolicy(_ policy: MaskingPolicy, audit: AuditEvent) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO maskingPolicy (name, document) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET document = excluded.document",
                           arguments: [policy.name, try Self.json(policy)])
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
            for var old in try Self.fetchProposals("resource = ? AND status = 'pending'", [proposal.resource.rawValue], db) {
                old.status = .superseded
                try Self.saveProposal(old, db)
            }
            try db.execute(sql: "INSERT INTO gradeProposal (resource, department, status, document) VALUES (?, ?, ?, '{}')",
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
        try db.execute(sql: "UPDATE gradeProposal SET status = ?, document = ? WHERE id = ?", arguments: [p.status.rawValue, try json(p), p.id.rawValue])
    }

    static func fetchProposals(_ condition: String, _ arguments: StatementArguments, _ db: Database) throws -> [GradeProposal] {
        try String.fetchAll(db, sql: "SELECT document FROM gradeProposal WHERE \(condition)", arguments: arguments)
            .map { try decoder.decode(GradeProposal.self, from: Data($0.utf8)) }
    }

    package func updateGradeProposal(_ id: GradeProposalID, audit: AuditEvent,
                                     change: @Sendable (GradeProposal) throws -> GradeProposal) async throws -> GradeProposal {
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

    package func gradeProposal(_ id: GradeProposalID) async throws -> GradeProposal? {
        try await writer.read { db in try Self.fetchProposals("id = ?", [id.rawValue], db).first }
    }

    package func gradeProposals(status: GradeProposal.Status?, department: DepartmentCode?, resource: ResourceCode?, limit: Int) async throws -> [GradeProposal] {
        try await writer.read { db in
            try Self.fetchProposals("""
                (? IS NULL OR status = ?) AND (? IS NULL OR department = ?) AND (? IS NULL OR resource = ?) ORDER BY id DESC LIMIT ?
                """, [status?.rawValue, status?.rawValue, department?.rawValue, department?.rawValue, resource?.rawValue, resource?.rawValue, limit], db)
        }
    }
}
