import Foundation
import ZhengshuCore

extension Resource: Stored { package typealias Document = ResourceDocument }

package struct ResourceDocument: StoredDocument {
    var code: ResourceCode
    var name: String
    var abstract: String
    var department: DepartmentCode
    var category: String
    var items: [DataItemDocument]
    var shareType: ShareType
    var shareCondition: String?
    var openType: OpenType
    var updateCycle: UpdateCycle
    var gradeLevel: GradeLevel
    var sensitivity: Sensitivity
    var serviceItems: [String]
    var sourceSystem: String?
    var format: String
    var status: ResourceStatus
    var version: Int
    var publishedAt: Date?
    var createdAt: Date
    var updatedAt: Date

    package init(_ r: Resource) {
        code = r.code
        name = r.name
        abstract = r.abstract
        department = r.department
        category = r.category
        items = r.items.map(DataItemDocument.init)
        shareType = r.shareType
        shareCondition = r.shareCondition
        openType = r.openType
        updateCycle = r.updateCycle
        gradeLevel = r.gradeLevel
        sensitivity = r.sensitivity
        serviceItems = r.serviceItems
        sourceSystem = r.sourceSystem
        format = r.format
        status = r.status
        version = r.version
        publishedAt = r.publishedAt
        createdAt = r.createdAt
        updatedAt = r.updatedAt
    }

    package func value() -> Resource {
        Resource(
            code: code, name: name, abstract: abstract, department: department, category: category,
            items: items.map(\.value), shareType: shareType, shareCondition: shareCondition, openType: openType,
            updateCycle: updateCycle, gradeLevel: gradeLevel, sensitivity: sensitivity, serviceItems: serviceItems,
            sourceSystem: sourceSystem, format: format, status: status, version: version, publishedAt: publishedAt,
            createdAt: createdAt, updatedAt: updatedAt)
    }
}

struct DataItemDocument: Codable {
    var name: String
    var label: String
    var type: DataType
    var length: Int?
    /// Absent in documents written before they were always written: false.
    var required: Bool?
    var key: Bool?
    var dataElement: DataElement?
    var element: String?
    var description: String?
    var sensitivity: Sensitivity?
    var masking: String?

    init(_ i: DataItem) {
        name = i.name
        label = i.label
        type = i.type
        length = i.length
        required = i.required
        key = i.key
        dataElement = i.dataElement
        element = i.element
        description = i.description
        sensitivity = i.sensitivity
        masking = i.masking
    }

    var value: DataItem {
        DataItem(
            name: name, label: label, type: type, length: length, required: required ?? false, key: key ?? false,
            dataElement: dataElement, element: element, description: description, sensitivity: sensitivity,
            masking: masking)
    }
}

extension Topic: Stored { package typealias Document = TopicDocument }

package struct TopicDocument: StoredDocument {
    var code: ResourceCode
    var query: QueryDocument
    var intervalSeconds: Int?
    var nextRunAt: Date?
    var lastJob: JobID?
    var lastError: String?
    var createdBy: String
    var createdAt: Date
    var updatedAt: Date

    package init(_ t: Topic) {
        code = t.code
        query = QueryDocument(t.query)
        intervalSeconds = t.intervalSeconds
        nextRunAt = t.nextRunAt
        lastJob = t.lastJob
        lastError = t.lastError
        createdBy = t.createdBy
        createdAt = t.createdAt
        updatedAt = t.updatedAt
    }

    package func value() -> Topic {
        Topic(
            code: code, query: query.value, intervalSeconds: intervalSeconds, nextRunAt: nextRunAt, lastJob: lastJob,
            lastError: lastError, createdBy: createdBy, createdAt: createdAt, updatedAt: updatedAt)
    }

    struct QueryDocument: Codable {
        var from: String
        var alias: String?
        var joins: [Join]?
        var filters: [Filter]?
        var columns: [Column]

        enum CodingKeys: String, CodingKey { case from, alias = "as", joins, filters = "where", columns }

        init(_ q: TopicQuery) {
            from = q.from
            alias = q.alias
            joins = q.joins.map {
                Join(resource: $0.resource, alias: $0.alias, kind: $0.kind, on: $0.on.map { Condition($0) })
            }
            filters = q.filters.map { Filter(column: $0.column, op: $0.op, value: $0.value) }
            columns = q.columns.map {
                Column(name: $0.name, label: $0.label, from: $0.from, aggregate: $0.aggregate, key: $0.key)
            }
        }

        var value: TopicQuery {
            TopicQuery(
                from: from, alias: alias,
                joins: (joins ?? []).map {
                    .init(resource: $0.resource, alias: $0.alias, kind: $0.kind ?? .inner, on: $0.on.map(\.value))
                },
                filters: (filters ?? []).map { .init(column: $0.column, op: $0.op, value: $0.value) },
                columns: columns.map {
                    .init(name: $0.name, label: $0.label, from: $0.from, aggregate: $0.aggregate, key: $0.key)
                })
        }

        struct Join: Codable {
            var resource: String
            var alias: String?
            var kind: TopicQuery.JoinKind?
            var on: [Condition]
            enum CodingKeys: String, CodingKey { case resource, alias = "as", kind, on }
        }

        struct Condition: Codable {
            var left: String
            var right: String
            init(_ c: TopicQuery.Condition) {
                left = c.left
                right = c.right
            }
            var value: TopicQuery.Condition { .init(left: left, right: right) }
        }

        struct Filter: Codable {
            var column: String
            var op: TopicQuery.FilterOperator
            var value: JSONValue?
        }

        struct Column: Codable {
            var name: String
            var label: String?
            var from: String?
            var aggregate: TopicQuery.Aggregate?
            var key: Bool?
        }
    }
}

extension CustomDataElement: Stored { package typealias Document = CustomDataElementDocument }

package struct CustomDataElementDocument: StoredDocument {
    var id: String
    var label: String
    var type: DataType
    var length: Int?
    var pattern: String?
    var min: String?
    var max: String?
    var codes: [String: String]?
    var description: String?
    var version: Int
    var updatedAt: Date
    var updatedBy: String

    package init(_ e: CustomDataElement) {
        id = e.id
        label = e.label
        type = e.type
        length = e.length
        pattern = e.pattern
        min = e.min
        max = e.max
        codes = e.codes
        description = e.description
        version = e.version
        updatedAt = e.updatedAt
        updatedBy = e.updatedBy
    }

    package func value() -> CustomDataElement {
        CustomDataElement(
            id: id, label: label, type: type, length: length, pattern: pattern, min: min, max: max, codes: codes,
            description: description, version: version, updatedAt: updatedAt, updatedBy: updatedBy)
    }
}
