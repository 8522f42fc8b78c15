import Foundation
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuPostgres

/// Moving an installation between engines through a backup (a logical copy, table by table): an archive's database is
/// always a SQLite file in the SQLite engine's schema, so a PostgreSQL installation is backed up by copying it into
/// one (from one repeatable-read snapshot), and an archive is restored into PostgreSQL by loading that file into an
/// empty database (in one transaction). Sandbox workspaces' copies do not cross engines: their workspaces are closed.
enum EngineTransfer {
    /// Writes a SQLite copy of the PostgreSQL installation at `path`.
    static func copy(_ source: PostgresStore, toSQLiteAt path: String) async throws {
        let target = try GRDBStore(path: path)
        let tables = try await target.platformTables()
        try await target.enforceForeignKeys(false)
        for t in tables { try await target.clearTable(t) }
        try await source.withSnapshot { tx in
            for t in tables { try await tx.readRows(t) { try await target.appendRows(t, $0) } }
            for id in try await tx.recordsTableIDs() {
                guard let resource = try await target.resource(rowID: id) else { continue }
                try await target.createRecordsTable(for: resource, id: id)
                let table = TransferTable(name: "rec_\(id)", columns: try await target.columns(of: "rec_\(id)"))
                try await tx.readRows(table) { try await target.appendRows(table, $0) }
            }
        }
        try await target.enforceForeignKeys(true)
        try await target.rebuildSearchIndex()
        try await closeWorkspaces(target)
        try await target.checkpoint()
    }

    /// Loads the SQLite database at `path` into the (empty) PostgreSQL installation.
    static func load(sqliteAt path: String, into target: PostgresStore) async throws {
        guard try await target.isEmptyInstallation() else {
            throw ZhengshuError(
                .conflict, "the PostgreSQL database already holds an installation: restore into an empty database")
        }
        let source = try GRDBStore(path: path)
        let tables = try await source.platformTables()
        let records = try await source.recordsTables()
        try await target.withLoad { tx in
            try await tx.clear(tables)
            for t in TransferTable.loadOrder(tables, references: try await tx.references()) {
                try await source.readRows(t) { try await tx.appendRows(t, $0) }
            }
            for r in records {
                try await tx.createRecordsTable(for: r.resource, id: r.id)
                // The columns this engine's table has (a table an import swapped in also keeps its rows' file positions).
                let columns = try await tx.columnNames(of: r.table.name)
                let table = TransferTable(
                    name: r.table.name, columns: r.table.columns.filter { columns.contains($0.lowercased()) })
                try await source.readRows(table) { try await tx.appendRows(table, $0) }
            }
            try await tx.resetSequences()
            try await tx.rebuildSearchIndex()
        }
        try await closeWorkspaces(target)
    }

    /// Workspaces whose copies stayed behind on the other engine are closed (their records and history stay).
    static func closeWorkspaces(_ store: any SandboxStore) async throws {
        for w in try await store.workspaces(consumer: nil) where w.status != .closed {
            _ = try await store.updateWorkspace(w.id, audit: nil) { w in
                var w = w
                w.status = .closed
                w.error = "closed when the installation moved to another engine: its copies did not move with it"
                return w
            }
        }
    }
}
