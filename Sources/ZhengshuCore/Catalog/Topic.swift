import Foundation

/// A topic database (主题库): a resource the bureau derives from other resources by a query (joins, filters,
/// aggregates), materialised into a normal catalog resource.
///
/// The query is a structure, not SQL text: the platform checks it against the catalog, derives the output items
/// (types, data elements, grades) and the column lineage from it, and runs it the same way on every engine.
package struct TopicQuery: Sendable, Hashable, Codable {
    /// The base resource: every output row starts from one of its rows.
    package var from: String
    /// The name the query's column references use for the base (`alias.item`); the resource code when absent.
    package var alias: String?
    package var joins: [Join]
    /// Conditions every joined row must meet before it is output or aggregated (SQL `WHERE`).
    package var filters: [Filter]
    package var columns: [Column]

    package init(from: String, alias: String? = nil, joins: [Join] = [], filters: [Filter] = [], columns: [Column]) {
        self.from = from
        self.alias = alias
        self.joins = joins
        self.filters = filters
        self.columns = columns
    }

    enum CodingKeys: String, CodingKey { case from, alias = "as", joins, filters = "where", columns }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        from = try c.decode(String.self, forKey: .from)
        alias = try c.decodeIfPresent(String.self, forKey: .alias)
        joins = try c.decodeIfPresent([Join].self, forKey: .joins) ?? []
        filters = try c.decodeIfPresent([Filter].self, forKey: .filters) ?? []
        columns = try c.decode([Column].self, forKey: .columns)
    }

    package enum JoinKind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Only rows with a match.
        case inner
        /// Every row, with empty values where nothing matches.
        case left
    }

    package struct Join: Sendable, Hashable, Codable {
        package var resource: String
        package var alias: String?
        package var kind: JoinKind
        /// Pairs of `left` (a column of the base or an earlier join, `alias.item`) equal to `right` (an item of this
        /// resource).
        package var on: [Condition]

        package init(resource: String, alias: String? = nil, kind: JoinKind = .inner, on: [Condition]) {
            self.resource = resource
            self.alias = alias
            self.kind = kind
            self.on = on
        }

        enum CodingKeys: String, CodingKey { case resource, alias = "as", kind, on }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            resource = try c.decode(String.self, forKey: .resource)
            alias = try c.decodeIfPresent(String.self, forKey: .alias)
            kind = try c.decodeIfPresent(JoinKind.self, forKey: .kind) ?? .inner
            on = try c.decode([Condition].self, forKey: .on)
        }
    }

    package struct Condition: Sendable, Hashable, Codable {
        package var left: String
        package var right: String
        package init(left: String, right: String) {
            self.left = left
            self.right = right
        }
    }

    package enum FilterOperator: String, Sendable, Hashable, Codable, CaseIterable {
        case eq, ne, lt, le, gt, ge, prefix
        case isNull = "null", notNull = "notNull"
    }

    package struct Filter: Sendable, Hashable, Codable {
        package var column: String
        package var op: FilterOperator
        /// Absent for `null` and `notNull`.
        package var value: JSONValue?
        package init(column: String, op: FilterOperator, value: JSONValue? = nil) {
            self.column = column
            self.op = op
            self.value = value
        }
    }

    package enum Aggregate: String, Sendable, Hashable, Codable, CaseIterable {
        /// Rows (without `from`), or rows where `from` has a value.
        case count
        case countDistinct
        case sum, avg, min, max
    }

    /// One output item: a column of an input as it is (a dimension when the topic aggregates), or an aggregate.
    package struct Column: Sendable, Hashable, Codable {
        package var name: String
        /// The item's label; the source item's when absent (required for aggregates).
        package var label: String?
        /// `alias.item`; absent only for `count` of rows.
        package var from: String?
        package var aggregate: Aggregate?
        /// Part of the topic's key (a topic that aggregates is keyed by its dimensions).
        package var key: Bool?

        package init(name: String, label: String? = nil, from: String?, aggregate: Aggregate? = nil, key: Bool? = nil) {
            self.name = name
            self.label = label
            self.from = from
            self.aggregate = aggregate
            self.key = key
        }
    }

    /// Every resource the query reads, base first.
    package var inputCodes: [String] { [from] + joins.map(\.resource) }
}

