import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

/// The change feed a subscriber keeps its copy with, on every engine: inserts and upserts after a cursor, a reset
/// after a replacement, and a copy that ends equal to the source.
@Suite struct ChangeFeedTests {
    let admin = Caller(.localOperator, requestID: "feed-test")

    func csv(_ rows: [[String: JSONValue]]) -> [UInt8] {
        let names = ["citizen_id", "name", "sex", "birth_date", "mobile"]
        func text(_ v: JSONValue?) -> String { if case .string(let s) = v { s } else { "" } }
        return Array(
            (names.joined(separator: ",") + "\n"
                + rows.map { r in names.map { text(r[$0]) }.joined(separator: ",") }.joined(separator: "\n") + "\n")
                .utf8)
    }

    /// Reads the whole feed from `cursor` into `copy` (keyed by citizen ID). - Returns: the next cursor and whether it reset.
    func sync(
        _ p: Platform, _ resource: Resource, _ copy: inout [String: [RecordValue]], from cursor: ChangeCursor?,
        limit: Int = 7
    ) async throws
        -> (ChangeCursor, Bool)
    {
        var after = cursor
        var reset = false
        while true {
            let page = try await p.store.changes(of: resource, fields: resource.items, after: after, limit: limit)
            if page.reset {
                copy = [:]
                reset = true
            }
            for row in page.rows { copy[row[0].text] = row }
            after = page.next
            if !page.more { return (page.next, reset) }
        }
    }

    func source(_ p: Platform, _ resource: Resource) async throws -> [String: [RecordValue]] {
        var out: [String: [RecordValue]] = [:]
        var query = RecordQuery(
            fields: resource.items, filters: [], sort: nil, descending: false, limit: 1000, after: nil)
        repeat {
            let page = try await p.store.records(of: resource, query: query)
            for row in page.rows { out[row[0].text] = row }
            query.after = page.next
        } while query.after != nil
        return out
    }

    @Test(arguments: StoreEngine.allCases)
    func aCopyFollowsInsertsUpsertsAndReplacements(_ engine: StoreEngine) async throws {
        let p = try await engine.makePlatform()
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        _ = try await p.catalog.create(Fixtures.populationDraft(), by: admin)
        _ = try await p.catalog.publish("RK-0001", by: admin)
        let rows = Fixtures.populationRows(60)
        // A first load (a snapshot), then records pushed one batch at a time.
        _ = try await p.ingestion.run(
            ImportRequest(resource: "RK-0001", mode: .append, sourceName: "a.csv"),
            source: ChunkedBytes(csv(Array(rows[0..<20]))), by: admin)
        _ = try await p.data.insert(Array(rows[20..<30]), into: "RK-0001", by: admin)
        var resource = try #require(try await p.store.resource(ResourceCode(trusted: "RK-0001")))
        var copy: [String: [RecordValue]] = [:]
        var (cursor, reset) = try await sync(p, resource, &copy, from: nil)
        #expect(!reset && copy.count == 30)
        #expect(try await source(p, resource) == copy)
        // Nothing changed: an empty page, the same cursor.
        let idle = try await p.store.changes(of: resource, fields: resource.items, after: cursor, limit: 10)
        #expect(idle.rows.isEmpty && idle.next == cursor && !idle.more && !idle.reset)
        // An upsert changes two old rows (one from the snapshot, one pushed) and adds new ones; an append adds more.
        var changed = Array(rows[25..<40])
        changed[0]["name"] = .string("改名甲")
        var snapshotRow = rows[3]
        snapshotRow["mobile"] = .string("13900000000")
        changed.append(snapshotRow)
        _ = try await p.ingestion.run(
            ImportRequest(resource: "RK-0001", mode: .upsert, sourceName: "u.csv"), source: ChunkedBytes(csv(changed)),
            by: admin)
        _ = try await p.ingestion.run(
            ImportRequest(resource: "RK-0001", mode: .append, sourceName: "b.csv"),
            source: ChunkedBytes(csv(Array(rows[40..<45]))), by: admin)
        // Only what changed comes: the 16 upserted and the 5 appended rows.
        let delta = try await p.store.changes(of: resource, fields: resource.items, after: cursor, limit: 1000)
        #expect(delta.rows.count == 21 && !delta.more && !delta.reset)
        #expect(
            delta.rows.contains { $0[1] == .string("改名甲") } && delta.rows.contains { $0[4] == .string("13900000000") })
        (cursor, reset) = try await sync(p, resource, &copy, from: cursor, limit: 4)
        #expect(!reset && copy.count == 45)
        #expect(try await source(p, resource) == copy)
        // A replacement is a new generation: the subscriber is told to start again.
        _ = try await p.ingestion.run(
            ImportRequest(resource: "RK-0001", mode: .replace, sourceName: "r.csv"),
            source: ChunkedBytes(csv(Array(rows[50..<60]))), by: admin)
        resource = try #require(try await p.store.resource(ResourceCode(trusted: "RK-0001")))
        (cursor, reset) = try await sync(p, resource, &copy, from: cursor)
        #expect(reset && copy.count == 10 && cursor.generation > 0)
        #expect(try await source(p, resource) == copy)
    }
}
