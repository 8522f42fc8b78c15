import Foundation
import Synchronization
import Testing
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuTestSupport

/// Imports against a real SQLite store: every outcome is either the right data or a precise failure with the old
/// data untouched.
@Suite struct IngestionTests {
    let admin = Caller(.localOperator, requestID: "ingest-test")

    func platform(_ engine: StoreEngine = .sqliteMemory) async throws -> Platform {
        let p = try await engine.makePlatform()
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        return p
    }

    func load(
        _ p: Platform, _ bytes: [UInt8], mode: ImportMode = .append, format: SourceFormat = .csv,
        encoding: SourceEncoding = .auto, maxErrors: Int? = nil, maxRejectedRatio: Double? = nil,
        chunk: Int = 64 * 1024
    ) async throws -> IngestJob {
        try await p.ingestion.run(
            ImportRequest(
                resource: "POP-1", mode: mode, format: format, encoding: encoding, sourceName: "test",
                maxErrors: maxErrors, maxRejectedRatio: maxRejectedRatio),
            source: ChunkedBytes(bytes, chunk: chunk), by: admin)
    }

    func ids(_ p: Platform) async throws -> [String] {
        var out: [String] = []
        var cursor: String?
        repeat {
            let page = try await p.data.query(
                "POP-1", RecordQueryParameters(fields: "gmsfhm", limit: "1000", cursor: cursor), by: admin)
            out += page.rows.map { if case .string(let s) = $0[0] { s } else { "" } }
            cursor = page.next?.token
        } while cursor != nil
        return out
    }

    static let header = "gmsfhm,xm,xb,csrq,mz,hjdz,lxdh,djrq\n"
    static func person(_ k: Int) -> [String: String] {
        let p = DemoDataRow.people[k]
        return ["gmsfhm": p.0, "xm": p.1, "xb": p.2, "csrq": p.3]
    }

    static func csv(_ range: Range<Int>, transform: (Int, inout [String]) -> Void = { _, _ in }) -> String {
        header
            + range.map { k in
                let p = DemoDataRow.people[k]
                var fields = [p.0, p.1, p.2, p.3, "汉族", "浙江省杭州市西湖区文三路\(k)号", "13800138000", "2020-01-01"]
                transform(k, &fields)
                return fields.joined(separator: ",")
            }.joined(separator: "\n") + "\n"
    }

    @Test(arguments: StoreEngine.allCases)
    func appendUpsertAndReplace(_ engine: StoreEngine) async throws {
        let p = try await platform(engine)
        var job = try await load(p, Array(Self.csv(0..<100).utf8))
        #expect(job.status == .succeeded && job.rowsAccepted == 100 && job.rowsRejected == 0)

        // Append: rows already stored are rejected, new ones added.
        job = try await load(p, Array(Self.csv(90..<120).utf8))
        #expect(job.rowsAccepted == 20 && job.rowsRejected == 10)
        let rejects = try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 100, by: admin)
        #expect(rejects.rows.first?.reason.contains("already stored") == true)
        #expect(rejects.rows.first?.original.first == DemoDataRow.people[90].0)
        #expect(try await ids(p).count == 120)

        // Upsert: known keys are replaced, new keys added.
        job = try await load(p, Array(Self.csv(110..<130) { _, f in f[1] = "改名" }.utf8), mode: .upsert)
        #expect(job.rowsAccepted == 20)
        #expect(try await ids(p).count == 130)
        let renamed = try await p.data.query(
            "POP-1", RecordQueryParameters(fields: "xm", filters: ["xm:eq:改名"], limit: "100"), by: admin)
        #expect(renamed.rows.count == 20)

