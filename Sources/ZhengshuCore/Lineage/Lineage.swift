import Foundation

/// A dataset as OpenLineage names it; a resource is the dataset `zhengshu` / its code.
package struct DatasetRef: Hashable, Sendable {
    package var namespace: String
    package var name: String
    package init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    package static let platformNamespace = "zhengshu"
    package static func resource(_ code: ResourceCode) -> DatasetRef {
        DatasetRef(namespace: platformNamespace, name: code.rawValue)
    }
}

package struct JobRef: Hashable, Sendable {
    package var namespace: String
    package var name: String
    package init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
}

/// One column feeding another, from an output's `columnLineage` facet.
package struct ColumnEdge: Hashable, Sendable {
    package var from: DatasetRef
    package var fromField: String
    package var to: DatasetRef
    package var toField: String
    package var job: JobRef

    package init(from: DatasetRef, fromField: String, to: DatasetRef, toField: String, job: JobRef) {
        self.from = from
        self.fromField = fromField
        self.to = to
        self.toField = toField
        self.job = job
    }
}

/// What a run event says about the graph: a job read its inputs and wrote its outputs (with column edges).
package struct LineageRun: Hashable, Sendable {
    package var runID: String
    package var eventType: String
    package var eventTime: Date
    package var job: JobRef
    package var inputs: [DatasetRef]
    package var outputs: [DatasetRef]
    package var columns: [ColumnEdge]
    /// Output fields named by a `schema` facet (dataset → fields).
    package var schemas: [DatasetRef: [String]]
}

