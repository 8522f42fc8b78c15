import Foundation
import PostgresNIO
import ZhengshuCore
import ZhengshuDocuments

extension PostgresStore: StandardsStore {
    package func dataElements() async throws -> [CustomDataElement] {
        try await read { db in
            try await db.query(
                "SELECT DISTINCT ON (id) document FROM dataElement ORDER BY id, version DESC",
                logger: PostgresLocation.logger
            )
            .collect().map {
                try Documents.value(CustomDataElement.self, try $0.decode(String.self))
            }
        }
    }

    package func saveDataElement(_ element: CustomDataElement, audit: AuditEvent) async throws -> CustomDataElement {
        try await write { db in
            // One writer per element at a time: the next version number is read and written under this lock.
            try await db.query(
                "SELECT pg_advisory_xact_lock(hashtextextended(\("element:" + element.id), 0))",
                logger: PostgresLocation.logger)
            var saved = element
            saved.version =
                (try await db.query(
                    "SELECT MAX(version) FROM dataElement WHERE id = \(element.id)", logger: PostgresLocation.logger
                )
                .collect().first?.decode(Int?.self) ?? 0) + 1
            try await db.query(
                "INSERT INTO dataElement (id, version, document) VALUES (\(saved.id), \(saved.version), \(try Documents.text(saved)))",
                logger: PostgresLocation.logger)
            var event = audit
            event.detail = "version \(saved.version)"
            try await Self.appendAudit(event, in: db)
            return saved
        }
    }

    package func dataElementVersions(_ id: String) async throws -> [CustomDataElement] {
        try await read { db in
            try await db.query(
                "SELECT document FROM dataElement WHERE id = \(id) ORDER BY version", logger: PostgresLocation.logger
            )
            .collect().map {
                try Documents.value(CustomDataElement.self, try $0.decode(String.self))
            }
        }
    }
}