/// A topic as registered: its resource, its query and its schedule.
package struct Topic: Sendable, Hashable {
    package var code: ResourceCode
    package var query: TopicQuery
    /// Materialised again this often; `nil`: only on demand.
    package var intervalSeconds: Int?
    package var nextRunAt: Date?
    package var lastJob: JobID?
    package var lastError: String?
    package var createdBy: String
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        code: ResourceCode, query: TopicQuery, intervalSeconds: Int?, nextRunAt: Date?, lastJob: JobID?,
        lastError: String?,
        createdBy: String, createdAt: Date, updatedAt: Date
    ) {
        self.code = code
        self.query = query
        self.intervalSeconds = intervalSeconds
        self.nextRunAt = nextRunAt
        self.lastJob = lastJob
        self.lastError = lastError
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Schedules run from an hour to a year apart.
    package static let intervals = 3600...31_622_400
}

/// What an admin submits to define a topic: the catalog entry (as for any resource, without items: they come from the
/// query's columns), the query and its schedule.
package struct TopicDraft: Sendable {
    package var resource: ResourceDraft
    package var query: TopicQuery?
    package var intervalSeconds: Int?

    package init(resource: ResourceDraft, query: TopicQuery?, intervalSeconds: Int? = nil) {
        self.resource = resource
        self.query = query
        self.intervalSeconds = intervalSeconds
    }
}

