import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

@Suite struct XLSXTests {
    func workbook() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zs-\(UUID().uuidString).xlsx")
        let people = (0..<30).map { DemoDataRow.people[$0] }
        var rows: [[XLSXWriter.Cell]] = [
            [.shared("公民身份号码"), .shared("姓名"), .shared("性别"), .shared("出生日期"), .shared("户籍地址")]
        ]
        for (k, p) in people.enumerated() {
            let date = CivilDate(iso: p.3)!
            // Excel stores dates as serial day numbers (1899-12-30 is day 0).
            let serial = Int(RecordValueSerial.days(date) + 25_569)
            rows.append([
                .shared(p.0), .inline(p.1), .number(p.2), .number(k % 2 == 0 ? "\(serial)" : "\(serial).25"),
                k == 3 ? .empty : .shared("杭州市西湖区\"文三路\", \(k)号"),
            ])
        }
        try XLSXWriter.write(sheets: [("说明", [[.inline("本表为演示")]]), ("人口", rows)], to: url)
        return url
    }

    @Test func readsTheNamedSheetWithSharedAndInlineStringsAndGaps() async throws {
        let url = try workbook()
        defer { try? FileManager.default.removeItem(at: url) }
        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("zs-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: csv) }
        // The reader blocks its thread (inflating, parsing): on the blocking pool, as the server runs it.
        let (names, rows, unknown, first) = try await BlockingPool.shared.run {
            let reader = try XLSXReader(url: url)
            let rows = try reader.convert(sheet: "人口", to: csv)
            let lines = try String(contentsOf: csv, encoding: .utf8).components(separatedBy: "\r\n")
            let unknown: Bool
            do {
                _ = try reader.convert(sheet: "没有", to: csv)
                unknown = false
            } catch is XLSXReader.Failure { unknown = true }
            return (reader.sheetNames, (rows, lines), unknown, try reader.convert(sheet: nil, to: csv))
        }
        #expect(names == ["说明", "人口"])
        #expect(rows.0 == 31)
        let lines = rows.1
        #expect(lines[0] == "公民身份号码,姓名,性别,出生日期,户籍地址")
        #expect(lines[1].hasPrefix(DemoDataRow.people[0].0 + "," + DemoDataRow.people[0].1 + ","))
        #expect(lines[1].hasSuffix(",\"杭州市西湖区\"\"文三路\"\", 0号\""))
        #expect(lines[4].hasSuffix(","))  // the empty fifth cell of row 4 is kept as an empty field
        #expect(unknown, "an unknown sheet is an XLSXReader.Failure")
        #expect(first == 1)  // the first sheet
    }

    @Test func aFileThatIsNotAWorkbookIsNamedAsSuch() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zs-\(UUID().uuidString).xlsx")
        try Data("公民身份号码,姓名\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let refused = try await BlockingPool.shared.run { () -> Bool in
            do {
                _ = try XLSXReader(url: url)
                return false
            } catch is XLSXReader.Failure { return true }
        }
        #expect(refused)
    }

    @Test func pushAWorkbookThroughTheAPI() async throws {
        let fixture = try await TestPlatform.make()
        let c = TestPlatform.operatorCaller
        _ = try await fixture.platform.catalog.create(Fixtures.populationDraft(), by: c)
        _ = try await fixture.platform.catalog.publish("RK-0001", by: c)
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        let url = try workbook()
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = try Data(contentsOf: url)
        try await app.test(.router) { client async throws in
            let headers: HTTPFields = [
                .authorization: "Bearer \(fixture.tokens["ga"]!)",
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ]
            let (status, text) = try await client.execute(
                uri: "/api/v1/resources/RK-0001/ingest?sheet=%E4%BA%BA%E5%8F%A3", method: .post,
                headers: headers, body: ByteBuffer(bytes: bytes)
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(status == .created, "\(text)")
            #expect(text.contains("\"rowsAccepted\":30"))
            #expect(text.contains("\"format\":\"xlsx\""))
            #expect(text.contains("\"unknownColumns\":[\"户籍地址\"]"))
            let wrongSheet = try await client.execute(
                uri: "/api/v1/resources/RK-0001/ingest?sheet=x", method: .post, headers: headers,
                body: ByteBuffer(bytes: bytes)
            ) { $0.status }
            #expect(wrongSheet == .unprocessableContent)
        }
        let page = try await fixture.platform.data.query(
            "RK-0001", RecordQueryParameters(fields: "citizen_id,birth_date", limit: "1"), by: c)
        #expect(page.rows[0] == [.string(DemoDataRow.people[0].0), .date(CivilDate(iso: DemoDataRow.people[0].3)!)])
    }
}

