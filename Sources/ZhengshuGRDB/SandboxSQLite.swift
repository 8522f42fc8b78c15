import CZhengshuSQLite
import Foundation
import GRDB
import ZhengshuCore

/// Runs a consumer's SQL in a sandbox workspace held as its own SQLite file: opened read-only, confined by SQLite's
/// authorizer to SELECT over the workspace's tables (no ATTACH, PRAGMA, writes, load_extension or unlisted
/// functions), stopped at a deadline, and cut at a row limit.
package enum SandboxSQLite {
    package struct Result: Sendable {
        package var columns: [String]
        package var rows: [[RecordValue]]
        /// More rows than the limit: the rest were not read.
        package var truncated: Bool
    }

    /// ``query(_:in:tables:timeout:maxRows:)`` on the blocking pool: the statement holds its thread until it ends or
    /// its deadline stops it.
    package static func run(
        _ sql: String, in path: String, tables: [String], timeout: Duration, maxRows: Int
    ) async throws -> Result {
        try await BlockingPool.shared.run {
            try query(sql, in: path, tables: tables, timeout: timeout, maxRows: maxRows)
        }
    }

    /// - Parameters:
    ///   - tables: the workspace's tables, the only ones the statement may read.
    /// - Throws: `invalidInput` naming what is not allowed or what SQLite could not read; `conflict` when the
    ///   statement ran past `timeout`.
    package static func query(
        _ sql: String, in path: String, tables: [String], timeout: Duration, maxRows: Int
    ) throws -> Result {
        BlockingPool.assertMayBlock("a sandbox statement")
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "sandbox"
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let milliseconds = Int(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return try queue.inDatabase { db in
            // Every other table of the file is named to the guard, which refuses it (a name it does not know and that
            // has no database is a common table expression).
            let granted = Set(tables.map { $0.lowercased() })
            let others = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
                .filter { !granted.contains($0.lowercased()) }
            let names = tables.map { strdup($0) }, otherNames = others.map { strdup($0) }
            defer { for name in names + otherNames { free(name) } }
            let (a, b) = (names.map { UnsafePointer($0) }, otherNames.map { UnsafePointer($0) })
            guard
                let guardian = a.withUnsafeBufferPointer({ x in
                    b.withUnsafeBufferPointer { y in
                        zhengshu_sandbox_install(
                            db.sqliteConnection, x.baseAddress, Int32(x.count), y.baseAddress, Int32(y.count),
                            Int32(milliseconds))
                    }
                })
            else { throw ZhengshuError(.conflict, "the sandbox could not be prepared") }
            defer { _ = zhengshu_sandbox_remove(db.sqliteConnection, guardian) }
            do {
                let statement = try db.makeStatement(sql: sql)
                let columns = statement.columnNames
                var rows: [[RecordValue]] = []
                let cursor = try Row.fetchCursor(statement)
                var truncated = false
                while let row = try cursor.next() {
                    if rows.count == maxRows {
                        truncated = true
                        break
                    }
                    rows.append((0..<row.count).map { Self.value(row[$0] as DatabaseValue) })
                }
                return Result(columns: columns, rows: rows, truncated: truncated)
            } catch let error as DatabaseError {
                if error.resultCode == .SQLITE_INTERRUPT {
                    throw ZhengshuError(
                        .conflict, "the statement ran longer than \(milliseconds / 1000) s and was stopped")
                }
                if error.resultCode == .SQLITE_AUTH {
                    throw ZhengshuError(
                        .forbidden,
                        "the sandbox allows one SELECT over the workspace's own tables only (no ATTACH, PRAGMA, "
                            + "writes, extensions or other databases): \(error.message ?? "not authorized")")
                }
                if error.resultCode == .SQLITE_READONLY {
                    throw ZhengshuError(.forbidden, "the sandbox is read-only: \(error.message ?? "")")
                }
                throw ZhengshuError(
                    .invalidInput, "SQLite could not run the statement: \(error.message ?? "\(error.resultCode)")")
            }
        }
    }

    static func value(_ v: DatabaseValue) -> RecordValue {
        switch v.storage {
        case .null: .null
        case .int64(let i): .integer(i)
        case .double(let d): .decimal(String(d))
        case .string(let s): .string(s)
        case .blob(let b): .string("<\(b.count) bytes>")
        }
    }
}