        // Replace: afterwards exactly the file's accepted rows.
        job = try await load(p, Array(Self.csv(500..<540).utf8), mode: .replace)
        #expect(job.status == .succeeded)
        #expect(Set(try await ids(p)) == Set((500..<540).map { DemoDataRow.people[$0].0 }))
        let resource = try #require(try await p.store.resource(ResourceCode(trusted: "POP-1")))
        #expect(try await p.store.recordCount(of: resource) == 40)
        // And appending after a replace still enforces the key.
        job = try await load(p, Array(Self.csv(530..<545).utf8))
        #expect(job.rowsAccepted == 5 && job.rowsRejected == 10)
    }

    /// A `replace` never empties or shrinks a resource by accident: a load that accepted nothing, or rejected more
    /// than the allowed share, fails and the stored rows stay, their rejects downloadable.
    @Test(arguments: StoreEngine.allCases)
    func aReplaceThatRejectsRowsKeepsTheStoredRows(_ engine: StoreEngine) async throws {
        let p = try await platform(engine)
        _ = try await load(p, Array(Self.csv(0..<34).utf8))
        let stored = Set(try await ids(p))
        #expect(stored.count == 34)

        // Every row rejected (one invalid row): the job fails, nothing is replaced.
        var job = try await load(p, Array(Self.csv(100..<101) { _, f in f[0] = "bad" }.utf8), mode: .replace)
        #expect(job.status == .failed && job.rowsAccepted == 0 && job.rowsRejected == 1)
        #expect(job.error?.contains("all 1 rows were rejected; replace keeps the stored rows") == true, "\(job)")
        #expect(Set(try await ids(p)) == stored)
        #expect(try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 10, by: admin).rows.count == 1)

        // One row of ten rejected: more than the default share (none).
        let oneBad = Array(Self.csv(100..<110) { k, f in if k == 104 { f[3] = "1990-02-30" } }.utf8)
        job = try await load(p, oneBad, mode: .replace)
        #expect(job.status == .failed)
        #expect(job.error?.contains("1 of 10 rows were rejected (10.0%, more than the 0.0% a replace allows)") == true)
        #expect(Set(try await ids(p)) == stored)

        // Even allowing every row to be rejected, a load that accepted none does not replace.
        job = try await load(
            p, Array(Self.csv(100..<101) { _, f in f[0] = "bad" }.utf8), mode: .replace, maxRejectedRatio: 1)
        #expect(job.status == .failed)
        #expect(Set(try await ids(p)) == stored)

        // A load that allows the share replaces with its accepted rows.
        job = try await load(p, oneBad, mode: .replace, maxRejectedRatio: 0.1)
        #expect(job.status == .succeeded && job.rowsAccepted == 9)
        #expect(Set(try await ids(p)) == Set((100..<110).filter { $0 != 104 }.map { DemoDataRow.people[$0].0 }))

        // An out-of-range share is refused before a job exists.
        await #expect(throws: ZhengshuError.self) {
            try await load(p, oneBad, mode: .replace, maxRejectedRatio: 1.5)
        }
    }

    @Test func duplicateKeysInsideTheFileAreRejectedWithTheRowTheyRepeat() async throws {
        let p = try await platform()
        let text = Self.csv(0..<5) + Self.csv(2..<3).dropFirst(Self.header.count)
        let job = try await load(p, Array(text.utf8))
        #expect(job.rowsAccepted == 5 && job.rowsRejected == 1)
        let rejects = try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 10, by: admin).rows
        #expect(rejects.map(\.row) == [6])
        #expect(rejects[0].reason == "duplicate key (gmsfhm): same key as row 3 of this file")
    }

    @Test func badRowsAreQuarantinedWithRowFieldAndReason() async throws {
        let p = try await platform()
        let text = Self.csv(0..<10) { k, f in
            if k == 2 { f[0] = "110105194912310021" }
            if k == 5 { f[3] = "1990-02-30" }
            if k == 7 { f.removeLast() }
        }
        let job = try await load(p, Array(text.utf8))
        #expect(job.rowsRead == 10 && job.rowsAccepted == 7 && job.rowsRejected == 3)
        let rows = try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 10, by: admin)
        #expect(rows.header == ["gmsfhm", "xm", "xb", "csrq", "mz", "hjdz", "lxdh", "djrq"])
        #expect(rows.rows.map { "\($0.row):\($0.field)" } == ["3:gmsfhm", "6:csrq", "8:*"])
        #expect(rows.rows[2].reason == "has 7 fields; the header has 8")
    }

    @Test func aFailedJobLeavesTheOldDataUntouched() async throws {
        let p = try await platform()
        _ = try await load(p, Array(Self.csv(0..<50).utf8))
        // A truncated file: the last quoted field never closes.
        var broken = Self.csv(100..<200)
        broken += "\(DemoDataRow.people[300].0),\"never closed,1,1990-01-01,汉族,x,13800138000,2020-01-01\n"
        var job = try await load(p, Array(broken.utf8), mode: .replace)
        #expect(job.status == .failed)
        #expect(job.error?.contains("quoted field opened on line 102") == true)
        #expect(Set(try await ids(p)) == Set((0..<50).map { DemoDataRow.people[$0].0 }))
        // Too many rejected rows with --max-errors.
        job = try await load(
            p, Array(Self.csv(100..<200) { k, f in if k % 3 == 0 { f[0] = "bad" } }.utf8), mode: .replace, maxErrors: 5)
        #expect(job.status == .failed)
        #expect(job.error?.contains("max-errors 5") == true)
        #expect(try await ids(p).count == 50)
        // Rows rejected before the stop stay downloadable.
        #expect(try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 100, by: admin).rows.count >= 6)
        // Binary garbage.
        job = try await load(
            p, Array(Self.header.utf8) + [0x00, 0xFF, 0xFE, 0x81, 0x0A], mode: .replace, encoding: .utf8)
        #expect(job.status == .failed)
        #expect(job.error?.contains("all 1 rows were rejected") == true)
        #expect(try await ids(p).count == 50)
        // A file whose columns do not fit the resource.
        job = try await load(p, Array("名称,备注\n甲,乙\n".utf8), mode: .replace)
        #expect(job.status == .failed)
        #expect(job.error?.contains("required item") == true)
        #expect(try await ids(p).count == 50)
    }

    @Test func aTenMegabyteFieldRejectsItsRowOnly() async throws {
        let p = try await platform()
        let big = String(repeating: "长", count: 3_500_000)  // 10.5 MB of UTF-8
        let text = Self.csv(0..<3) { k, f in if k == 1 { f[5] = "\"\(big)\"" } }
        let job = try await load(p, Array(text.utf8), chunk: 1 << 20)
        #expect(job.rowsAccepted == 2 && job.rowsRejected == 1)
        let reject = try #require(
            try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 10, by: admin).rows.first)
        #expect(reject.field == "hjdz" && reject.reason.contains("longer than"))
    }

    @Test func noNewlineAtTheEndAndMixedLineEndingsLoad() async throws {
        let p = try await platform()
        var text = Self.csv(0..<6)
        text.removeLast()
        text = text.replacingOccurrences(
            of: "\n", with: "\r\n", options: [], range: text.startIndex..<text.index(text.startIndex, offsetBy: 200))
        let job = try await load(p, Array(text.utf8), chunk: 7)
        #expect(job.status == .succeeded && job.rowsAccepted == 6)
    }

    /// Values that look right and are not: blank names, invisible characters, a line in another encoding, a JSON
    /// object naming a member twice. Each is rejected with its row and why; the good rows land.
    @Test func valuesThatAreNotWhatTheFileMeantAreRejectedWithTheirRow() async throws {
        let p = try await platform()
        let text = Self.csv(0..<8) { k, f in
            switch k {
            case 1: f[1] = "  "
            case 2: f[1] = "\u{3000}\u{3000}"
            case 3: f[1] = "张\u{FEFF}三"
            case 4: f[1] = "李\u{200B}四"
            case 5: f[1] = "@@"
            default: break
            }
        }
        // Row 6 was pasted in from a GBK file: 李四 as GBK bytes inside a UTF-8 file.
        var bytes = Array(text.utf8)
        let at = try #require(bytes.firstRange(of: Array("@@".utf8)))
        bytes.replaceSubrange(at, with: [0xC0, 0xEE, 0xCB, 0xC4])
        var job = try await load(p, bytes)
        #expect(job.encoding == .utf8)
        #expect(job.status == .succeeded && job.rowsAccepted == 3 && job.rowsRejected == 5, "\(job)")
        let rejects = try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 10, by: admin).rows
        #expect(rejects.map { "\($0.row):\($0.field)" } == ["2:xm", "3:xm", "4:xm", "5:xm", "6:xm"])
        #expect(rejects[0].reason == "is required; the value holds only white space")
        #expect(rejects[1].reason == "is required; the value holds only white space")
        #expect(rejects[2].reason == "holds an invisible character (U+FEFF) at character 2; remove it")
        #expect(rejects[3].reason == "holds an invisible character (U+200B) at character 2; remove it")
        #expect(rejects[4].reason.hasPrefix("character 1 stands for bytes that are not valid in the file's encoding"))
        #expect(try await ids(p).count == 3)

        // A GBK file with a byte no GB 18030 character starts with in one name: that row, not the file.
        let iconv = Process()
        iconv.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        iconv.arguments = ["-f", "UTF-8", "-t", "GB18030"]
        let (input, output) = (Pipe(), Pipe())
        (iconv.standardInput, iconv.standardOutput) = (input, output)
        try iconv.run()
        input.fileHandleForWriting.write(Data(Self.csv(8..<14) { k, f in if k == 10 { f[1] = "@@" } }.utf8))
        try input.fileHandleForWriting.close()
        var gbk = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
        iconv.waitUntilExit()
        let mark = try #require(gbk.firstRange(of: Array("@@".utf8)))
        gbk.replaceSubrange(mark, with: [0xFF, 0x41])
        job = try await load(p, gbk, encoding: .gbk, chunk: 5)
        #expect(job.status == .succeeded && job.rowsAccepted == 5 && job.rowsRejected == 1, "\(job)")
        let gbkRejects = try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 10, by: admin).rows
        #expect(gbkRejects.map { "\($0.row):\($0.field)" } == ["3:xm"])
        #expect(gbkRejects.first?.reason.hasPrefix("character 1 stands for bytes that are not valid") == true)
        #expect(try await ids(p).count == 8)

        // A JSON object that names a member twice says two things: refused, at any depth.
        let q = Self.person(20)
        let twice = "{\"gmsfhm\":\"\(q["gmsfhm"]!)\",\"xm\":\"张三\",\"csrq\":\"\(q["csrq"]!)\",\"x\\u006d\":\"李四\"}"
        let nested = "{\"gmsfhm\":\"\(Self.person(21)["gmsfhm"]!)\",\"xm\":\"王五\",\"extra\":{\"a\":1,\"a\":2}}"
        let fine = "{\"gmsfhm\":\"\(Self.person(22)["gmsfhm"]!)\",\"xm\":\"赵六\",\"extra\":[{\"a\":1},{\"a\":2}]}"
        job = try await load(p, Array([fine, twice, nested].joined(separator: "\n").utf8), format: .jsonl)
        let jsonRejects = try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 10, by: admin).rows
        #expect(jsonRejects.map(\.row) == [2, 3], "\(jsonRejects) \(job)")
        #expect(jsonRejects.first?.reason.contains("names the member \"xm\" twice") == true)
        #expect(jsonRejects.last?.reason.contains("names the member \"a\" twice") == true)
        #expect(job.rowsAccepted == 1)
    }

    @Test func jsonLinesAndJSONArrays() async throws {
        let p = try await platform()
        let rows = (0..<5).map { k -> String in
            let q = Self.person(k)
            return "{\"gmsfhm\":\"\(q["gmsfhm"]!)\",\"xm\":\"\(q["xm"]!)\",\"csrq\":\"\(q["csrq"]!)\",\"extra\":1}"
        }
        var job = try await load(p, Array((rows.joined(separator: "\n") + "\nnot json\n").utf8), format: .jsonl)
        #expect(job.rowsAccepted == 5 && job.rowsRejected == 1)
        #expect(job.unknownColumns == ["extra"])
        job = try await load(
            p, Array(("[\n" + rows.joined(separator: ",\n") + "\n]").utf8), mode: .replace, format: .json, chunk: 3)
        #expect(job.status == .succeeded && job.rowsAccepted == 5)
        job = try await load(p, Array(("[" + rows[0]).utf8), mode: .replace, format: .json)
        #expect(job.status == .failed && job.error?.contains("not closed") == true)
        #expect(try await ids(p).count == 5)
    }

    @Test(arguments: StoreEngine.allCases.filter { $0 != .sqliteMemory })
    func anInterruptedJobIsFailedAtStartupAndItsStagingDropped(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let p = Platform(store: store, hasher: .fastForTesting)
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        let resource = try await p.catalog.publish("POP-1", by: admin)
        _ = try await load(p, Array(Self.csv(0..<10).utf8))
        // Given a job that staged rows and then lost its process
        let job = try await store.createJob(
            NewIngestJob(
                resource: resource.code, department: resource.department, mode: .replace, format: .csv, encoding: .auto,
                source: "x", bytesTotal: nil, maxErrors: nil, createdBy: "test", createdAt: Date()),
            audit: admin.audit("ingest.start", "resource:POP-1", at: Date()))
        try await store.beginStaging(job.id, resource: resource, header: [])
        try await store.stage(
            [(1, [.string(DemoDataRow.people[99].0), .string("x"), .null, .null, .null, .null, .null, .null])],
            job: job.id, resource: resource)
        // When the server starts again
        let failed = try await store.failInterruptedJobs(
            node: "local", staleBefore: Date().addingTimeInterval(-60), reason: "interrupted", at: Date())
        // Then the job is failed and the data is the old data
        #expect(failed == [job.id])
        #expect(try await store.job(job.id)?.status == .failed)
        #expect(Set(try await ids(p)) == Set((0..<10).map { DemoDataRow.people[$0].0 }))
        #expect(!(try await engine.dumpAllText(store)).contains(DemoDataRow.people[99].0))
    }
}

