import Foundation
import ZhengshuCore

/// Response and request bodies of the JSON API: the shapes `openapi.json` documents.
struct ListBody<Item: Encodable>: Encodable {
    var items: [Item]
}

struct SearchBody: Encodable {
    var total: Int
    var limit: Int
    var offset: Int
    var items: [Resource]
}

/// A data element: built in (with its national standard) or registered by an administrator (with its checks).
struct DataElementBody: Encodable {
    var id: String
    var label: String
    var standard: String
    var builtIn: Bool = true
    var type: String?
    var length: Int?
    var pattern: String?
    var min: String?
    var max: String?
    var codes: [String: String]?
    var description: String?
    var version: Int?
    var updatedAt: Date?
    var updatedBy: String?

    init(id: String, label: String, standard: String) {
        self.id = id
        self.label = label
        self.standard = standard
    }

    init(_ e: CustomDataElement) {
        (id, label, standard, builtIn) = (e.id, e.label, "本平台数据元 v\(e.version)", false)
        (type, length, pattern, min, max, codes, description) = (
            e.type.rawValue, e.length, e.pattern, e.min, e.max, e.codes, e.description
        )
        (version, updatedAt, updatedBy) = (e.version, e.updatedAt, e.updatedBy)
    }
}

/// What an administrator submits to define or change a data element.
struct DataElementInput: Decodable {
    var label: String
    var type: DataType
    var length: Int?
    var pattern: String?
    var min: String?
    var max: String?
    var codes: [String: String]?
    var description: String?
}

struct VersionSummaryBody: Encodable {
    var version: Int
    var action: String
    var actor: String
    var at: Date
    init(_ v: ResourceVersion) {
        version = v.version
        action = v.action
        actor = v.actor
        at = v.at
    }
}

struct DiffBody: Encodable {
    var from: Int
    var to: Int
    var changes: [FieldChange]
}

struct InsertedBody: Encodable {
    var inserted: Int
}

struct RecordPageBody: Encodable {
    var fields: [String]
    var records: [[String: RecordValue]]
    var nextCursor: String?

    init(_ page: RecordPage) {
        fields = page.fields.map(\.name)
        records = page.rows.map { row in
            Dictionary(uniqueKeysWithValues: zip(page.fields.map(\.name), row))
        }
        nextCursor = page.next?.token
    }
}
