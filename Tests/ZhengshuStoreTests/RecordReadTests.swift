import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

/// Several record reads in one (a verification's lookups, one per tuple), on every engine: each page is the page its
/// query reads alone, in the order asked.
@Suite struct RecordReadTests {
    let admin = Caller(.localOperator, requestID: "reads-test")

    @Test(arguments: StoreEngine.allCases)
    func readsTogetherAnswerAsReadsAlone(_ engine: StoreEngine) async throws {
        let p = try await engine.makePlatform()
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        _ = try await p.catalog.create(Fixtures.populationDraft(), by: admin)
        _ = try await p.catalog.publish("RK-0001", by: admin)
        _ = try await p.data.insert(Fixtures.populationRows(40), into: "RK-0001", by: admin)
        let resource = try #require(try await p.store.resource(ResourceCode(trusted: "RK-0001")))
        let all = try await p.store.records(
            of: resource,
            query: RecordQuery(fields: resource.items, filters: [], sort: nil, descending: false, limit: 40, after: nil)
        )
        #expect(all.rows.count == 40)
        let name = try #require(resource.item(named: "name"))
        let sex = try #require(resource.item(named: "sex"))
        func byName(_ value: RecordValue) -> RecordQuery {
            RecordQuery(
                fields: [name, sex], filters: [.init(item: name, op: .eq, value: value)], sort: nil, descending: false,
                limit: 1, after: nil)
        }
        // Lookups of present and absent names, and a sorted page with a cursor, in one read.
        let paged = RecordQuery(fields: [name], filters: [], sort: name, descending: true, limit: 7, after: nil)
        var second = paged
        second.after = try await p.store.records(of: resource, query: paged).next
        let queries = [byName(all.rows[3][1]), byName(.string("查无此人")), byName(all.rows[17][1]), paged, second]
        let together = try await p.store.records(of: resource, queries: queries)
        var alone: [RecordPage] = []
        for q in queries { alone.append(try await p.store.records(of: resource, query: q)) }
        #expect(together == alone)
        #expect(together[0].rows.first?[0] == all.rows[3][1] && together[1].rows.isEmpty)
        #expect(together[4].rows.count == 7 && together[3].rows.last != together[4].rows.first)
        #expect(try await p.store.records(of: resource, queries: []).isEmpty)
        // An unknown resource fails as one read does.
        var unknown = resource
        unknown.code = ResourceCode(trusted: "RK-9999")
        await #expect(throws: ZhengshuError.self) { try await p.store.records(of: unknown, queries: queries) }
    }
}