/// Datagen's own files: GBK, a BOM, JSON Lines, with injected defects.
@Suite(.enabled(if: Datagen.script != nil, "datagen.py not found; set ZHENGSHU_DATAGEN"))
struct DatagenIngestionTests {
    let admin = Caller(.localOperator, requestID: "datagen-test")

    @Test(arguments: [["--encoding", "gbk"], ["--bom"], ["--format", "jsonl"], ["--encoding", "gb18030"]])
    func loadsDatagenFiles(_ options: [String]) async throws {
        let p = try await IngestionTests().platform()
        let labels = FileManager.default.temporaryDirectory.appendingPathComponent("zs-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: labels) }
        let bytes = try Datagen.run(
            ["population", "--rows", "2000", "--seed", "21", "--defects", "0.05", "--labels", labels.path] + options)
        let format: SourceFormat = options.contains("jsonl") ? .jsonl : .csv
        let job = try await p.ingestion.run(
            ImportRequest(resource: "POP-1", format: format, sourceName: "datagen"),
            source: ChunkedBytes([UInt8](bytes), chunk: 8191), by: admin)
        #expect(job.status == .succeeded)
        #expect(job.rowsRead == 2000)
        #expect(job.encoding == (options.contains("gbk") || options.contains("gb18030") ? .gb18030 : .utf8))
        // Every row datagen broke in a way validation must catch is rejected, for that field.
        let defects = try String(contentsOf: labels, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
        let mustReject = defects.filter {
            ["bad_checksum", "duplicate_key", "bad_phone"].contains($0[2]) || ($0[2] == "missing" && $0[1] == "xm")
        }
        let rejected = try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 5000, by: admin).rows
        let rejectedByRow = Dictionary(grouping: rejected, by: \.row)
        for d in mustReject {
            let row = Int(d[0])!
            #expect(rejectedByRow[row]?.contains { $0.field == d[1] } == true, "row \(row) \(d[1]) \(d[2])")
        }
        #expect(job.rowsAccepted == 2000 - Set(rejected.map(\.row)).count)
    }
}

/// Jobs among several nodes: heartbeats keep a job alive, a dead node's job is failed once, a cancel crosses nodes.
@Suite struct JobNodeTests {
    let admin = Caller(.localOperator, requestID: "store-test")

