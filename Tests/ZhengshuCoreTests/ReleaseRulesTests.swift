import Foundation
import Testing
import ZhengshuCore

/// Which sandbox results may be taken out: aggregates only, rewritten to learn each group's size.
@Suite struct ReleaseRulesTests {
    func reason(_ sql: String) -> String? {
        do {
            _ = try ReleaseRules.aggregate(sql)
            return nil
        } catch { return error.violations.first?.reason }
    }

    @Test func aggregatesAreRewrittenWithTheirGroupSizes() throws {
        let q = try ReleaseRules.aggregate(
            "select xb, \"mz\" as ethnic, count(*) n, avg(jfje) from rk where csrq < '1990-01-01' group by xb, mz having count(*) > 1 order by 1;"
        )
        #expect(q.groupBy == ["xb", "mz"])
        #expect(
            q.withGroupSizes
                == "SELECT count(*) AS zs_group_rows, xb , \"mz\" as ethnic , count ( * ) n , avg ( jfje ) from rk where csrq < '1990-01-01' group by xb , mz having count ( * ) > 1 order by 1"
        )
        // No GROUP BY: the whole table is one group.
        #expect(
            try ReleaseRules.aggregate("SELECT count(*), sum(jfje * 2) FROM soc WHERE jfny LIKE '2024%'").groupBy
                .isEmpty)
        // Strings keep their quotes and contents; a comment is dropped.
        #expect(
            try ReleaseRules.aggregate("SELECT count(*) FROM t WHERE a = 'it''s -- not a comment' -- a comment")
                .withGroupSizes.contains("'it''s -- not a comment'"))
        #expect(ReleaseRules.smallGroups([12, 4, 5, 1]) == [2, 4])
        #expect(ReleaseRules.smallGroups([3], k: 3).isEmpty)
    }

    @Test func whatCouldCarryOneRowsValueIsRefused() {
        #expect(reason("SELECT xm FROM rk")?.contains("'xm' is neither grouped by nor an aggregate") == true)
        #expect(reason("SELECT xm, count(*) FROM rk GROUP BY xb")?.contains("neither grouped") == true)
        #expect(reason("SELECT max(jfje) FROM soc")?.contains("max can give one row's value") == true)
        #expect(reason("SELECT group_concat(xm) FROM rk")?.contains("group_concat") == true)
        #expect(reason("SELECT sum((SELECT jfje FROM soc LIMIT 1)) FROM rk")?.contains("subquery") == true)
        #expect(reason("SELECT count(*) FROM rk UNION SELECT count(*) FROM soc")?.contains("UNION") == true)
        #expect(reason("SELECT sum(jfje) OVER () FROM soc")?.contains("OVER") == true)
        #expect(reason("SELECT count(*) FILTER (WHERE xb = '1') FROM rk")?.contains("FILTER") == true)
        #expect(reason("SELECT count(*) + xm FROM rk")?.contains("neither grouped") == true)
        #expect(reason("SELECT count(*) FROM rk; DROP TABLE rk")?.contains("one statement") == true)
        #expect(reason("WITH x AS (SELECT * FROM rk) SELECT count(*) FROM x")?.contains("start with SELECT") == true)
        #expect(reason("SELECT count(*)")?.contains("FROM") == true)
        #expect(reason("SELECT count(*) FROM t WHERE a = 'open")?.contains("unterminated string") == true)
        #expect(reason("SELECT (xm), count(*) FROM rk GROUP BY xb")?.contains("neither grouped") == true)
        // Picking one row out of a large group inside the aggregate: filter with WHERE, where the group's size shows.
        for picking in [
            "SELECT sum(CASE WHEN gmsfhm = '1' THEN jfje ELSE 0 END) FROM soc",
            "SELECT sum(jfje * (gmsfhm = '1')) FROM soc",
            "SELECT avg(jfje * instr(gmsfhm, '1')) FROM soc", "SELECT total(iif(xb, jfje, 0)) FROM soc",
        ] {
            #expect(reason(picking)?.contains("only columns, numbers") == true, "\(picking)")
        }
        #expect(reason("SELECT count(DISTINCT gmsfhm), sum(jfje * 12 + 1), avg(soc.jfje) FROM soc") == nil)
    }
}
