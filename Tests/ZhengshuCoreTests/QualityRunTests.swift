import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

/// The quality engine against datagen's injected defects: the failing (row, defect) pairs equal the label file exactly.
@Suite struct QualityRunTests {
    @Test(.enabled(if: Datagen.script != nil, "datagen.py not found"), arguments: ["population", "enterprise"])
    func defaultRulesFindExactlyTheInjectedDefects(_ dataset: String) throws {
        let labels = FileManager.default.temporaryDirectory.appendingPathComponent("zs-labels-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: labels) }
        let csv = try Datagen.run([
            dataset, "--rows", "20000", "--seed", "11", "--defects", "0.05", "--labels", labels.path,
        ])
        let resource = try QualityRunTestsShape.resource(dataset)
        let rules = QualityRules.proposed(for: resource)
        // datagen's clean dates run to the end of 2026: the run is as of the first moment of 2027, Beijing time.
        var run = try QualityRun(
            resource: resource, rules: rules, at: Date(timeIntervalSince1970: 1_798_732_800 - 8 * 3600))

        // Rows are read and converted by type only, as ingest does when every rule is a flag.
        let loose = resource.items.map { item -> DataItem in
            var i = item
            i.required = false
            i.dataElement = nil
            i.length = nil
            return i
        }
        var reader = SourceReader(format: .csv)
        var converter: RowConverter?
        var found = Set<String>()
        var problems = 0
        let defects = rules.filter(\.enabled).map { QualityRunTestsShape.defect(of: $0.check) }
        try reader.feed(Array(csv)) { row, header in
            if converter == nil {
                converter = RowConverter(
                    items: loose, mapping: try ColumnMapping.resolve(header: header, items: loose, explicit: [:]))
            }
            let (values, conversion) = converter!.convert(row.values)
            problems += conversion.count
            run.check(values, number: row.number) { failure in
                found.insert("\(failure.row),\(defects[failure.rule])")
            }
        }
        try reader.finish { _, _ in }
        #expect(problems == 0, "rows that do not even convert")

        let expected = Set(
            try String(contentsOf: labels, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
                let parts = line.split(separator: ",", omittingEmptySubsequences: false)
                return "\(parts[0]),\(parts[2])"
            })
        #expect(expected.count > 500)
        for defect in Set(expected.map { String($0.split(separator: ",")[1]) }).sorted() {
            let want = expected.filter { $0.hasSuffix(",\(defect)") }
            let got = found.filter { $0.hasSuffix(",\(defect)") }
            let precision = got.isEmpty ? 1 : Double(got.intersection(want).count) / Double(got.count)
            let recall = Double(got.intersection(want).count) / Double(want.count)
            #expect(
                precision == 1 && recall == 1,
                "\(dataset) \(defect): precision \(precision), recall \(recall); extra \(got.subtracting(want).sorted().prefix(5)), missed \(want.subtracting(got).sorted().prefix(5))"
            )
        }
        #expect(found == expected)
        // Every rule reports its counts and masked samples; the score reflects about 5 % damaged rows.
        let results = run.results()
        #expect(results.allSatisfy { $0.checked > 0 })
        let idSamples = results.filter { if case .element(_, .citizenID) = $0.rule.check { true } else { false } }
            .flatMap(\.samples)
        #expect(idSamples.allSatisfy { $0.value.contains("*") })
        let score = QualityRun.score(results)
        #expect(score > 95 && score < 100)
    }

    @Test func rulesCompareTypedValuesAndSkipEmptyFields() throws {
        var draft = ResourceDraft()
        draft.code = "T-1"
        draft.name = "t"
        draft.department = "C-GA"
        draft.category = "部门"
        draft.shareType = .unconditional
        draft.items = [
            DataItem(name: "a", label: "甲", type: .integer), DataItem(name: "b", label: "乙", type: .date),
            DataItem(name: "c", label: "丙", type: .date), DataItem(name: "d", label: "丁", type: .string),
        ]
        let resource = try CatalogRules.newResource(from: draft, now: Date())
        let rules = [
            QualityRule(check: .range(item: "a", min: "1", max: "10")),
            QualityRule(check: .compare(left: "b", op: .le, right: "c")),
            QualityRule(check: .pattern(item: "d", regex: "[A-Z]{2}\\d+")),
            QualityRule(check: .codeList(item: "d", codes: ["AB1", "CD22"])),
        ]
        var run = try QualityRun(resource: resource, rules: rules, at: Date())
        let d = { CivilDate(iso: $0).map(RecordValue.date)! }
        var failures: [String] = []
        let rows: [RecordValidator.Row] = [
            [.integer(9), d("2020-01-02"), d("2020-01-10"), .string("AB1")],
            [.integer(11), d("2020-02-01"), d("2020-01-10"), .string("ab1")],
            [.null, .null, d("2020-01-10"), .string("CD22")],
        ]
        for (n, row) in rows.enumerated() { run.check(row, number: n + 1) { failures.append("\($0.row):\($0.field)") } }
        #expect(failures == ["2:a", "2:b", "2:d", "2:d"])
        #expect(run.results().map(\.checked) == [2, 2, 3, 3])
        #expect(throws: ZhengshuError.self) {
            _ = try QualityRun(resource: resource, rules: [QualityRule(check: .required(item: "nope"))], at: Date())
        }
        #expect(Masker.defaults.apply(.display(.citizenID), text: "330106199001011234") == "330106********1234")
    }
}