    @Test(arguments: StoreEngine.allCases)
    func deadNodesJobsAreFailedAndLiveOnesKept(_ engine: StoreEngine) async throws {
        let store = try await engine.makeStore()
        let p = Platform(store: store, hasher: .fastForTesting)
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        let resource = try await p.catalog.publish("POP-1", by: admin)
        let start = Date(millis: Date().millis)
        func job(on node: String) async throws -> IngestJob {
            try await store.createJob(
                NewIngestJob(
                    resource: resource.code, department: resource.department, mode: .append, format: .csv,
                    encoding: .auto, source: "x", bytesTotal: nil, maxErrors: nil, createdBy: "test",
                    createdAt: start, node: node),
                audit: admin.audit("ingest.start", "resource:POP-1", at: start))
        }
        let alive = try await job(on: "node-a")
        let dead = try await job(on: "node-b")
        let mine = try await job(on: "node-c")
        // node-a keeps beating; node-b stopped two minutes ago; node-c restarts.
        let now = start.addingTimeInterval(120)
        try await store.heartbeat(alive.id, at: now)
        let failed = try await store.failInterruptedJobs(
            node: "node-c", staleBefore: now.addingTimeInterval(-60), reason: "gone", at: now)
        #expect(failed == [dead.id, mine.id])
        #expect(try await store.job(alive.id)?.status == .running)
        #expect(try await store.job(dead.id)?.error == "gone")
        #expect(
            try await store.failInterruptedJobs(
                node: nil, staleBefore: now.addingTimeInterval(-60), reason: "gone", at: now
            ).isEmpty)
        // A cancel asked on another node reaches the running one; a finished job cannot be cancelled.
        #expect(try await !store.isCancelRequested(alive.id))
        #expect(try await store.requestCancel(alive.id))
        #expect(try await store.isCancelRequested(alive.id))
        #expect(try await !store.requestCancel(dead.id))
    }
}

