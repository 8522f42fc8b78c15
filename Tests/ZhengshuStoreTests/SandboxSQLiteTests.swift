import Foundation
import GRDB
import Testing
import ZhengshuCore
import ZhengshuGRDB

/// A workspace's SQL is confined: one SELECT over its own tables, nothing attached, written, loaded or run too long.
@Suite struct SandboxSQLiteTests {
    /// A workspace file with a table of 100 rows, and a second table the query is not granted.
    static func workspace() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zs-sandbox-\(UUID().uuidString).sqlite"
        ).path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql:
                    "CREATE TABLE rk (gmsfhm TEXT, xb TEXT, nl INTEGER); CREATE TABLE secret (v TEXT); INSERT INTO secret VALUES ('x')"
            )
            for k in 0..<100 {
                try db.execute(
                    sql: "INSERT INTO rk VALUES (?, ?, ?)",
                    arguments: ["3301**********\(k)", k % 2 == 0 ? "1" : "2", 20 + k % 50])
            }
        }
        return path
    }

    func refusal(_ sql: String, _ path: String, timeout: Duration = .seconds(5)) async -> ZhengshuError? {
        do {
            _ = try await SandboxSQLite.run(sql, in: path, tables: ["rk"], timeout: timeout, maxRows: 1000)
            return nil
        } catch { return error as? ZhengshuError }
    }

    @Test func selectsRunAndEverythingElseIsRefused() async throws {
        let path = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await SandboxSQLite.run(
            "SELECT xb, count(*) AS n, avg(nl) FROM rk GROUP BY xb ORDER BY xb", in: path, tables: ["rk"],
            timeout: .seconds(5), maxRows: 1000)
        #expect(
            result.columns == ["xb", "n", "avg(nl)"] && result.rows.map { $0[1] } == [.integer(50), .integer(50)]
                && !result.truncated)
        let cut = try await SandboxSQLite.run(
            "SELECT * FROM rk", in: path, tables: ["rk"], timeout: .seconds(5), maxRows: 10)
        #expect(cut.rows.count == 10 && cut.truncated)

        let other = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zs-sandbox-other-\(UUID().uuidString).sqlite"
        ).path
        for sql in [
            "ATTACH DATABASE '\(other)' AS o", "INSERT INTO rk VALUES ('1', '1', 1)", "DELETE FROM rk",
            "CREATE TABLE t (x)",
            "SELECT load_extension('/tmp/evil')", "SELECT * FROM secret", "SELECT * FROM sqlite_master",
            "PRAGMA table_info(rk)",
            "SELECT * FROM rk WHERE gmsfhm IN (SELECT v FROM secret)", "SELECT readfile('/etc/passwd')",
            "SELECT * FROM main.secret", "SELECT zeroblob(1000000000)", "SELECT count(*) FROM secret",
            "WITH c AS (SELECT * FROM secret) SELECT * FROM c", "SELECT * FROM rk, (SELECT count(*) FROM secret)",
            "SELECT count(*) FROM sqlite_schema", "SELECT * FROM temp.sqlite_master",
        ] {
            let error = await refusal(sql, path)
            #expect(error?.code == .forbidden || error?.code == .invalidInput, "\(sql): \(String(describing: error))")
        }
        #expect(!FileManager.default.fileExists(atPath: other), "nothing was attached or created")
        #expect(await refusal("SELECT * FROM secret", path)?.message.contains("workspace's own tables") == true)
        // Two statements: the second never runs.
        #expect(await refusal("SELECT 1 FROM rk; DELETE FROM rk", path) != nil)
        #expect(
            try await SandboxSQLite.run(
                "SELECT count(*) FROM rk", in: path, tables: ["rk"], timeout: .seconds(5), maxRows: 1
            ).rows == [[.integer(100)]])
        // Common table expressions over granted tables work.
        let cte = try await SandboxSQLite.run(
            "WITH young AS (SELECT * FROM rk WHERE nl < 30) SELECT count(*) FROM young", in: path, tables: ["rk"],
            timeout: .seconds(5), maxRows: 1)
        #expect(cte.rows == [[.integer(20)]])
    }

    @Test func aLongStatementIsStoppedAtItsDeadline() async throws {
        let path = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The statement never ends by itself: that the call returns, refused as stopped, is the deadline at work.
        // (No bound on the time it took: a loaded machine once needed 39 s to get there, and timing is not a test's.)
        let error = await refusal(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c, rk", path,
            timeout: .milliseconds(300))
        #expect(error?.code == .conflict && error?.message.contains("stopped") == true, "\(String(describing: error))")
    }
}
