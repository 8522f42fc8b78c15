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

    @Test func theTablesAReleaseReadsAreKnownWithTheirQualifiers() throws {
        func sources(_ sql: String) throws -> [String]? {
            try ReleaseRules.aggregate(sql).sources?.map { "\($0.table)=\($0.qualifier)" }
        }
        #expect(try sources("SELECT count(*) FROM pop_1") == ["pop_1=pop_1"])
        #expect(try sources("SELECT count(*) FROM pop_1 p WHERE p.xb = '1'") == ["pop_1=p"])
        #expect(
            try sources(
                "SELECT p.xb, count(*) FROM \"POP_1\" AS p LEFT JOIN soc_1 s ON s.gmsfhm = p.gmsfhm GROUP BY p.xb")
                == ["pop_1=p", "soc_1=s"])
        #expect(
            try sources("SELECT count(*) FROM pop_1, soc_1 WHERE pop_1.gmsfhm = soc_1.gmsfhm") == [
                "pop_1=pop_1", "soc_1=soc_1",
            ])
        #expect(
            try sources("SELECT count(*) FROM main.pop_1 JOIN soc_1 USING (gmsfhm)") == ["pop_1=pop_1", "soc_1=soc_1"])
        #expect(try sources("SELECT count(*) FROM (SELECT * FROM pop_1) t") == nil)
        #expect(try sources("SELECT count(*) FROM pop_1 JOIN (SELECT * FROM soc_1) s ON true") == nil)
        #expect(try sources("SELECT count(*) FROM generate_series(1, 10) g") == nil)
        let members = try #require(
            try ReleaseRules.aggregate("SELECT DISTINCT xb, count(*) FROM pop_1 p GROUP BY xb").withGroupMembers(
                identity: { "\($0).rowid" }, list: { "group_concat(\($0), ';')" }))
        #expect(
            members
                == "SELECT DISTINCT count(*) AS zs_group_rows, group_concat(p.rowid, ';') AS zs_members_0, xb , count ( * ) FROM pop_1 p GROUP BY xb"
        )
    }

    @Test func groupsThatDifferByFewerThanKRowsIsolateThem() {
        func group(_ rows: ClosedRange<Int>, _ table: String = "pop_1") -> [String: Set<String>] {
            [table: Set(rows.map(String.init))]
        }
        let everyone: ReleaseRules.Members = [group(1...100)]
        let bySex: ReleaseRules.Members = [group(1...50), group(51...100)]
        // The same groups again, and groups that differ by k or more, isolate no one.
        #expect(ReleaseRules.isolation(everyone, against: [(ReleaseID(1), everyone)], k: 5) == nil)
        #expect(ReleaseRules.isolation(bySex, against: [(ReleaseID(1), everyone)], k: 5) == nil)
        #expect(ReleaseRules.isolation([group(1...95)], against: [(ReleaseID(1), everyone)], k: 5) == nil)
        // Everyone but one person, against everyone: that person.
        #expect(
            ReleaseRules.isolation([group(2...100)], against: [(ReleaseID(1), bySex), (ReleaseID(2), everyone)], k: 5)
                == .init(release: ReleaseID(1), group: 1, earlierGroup: 1, table: "pop_1", rows: 1))
        // One group of a new release covering an earlier group and a few more rows.
        #expect(
            ReleaseRules.isolation([group(1...53), group(54...100)], against: [(ReleaseID(7), bySex)], k: 5)
                == .init(release: ReleaseID(7), group: 1, earlierGroup: 1, table: "pop_1", rows: 3))
        // Rows of another table are other rows; a table the earlier release did not read is not compared.
        #expect(ReleaseRules.isolation([group(2...100, "soc_1")], against: [(ReleaseID(1), everyone)], k: 5) == nil)
        // Through a join: the persons a group covers count, not the joined tuples.
        let joined: ReleaseRules.Members = [group(2...100).merging(group(1...400, "soc_1")) { a, _ in a }]
        #expect(ReleaseRules.isolation(joined, against: [(ReleaseID(3), everyone)], k: 5)?.rows == 1)
        // Members as the engine lists them.
        let read = ReleaseRules.members(
            [[.integer(3), .string("1;2;3"), .string("(0,1);(0,2)")], [.integer(1), .null, .string("(0,3)")]],
            sources: [("pop_1", "p"), ("soc_1", "s")])
        #expect(read == [["pop_1": ["1", "2", "3"], "soc_1": ["(0,1)", "(0,2)"]], ["soc_1": ["(0,3)"]]])
    }
}