/// Governance end to end on each engine: datagen files with injected defects loaded with every rule a flag (so every
/// row lands), then a quality run over the stored rows finds exactly the labelled (row, defect) pairs.
@Suite struct QualityEndToEndTests {
    let admin = Caller(.localOperator, requestID: "quality-test")

    @Test(
        .enabled(if: Datagen.script != nil, "datagen.py not found"),
        arguments: StoreEngine.allCases.filter { $0 != .sqliteFile }, ["population", "enterprise"])
    func storedRowsYieldExactlyTheLabelledDefects(_ engine: StoreEngine, _ dataset: String) async throws {
        let labels = FileManager.default.temporaryDirectory.appendingPathComponent("zs-labels-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: labels) }
        let csv = try Datagen.run([
            dataset, "--rows", "20000", "--seed", "5", "--defects", "0.05", "--labels", labels.path,
        ])
        // The run is as of the first moment of 2027 in Beijing: datagen's clean dates run to the end of 2026.
        let clock = PlatformClock { Date(timeIntervalSince1970: 1_798_732_800 - 8 * 3600) }
        let p = Platform(store: try await engine.makeStore(), clock: clock, hasher: .fastForTesting)
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        let shape = try QualityRunTestsShape.resource(dataset)
        var draft = ResourceDraft()
        (draft.code, draft.name, draft.department, draft.category) = (
            shape.code.rawValue, shape.name, "C-GA", shape.category
        )
        (draft.shareType, draft.shareCondition, draft.items) = (.conditional, "质量检查", shape.items)
        _ = try await p.catalog.create(draft, by: admin)
        _ = try await p.catalog.publish(shape.code.rawValue, by: admin)
        let (proposed, isProposed) = try await p.quality.rules(of: shape.code.rawValue, by: admin)
        #expect(isProposed)
        _ = try await p.quality.setRules(
            of: shape.code.rawValue,
            proposed.map {
                var r = $0
                r.severity = .flag
                return r
            }, by: admin)

        let job = try await p.ingestion.run(
            ImportRequest(resource: shape.code.rawValue, mode: .append, sourceName: "\(dataset).csv"),
            source: ChunkedBytes(Array(csv)), by: admin)
        #expect(job.status == .succeeded && job.rowsAccepted == 20000 && job.rowsRejected == 0, "\(job.error ?? "")")

        let defects = proposed.map { QualityRunTestsShape.defect(of: $0.check) }
        let found = Mutex<Set<String>>([])
        let run = try await p.quality.run(shape.code.rawValue, by: admin) { failure, _ in
            _ = found.withLock { $0.insert("\(failure.row),\(defects[failure.rule])") }
        }
        let expected = Set(
            try String(contentsOf: labels, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
                let parts = line.split(separator: ",", omittingEmptySubsequences: false)
                return "\(parts[0]),\(parts[2])"
            })
        let got = found.withLock { $0 }
        #expect(
            got == expected,
            "extra \(got.subtracting(expected).sorted().prefix(5)); missed \(expected.subtracting(got).sorted().prefix(5))"
        )
        #expect(run.rowsChecked == 20000 && run.score > 95 && run.score < 100)
        // The run is kept: score history and the department's score.
        // The load itself was checked by the flag rules on the way in (all but uniqueness, which needs every key).
        let history = try await p.quality.history(of: shape.code.rawValue, limit: 10, by: admin)
        #expect(
            history.map(\.trigger) == ["manual", "ingest"] && history.first?.id == run.id
                && history.last?.rowsChecked == 20000)
        #expect(try await p.quality.scores(department: nil, by: admin).departments.first?.score == run.score)
    }
}

