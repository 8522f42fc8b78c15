/// An information item (信息项) of a catalog resource: one typed column of its records.
package struct DataItem: Hashable, Sendable {
    /// Machine name: lower-case ASCII letter, then letters, digits or underscores (it becomes a column name).
    package var name: String
    /// Chinese label (中文名称), e.g. 公民身份号码.
    package var label: String
    package var type: DataType
    /// Maximum length in characters for strings; total digits for decimals.
    package var length: Int?
    package var required: Bool
    /// Part of the record key; key items are required.
    package var key: Bool
    package var dataElement: DataElement?
    /// An administrator-defined data element (see ``CustomDataElement``), by id.
    package var element: String?
    package var description: String?
    /// The item's grade (L1-L4), set by grading (分级): L4 items are encrypted at rest.
    package var sensitivity: Sensitivity?
    /// The named masking policy for this item, over the one its data element has (see ``MaskingPolicy``).
    package var masking: String?

    package init(
        name: String, label: String, type: DataType, length: Int? = nil, required: Bool = false,
        key: Bool = false, dataElement: DataElement? = nil, element: String? = nil, description: String? = nil,
        sensitivity: Sensitivity? = nil, masking: String? = nil
    ) {
        self.element = element
        self.sensitivity = sensitivity
        self.masking = masking
        self.name = name
        self.label = label
        self.type = type
        self.length = length
        self.required = required || key
        self.key = key
        self.dataElement = dataElement
        self.description = description
    }

    /// Names reserved for the platform's own columns.
    static let reservedNames: Set<String> = ["_id", "rowid", "oid"]
    static let maxNameLength = 48

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first),
            name.count <= maxNameLength, !reservedNames.contains(name)
        else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
