import Testing
import ZhengshuCore

/// The engine-independent check every workspace statement passes before an engine runs it.
struct SandboxSQLTests {
    func refusal(_ sql: String) -> ZhengshuError? {
        do {
            try SandboxSQL.check(sql)
            return nil
        } catch { return error }
    }

    @Test func analystsQueriesPass() {
        for sql in [
            "SELECT xb, count(*) AS n FROM pop_1 GROUP BY xb ORDER BY n DESC",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT sum(n) FROM r",
            "WITH t AS MATERIALIZED (SELECT * FROM soc_1) SELECT count(DISTINCT gmsfhm) FROM t",
            "SELECT CAST(jfje AS numeric), EXTRACT(year FROM csrq) FROM pop_1 p JOIN soc_1 s USING (gmsfhm) WHERE p.xb IN ('1', '2')",
            "SELECT jfny, rank() OVER (PARTITION BY jfny ORDER BY jfje) FROM soc_1 WHERE EXISTS (SELECT 1 FROM pop_1)",
            "SELECT a FROM (VALUES (1), (2)) AS v(a);",
            "SELECT 'it''s', \"x\"\"y\" FROM pop_1 -- a comment\n",
            "SELECT coalesce(round(avg(jfje), 2), 0) FROM soc_1 /* one comment */",
        ] {
            #expect(refusal(sql) == nil, "\(sql): \(refusal(sql)?.message ?? "")")
        }
    }

    @Test func everythingElseIsRefusedWithItsReason() {
        let cases: [(String, String)] = [
            ("DELETE FROM pop_1", "queries only"),
            ("PRAGMA table_info(pop_1)", "queries only"),
            ("SELECT 1; SELECT 2", "one statement"),
            ("SELECT set_config('role', 'none', false)", "function set_config"),
            ("SELECT pg_catalog.set_config('role', 'none', false)", "catalog"),
            ("SELECT \"set_config\"('role', 'none', false)", "function set_config"),
            ("SELECT load_extension('x')", "function load_extension"),
            ("SELECT * FROM sqlite_schema", "catalog"),
            ("SELECT * FROM information_schema.columns", "catalog"),
            ("SELECT * INTO t FROM pop_1", "does not write"),
            ("SELECT $q$'$q$, set_config('role', 'none', false), '$q$'", "$"),
            ("SELECT E'\\'', set_config('role', 'none', false) --'", "backslashes"),
            ("SELECT 1 /* /* */ ' */, set_config('role', 'none', false) --'", "nested comments"),
            ("SELECT 1 -- x\r, set_config('role', 'none', false)\n", "function set_config"),
            ("SELECT [a], set_config('role', 'none', false) ]", "quote names"),
            ("SELECT `a` FROM pop_1", "quote names"),
            ("SELECT 'unterminated", "unterminated"),
            ("", "empty"),
        ]
        for (sql, reason) in cases {
            let e = refusal(sql)
            #expect(e?.message.contains(reason) == true, "\(sql): \(e?.message ?? "passed")")
        }
    }
}