/// Problem-data feedback on each engine: a failing value becomes a problem for its department, moves through its
/// states, closes itself when the corrected row passes, and consumers' objections land in the same worklist.
@Suite struct ProblemTests {
    let admin = Caller(.localOperator, requestID: "problem-test")

    @Test(arguments: StoreEngine.allCases.filter { $0 != .sqliteFile })
    func problemsFollowTheirRowsFromFailingToVerified(_ engine: StoreEngine) async throws {
        let p = try await engine.makePlatform()
        for d in ["C-GA", "C-SCJG"] {
            _ = try await p.departments.create(DepartmentDraft(code: d, name: "部门\(d)", level: .city), by: admin)
        }
        let ga = Caller(
            Principal(
                kind: .user(UserID(1)), name: "ga", roles: [.provider], department: DepartmentCode(trusted: "C-GA")),
            requestID: "ga")
        let other = Caller(
            Principal(
                kind: .user(UserID(2)), name: "sc", roles: [.provider, .consumer],
                department: DepartmentCode(trusted: "C-SCJG")),
            requestID: "sc")
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        let (proposed, _) = try await p.quality.rules(of: "POP-1", by: admin)
        _ = try await p.quality.setRules(
            of: "POP-1",
            proposed.map {
                var r = $0
                r.severity = .flag
                return r
            }, by: ga)
        // Five people, the third with a phone number that is no mobile number.
        let people = (0..<5).map { DemoDataRow.people[$0] }
        func csv(badPhone: Bool) -> String {
            "gmsfhm,xm,xb,csrq,lxdh\n"
                + people.enumerated().map { k, person in
                    "\(person.0),\(person.1),\(person.2),\(person.3),\(k == 2 && badPhone ? "10012345678" : "13800138000")"
                }.joined(separator: "\n") + "\n"
        }
        func load(_ text: String) async throws {
            let job = try await p.ingestion.run(
                ImportRequest(resource: "POP-1", mode: .upsert, sourceName: "p.csv"), source: ChunkedBytes(text),
                by: admin)
            #expect(job.status == .succeeded, "\(job.error ?? "")")
        }
        try await load(csv(badPhone: true))
        // Filed as the rows came in: an ingest run, and the problem already in the worklist.
        let ingestRun = try #require(try await p.quality.history(of: "POP-1", limit: 5, by: ga).first)
        #expect(
            ingestRun.trigger == "ingest"
                && ingestRun.results.contains { $0.rule.check.kindName == "element" && $0.failed == 1 })
        #expect(
            try await p.problems.list(department: nil, resource: "POP-1", status: "open", after: 0, limit: 100, by: ga)
                .count == 1)
        _ = try await p.quality.run("POP-1", by: ga)
        var worklist = try await p.problems.list(
            department: nil, resource: "POP-1", status: "open", after: 0, limit: 100, by: ga)
        #expect(worklist.count == 1)
        let problem = try #require(worklist.first)
        #expect(
            problem.rowKey == people[2].0 && problem.field == "lxdh" && problem.rule == "element"
                && problem.value == "100****5678")
        // Another department sees nothing of it.
        #expect(
            try await p.problems.list(department: nil, resource: nil, status: nil, after: 0, limit: 100, by: other)
                .isEmpty)
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.problems.update(problem.id.rawValue, .init(status: .fixed), by: other)
        }
        // Acknowledged, then fixed at the source; a run over the corrected row verifies it.
        _ = try await p.problems.update(problem.id.rawValue, .init(status: .acknowledged), by: ga)
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.problems.update(problem.id.rawValue, .init(status: .verified), by: ga)
        }
        _ = try await p.problems.update(problem.id.rawValue, .init(status: .fixed), by: ga)
        try await load(csv(badPhone: false))
        _ = try await p.quality.run("POP-1", by: ga)
        let closed = try #require(try await p.store.problem(problem.id))
        #expect(closed.status == ProblemStatus.verified && closed.closedAt != nil)
        // A row that fails again opens again; a dispute needs a reason and an admin's ruling.
        try await load(csv(badPhone: true))
        _ = try await p.quality.run("POP-1", by: ga)
        #expect(try await p.store.problem(problem.id)?.status == .open)
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.problems.update(problem.id.rawValue, .init(status: .disputed), by: ga)
        }
        _ = try await p.problems.update(problem.id.rawValue, .init(status: .disputed, note: "该号码为内部测试号段，确属有效"), by: ga)
        let ruled = try await p.problems.update(
            problem.id.rawValue, .init(status: .verified, note: "经核实，号码有效"), by: admin)
        #expect(ruled.status == ProblemStatus.verified && ruled.note?.contains("ruling: 经核实") == true)
        // A consumer objects to a value it received; it lands in the provider's worklist.
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.problems.object(
                to: "POP-1", .init(rowKey: people[0].0, field: "nope", reason: "x"), by: other)
        }
        let objection = try await p.problems.object(
            to: "POP-1",
            .init(
                rowKey: people[0].0, field: "xm", value: people[0].1,
                reason: "姓名与户籍登记不符"), by: other)
        #expect(objection.source == "objection" && objection.raisedBy == "sc")
        worklist = try await p.problems.list(
            department: nil, resource: nil, status: "open", after: 0, limit: 100, by: ga)
        #expect(worklist.map(\.id) == [objection.id])
        let stats = try await p.problems.stats(department: nil, by: admin)
        #expect(
            stats.first?.department.rawValue == "C-GA" && stats.first?.counts["verified"] == 1
                && stats.first?.counts["open"] == 1)
        #expect(stats.first?.meanHoursToFix != nil)
    }
}