/// A topic query checked against the catalog: where each column comes from, the output items and what it reads.
package struct TopicPlan: Sendable {
    /// One input: the base (0) or a join.
    package struct Source: Sendable {
        package var alias: String
        package var resource: Resource
        /// The items read from it, in the order its rows arrive.
        package var fields: [DataItem]
        package var kind: TopicQuery.JoinKind
        /// For joins: the (source, field) on the left and the field of this source on the right, per condition.
        var on: [(left: Ref, right: Int)]
    }

    /// A value's place: source `source`, position `field` among that source's fields.
    struct Ref: Sendable, Hashable {
        var source: Int
        var field: Int
    }

    enum Test: Sendable {
        case compare(RecordQuery.Operator, RecordValue)
        case isNull, notNull
    }

    struct Output: Sendable {
        var ref: Ref?
        var aggregate: TopicQuery.Aggregate?
    }

    package var sources: [Source]
    /// The topic's items, in column order.
    package var items: [DataItem]
    package var grouped: Bool
    /// At least the highest of the inputs'.
    package var gradeLevel: GradeLevel
    package var sensitivity: Sensitivity
    var filters: [(Ref, Test)]
    var outputs: [Output]

    /// Checks `query` against its inputs (`inputs` holds every resource it names, by code).
    /// - Throws: `validation` naming each wrong field by its path in the request (`query.columns[2].from` …).
    package init(_ query: TopicQuery, inputs: [ResourceCode: Resource], path: String = "query") throws(ZhengshuError) {
        var v: [ZhengshuError.Violation] = []
        var sources: [Source] = []
        func input(_ code: String, _ field: String) -> Resource? {
            guard ResourceCode.isValid(code), let r = inputs[ResourceCode(trusted: code)] else {
                v.append(.init(field: field, reason: "no published resource '\(code.prefix(64))' exists"))
                return nil
            }
            guard r.status == .published else {
                v.append(
                    .init(
                        field: field,
                        reason: "resource \(r.code) is \(r.status.rawValue); a topic reads published resources"))
                return nil
            }
            return r
        }
        func addSource(_ alias: String?, _ resource: Resource, _ kind: TopicQuery.JoinKind, _ field: String) {
            let name = alias ?? resource.code.rawValue
            if name.isEmpty || name.count > 64 || name.contains(".") && alias != nil {
                v.append(.init(field: field, reason: "an alias is 1-64 characters without '.'"))
            }
            if sources.contains(where: { $0.alias == name }) {
                v.append(
                    .init(
                        field: field,
                        reason: "'\(name.prefix(64))' names two inputs; give each its own alias with \"as\""))
            }
            sources.append(Source(alias: name, resource: resource, fields: [], kind: kind, on: []))
        }
        /// Resolves `alias.item` among the first `limit` sources, adding the item to what that source reads.
        func ref(_ text: String, _ path: String, limit: Int? = nil) -> (Ref, DataItem)? {
            let usable = sources.prefix(limit ?? sources.count)
            guard let dot = text.lastIndex(of: ".") else {
                v.append(.init(field: path, reason: "'\(text.prefix(100))' must name an input and an item: alias.item"))
                return nil
            }
            let alias = String(text[..<dot]), name = String(text[text.index(after: dot)...])
            guard let s = usable.firstIndex(where: { $0.alias == alias }) else {
                let known = usable.map(\.alias).joined(separator: ", ")
                v.append(.init(field: path, reason: "'\(alias.prefix(64))' is not an input here (inputs: \(known))"))
                return nil
            }
            guard let item = sources[s].resource.item(named: name) else {
                v.append(.init(field: path, reason: "\(sources[s].resource.code) has no item '\(name.prefix(64))'"))
                return nil
            }
            return (Ref(source: s, field: field(item, of: s)), item)
        }
        /// The position of `item` among what source `s` reads, added when new.
        func field(_ item: DataItem, of s: Int) -> Int {
            if let k = sources[s].fields.firstIndex(of: item) { return k }
            sources[s].fields.append(item)
            return sources[s].fields.count - 1
        }

        if let base = input(query.from, "\(path).from") { addSource(query.alias, base, .inner, "\(path).as") }
        let baseFound = !sources.isEmpty
        if query.joins.count > 8 { v.append(.init(field: "\(path).joins", reason: "at most 8 joins")) }
        for (k, join) in query.joins.prefix(8).enumerated() {
            let at = "\(path).joins[\(k)]"
            guard baseFound, let resource = input(join.resource, "\(at).resource") else { continue }
            let before = sources.count
            addSource(join.alias, resource, join.kind, "\(at).as")
            if join.on.isEmpty || join.on.count > 4 {
                v.append(.init(field: "\(at).on", reason: "needs 1-4 conditions left = right"))
            }
            for (c, condition) in join.on.prefix(4).enumerated() {
                let left = ref(condition.left, "\(at).on[\(c)].left", limit: before)
                guard let item = resource.item(named: condition.right) else {
                    v.append(
                        .init(
                            field: "\(at).on[\(c)].right",
                            reason: "\(resource.code) has no item '\(condition.right.prefix(64))'"))
                    continue
                }
                guard let (leftRef, leftItem) = left else { continue }
                if leftItem.type != item.type {
                    v.append(
                        .init(
                            field: "\(at).on[\(c)]",
                            reason:
                                "\(condition.left.prefix(100)) holds \(leftItem.type.rawValue) values, \(condition.right.prefix(64)) \(item.type.rawValue); join items of one type"
                        ))
                }
                sources[before].on.append((leftRef, field(item, of: before)))
            }
        }

        var filters: [(Ref, Test)] = []
        if query.filters.count > 50 { v.append(.init(field: "\(path).where", reason: "at most 50 conditions")) }
        for (k, filter) in query.filters.prefix(50).enumerated() {
            let at = "\(path).where[\(k)]"
            guard let (r, item) = ref(filter.column, "\(at).column") else { continue }
            switch filter.op {
            case .isNull: filters.append((r, .isNull))
            case .notNull: filters.append((r, .notNull))
            default:
                guard let raw = filter.value, raw != .null else {
                    v.append(.init(field: "\(at).value", reason: "is required for \(filter.op.rawValue)"))
                    continue
                }
                if filter.op == .prefix, item.type != .string {
                    v.append(.init(field: "\(at).op", reason: "prefix compares text items only"))
                    continue
                }
                var loose = item
                loose.required = false
                loose.dataElement = nil
                loose.length = nil
                switch RecordValidator.convert(raw, for: loose) {
                case .success(let value):
                    filters.append((r, .compare(RecordQuery.Operator(rawValue: filter.op.rawValue)!, value)))
                case .failure(let reason):
                    v.append(
                        .init(field: "\(at).value", reason: "\(reason.text) (\(item.name) is \(item.type.rawValue))"))
                }
            }
        }

        var items: [DataItem] = []
        var outputs: [Output] = []
        if query.columns.isEmpty || query.columns.count > 200 {
            v.append(.init(field: "\(path).columns", reason: "needs 1-200 columns"))
        }
        let grouped = query.columns.contains { $0.aggregate != nil }
        var names = Set<String>()
        for (k, column) in query.columns.prefix(200).enumerated() {
            let at = "\(path).columns[\(k)]"
            if !names.insert(column.name).inserted {
                v.append(.init(field: "\(at).name", reason: "'\(column.name.prefix(48))' names two columns"))
            }
            var source: (Ref, DataItem)?
            if let from = column.from {
                source = ref(from, "\(at).from")
            } else if column.aggregate != .count {
                v.append(.init(field: "\(at).from", reason: "is required (alias.item)"))
                continue
            }
            if column.from != nil, source == nil { continue }
            var item: DataItem
            switch column.aggregate {
            case nil:
                item = source!.1
                item.name = column.name
                item.label = column.label ?? item.label
                item.key = column.key == true
                item.required = item.key
            case .count?, .countDistinct?:
                item = DataItem(name: column.name, label: column.label ?? "", type: .integer)
            case .sum?, .avg?:
                guard let s = source?.1, s.type == .integer || s.type == .decimal else {
                    v.append(
                        .init(
                            field: "\(at).aggregate",
                            reason: "\(column.aggregate!.rawValue) needs an integer or decimal item"))
                    continue
                }
                item = DataItem(
                    name: column.name, label: column.label ?? "", type: column.aggregate == .sum ? s.type : .decimal)
                item.sensitivity = s.sensitivity
            case .min?, .max?:
                item = source!.1
                item.name = column.name
                item.label = column.label ?? ""
                item.key = false
                item.required = false
            }
            if column.aggregate != nil {
                if column.key == true {
                    v.append(.init(field: "\(at).key", reason: "an aggregate cannot be part of the key"))
                }
                if item.label.isEmpty { v.append(.init(field: "\(at).label", reason: "is required for an aggregate")) }
            }
            items.append(item)
            outputs.append(Output(ref: source?.0, aggregate: column.aggregate))
        }
        guard v.isEmpty else { throw .validation(v) }
        // Without a key of its own, a topic is keyed like its base when its rows are the base's rows: the base's key
        // items are all output, and it aggregates or every join matches at most one row (on the joined resource's key).
        if !items.contains(where: \.key) {
            let baseKey = sources[0].resource.keyItems.map(\.name)
            let keyOutputs = outputs.indices.filter { k in
                outputs[k].aggregate == nil && outputs[k].ref!.source == 0
                    && baseKey.contains(sources[0].fields[outputs[k].ref!.field].name)
            }
            // Joins that may match many rows (not on the joined resource's whole key).
            let multiplying = Set(
                sources.indices.dropFirst().filter { k in
                    let key = Set(sources[k].resource.keyItems.map(\.name))
                    return key.isEmpty || Set(sources[k].on.map { sources[k].fields[$0.right].name }) != key
                })
            let coveredKey = Set(keyOutputs.map { sources[0].fields[outputs[$0].ref!.field].name })
            let dimsFromMultiplying = outputs.contains { $0.aggregate == nil && multiplying.contains($0.ref!.source) }
            if !baseKey.isEmpty, coveredKey == Set(baseKey), !dimsFromMultiplying, grouped || multiplying.isEmpty {
                for k in keyOutputs {
                    items[k].key = true
                    items[k].required = true
                }
            }
        }
        self.sources = sources
        self.items = items
        self.grouped = grouped
        self.filters = filters
        self.outputs = outputs
        gradeLevel = sources.map(\.resource.gradeLevel).max() ?? .general
        sensitivity = (sources.map(\.resource.sensitivity) + items.compactMap(\.sensitivity)).max() ?? .l2
    }

    /// The inputs' codes, base first, each once.
    package var inputs: [ResourceCode] {
        var seen = Set<ResourceCode>()
        return sources.map(\.resource.code).filter { seen.insert($0).inserted }
    }

    /// Column lineage: which input items each output item is made from.
    package func columnLineage() -> [(
        item: DataItem, from: [(resource: ResourceCode, item: String)], aggregate: TopicQuery.Aggregate?
    )] {
        zip(items, outputs).map { item, output in
            (
                item,
                output.ref.map { [(sources[$0.source].resource.code, sources[$0.source].fields[$0.field].name)] } ?? [],
                output.aggregate
            )
        }
    }
}

