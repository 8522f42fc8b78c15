/// The `RecordPage` schema of openapi.yaml, written by hand and put in place of the generated type by the generator's
/// `typeOverrides`. A page holds up to a thousand records of any resource, so its cells are any JSON scalar; the
/// generated type would hold each in an `OpenAPIValueContainer`, whose encoding casts every cell dynamically. Its
/// fields are the schema's.
package struct RecordPageBody: Codable, Hashable, Sendable {
    package var fields: [String]
    /// One object per record, keyed by item name.
    package var records: [[String: RecordCell]]
    /// Pass as `cursor=` to read the next page; absent on the last page.
    package var nextCursor: String?

    package init(fields: [String], records: [[String: RecordCell]], nextCursor: String? = nil) {
        self.fields = fields
        self.records = records
        self.nextCursor = nextCursor
    }
}

/// One value of a record on the wire: a JSON scalar.
package enum RecordCell: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        }
    }
}

/// The `ChangesPage` schema, for the same reason as ``RecordPageBody``: a change feed's page holds up to a thousand
/// records of any resource.
package struct ChangesPageBody: Codable, Hashable, Sendable {
    package var fields: [String]
    package var records: [[String: RecordCell]]
    /// Pass it back to get what changed next.
    package var cursor: String
    /// The data was replaced: drop the copy, these rows start it anew.
    package var reset: Bool
    /// More changes wait: call again at once.
    package var more: Bool
    package var receipt: Components.Schemas.Receipt

    package init(
        fields: [String], records: [[String: RecordCell]], cursor: String, reset: Bool, more: Bool,
        receipt: Components.Schemas.Receipt
    ) {
        self.fields = fields
        self.records = records
        self.cursor = cursor
        self.reset = reset
        self.more = more
        self.receipt = receipt
    }
}