@Suite struct QualityScheduleTests {
    let admin = Caller(.localOperator, requestID: "schedule-test")

    @Test(arguments: StoreEngine.allCases.filter { $0 != .sqliteFile })
    func scheduledRunsFollowTheData(_ engine: StoreEngine) async throws {
        let p = try await engine.makePlatform()
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        // Nothing loaded: nothing to check.
        #expect(
            try await p.quality.runDue(updates: try await p.store.updateTimes(department: nil), every: 86_400).isEmpty)
        func load(_ range: Range<Int>) async throws {
            _ = try await p.ingestion.run(
                ImportRequest(resource: "POP-1", mode: .upsert, sourceName: "x.csv"),
                source: ChunkedBytes(
                    "gmsfhm,xm,xb,csrq\n"
                        + range.map { k in
                            let person = DemoDataRow.people[k]
                            return "\(person.0),\(person.1),\(person.2),\(person.3)"
                        }.joined(separator: "\n") + "\n"), by: admin)
        }
        try await load(0..<5)
        let first = try await p.quality.runDue(updates: try await p.store.updateTimes(department: nil), every: 86_400)
        #expect(first.map(\.rowsChecked) == [5] && first.first?.trigger == "schedule")
        // Unchanged data within the period: no run; new data: a run.
        #expect(
            try await p.quality.runDue(updates: try await p.store.updateTimes(department: nil), every: 86_400).isEmpty)
        try await Task.sleep(for: .milliseconds(5))
        try await load(5..<8)
        #expect(
            try await p.quality.runDue(updates: try await p.store.updateTimes(department: nil), every: 86_400).map(
                \.rowsChecked) == [8])
        // Two nodes looking at once: one runs it.
        try await Task.sleep(for: .milliseconds(5))
        try await load(8..<9)
        let second = Platform(store: p.store, hasher: .fastForTesting)
        let updates = try await p.store.updateTimes(department: nil)
        async let a = p.quality.runDue(updates: updates, every: 86_400)
        async let b = second.quality.runDue(updates: updates, every: 86_400)
        let (ranA, ranB) = try await (a, b)
        #expect(ranA.count + ranB.count == 1)
        // A claim held by a node that never finished lapses; another node may then take the run.
        let code = ResourceCode(trusted: "POP-1")
        let now = Date()
        #expect(try await p.store.claimScheduledRun(code, now: now, until: now.addingTimeInterval(1800)))
        #expect(try await p.store.claimScheduledRun(code, now: now, until: now.addingTimeInterval(60)) == false)
        #expect(
            try await p.store.claimScheduledRun(
                code, now: now.addingTimeInterval(3600), until: now.addingTimeInterval(7200)))
    }
}

/// The data standards registry on each engine: an administrator's element, versioned, referenced by items, enforced
/// at ingest through the rules it proposes.
@Suite struct DataElementRegistryTests {
    let admin = Caller(.localOperator, requestID: "standards-test")

    @Test(arguments: StoreEngine.allCases.filter { $0 != .sqliteFile })
    func registeredElementsAreVersionedReferencedAndEnforced(_ engine: StoreEngine) async throws {
        let p = try await engine.makePlatform()
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        let plate = CustomDataElement(
            id: "plate_no", label: "机动车号牌号码", type: .string, length: 8, pattern: "[京沪浙苏][A-Z][A-HJ-NP-Z0-9]{5}",
            updatedAt: Date(), updatedBy: "")
        await #expect(throws: ZhengshuError.self) {
            _ = try await p.standards.save("citizen_id", plate, by: self.admin)  // a built-in id
        }
        var bad = plate
        bad.pattern = "(["
        await #expect(throws: ZhengshuError.self) { _ = try await p.standards.save("plate_no", bad, by: self.admin) }
        let saved = try await p.standards.save("plate_no", plate, by: admin)
        #expect(saved.version == 1)