/// OpenLineage run events (spec 2-0-2): read from the JSON any OpenLineage client sends, and written for the platform's
/// own jobs.
package enum OpenLineage {
    package static let schemaURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
    package static let producer = "https://github.com/zhengshu/zhengshu"
    static let eventTypes: Set<String> = ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]

    /// Reads a run event, or lists what is wrong with it (field paths as the spec names them).
    package static func parse(_ json: JSONValue) throws(ZhengshuError) -> LineageRun {
        var v: [ZhengshuError.Violation] = []
        guard case .object(let o) = json else {
            throw .validation([.init(field: "$", reason: "must be a JSON object (an OpenLineage RunEvent)")])
        }
        func text(_ value: JSONValue?, _ path: String, max: Int = 1000) -> String? {
            guard case .string(let s)? = value, !s.isEmpty, s.count <= max else {
                v.append(.init(field: path, reason: "is required: a string of 1-\(max) characters"))
                return nil
            }
            return s
        }
        func object(_ value: JSONValue?, _ path: String) -> [String: JSONValue]? {
            guard case .object(let x)? = value else {
                v.append(.init(field: path, reason: "must be an object"))
                return nil
            }
            return x
        }
        let eventType: String
        if case .string(let t)? = o["eventType"] {
            if !eventTypes.contains(t) {
                v.append(
                    .init(field: "eventType", reason: "must be one of \(eventTypes.sorted().joined(separator: ", "))"))
            }
            eventType = t
        } else {
            eventType = "OTHER"
        }
        let time = text(o["eventTime"], "eventTime", max: 64).flatMap { RecordValue.parseDatetime($0) }
        if time == nil, v.allSatisfy({ $0.field != "eventTime" }) {
            v.append(.init(field: "eventTime", reason: "must be an ISO 8601 date-time"))
        }
        _ = text(o["producer"], "producer")
        _ = text(o["schemaURL"], "schemaURL")
        let run = object(o["run"], "run")
        let runID = text(run?["runId"], "run.runId", max: 64)
        if let runID, UUID(uuidString: runID) == nil { v.append(.init(field: "run.runId", reason: "must be a UUID")) }
        let job = object(o["job"], "job")
        let jobRef = text(job?["namespace"], "job.namespace").flatMap { ns in
            text(job?["name"], "job.name").map { JobRef(namespace: ns, name: $0) }
        }
        var columns: [ColumnEdge] = []
        var schemas: [DatasetRef: [String]] = [:]
        func datasets(_ key: String) -> [DatasetRef] {
            guard let raw = o[key] else { return [] }
            guard case .array(let items) = raw, items.count <= 1000 else {
                v.append(.init(field: key, reason: "must be an array of at most 1000 datasets"))
                return []
            }
            return items.enumerated().compactMap { k, item in
                let d = object(item, "\(key)[\(k)]")
                guard let ns = text(d?["namespace"], "\(key)[\(k)].namespace"),
                    let name = text(d?["name"], "\(key)[\(k)].name")
                else { return nil }
                let ref = DatasetRef(namespace: ns, name: name)
                if key == "outputs", case .object(let facets)? = d?["facets"] {
                    if case .object(let schema)? = facets["schema"], case .array(let fields)? = schema["fields"] {
                        schemas[ref] = fields.compactMap {
                            if case .object(let f) = $0, case .string(let n)? = f["name"] { n } else { nil }
                        }
                    }
                    if case .object(let lineage)? = facets["columnLineage"],
                        case .object(let fields)? = lineage["fields"], let jobRef
                    {
                        for (field, spec) in fields {
                            guard case .object(let s) = spec, case .array(let inputs)? = s["inputFields"] else {
                                continue
                            }
                            for input in inputs {
                                guard case .object(let i) = input, case .string(let ins)? = i["namespace"],
                                    case .string(let inn)? = i["name"],
                                    case .string(let inf)? = i["field"]
                                else { continue }
                                columns.append(
                                    ColumnEdge(
                                        from: DatasetRef(namespace: ins, name: inn), fromField: inf, to: ref,
                                        toField: field, job: jobRef))
                            }
                        }
                    }
                }
                return ref
            }
        }
        let inputs = datasets("inputs")
        let outputs = datasets("outputs")
        guard v.isEmpty, let time, let runID, let jobRef else { throw .validation(v) }
        return LineageRun(
            runID: runID, eventType: eventType, eventTime: time, job: jobRef, inputs: inputs, outputs: outputs,
            columns: columns.sorted { ($0.toField, $0.fromField) < ($1.toField, $1.fromField) }, schemas: schemas)
    }

    /// The event the platform writes when an import commits: the source feeding the resource, column by column.
    package static func ingestEvent(
        job: IngestJob, resource: Resource, mapping: ColumnMapping?, runID: UUID
    ) -> JSONValue {
        let source = JSONValue.object(["namespace": .string("zhengshu.source"), "name": .string(job.source)])
        var fields: [String: JSONValue] = [:]
        if let mapping {
            for (item, column) in zip(resource.items, mapping.columns) {
                guard let column else { continue }
                fields[item.name] = .object([
                    "inputFields": .array([
                        .object([
                            "namespace": .string("zhengshu.source"), "name": .string(job.source),
                            "field": .string(mapping.header[column]),
                        ])
                    ]),
                    "transformationType": .string("IDENTITY"), "transformationDescription": .string(""),
                ])
            }
        }
        return platformEvent(
            job: "ingest", resource: resource, at: job.finishedAt ?? job.createdAt, inputs: [source], fields: fields,
            runID: runID)
    }

    /// The event the platform writes when a topic is materialised: its inputs feeding it, column by column (identity or
    /// aggregation).
    package static func topicEvent(job: IngestJob, plan: TopicPlan, resource: Resource, runID: UUID) -> JSONValue {
        let inputs = plan.inputs.map {
            JSONValue.object(["namespace": .string(DatasetRef.platformNamespace), "name": .string($0.rawValue)])
        }
        var fields: [String: JSONValue] = [:]
        for (item, from, aggregate) in plan.columnLineage() where !from.isEmpty {
            let subtype = aggregate == nil ? "IDENTITY" : "AGGREGATION"
            fields[item.name] = .object([
                "inputFields": .array(
                    from.map {
                        .object([
                            "namespace": .string(DatasetRef.platformNamespace), "name": .string($0.resource.rawValue),
                            "field": .string($0.item),
                            "transformations": .array([
                                .object([
                                    "type": .string("DIRECT"), "subtype": .string(subtype),
                                    "description": .string(aggregate?.rawValue ?? ""), "masking": .bool(false),
                                ])
                            ]),
                        ])
                    }),
                "transformationType": .string(subtype), "transformationDescription": .string(aggregate?.rawValue ?? ""),
            ])
        }
        return platformEvent(
            job: "topic", resource: resource, at: job.finishedAt ?? job.createdAt, inputs: inputs, fields: fields,
            runID: runID)
    }

    /// A COMPLETE run event of the platform's job `kind.{resource}` writing `resource` with its schema and column lineage.
    static func platformEvent(
        job kind: String, resource: Resource, at time: Date, inputs: [JSONValue], fields: [String: JSONValue],
        runID: UUID
    ) -> JSONValue {
        let facetBase: [String: JSONValue] = ["_producer": .string(producer)]
        let output = JSONValue.object([
            "namespace": .string(DatasetRef.platformNamespace), "name": .string(resource.code.rawValue),
            "facets": .object([
                "schema": .object(
                    facetBase.merging([
                        "_schemaURL": .string("https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json"),
                        "fields": .array(
                            resource.items.map {
                                .object([
                                    "name": .string($0.name), "type": .string($0.type.rawValue),
                                    "description": .string($0.label),
                                ])
                            }),
                    ]) { a, _ in a }),
                "columnLineage": .object(
                    facetBase.merging([
                        "_schemaURL": .string(
                            "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"),
                        "fields": .object(fields),
                    ]) { a, _ in a }),
            ]),
        ])
        return .object([
            "eventType": .string("COMPLETE"), "eventTime": .string(RecordValue.formatDatetime(time)),
            "run": .object(["runId": .string(runID.uuidString.lowercased()), "facets": .object([:])]),
            "job": .object([
                "namespace": .string(DatasetRef.platformNamespace),
                "name": .string("\(kind).\(resource.code.rawValue)"),
                "facets": .object([:]),
            ]),
            "inputs": .array(inputs), "outputs": .array([output]),
            "producer": .string(producer), "schemaURL": .string(schemaURL),
        ])
    }
}

/// The lineage graph around a dataset.
package struct LineageGraph: Sendable, Hashable {
    package struct Node: Sendable, Hashable {
        package var id: String
        package var type: String
        package var namespace: String
        package var name: String
        /// The platform resource a dataset is, if it is one.
        package var resource: String?
    }

    package struct Edge: Sendable, Hashable {
        package var from: String
        package var to: String
    }

    package var nodes: [Node]
    package var edges: [Edge]
    package var columnEdges: [ColumnEdge]
}
