import Foundation
import Testing
import ZhengshuCore

@Suite struct DelimitedParserTests {
    func parse(
        _ text: String, chunk: Int = .max, delimiter: Character = ",", maxField: Int = 1 << 20
    ) throws -> [[String]] {
        try parseRecords(Array(text.utf8), chunk: chunk, delimiter: delimiter, maxField: maxField).map(\.fields)
    }

    func parseRecords(
        _ bytes: [UInt8], chunk: Int = .max, delimiter: Character = ",", maxField: Int = 1 << 20
    ) throws
        -> [(fields: [String], line: Int, oversized: Int?)]
    {
        var parser = DelimitedParser(delimiter: delimiter.asciiValue!, maxFieldBytes: maxField)
        var out: [(fields: [String], line: Int, oversized: Int?)] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + min(chunk, bytes.count))
            parser.feed(bytes[start..<end]) { out.append(($0.strings, $0.line, $0.oversizedField)) }
            start = end
        }
        try parser.finish { out.append(($0.strings, $0.line, $0.oversizedField)) }
        return out
    }

    @Test func quotesDoubledQuotesAndEmbeddedNewlines() throws {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"line1\nline2\"\r\n"
        #expect(try parse(text) == [["a", "b", "c"], ["x, y", "say \"hi\"", "line1\nline2"]])
    }

    @Test func mixedLineEndingsAndBlankLines() throws {
        #expect(
            try parse("a,b\nc,d\r\ne,f\rg,h\n\n\r\ni,j") == [
                ["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"], ["i", "j"],
            ])
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func chunkBoundariesDoNotMatter(_ chunk: Int) throws {
        let text = "名称,值\r\n\"引号\"\"内\",\"多\r\n行\"\r\n最后,一行"
        #expect(try parse(text, chunk: chunk) == parse(text))
        #expect(try parse(text, chunk: chunk).count == 3)
    }

    @Test func emptyFieldsAndRaggedRowsAreKeptAsRead() throws {
        #expect(
            try parse("a,b,c\n1,,3\n4,5\n6,7,8,9\n") == [
                ["a", "b", "c"], ["1", "", "3"], ["4", "5"], ["6", "7", "8", "9"],
            ])
    }

    @Test func tabSeparated() throws {
        #expect(try parse("a\tb\n1,2\t3\n", delimiter: "\t") == [["a", "b"], ["1,2", "3"]])
    }

    @Test func unterminatedQuoteAtTheEndIsAnErrorNamingItsLine() {
        #expect(throws: DelimitedParser.ParseError.unterminatedQuote(line: 3)) {
            _ = try parse("a,b\n1,2\n3,\"never closed\n4,5\n")
        }
    }

    @Test func oversizedFieldsAreCutAndFlagged() throws {
        let big = String(repeating: "x", count: 5000)
        let records = try parseRecords(Array("a,b\n1,\(big)\n2,ok\n".utf8), maxField: 1000)
        #expect(records[1].oversized == 1)
        #expect(records[1].fields[1].count == 1000)
        #expect(records[2].oversized == nil && records[2].fields == ["2", "ok"])
    }

    @Test func recordsKnowTheirStartingLine() throws {
        let records = try parseRecords(Array("h\n\"a\nb\"\nc\n".utf8))
        #expect(records.map(\.line) == [1, 2, 4])
    }
}

@Suite struct TranscoderTests {
    func decodeAll(_ bytes: [UInt8], _ encoding: SourceEncoding, chunk: Int) throws -> (String, SourceEncoding) {
        var t = Transcoder(encoding)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            out += try t.decode(Array(bytes[i..<min(bytes.count, i + chunk)]))
            i += chunk
        }
        out += try t.decode([], final: true)
        return (String(decoding: out, as: UTF8.self), t.encoding)
    }

    // "人口,性别" in GBK.
    let gbk: [UInt8] = [0xC8, 0xCB, 0xBF, 0xDA, 0x2C, 0xD0, 0xD4, 0xB1, 0xF0]

    @Test(arguments: [1, 2, 3, 100])
    func gbkIsDetectedAndDecodedAcrossChunkBoundaries(_ chunk: Int) throws {
        let (text, encoding) = try decodeAll(gbk, .auto, chunk: chunk == 100 ? 100 : max(chunk, 3))
        #expect(text == "人口,性别")
        #expect(encoding == .gb18030)
        #expect(try decodeAll(gbk, .gbk, chunk: chunk).0 == "人口,性别")
    }

    @Test(arguments: [1, 2, 5])
    func utf8WithAndWithoutBOM(_ chunk: Int) throws {
        let plain = Array("人口,性别".utf8)
        #expect(try decodeAll([0xEF, 0xBB, 0xBF] + plain, .auto, chunk: chunk) == ("人口,性别", .utf8))
        #expect(try decodeAll(plain, .auto, chunk: 100) == ("人口,性别", .utf8))
        #expect(try decodeAll(plain, .utf8, chunk: chunk).0 == "人口,性别")
    }

    /// Bytes that are not UTF-8 in a UTF-8 file become U+FFFD, which the row's validation rejects with its row:
    /// one bad line costs that line, never the file, and is never stored as mojibake.
    @Test(arguments: [1, 2, 100])
    func strayBytesInUTF8BecomeReplacementCharacters(_ chunk: Int) throws {
        #expect(try decodeAll(Array("abc".utf8) + [0xFF, 0x41], .utf8, chunk: chunk).0 == "abc\u{FFFD}A")
        #expect(try decodeAll(gbk, .utf8, chunk: chunk).0.contains("\u{FFFD}"))
        // A UTF-8 file with one GBK line is still read as UTF-8 when the encoding is detected.
        let mixed = Array(String(repeating: "浙江省杭州市西湖区文三路\n", count: 10).utf8) + gbk + [0x0A]
        let (text, encoding) = try decodeAll(mixed, .auto, chunk: 100)
        #expect(encoding == .utf8 && text.hasPrefix("浙江省杭州市") && text.contains("\u{FFFD}"))
        // A GBK file stays GBK.
        #expect(try decodeAll(gbk, .auto, chunk: 100).1 == .gb18030)
    }

    /// A byte that starts no GB 18030 character becomes U+FFFD too, so its line is rejected and the others load.
    @Test(arguments: [1, 2, 100])
    func invalidGBKBytesBecomeReplacementCharacters(_ chunk: Int) throws {
        // A character cut short at the very end of the file, a byte no character starts with, an invalid second byte.
        #expect(try decodeAll(gbk + [0xC8], .gbk, chunk: chunk).0 == "人口,性别\u{FFFD}")
        #expect(try decodeAll(gbk + [0x0A, 0xFF, 0x41, 0x0A] + gbk, .gbk, chunk: chunk).0 == "人口,性别\n\u{FFFD}A\n人口,性别")
        #expect(try decodeAll([0x81, 0x20] + gbk, .gb18030, chunk: chunk).0 == "\u{FFFD} 人口,性别")
    }
}