extension XLSXTests {
    /// Uploaded workbooks and their sheets' CSV hold records in clear: they live in the data folder's owner-only work
    /// folder, are removed when their job ends, and what a killed process left there is swept at start-up.
    @Test func workCopiesAreTheOwnersAloneAndGoWithTheirJob() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zs-work-test-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fixture = try await TestPlatform.make { $0.workDirectory = dir }
        let c = TestPlatform.operatorCaller
        _ = try await fixture.platform.catalog.create(Fixtures.populationDraft(), by: c)
        _ = try await fixture.platform.catalog.publish("RK-0001", by: c)
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        let url = try workbook()
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = try Data(contentsOf: url)
        try await app.test(.router) { client async throws in
            let status = try await client.execute(
                uri: "/api/v1/resources/RK-0001/ingest?format=xlsx&sheet=%E4%BA%BA%E5%8F%A3", method: .post,
                headers: [.authorization: "Bearer \(fixture.tokens["ga"]!)"], body: ByteBuffer(bytes: bytes)
            ) { $0.status }
            #expect(status == .created)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: dir)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [])

        // A file is the owner's alone; one a dead process left is swept, one of a live process stays.
        let mine = try fixture.services.work.newFile("upload", extension: "xlsx")
        #expect(try FileManager.default.attributesOfItem(atPath: mine.path)[.posixPermissions] as? Int == 0o600)
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let orphan = (dir as NSString).appendingPathComponent("zs-sheet-\(gone.processIdentifier)-x.csv")
        #expect(FileManager.default.createFile(atPath: orphan, contents: Data("110105194912310021".utf8)))
        #expect(fixture.services.work.sweep() == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [mine.lastPathComponent])
    }

    /// A workbook whose sheet inflates from about a megabyte to 512 MiB of empty rows: refused by its ratio before it is
    /// inflated, with a precise reason, as a failed job the provider finds in the job list; nothing stored.
    @Test func aDecompressionBombIsRefusedAndNothingIsStored() async throws {
        let fixture = try await TestPlatform.make()
        let c = TestPlatform.operatorCaller
        _ = try await fixture.platform.catalog.create(Fixtures.populationDraft(), by: c)
        _ = try await fixture.platform.catalog.publish("RK-0001", by: c)
        let url = try workbook()
        defer { try? FileManager.default.removeItem(at: url) }
        // The sheet replaced by 512 MiB of empty rows, deflated to about a megabyte (Python's zipfile, whose CRC
        // and deflate are C: the same archive built here would take the debug build half a minute).
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            """
            import sys, zipfile
            src, dst = sys.argv[1], sys.argv[1] + ".bomb"
            with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
                for item in a.infolist():
                    if item.filename != "xl/worksheets/sheet2.xml":
                        b.writestr(item, a.read(item.filename))
                with b.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as sheet:
                    sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                    for _ in range(1366):
                        sheet.write(b"<row/>" * 65536)
            """, url.path,
        ]
        try python.run()
        python.waitUntilExit()
        let bomb = URL(fileURLWithPath: url.path + ".bomb")
        defer { try? FileManager.default.removeItem(at: bomb) }
        let size = 1366 * 65536 * 6
        let bytes = try Data(contentsOf: bomb)
        #expect(size > 512 << 20 && bytes.count < 2_000_000, "a bomb: \(bytes.count) bytes inflating to \(size)")
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.router) { client async throws in
            let headers: HTTPFields = [
                .authorization: "Bearer \(fixture.tokens["ga"]!)",
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ]
            let started = ContinuousClock.now
            let (status, text) = try await client.execute(
                uri: "/api/v1/resources/RK-0001/ingest?sheet=%E4%BA%BA%E5%8F%A3", method: .post,
                headers: headers, body: ByteBuffer(bytes: bytes)
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(
                status == .unprocessableContent && text.contains("decompression bomb") && text.contains("sheet2.xml"),
                "\(text.prefix(400)) (answered in \(ContinuousClock.now - started))")
            // The job was listed from the start and ends failed with the reason.
            let problem = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            let id = try #require((problem?["job"] as? [String: Any])?["id"] as? Int)
            let (jobStatus, job) = try await client.execute(
                uri: "/api/v1/jobs/\(id)", method: .get, headers: [.authorization: "Bearer \(fixture.tokens["ga"]!)"]
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(
                jobStatus == .ok && job.contains("\"failed\"") && job.contains("decompression bomb")
                    && job.contains("\"format\":\"xlsx\""), "\(job.prefix(400))")
        }
        let page = try await fixture.platform.data.query(
            "RK-0001", RecordQueryParameters(fields: "citizen_id", limit: "1"), by: c)
        #expect(page.rows.isEmpty)
    }
}

enum RecordValueSerial {
    /// Days since 1970-01-01.
    static func days(_ d: CivilDate) -> Int64 {
        Int64((RecordValue.parseDatetime("\(d)T00:00:00Z")!.timeIntervalSince1970 / 86_400).rounded())
    }
}
