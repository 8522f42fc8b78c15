import Foundation
import GRDB
import ZhengshuCore
import ZhengshuDocuments

extension GRDBStore: StandardsStore {
    package func dataElements() async throws -> [CustomDataElement] {
        try await writer.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT document FROM dataElement e WHERE version = (SELECT MAX(version) FROM dataElement WHERE id = e.id) ORDER BY id
                    """
            ).map { try Documents.value(CustomDataElement.self, $0) }
        }
    }

    package func saveDataElement(_ element: CustomDataElement, audit: AuditEvent) async throws -> CustomDataElement {
        try await writer.write { db in
            var saved = element
            saved.version =
                (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM dataElement WHERE id = ?", arguments: [element.id])
                    ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO dataElement (id, version, document) VALUES (?, ?, ?)",
                arguments: [saved.id, saved.version, try Documents.text(saved)])
            var event = audit
            event.detail = "version \(saved.version)"
            try Self.appendAudit(event, in: db)
            return saved
        }
    }

    package func dataElementVersions(_ id: String) async throws -> [CustomDataElement] {
        try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT document FROM dataElement WHERE id = ? ORDER BY version", arguments: [id]
            )
            .map { try Documents.value(CustomDataElement.self, $0) }
        }
    }
}