@Suite struct LooseDateTests {
    @Test(arguments: [
        "2024-01-02", "2024-1-2", "2024/1/2", "2024.01.02", "20240102", "2024年1月2日", "45293", " 2024/01/02 ",
    ])
    func chineseOfficeDateForms(_ text: String) {
        #expect(CivilDate(loose: text) == CivilDate(year: 2024, month: 1, day: 2))
    }

    @Test(arguments: ["2024-02-30", "2024/13/1", "2024年1月", "1/2/2024", "0", "60", "abc", "2024-01-02T00:00"])
    func notDates(_ text: String) {
        #expect(CivilDate(loose: text) == nil)
    }
}

@Suite struct ColumnMappingTests {
    let items = [
        DataItem(name: "citizen_id", label: "公民身份号码", type: .string, key: true, dataElement: .citizenID),
        DataItem(name: "name", label: "姓名", type: .string, required: true),
        DataItem(name: "birth_date", label: "出生日期", type: .date),
    ]

    @Test func mapsByNameOrLabelIgnoringCaseAndSpaces() throws {
        let m = try ColumnMapping.resolve(header: ["公民身份 号码", "NAME", "备注", "出生日期"], items: items)
        #expect(m.columns == [0, 1, 3])
        #expect(m.unknownColumns == ["备注"])
    }

    @Test func explicitMappingWins() throws {
        let m = try ColumnMapping.resolve(
            header: ["gmsfhm", "xm"], items: items, explicit: ["gmsfhm": "citizen_id", "xm": "name"])
        #expect(m.columns == [0, 1, nil])
        #expect(m.unknownColumns.isEmpty)
    }

    @Test func missingRequiredColumnsAndBadMappingsAreErrors() {
        #expect(throws: ZhengshuError.self) { try ColumnMapping.resolve(header: ["姓名"], items: items) }
        #expect(throws: ZhengshuError.self) {
            try ColumnMapping.resolve(header: ["a", "b"], items: items, explicit: ["a": "citizen_id", "zzz": "name"])
        }
    }

    @Test func rowConverterExplainsEveryProblem() throws {
        let m = try ColumnMapping.resolve(header: ["公民身份号码", "姓名", "出生日期"], items: items)
        let c = RowConverter(items: items, mapping: m)
        #expect(c.convert([.string("11010519491231002X"), .string("张三"), .string("1949年12月31日")]).problems.isEmpty)
        #expect(c.convert([.string("1"), .string("2")]).problems.map(\.field) == ["*"])
        #expect(
            c.convert([.string("11010519491231002X"), .string("a\u{0}b"), .string("")]).problems.map(\.field) == [
                "name"
            ])
        #expect(
            c.convert([.string("x"), .string(""), .string("1949-02-30")]).problems.map(\.field) == [
                "citizen_id", "name", "birth_date",
            ])
    }
}

@Suite struct FreshnessTests {
    let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func followsTheDeclaredCycle() {
        let day: TimeInterval = 86_400
        #expect(Freshness.status(cycle: .daily, lastUpdated: t0, since: nil, now: t0 + 0.5 * day).0 == .fresh)
        #expect(Freshness.status(cycle: .daily, lastUpdated: t0, since: nil, now: t0 + 1.5 * day).0 == .due)
        #expect(Freshness.status(cycle: .daily, lastUpdated: t0, since: nil, now: t0 + 3 * day).0 == .overdue)
        #expect(Freshness.status(cycle: .monthly, lastUpdated: t0, since: nil, now: t0 + 40 * day).0 == .due)
        #expect(Freshness.status(cycle: .monthly, lastUpdated: t0, since: nil, now: t0 + 50 * day).0 == .overdue)
        #expect(Freshness.status(cycle: .irregular, lastUpdated: nil, since: t0, now: t0 + 900 * day).0 == .unscheduled)
        #expect(Freshness.status(cycle: .weekly, lastUpdated: nil, since: t0, now: t0 + day).0 == .due)
        #expect(Freshness.status(cycle: .weekly, lastUpdated: nil, since: t0, now: t0 + 30 * day).0 == .overdue)
    }
}
