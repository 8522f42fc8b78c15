import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

/// How a topic query is checked against the catalog and run over rows: joins, filters, aggregates, keys, grades.
@Suite struct TopicRulesTests {
    static func resource(
        _ code: String, _ items: [DataItem], grade: GradeLevel = .general, sensitivity: Sensitivity = .l2
    ) -> Resource {
        Resource(
            code: ResourceCode(trusted: code), name: code, abstract: "", department: DepartmentCode(trusted: "D"),
            category: "人口", items: items,
            shareType: .conditional, shareCondition: nil, openType: .none, updateCycle: .daily, gradeLevel: grade,
            sensitivity: sensitivity,
            serviceItems: [], sourceSystem: nil, format: "表格", status: .published, version: 1, publishedAt: Date(),
            createdAt: Date(), updatedAt: Date())
    }

    /// Firms (key: code), people (key: id) and payments (many per person).
    static let inputs: [ResourceCode: Resource] = {
        let firms = resource(
            "FIRM",
            [
                DataItem(name: "code", label: "统一社会信用代码", type: .string, key: true, dataElement: .creditCode),
                DataItem(name: "name", label: "企业名称", type: .string),
                DataItem(name: "rep", label: "法定代表人身份证号", type: .string, dataElement: .citizenID),
            ])
        let people = resource(
            "PEOPLE",
            [
                DataItem(name: "id", label: "公民身份号码", type: .string, key: true, dataElement: .citizenID),
                DataItem(name: "xm", label: "姓名", type: .string, sensitivity: .l3),
            ], grade: .important)
        let pays = resource(
            "PAY",
            [
                DataItem(name: "id", label: "公民身份号码", type: .string),
                DataItem(name: "month", label: "缴费年月", type: .string),
                DataItem(name: "amount", label: "缴费金额", type: .decimal),
            ])
        return Dictionary(uniqueKeysWithValues: [firms, people, pays].map { ($0.code, $0) })
    }()

    static func run(
        _ query: TopicQuery, firms: [[String?]], people: [[String?]], pays: [[String?]]
    ) throws -> (TopicPlan, [[String]]) {
        let plan = try TopicPlan(query, inputs: inputs)
        var run = TopicRun(plan)
        func values(_ row: [String?], _ source: TopicPlan.Source) -> [RecordValue] {
            // The test rows are written in each resource's item order; the plan reads only some items, in its own order.
            let all = source.resource.items
            return source.fields.map { f in
                guard let text = row[all.firstIndex(of: f)!] else { return .null }
                return f.type == .decimal ? .decimal(text) : .string(text)
            }
        }
        for (k, source) in plan.sources.enumerated().dropFirst() {
            let rows = source.resource.code.rawValue == "PEOPLE" ? people : pays
            for row in rows { try run.index(values(row, source), source: k) }
        }
        var out: [[String]] = []
        for row in firms { try run.feed(values(row, plan.sources[0])) { out.append($0.map(\.text)) } }
        run.finish { out.append($0.map(\.text)) }
        return (plan, out)
    }

    static let firms: [[String?]] = [["F1", "甲公司", "P1"], ["F2", "乙公司", "P2"], ["F3", "丙公司", nil]]
    static let people: [[String?]] = [["P1", "张三"], ["P2", "李四"]]
    static let pays: [[String?]] = [
        ["P1", "202401", "0.1"], ["P1", "202402", "0.2"], ["P1", "202402", "100"], ["P9", "202401", "5"],
    ]

