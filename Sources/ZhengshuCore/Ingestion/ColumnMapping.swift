import Foundation

/// Which source column feeds which item: by item name or Chinese label (case- and space-insensitive), or by an
/// explicit `column=item` mapping. Columns that match nothing are reported, never silently dropped.
package struct ColumnMapping: Sendable, Hashable {
    /// The source header as read.
    package let header: [String]
    /// For each item of the resource, in order, the index of its source column.
    package let columns: [Int?]
    /// Source columns no item takes.
    package let unknownColumns: [String]

    /// - Throws: `validation` when a required item has no column, two columns feed one item, or an explicit mapping
    ///   names a column or item that does not exist.
    package static func resolve(
        header: [String], items: [DataItem], explicit: [String: String] = [:]
    ) throws(ZhengshuError)
        -> ColumnMapping
    {
        func norm(_ s: String) -> String {
            s.lowercased().filter { !$0.isWhitespace && $0 != "\u{FEFF}" }
        }
        var violations: [ZhengshuError.Violation] = []
        var byItem: [String: Int] = [:]
        let normalisedHeader = header.map(norm)
        for (column, item) in explicit {
            guard let i = normalisedHeader.firstIndex(of: norm(column)) else {
                violations.append(.init(field: column, reason: "mapping names a column the file does not have"))
                continue
            }
            guard items.contains(where: { $0.name == item }) else {
                violations.append(.init(field: item, reason: "mapping names an item the resource does not have"))
                continue
            }
            byItem[item] = i
        }
        let explicitlyUsed = Set(byItem.values)
        for (i, name) in normalisedHeader.enumerated() where !explicitlyUsed.contains(i) {
            guard let item = items.first(where: { norm($0.name) == name || norm($0.label) == name }) else { continue }
            if let other = byItem[item.name], other != i {
                violations.append(
                    .init(
                        field: header[i],
                        reason: "columns '\(header[other])' and '\(header[i])' both map to item \(item.name)"))
                continue
            }
            byItem[item.name] = i
        }
        for item in items where item.required && byItem[item.name] == nil {
            violations.append(
                .init(
                    field: item.name,
                    reason: "required item (\(item.label)) has no column; map one with \(item.name)=COLUMN"))
        }
        guard violations.isEmpty else { throw .validation(violations) }
        let used = Set(byItem.values)
        return ColumnMapping(
            header: header, columns: items.map { byItem[$0.name] },
            unknownColumns: header.indices.filter { !used.contains($0) }.map { header[$0] })
    }
}

/// Turns one parsed source record into a typed row, or explains why the row is rejected.
package struct RowConverter: Sendable {
    package let items: [DataItem]
    package let mapping: ColumnMapping

    package init(items: [DataItem], mapping: ColumnMapping) {
        self.items = items
        self.mapping = mapping
    }

    /// - Parameters:
    ///   - fields: the record's values in header order (text fields from CSV, typed values from JSON).
    ///   - oversizedField: index of a field the parser cut at its size limit.
    /// - Returns: the row and every problem found in it (field and reason); the row is only usable without problems.
    package func convert(
        _ fields: [JSONValue], oversizedField: Int? = nil, maxFieldBytes: Int = 1 << 20
    )
        -> (row: RecordValidator.Row, problems: [ZhengshuError.Violation])
    {
        var problems: [ZhengshuError.Violation] = []
        if fields.count != mapping.header.count {
            problems.append(
                .init(field: "*", reason: "has \(fields.count) fields; the header has \(mapping.header.count)"))
            return ([], problems)
        }
        if let oversizedField {
            problems.append(
                .init(field: mapping.header[oversizedField], reason: "is longer than \(maxFieldBytes) bytes"))
            return ([], problems)
        }
        var row: RecordValidator.Row = []
        row.reserveCapacity(items.count)
        // By index through a buffer: the items are borrowed, not copied (and retained) for every field of every row.
        items.withUnsafeBufferPointer { items in
            mapping.columns.withUnsafeBufferPointer { columns in
                for k in 0..<items.count {
                    guard let column = columns[k] else {
                        if items[k].required { problems.append(.init(field: items[k].name, reason: "is required")) }
                        row.append(.null)
                        continue
                    }
                    var value = fields[column]
                    if case .string(let text) = value {
                        if text.utf8.contains(where: {
                            ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D) || $0 == 0x7F
                        }) {
                            problems.append(
                                .init(field: items[k].name, reason: "contains control characters (binary data?)"))
                            row.append(.null)
                            continue
                        }
                        value =
                            text.isEmpty ? .null : .string(items[k].type == .string ? text : text.trimmingASCIISpaces)
                    }
                    switch RecordValidator.admit(value, for: items[k]) {
                    case .success(let v): row.append(v)
                    case .failure(let reason):
                        problems.append(.init(field: items[k].name, reason: reason.text))
                        row.append(.null)
                    }
                }
            }
        }
        return (row, problems)
    }
}