/// Runs a plan over rows: the joined inputs are indexed first (``index(_:source:)``), then the base streams through
/// ``feed(_:emit:)``; a topic that aggregates gives its groups at ``finish(emit:)``.
package struct TopicRun: Sendable {
    package let plan: TopicPlan
    /// Per join source: its rows by their join key.
    private var tables: [[[UInt8]: [[RecordValue]]]]
    /// The groups in the order they were first seen: their dimensions and aggregates, found by their key's bytes.
    private var groupIndex: [[UInt8]: Int] = [:]
    private var groupDims: [[RecordValue]] = []
    private var groupAccumulators: [[Accumulator]] = []
    package private(set) var indexedRows = 0
    package private(set) var outputRows = 0

    /// Rows held in memory from the joined inputs (and groups), at most: beyond, the topic needs narrower inputs.
    package static let maxHeldRows = 5_000_000
    /// Output rows a single base row may produce (a join on a key that repeats everywhere multiplies rows).
    package static let maxRowsPerBaseRow = 10_000

    package init(_ plan: TopicPlan) {
        self.plan = plan
        tables = Array(repeating: [:], count: plan.sources.count)
    }

    /// The join key of values as bytes (hashed without Unicode normalisation, which dominates hashing text), or `nil`
    /// when one is empty (an empty value matches nothing, as in SQL).
    private static func key(_ values: [RecordValue]) -> [UInt8]? {
        var bytes: [UInt8] = []
        for value in values {
            if value.isNull { return nil }
            bytes += value.text.utf8
            bytes.append(0x1F)
        }
        return bytes
    }

    /// A group's key: every dimension's text, an empty one told apart from a missing one.
    private static func groupKey(_ values: [RecordValue]) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in values {
            if value.isNull {
                bytes.append(0)
            } else {
                bytes.append(1)
                bytes += value.text.utf8
            }
            bytes.append(0x1F)
        }
        return bytes
    }

    /// Adds a row of join source `source` (its plan fields, in order).
    package mutating func index(_ row: [RecordValue], source: Int) throws(ZhengshuError) {
        guard let key = Self.key(plan.sources[source].on.map { row[$0.right] }) else { return }
        indexedRows += 1
        if indexedRows > Self.maxHeldRows {
            throw ZhengshuError(
                .conflict, "the joined inputs hold more than \(Self.maxHeldRows) rows; filter them or join fewer rows")
        }
        tables[source][key, default: []].append(row)
    }

    /// Joins one base row, applies the filters, and emits the output rows (or adds them to their groups).
    package mutating func feed(_ row: [RecordValue], emit: ([RecordValue]) throws -> Void) throws {
        var combos: [[[RecordValue]?]] = [[row]]
        for s in plan.sources.indices.dropFirst() {
            let source = plan.sources[s]
            var next: [[[RecordValue]?]] = []
            for combo in combos {
                let key = Self.key(source.on.map { combo[$0.left.source]?[$0.left.field] ?? .null })
                let matches = key.flatMap { tables[s][$0] } ?? []
                if matches.isEmpty {
                    if source.kind == .left { next.append(combo + [nil]) }
                } else {
                    for m in matches { next.append(combo + [m]) }
                }
            }
            guard next.count <= Self.maxRowsPerBaseRow else {
                throw ZhengshuError(
                    .conflict,
                    "one row of \(plan.sources[0].resource.code) joins more than \(Self.maxRowsPerBaseRow) rows of "
                        + "\(source.resource.code); join on a key that identifies a row")
            }
            combos = next
        }
        for combo in combos where passes(combo) {
            if plan.grouped {
                try add(combo)
            } else {
                outputRows += 1
                try emit(plan.outputs.map { value($0.ref, combo) })
            }
        }
    }

    /// Emits every group's row (nothing for a topic that does not aggregate).
    package mutating func finish(emit: ([RecordValue]) throws -> Void) rethrows {
        for (dims, accumulators) in zip(groupDims, groupAccumulators) {
            var d = dims.makeIterator()
            var a = accumulators.makeIterator()
            outputRows += 1
            try emit(plan.outputs.map { $0.aggregate == nil ? d.next()! : a.next()!.result })
        }
        groupIndex = [:]
        groupDims = []
        groupAccumulators = []
    }

    private func value(_ ref: TopicPlan.Ref?, _ combo: [[RecordValue]?]) -> RecordValue {
        guard let ref else { return .null }
        return combo[ref.source]?[ref.field] ?? .null
    }

    private func passes(_ combo: [[RecordValue]?]) -> Bool {
        plan.filters.allSatisfy { ref, test in
            let v = value(ref, combo)
            switch test {
            case .isNull: return v.isNull
            case .notNull: return !v.isNull
            case .compare(let op, let target):
                guard !v.isNull else { return false }
                if op == .prefix { return v.text.hasPrefix(target.text) }
                guard let order = QualityRun.compare(v, target) else { return false }
                switch op {
                case .eq: return order == .orderedSame
                case .ne: return order != .orderedSame
                case .lt: return order == .orderedAscending
                case .le: return order != .orderedDescending
                case .gt: return order == .orderedDescending
                case .ge: return order != .orderedAscending
                case .prefix: return false
                }
            }
        }
    }

    private mutating func add(_ combo: [[RecordValue]?]) throws {
        let dims = plan.outputs.filter { $0.aggregate == nil }.map { value($0.ref, combo) }
        let key = Self.groupKey(dims)
        let g: Int
        if let found = groupIndex[key] {
            g = found
        } else {
            guard groupDims.count + indexedRows < Self.maxHeldRows else {
                throw ZhengshuError(
                    .conflict, "the topic has more than \(Self.maxHeldRows) groups; aggregate by fewer columns")
            }
            g = groupDims.count
            groupIndex[key] = g
            groupDims.append(dims)
            groupAccumulators.append(plan.outputs.compactMap { o in o.aggregate.map { Accumulator($0) } })
        }
        var k = 0
        for o in plan.outputs where o.aggregate != nil {
            groupAccumulators[g][k].add(o.ref == nil ? .boolean(true) : value(o.ref, combo))
            k += 1
        }
    }
}