    @Test func joinsAggregatesAndKeysFollowTheQuery() throws {
        let query = TopicQuery(
            from: "FIRM", alias: "f",
            joins: [
                .init(resource: "PEOPLE", alias: "p", kind: .left, on: [.init(left: "f.rep", right: "id")]),
                .init(resource: "PAY", kind: .left, on: [.init(left: "f.rep", right: "id")]),
            ],
            columns: [
                .init(name: "code", from: "f.code"), .init(name: "name", from: "f.name"),
                .init(name: "rep_name", label: "法定代表人姓名", from: "p.xm"),
                .init(name: "payments", label: "缴费次数", from: "PAY.month", aggregate: .count),
                .init(name: "months", label: "缴费月数", from: "PAY.month", aggregate: .countDistinct),
                .init(name: "total", label: "缴费总额", from: "PAY.amount", aggregate: .sum),
                .init(name: "mean", label: "平均缴费", from: "PAY.amount", aggregate: .avg),
                .init(name: "first", label: "首次缴费", from: "PAY.month", aggregate: .min),
                .init(name: "rows", label: "行数", from: nil, aggregate: .count),
            ])
        let (plan, rows) = try Self.run(query, firms: Self.firms, people: Self.people, pays: Self.pays)
        // Exact decimals; a firm without matches keeps its row (left joins) with empty sums, as SQL has them.
        #expect(
            rows == [
                ["F1", "甲公司", "张三", "3", "2", "100.3", "33.4333", "202401", "3"],
                ["F2", "乙公司", "李四", "0", "0", "", "", "", "1"],
                ["F3", "丙公司", "", "0", "0", "", "", "", "1"],
            ])
        // Grouped by the base's key: keyed by it. Items keep their source's type, element and grade; the topic's grade
        // is the highest of its inputs'.
        #expect(plan.items.filter(\.key).map(\.name) == ["code"])
        #expect(
            plan.items[0].dataElement == .creditCode && plan.items[2].sensitivity == .l3
                && plan.items[2].label == "法定代表人姓名")
        #expect(
            plan.items.map(\.type) == [
                .string, .string, .string, .integer, .integer, .decimal, .decimal, .string, .integer,
            ])
        #expect(plan.gradeLevel == .important && plan.sensitivity == .l3)
        #expect(plan.inputs.map(\.rawValue) == ["FIRM", "PEOPLE", "PAY"])
        let lineage = plan.columnLineage()
        #expect(lineage[2].from.map { "\($0.resource).\($0.item)" } == ["PEOPLE.xm"] && lineage[2].aggregate == nil)
        #expect(lineage[5].from.map { "\($0.resource).\($0.item)" } == ["PAY.amount"] && lineage[5].aggregate == .sum)
        #expect(lineage[8].from.isEmpty)
    }

    @Test func innerJoinsAndFiltersDropRowsAndEmptyKeysMatchNothing() throws {
        let query = TopicQuery(
            from: "FIRM", joins: [.init(resource: "PAY", on: [.init(left: "FIRM.rep", right: "id")])],
            filters: [
                .init(column: "PAY.month", op: .ge, value: .string("202402")),
                .init(column: "FIRM.name", op: .prefix, value: .string("甲")),
            ],
            columns: [
                .init(name: "code", from: "FIRM.code"), .init(name: "month", from: "PAY.month"),
                .init(name: "amount", from: "PAY.amount"),
            ])
        let (plan, rows) = try Self.run(query, firms: Self.firms + [["F4", "甲乙", nil]], people: [], pays: Self.pays)
        #expect(rows == [["F1", "202402", "0.2"], ["F1", "202402", "100"]])
        // Payments multiply a firm's rows: no key is assumed.
        #expect(plan.items.allSatisfy { !$0.key })
        // Joined on the people's key, the firm's rows stay the firm's: keyed by the firm's code.
        let onKey = TopicQuery(
            from: "FIRM", joins: [.init(resource: "PEOPLE", kind: .left, on: [.init(left: "FIRM.rep", right: "id")])],
            filters: [.init(column: "PEOPLE.xm", op: .isNull)],
            columns: [.init(name: "code", from: "FIRM.code"), .init(name: "who", from: "PEOPLE.xm")])
        let (keyed, orphans) = try Self.run(onKey, firms: Self.firms, people: Self.people, pays: [])
        #expect(keyed.items.filter(\.key).map(\.name) == ["code"] && orphans == [["F3", ""]])
    }

    @Test func aWrongQueryNamesEachWrongField() throws {
        let query = TopicQuery(
            from: "FIRM",
            joins: [
                .init(resource: "NOPE", on: [.init(left: "FIRM.rep", right: "id")]),
                .init(resource: "PAY", on: [.init(left: "x.rep", right: "nope")]),
                .init(resource: "PAY", on: [.init(left: "FIRM.code", right: "amount")]),
            ],
            filters: [
                .init(column: "FIRM.name", op: .gt), .init(column: "PAY.amount", op: .prefix, value: .string("1")),
            ],
            columns: [
                .init(name: "a", from: "FIRM.nope"), .init(name: "a", from: "FIRM.code"),
                .init(name: "s", label: "和", from: "FIRM.name", aggregate: .sum),
                .init(name: "c", from: nil, aggregate: .count),
                .init(name: "m", from: "FIRM.rep", aggregate: .max, key: true),
            ])
        #expect(throws: ZhengshuError.self) { try TopicPlan(query, inputs: Self.inputs) }
        do {
            _ = try TopicPlan(query, inputs: Self.inputs)
        } catch {
            let fields = Dictionary(error.violations.map { ($0.field, $0.reason) }) { a, b in "\(a); \(b)" }
            #expect(fields["query.joins[0].resource"]?.contains("NOPE") == true)
            #expect(fields["query.joins[1].on[0].left"]?.contains("'x' is not an input") == true)
            #expect(fields["query.joins[1].on[0].right"]?.contains("no item 'nope'") == true)
            #expect(fields["query.joins[2].as"]?.contains("names two inputs") == true)
            #expect(fields["query.joins[2].on[0]"]?.contains("of one type") == true)
            #expect(fields["query.where[0].value"]?.contains("required") == true)
            #expect(fields["query.where[1].op"]?.contains("text items only") == true)
            #expect(fields["query.columns[0].from"]?.contains("no item 'nope'") == true)
            #expect(fields["query.columns[1].name"]?.contains("names two columns") == true)
            #expect(fields["query.columns[2].aggregate"]?.contains("integer or decimal") == true)
            #expect(fields["query.columns[3].label"]?.contains("required") == true)
            #expect(fields["query.columns[4].key"] != nil && fields["query.columns[4].label"] != nil)
        }
    }
}
