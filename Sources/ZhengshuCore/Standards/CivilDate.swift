import Foundation

/// A calendar date without a time zone (proleptic Gregorian), as government records hold birth and registration dates.
package struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    package let year: Int
    package let month: Int
    package let day: Int

    /// Returns `nil` unless the date exists (no 30 February, leap years per the Gregorian rule).
    package init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= CivilDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses the ISO form `YYYY-MM-DD` (exactly ten ASCII characters; read straight from the bytes, as every stored
    /// date passes here).
    package init?(iso text: String) {
        var text = text
        let parsed: (Int, Int, Int)? = text.withUTF8 { u in
            guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D else { return nil }
            var fields = (0, 0, 0)
            for i in 0..<10 where i != 4 && i != 7 {
                let b = u[i]
                guard b >= 0x30, b <= 0x39 else { return nil }
                let d = Int(b) - 0x30
                if i < 4 {
                    fields.0 = fields.0 * 10 + d
                } else if i < 7 {
                    fields.1 = fields.1 * 10 + d
                } else {
                    fields.2 = fields.2 * 10 + d
                }
            }
            return fields
        }
        guard let (y, m, d) = parsed else { return nil }
        self.init(year: y, month: m, day: d)
    }

    package static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    package static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `YYYY-MM-DD`.
    package var description: String {
        let digits: [UInt8] = [
            UInt8(48 + year / 1000), UInt8(48 + year / 100 % 10), UInt8(48 + year / 10 % 10), UInt8(48 + year % 10),
            0x2D,
            UInt8(48 + month / 10), UInt8(48 + month % 10), 0x2D, UInt8(48 + day / 10), UInt8(48 + day % 10),
        ]
        return String(decoding: digits, as: UTF8.self)
    }
}

extension CivilDate {
    /// The date forms Chinese offices really write: `2024-01-02`, `2024-1-2`, `2024/1/2`, `2024.1.2`, `20240102`,
    /// `2024年1月2日`, and Excel serial day numbers (`45293` = 2024-01-02; Excel's 1900 leap-year bug is honoured
    /// by counting from 1899-12-30).
    package init?(loose raw: String) {
        // Fast path, without allocating: exactly YYYY-MM-DD.
        let b = raw.utf8
        if b.count == 10 {
            var year = 0, month = 0, day = 0, i = 0
            var ok = true
            for c in b {
                if i == 4 || i == 7 {
                    ok = ok && c == UInt8(ascii: "-")
                } else if (48...57).contains(c) {
                    let d = Int(c) - 48
                    if i < 4 {
                        year = year * 10 + d
                    } else if i < 7 {
                        month = month * 10 + d
                    } else {
                        day = day * 10 + d
                    }
                } else {
                    ok = false
                }
                i += 1
            }
            if ok {
                self.init(year: year, month: month, day: day)
                return
            }
        }
        let text = raw.trimmingASCIISpaces
        let u = Array(text.utf8)
        guard !u.isEmpty, u.count <= 24 else { return nil }
        if u.allSatisfy({ (48...57).contains($0) }) {
            if u.count == 8, let y = Int(text.prefix(4)), let m = Int(text.dropFirst(4).prefix(2)),
                let d = Int(text.suffix(2))
            {
                self.init(year: y, month: m, day: d)
                return
            }
            // Excel serials: 1 = 1900-01-01 … 2958465 = 9999-12-31.
            guard u.count <= 7, let serial = Int(text), (1...2_958_465).contains(serial), serial != 60 else {
                return nil
            }
            let days = Int64(serial) + RecordValue.daysFromCivil(1899, 12, 30)
            let (y, m, d) = RecordValue.civilFromDays(days)
            self.init(year: y, month: m, day: d)
            return
        }
        // An Excel date-time serial (45293.5): the day is the integer part.
        if let dot = text.firstIndex(of: "."), text[..<dot].allSatisfy(\.isASCIIDigit),
            text[text.index(after: dot)...].allSatisfy(\.isASCIIDigit),
            (1...7).contains(text.distance(from: text.startIndex, to: dot)), text.index(after: dot) < text.endIndex
        {
            self.init(loose: String(text[..<dot]))
            return
        }
        var parts: [Int] = []
        var current = ""
        for c in text {
            if c.isASCIIDigit {
                current.append(c)
                continue
            }
            guard "-/.年月日".contains(c), !current.isEmpty, let n = Int(current) else { return nil }
            parts.append(n)
            current = ""
        }
        if !current.isEmpty, let n = Int(current) { parts.append(n) }
        guard parts.count == 3, text.first?.isASCIIDigit == true, (1000...9999).contains(parts[0]) else { return nil }
        if text.contains("年") && !(text.contains("月") && text.hasSuffix("日")) { return nil }
        self.init(year: parts[0], month: parts[1], day: parts[2])
    }
}

extension CivilDate: Codable {
    /// Encodes as `YYYY-MM-DD`; decoding refuses anything else.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let raw = try c.decode(String.self)
        guard let d = CivilDate(iso: raw) else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "'\(raw.prefix(40))' is not a date of the form YYYY-MM-DD")
        }
        self = d
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// Days since 1970-01-01.
    package var dayNumber: Int64 { RecordValue.daysFromCivil(year, month, day) }

    package init(dayNumber: Int64) {
        let (y, m, d) = RecordValue.civilFromDays(dayNumber)
        self.init(year: y, month: m, day: d)!
    }

    /// 1 Monday … 7 Sunday (1970-01-01 was a Thursday).
    package var weekday: Int { Int(((dayNumber % 7) + 7 + 3) % 7) + 1 }

    package func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + Int64(days)) }

    /// Today in China, by the system clock: the bound no birth date passes (GB 11643 dates are of the past).
    package static var today: CivilDate { CivilDate(chinaTime: Date()) }

    /// The civil date in China (UTC+8, no daylight saving) at `instant`.
    package init(chinaTime instant: Date) {
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down)) + 8 * 3600
        self.init(dayNumber: seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    }

    /// `YYYY-MM-DD HH:mm` of `instant` in China time (UTC+8), as pages and messages show a moment.
    package static func chinaMinute(_ instant: Date) -> String {
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down)) + 8 * 3600
        let inDay = Int((seconds % 86_400 + 86_400) % 86_400)
        let (h, m) = (inDay / 3600, inDay % 3600 / 60)
        let digits: [UInt8] = [
            0x20, UInt8(48 + h / 10), UInt8(48 + h % 10), 0x3A, UInt8(48 + m / 10), UInt8(48 + m % 10),
        ]
        return CivilDate(chinaTime: instant).description + String(decoding: digits, as: UTF8.self)
    }

    /// The first instant of this day in China.
    package var chinaStart: Date { Date(timeIntervalSince1970: Double(dayNumber * 86_400 - 8 * 3600)) }
}