/// One aggregate of one group, in exact decimal arithmetic.
struct Accumulator: Sendable {
    let function: TopicQuery.Aggregate
    var count = 0
    var sum = Decimal(0)
    var integral = true
    var extreme: RecordValue = .null
    var distinct = Set<String>()

    init(_ function: TopicQuery.Aggregate) {
        self.function = function
    }

    mutating func add(_ v: RecordValue) {
        guard !v.isNull else { return }
        count += 1
        switch function {
        case .count: break
        case .countDistinct: distinct.insert(v.text)
        case .sum, .avg:
            if case .decimal = v { integral = false }
            sum += Decimal(string: v.text) ?? 0
        case .min, .max:
            if extreme.isNull {
                extreme = v
                return
            }
            guard let order = QualityRun.compare(v, extreme) else { return }
            if function == .min ? order == .orderedAscending : order == .orderedDescending { extreme = v }
        }
    }

    var result: RecordValue {
        switch function {
        case .count: return .integer(Int64(count))
        case .countDistinct: return .integer(Int64(distinct.count))
        case .min, .max: return extreme
        case .sum:
            guard count > 0 else { return .null }
            if integral, let n = Int64(exactly: NSDecimalNumber(decimal: sum).int64Value), Decimal(n) == sum {
                return .integer(n)
            }
            return .decimal(Self.text(sum))
        case .avg:
            guard count > 0 else { return .null }
            var mean = sum / Decimal(count), rounded = Decimal()
            NSDecimalRound(&rounded, &mean, 4, .plain)
            return .decimal(Self.text(rounded))
        }
    }

    static func text(_ d: Decimal) -> String { NSDecimalNumber(decimal: d).stringValue }
}
