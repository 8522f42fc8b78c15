import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

// Mappings every tag's handlers share: enums with the same values on both sides, and free-form JSON values.

extension RawRepresentable where RawValue == String {
    /// The wire enum's case for a value Core keeps as text: one the document does not list is the platform's fault.
    static func wire(_ raw: String) throws -> Self {
        guard let value = Self(rawValue: raw) else {
            throw ZhengshuError(.internalFailure, "'\(raw)' is not a value of \(Self.self) in the API document")
        }
        return value
    }

    /// The Core value a wire enum's case stands for: the two list the same values (``EnumMappingTests`` checks).
    func core<T: RawRepresentable>() throws -> T where T.RawValue == String {
        guard let value = T(rawValue: rawValue) else {
            throw ZhengshuError(.internalFailure, "'\(rawValue)' of the API document is not a value of \(T.self)")
        }
        return value
    }
}

extension JSONValue {
    /// A JSON value the generated code decoded into an `OpenAPIValueContainer`.
    init(_ container: OpenAPIValueContainer) { self.init(any: container.value) }

    init(any value: (any Sendable)?) {
        switch value {
        case let b as Bool: self = .bool(b)
        case let i as Int: self = .integer(Int64(i))
        case let d as Double: self = .number(d)
        case let s as String: self = .string(s)
        case let a as [(any Sendable)?]: self = .array(a.map { JSONValue(any: $0) })
        case let o as [String: (any Sendable)?]: self = .object(o.mapValues { JSONValue(any: $0) })
        default: self = .null
        }
    }

    /// What the generated code encodes.
    var any: (any Sendable)? {
        switch self {
        case .null: nil
        case .bool(let b): b
        case .integer(let i): Int(i)
        case .number(let d): d
        case .string(let s): s
        case .array(let a): a.map(\.any)
        case .object(let o): o.mapValues(\.any)
        }
    }
}

extension OpenAPIValueContainer {
    init(_ value: JSONValue) throws { try self.init(unvalidatedValue: value.any) }
}

extension RecordCell {
    /// What the generated code holds in an `OpenAPIValueContainer`.
    var any: (any Sendable)? {
        switch self {
        case .null: nil
        case .bool(let b): b
        case .integer(let i): Int(i)
        case .number(let d): d
        case .string(let s): s
        }
    }
}
