import Foundation

/// A JSON value as a client sent it, before it is checked against an item's type.
package enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

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
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
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
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// A typed value of one item in one record, as the engines store it.
package enum RecordValue: Sendable, Hashable, Codable {
    case null
    case string(String)
    case integer(Int64)
    /// Canonical decimal text (`-12.50` → `-12.5`), so no precision is lost on the way to the engine.
    case decimal(String)
    case date(CivilDate)
    /// UTC instant, second precision.
    case datetime(Date)
    case boolean(Bool)

    package var isNull: Bool { self == .null }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .string(let s): try c.encode(s)
        case .integer(let i): try c.encode(i)
        case .decimal(let d):
            if let n = Double(d) { try c.encode(n) } else { try c.encode(d) }
        case .date(let d): try c.encode(d.description)
        case .datetime(let t): try c.encode(RecordValue.formatDatetime(t))
        case .boolean(let b): try c.encode(b)
        }
    }

    package init(from decoder: any Decoder) throws {
        let json = try JSONValue(from: decoder)
        switch json {
        case .null: self = .null
        case .bool(let b): self = .boolean(b)
        case .integer(let i): self = .integer(i)
        case .number(let d): self = .decimal(String(d))
        case .string(let s): self = .string(s)
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a scalar"))
        }
    }

    /// `2024-01-02T03:04:05Z`: fixed width, so text order is time order in every engine.
    /// The value as plain text: what a CSV cell, a rejected-rows file, a quality sample or an engine's input holds
    /// (`""` for null, ISO dates, `true`/`false`).
    package var text: String {
        switch self {
        case .null: ""
        case .string(let s), .decimal(let s): s
        case .integer(let i): String(i)
        case .date(let d): d.description
        case .datetime(let t): RecordValue.formatDatetime(t)
        case .boolean(let b): b ? "true" : "false"
        }
    }

    package static func formatDatetime(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rem = seconds - days * 86_400
        let civil = civilFromDays(days)
        func pad(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return
            "\(CivilDate(year: civil.0, month: civil.1, day: civil.2)!)T\(pad(rem / 3600)):\(pad(rem % 3600 / 60)):\(pad(rem % 60))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS` with `Z`, an offset like `+08:00`, or no zone (read as Beijing time, UTC+8,
    /// which is what a Chinese office means when it writes no zone).
    package static func parseDatetime(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count >= 19, u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: " "),
            u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
            let date = CivilDate(iso: String(decoding: u[0..<10], as: UTF8.self)),
            let h = Int(String(decoding: u[11..<13], as: UTF8.self)), (0...23).contains(h),
            let m = Int(String(decoding: u[14..<16], as: UTF8.self)), (0...59).contains(m),
            let s = Int(String(decoding: u[17..<19], as: UTF8.self)), (0...59).contains(s)
        else { return nil }
        var rest = u[19...]
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let fraction = rest.prefix { (48...57).contains($0) }
            guard !fraction.isEmpty else { return nil }
            rest = rest.dropFirst(fraction.count)
        }
        var offsetSeconds = 8 * 3600
        let zone = String(decoding: rest, as: UTF8.self)
        if zone == "Z" {
            offsetSeconds = 0
        } else if !zone.isEmpty {
            let z = Array(zone.utf8)
            guard z.count == 6, z[0] == UInt8(ascii: "+") || z[0] == UInt8(ascii: "-"), z[3] == UInt8(ascii: ":"),
                let zh = Int(String(decoding: z[1..<3], as: UTF8.self)),
                let zm = Int(String(decoding: z[4..<6], as: UTF8.self)),
                zh <= 14, zm < 60
            else { return nil }
            offsetSeconds = (zh * 3600 + zm * 60) * (z[0] == UInt8(ascii: "-") ? -1 : 1)
        }
        let days = daysFromCivil(date.year, date.month, date.day)
        let total = days * 86_400 + Int64(h * 3600 + m * 60 + s) - Int64(offsetSeconds)
        return Date(timeIntervalSince1970: TimeInterval(total))
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian, no Foundation calendar needed).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(m > 2 ? m - 3 : m + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}