        var draft = ResourceDraft()
        (draft.code, draft.name, draft.department, draft.category, draft.shareType) = (
            "CL-1", "机动车登记", "C-GA", "社会信用", .unconditional
        )
        draft.items = [
            DataItem(name: "hphm", label: "号牌号码", type: .string, key: true, element: "plate_no"),
            DataItem(name: "syr", label: "所有人", type: .string, required: true),
        ]
        var wrong = draft
        wrong.items![0].element = "nope"
        await #expect(throws: ZhengshuError.self) { _ = try await p.catalog.create(wrong, by: self.admin) }
        _ = try await p.catalog.create(draft, by: admin)
        _ = try await p.catalog.publish("CL-1", by: admin)
        let (rules, _) = try await p.quality.rules(of: "CL-1", by: admin)
        #expect(
            rules.contains { if case .pattern(item: "hphm", _) = $0.check { $0.severity == .reject } else { false } })
        // A plate that is not one is kept out at ingest, with the element's reason.
        let job = try await p.ingestion.run(
            ImportRequest(resource: "CL-1", sourceName: "cl.csv"),
            source: ChunkedBytes("hphm,syr\n浙A12345,张三\n浙a1234,李四\n"), by: admin)
        #expect(job.status == .succeeded && job.rowsAccepted == 1 && job.rowsRejected == 1)
        #expect(
            try await p.ingestion.rejects(of: job.id.rawValue, after: 0, limit: 10, by: admin).rows.first?.field
                == "hphm")
        // A change is a new version; the history keeps both.
        var widened = plate
        widened.pattern = "[京沪浙苏皖][A-Z][A-HJ-NP-Z0-9]{5,6}"
        #expect(try await p.standards.save("plate_no", widened, by: admin).version == 2)
        #expect(try await p.standards.versions(of: "plate_no").map(\.version) == [1, 2])
        #expect(try await p.standards.list().map(\.pattern) == [widened.pattern])
    }
}

@Suite struct FreshnessRuleTests {
    let admin = Caller(.localOperator, requestID: "fresh-test")

    @Test func anOverdueResourceFailsItsFreshnessRule() async throws {
        let now = Mutex(Date(millis: Date().millis))
        let p = Platform(
            store: try await StoreEngine.sqliteMemory.makeStore(), clock: PlatformClock { now.withLock { $0 } },
            hasher: .fastForTesting)
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)  // updated daily
        _ = try await p.catalog.publish("POP-1", by: admin)
        _ = try await p.ingestion.run(
            ImportRequest(resource: "POP-1", sourceName: "x.csv"),
            source: ChunkedBytes("gmsfhm,xm\n\(DemoDataRow.people[0].0),张三\n"), by: admin)
        func freshness() async throws -> QualityRun.RuleResult? {
            try await p.quality.run("POP-1", by: admin).results.first { $0.rule.check == .fresh }
        }
        #expect(try await freshness().map { ($0.checked, $0.failed) } ?? (0, 0) == (1, 0))
        now.withLock { $0 = $0.addingTimeInterval(10 * 86_400) }  // ten days without a load
        let overdue = try #require(try await freshness())
        #expect(overdue.failed == 1 && overdue.samples.first?.reason.contains("update cycle") == true)
    }
}

@Suite struct ReferentialRuleTests {
    let admin = Caller(.localOperator, requestID: "ref-test")

    @Test func aLegalRepresentativeMustBeInThePopulationResource() async throws {
        let p = try await StoreEngine.sqliteMemory.makePlatform()
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: admin)
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        let people = (0..<3).map { DemoDataRow.people[$0] }
        _ = try await p.ingestion.run(
            ImportRequest(resource: "POP-1", sourceName: "p.csv"),
            source: ChunkedBytes("gmsfhm,xm\n" + people.map { "\($0.0),\($0.1)" }.joined(separator: "\n") + "\n"),
            by: admin)
        var draft = ResourceDraft()
        (draft.code, draft.name, draft.department, draft.category, draft.shareType) = (
            "ENT-1", "企业", "C-GA", "法人", .unconditional
        )
        draft.items = [
            DataItem(name: "tyshxydm", label: "统一社会信用代码", type: .string, key: true),
            DataItem(name: "fddbrsfzh", label: "法定代表人身份证号", type: .string),
        ]
        _ = try await p.catalog.create(draft, by: admin)
        _ = try await p.catalog.publish("ENT-1", by: admin)
        _ = try await p.quality.setRules(
            of: "ENT-1",
            [
                QualityRule(
                    check: .references(
                        item: "fddbrsfzh", resource: ResourceCode(trusted: "POP-1"),
                        target: "gmsfhm"))
            ], by: admin)
        // One representative is a registered person; the other is not.
        let stranger = DemoDataRow.people[500].0
        _ = try await p.ingestion.run(
            ImportRequest(resource: "ENT-1", sourceName: "e.csv"),
            source: ChunkedBytes(
                "tyshxydm,fddbrsfzh\n91350100M000100Y43,\(people[1].0)\n91110000600037341L,\(stranger)\n"),
            by: admin)
        let run = try await p.quality.run("ENT-1", by: admin)
        let result = try #require(run.results.first)
        #expect(result.rule.dimension == .referential && result.checked == 2 && result.failed == 1)
        #expect(result.samples.first?.reason.contains("referenced resource") == true)
        // A rule naming a resource or item that does not exist is refused when it runs.
        _ = try await p.quality.setRules(
            of: "ENT-1",
            [
                QualityRule(
                    check: .references(
                        item: "fddbrsfzh", resource: ResourceCode(trusted: "NOPE-1"),
                        target: "gmsfhm"))
            ], by: admin)
        await #expect(throws: ZhengshuError.self) { _ = try await p.quality.run("ENT-1", by: self.admin) }
    }
}
