import Foundation

/// Kinds of personal and sensitive data the platform recognises in a value (STANDARDS.md: identifiers with their
/// checksums, contact details, network addresses, addresses and names).
package enum PersonalDataType: String, CaseIterable, Sendable, Codable, Vocabulary {
    case citizenID = "citizen_id"
    /// A 15-digit citizen ID issued before 1999 (no check digit: recognised by its division and birth date).
    case legacyCitizenID = "citizen_id_15"
    case creditCode = "credit_code"
    case mobile
    case landline
    case bankCard = "bank_card"
    case email
    case passport
    case hkMacaoPermit = "hk_macao_permit"
    case licencePlate = "licence_plate"
    case ipv4
    case ipv6
    case address
    case personName = "person_name"

    /// Position in `allCases` (counters are kept in arrays).
    var index: Int {
        switch self {
        case .citizenID: 0
        case .legacyCitizenID: 1
        case .creditCode: 2
        case .mobile: 3
        case .landline: 4
        case .bankCard: 5
        case .email: 6
        case .passport: 7
        case .hkMacaoPermit: 8
        case .licencePlate: 9
        case .ipv4: 10
        case .ipv6: 11
        case .address: 12
        case .personName: 13
        }
    }

    /// Types whose values carry a check digit: a match is proof, not a guess.
    package var isChecksummed: Bool { [.citizenID, .creditCode, .bankCard].contains(self) }

    /// The display mask for examples of this type.
    package var mask: DisplayMask {
        switch self {
        case .citizenID, .legacyCitizenID, .passport, .hkMacaoPermit, .licencePlate, .creditCode: .citizenID
        case .mobile: .mobile
        case .landline: .landline
        case .bankCard: .bankCard
        case .email: .email
        case .personName: .personName
        case .address: .address
        case .ipv4, .ipv6: .landline
        }
    }

    /// The first type `value` is, in order of evidence (checksums first), or `nil`.
    package static func classify(_ raw: String) -> PersonalDataType? {
        var s = raw
        return s.withUTF8 { classify(utf8: $0) }
    }

    /// The same on UTF-8 bytes: one pass to count character classes, then only the checks the counts allow; nothing
    /// is allocated for the common types (the scan runs this on every field of a file).
    package static func classify(utf8 raw: UnsafeBufferPointer<UInt8>) -> PersonalDataType? {
        var lo = 0, hi = raw.count
        while lo < hi, raw[lo] == 0x20 || raw[lo] == 0x09 { lo += 1 }
        while hi > lo, raw[hi - 1] == 0x20 || raw[hi - 1] == 0x09 { hi -= 1 }
        let b = UnsafeBufferPointer(rebasing: raw[lo..<hi])
        let n = b.count
        guard n > 0, n <= 200 else { return nil }
        var digits = 0, ascii = true, at = false, dots = 0, colons = 0
        for x in b {
            if x >= 0x30 && x <= 0x39 {
                digits += 1
            } else if x >= 0x80 {
                ascii = false
            } else if x == 0x40 {
                at = true
            } else if x == 0x2E {
                dots += 1
            } else if x == 0x3A {
                colons += 1
            }
        }
        guard ascii else { return classifyText(b) }
        func allDigits(_ range: Range<Int>) -> Bool { range.allSatisfy { b[$0] >= 0x30 && b[$0] <= 0x39 } }
        func upper(_ k: Int) -> Bool { b[k] >= 0x41 && b[k] <= 0x5A }
        func text() -> String { String(decoding: b, as: UTF8.self) }
        if n == 18 {
            if digits >= 17, CitizenID.isValid(utf8: b) { return .citizenID }
            if allDigits(2..<8), (try? CreditCode(validating: text())) != nil { return .creditCode }
        }
        if digits == n {
            if (16...19).contains(n), BankCard.isValid(utf8: b) { return .bankCard }
            if n == 15, isLegacyCitizenID(b) { return .legacyCitizenID }
            if n == 11, b[0] == 0x31, (0x33...0x39).contains(b[1]) { return .mobile }
        }
        if isLandline(b) { return .landline }
        // E G D S P + 8 digits
        if n == 9, [0x45, 0x47, 0x44, 0x53, 0x50].contains(b[0]), allDigits(1..<9) { return .passport }
        if n == 9, b[0] == 0x45, upper(1), allDigits(2..<9) { return .passport }  // E + letter + 7 digits
        // H/M + 8 (or 10) digits
        if n == 9 || n == 11, b[0] == 0x48 || b[0] == 0x4D, allDigits(1..<n) { return .hkMacaoPermit }
        if at, Email.isValid(text()) { return .email }
        if dots == 3, IPAddress(text())?.bytes.count == 4 { return .ipv4 }
        if colons >= 2, IPAddress(text())?.bytes.count == 16 { return .ipv6 }
        return nil
    }

    /// Text with Chinese characters: a licence plate, an address or a name. The scalars are decoded into a buffer
    /// on the stack.
    static func classifyText(_ b: UnsafeBufferPointer<UInt8>) -> PersonalDataType? {
        withUnsafeTemporaryAllocation(of: Unicode.Scalar.self, capacity: b.count) { buffer in
            var count = 0
            var it = b.makeIterator()
            var decoder = UTF8()
            loop: while true {
                switch decoder.decode(&it) {
                case .scalarValue(let u):
                    buffer[count] = u
                    count += 1
                case .emptyInput: break loop
                case .error: return nil
                }
            }
            let s = UnsafeBufferPointer(rebasing: buffer[..<count])
            if isLicencePlate(s) { return .licencePlate }
            if isAddress(s) { return .address }
            if isPersonName(s) { return .personName }
            return nil
        }
    }

    static func isLegacyCitizenID(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        // 6-digit division (a known province), then YYMMDD of a 19xx birth date, then 3 digits.
        let province = Int(b[0] - 48) * 10 + Int(b[1] - 48)
        guard provinceCodes.contains(province) else { return false }
        let d = (6..<12).map { Int(b[$0]) - 48 }
        return CivilDate(year: 1900 + d[0] * 10 + d[1], month: d[2] * 10 + d[3], day: d[4] * 10 + d[5]) != nil
    }

    static let provinceCodes: Set<Int> = Set(Division.provinces.keys.compactMap { Int($0) })

    static func isLandline(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        // An area code is required (0 + 2-3 digits, then an optional '-'): bare 7-8 digit numbers are too often dates
        // or amounts to be called phone numbers.
        guard b.first == 0x30, b.count >= 10, b.count <= 13 else { return false }
        var dash: Int?
        for (k, x) in b.enumerated() {
            if x == 0x2D {
                guard dash == nil else { return false }
                dash = k
            } else if x < 0x30 || x > 0x39 {
                return false
            }
        }
        if let dash { return (3...4).contains(dash) && (7...8).contains(b.count - dash - 1) }
        return (10...12).contains(b.count) && b[1] != 0x30
    }

    static let plateProvinces = ScalarSet("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼".unicodeScalars)

    static func isLicencePlate(_ s: UnsafeBufferPointer<Unicode.Scalar>) -> Bool {
        guard (7...10).contains(s.count), plateProvinces.contains(s[0]) else { return false }
        let body = s.filter { $0 != "·" && $0 != "-" }
        guard (7...8).contains(body.count), ("A"..."Z").contains(body[1]) else { return false }
        return body[2...].allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    static let addressPlaces = ScalarSet("省市区县旗州盟".unicodeScalars)
    static let addressDetails = ScalarSet("路街道巷号村镇乡弄栋室组".unicodeScalars)

    static func isAddress(_ s: UnsafeBufferPointer<Unicode.Scalar>) -> Bool {
        // A division (省/市/区/县…) followed later by a street-level detail (路/街/号/村…), at least 6 characters.
        guard s.count >= 6, s.count <= 120, let place = s.firstIndex(where: addressPlaces.contains) else {
            return false
        }
        return s[(place + 1)...].contains(where: addressDetails.contains)
    }

    static let nonNameEndings = ScalarSet("族省市区县局司厅院校所部委办会队组站".unicodeScalars)

    static func isPersonName(_ s: UnsafeBufferPointer<Unicode.Scalar>) -> Bool {
        guard (2...4).contains(s.count), s.allSatisfy({ (0x4E00...0x9FFF).contains($0.value) }), let last = s.last,
            !nonNameEndings.contains(last)
        else { return false }
        if s.count >= 3, Surnames.compound.contains(UInt64(s[0].value) << 32 | UInt64(s[1].value)) { return true }
        return Surnames.common.contains(s[0])
    }
}

/// A set of characters of the Basic Multilingual Plane as a bitmap (8 KiB): membership without hashing, for the
/// checks the scan makes on every character.
package struct ScalarSet: @unchecked Sendable {
    /// Written once by `init`, read only after; the sets are static and live as long as the process.
    private let bits: UnsafeMutablePointer<UInt64>

    package init(_ scalars: some Sequence<Unicode.Scalar>) {
        bits = .allocate(capacity: 1024)
        bits.initialize(repeating: 0, count: 1024)
        for u in scalars where u.value < 65536 { bits[Int(u.value >> 6)] |= 1 << (u.value & 63) }
    }

    package func contains(_ u: Unicode.Scalar) -> Bool {
        u.value < 65536 && bits[Int(u.value >> 6)] & (1 << (u.value & 63)) != 0
    }
}

/// The common Chinese surnames (the ~300 that cover nearly all of the population), for recognising personal names.
package enum Surnames {
    package static let common = ScalarSet(
        """
        王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金\
        石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂\
        章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶\
        解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇\
        桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠\
        豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹\
        诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由
        """.unicodeScalars.filter { $0 != "\n" && $0 != " " })

    /// The compound surnames of ``DisplayMask``, as their two scalars.
    static let compound: Set<UInt64> = Set(
        DisplayMask.compoundSurnames.map { name in
            let u = Array(name.unicodeScalars)
            return UInt64(u[0].value) << 32 | UInt64(u[1].value)
        })
}

/// What a scan found in one column.
package struct ColumnFinding: Sendable, Hashable, Codable {
    package var column: String
    /// Non-empty values looked at.
    package var values: Int
    /// The type most values are, when enough are (`nil`: none).
    package var detected: PersonalDataType?
    /// Share of the non-empty values that are `detected`.
    package var matchRatio: Double
    /// How sure the scan is (the ratio, weighed by how much a match proves; a telling header adds to it).
    package var confidence: Double
    /// A few values, masked.
    package var examples: [String]
    /// Types found inside free text (a remark column holding ID numbers or phone numbers).
    package var embedded: [PersonalDataType]
    /// Values holding a word of the sensitive-word list, and which words.
    package var sensitiveWordValues: Int
    package var sensitiveWords: [String]

    package init(
        column: String, values: Int, detected: PersonalDataType?, matchRatio: Double, confidence: Double,
        examples: [String],
        embedded: [PersonalDataType], sensitiveWordValues: Int, sensitiveWords: [String]
    ) {
        self.column = column
        self.values = values
        self.detected = detected
        self.matchRatio = matchRatio
        self.confidence = confidence
        self.examples = examples
        self.embedded = embedded
        self.sensitiveWordValues = sensitiveWordValues
        self.sensitiveWords = sensitiveWords
    }
}

/// Scans columns value by value in constant memory (counts and a few examples a column), for files and stored records.
package struct SensitiveDataScanner: Sendable {
    /// Words that mark classified or internal material (configurable).
    package static let defaultWords = ["绝密", "机密", "秘密", "涉密", "内部资料", "内部使用", "不得外传"]
    /// A column is a type when at least this share of its non-empty values are.
    package static let threshold = 0.8

    struct Column: Sendable {
        var name: String
        var values = 0
        var counts = [Int](repeating: 0, count: PersonalDataType.allCases.count)
        var examples = [[String]](repeating: [], count: PersonalDataType.allCases.count)
        var distinct = Set<String>()
        var embedded: [PersonalDataType: Int] = [:]
        var wordValues = 0
        var words = Set<String>()
    }

    var columns: [Column]
    let words: [String]
    let wordBytes: [[UInt8]]
    /// The first two bytes of every word, as a bitmap: most values hold none of them and are not searched.
    let wordStarts: [UInt64]?

    package init(columns names: [String], words: [String] = SensitiveDataScanner.defaultWords) {
        columns = names.map { Column(name: $0) }
        let words = words.filter { !$0.isEmpty }
        self.words = words
        wordBytes = words.map { Array($0.utf8) }
        var starts = [UInt64](repeating: 0, count: 1024)
        for w in wordBytes where w.count >= 2 {
            let pair = Int(w[0]) << 8 | Int(w[1])
            starts[pair >> 6] |= 1 << UInt64(pair & 63)
        }
        wordStarts = wordBytes.allSatisfy { $0.count >= 2 } ? starts : nil
    }

    package mutating func add(_ row: [String]) {
        for (k, raw) in row.enumerated() where k < columns.count {
            var value = raw
            value.withUTF8 { add($0, column: k) }
        }
    }

    /// A record read by ``DelimitedParser``, its fields as they lie in its buffer.
    package mutating func add(_ record: borrowing DelimitedParser.Record) {
        let count = min(record.count, columns.count)
        record.bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            for k in 0..<count {
                let end = record.ends[k]
                add(UnsafeBufferPointer(rebasing: buffer[start..<end]), column: k)
                start = end
            }
        }
    }

    /// One value (UTF-8): strings are made only for what is kept (a few examples, the first distinct values).
    mutating func add(_ raw: UnsafeBufferPointer<UInt8>, column k: Int) {
        var lo = 0, hi = raw.count
        while lo < hi, raw[lo] == 0x20 || raw[lo] == 0x09 { lo += 1 }
        while hi > lo, raw[hi - 1] == 0x20 || raw[hi - 1] == 0x09 { hi -= 1 }
        guard lo < hi else { return }
        let value = UnsafeBufferPointer(rebasing: raw[lo..<hi])
        columns[k].values += 1
        if columns[k].distinct.count < 1000 { columns[k].distinct.insert(String(decoding: value, as: UTF8.self)) }
        if let type = PersonalDataType.classify(utf8: value) {
            columns[k].counts[type.index] += 1
            if columns[k].examples[type.index].count < 3 {
                columns[k].examples[type.index].append(type.mask.apply(String(decoding: value, as: UTF8.self)))
            }
        } else if Self.scalarCount(value) > 12 {
            for type in Self.embeddedTypes(in: value) { columns[k].embedded[type, default: 0] += 1 }
        }
        guard !words.isEmpty, value.count >= 2 else { return }
        if let starts = wordStarts {
            var i = 0
            while i < value.count - 1 {
                let pair = Int(value[i]) << 8 | Int(value[i + 1])
                if starts[pair >> 6] & (1 << UInt64(pair & 63)) != 0 { break }
                i += 1
            }
            if i == value.count - 1 { return }
        }
        var found = false
        for (w, word) in wordBytes.enumerated() where Self.contains(value, word) {
            found = true
            columns[k].words.insert(words[w])
        }
        if found { columns[k].wordValues += 1 }
    }

    static func scalarCount(_ b: UnsafeBufferPointer<UInt8>) -> Int { b.reduce(0) { $0 + ($1 & 0xC0 != 0x80 ? 1 : 0) } }

    /// Whether `needle` occurs in `haystack` (bytes; a UTF-8 needle only matches at character boundaries).
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// ID numbers, mobile numbers and e-mail addresses inside a longer text.
    static func embeddedTypes(in text: UnsafeBufferPointer<UInt8>) -> Set<PersonalDataType> {
        var found = Set<PersonalDataType>()
        var start = 0, length = 0
        func flush() {
            defer { length = 0 }
            guard length >= 11 else { return }
            let run = UnsafeBufferPointer(rebasing: text[start..<(start + length)])
            if length == 18, CitizenID.isValid(utf8: run) {
                found.insert(.citizenID)
            } else if length == 11, PersonalDataType.classify(utf8: run) == .mobile {
                found.insert(.mobile)
            } else if (16...19).contains(length), BankCard.isValid(utf8: run) {
                found.insert(.bankCard)
            }
        }
        for (k, b) in text.enumerated() {
            if (b >= 0x30 && b <= 0x39) || (b == 0x58 && length == 17) {
                if length == 0 { start = k }
                length += 1
            } else {
                flush()
            }
        }
        flush()
        if text.contains(0x40) {
            let string = String(decoding: text, as: UTF8.self)
            for token in string.split(whereSeparator: {
                $0 == " " || $0 == "，" || $0 == "," || $0 == "；" || $0 == "：" || $0 == ":"
            })
            where token.contains("@") && Email.isValid(String(token)) { found.insert(.email) }
        }
        return found
    }

    /// Headers that tell what a column holds (pinyin initials and Chinese labels of government files).
    static let headerHints: [PersonalDataType: [String]] = [
        .citizenID: ["sfz", "gmsfhm", "身份证", "身份号码", "证件号码"],
        .personName: ["xm", "姓名", "fddbr", "法定代表人", "联系人"],
        .mobile: ["sj", "lxdh", "手机", "电话"],
        .landline: ["dh", "电话", "座机"],
        .address: ["dz", "地址", "住址", "住所"],
        .bankCard: ["yhk", "kh", "银行卡", "账号"],
        .email: ["email", "邮箱", "yx"],
        .creditCode: ["xydm", "信用代码"],
    ]

    package func findings() -> [ColumnFinding] {
        columns.map { c in
            let best = PersonalDataType.allCases.filter { c.counts[$0.index] > 0 }
                .max { a, b in
                    c.counts[a.index] != c.counts[b.index]
                        ? c.counts[a.index] < c.counts[b.index] : a.rawValue > b.rawValue
                }
            let ratio = c.values == 0 ? 0 : Double(best.map { c.counts[$0.index] } ?? 0) / Double(c.values)
            var detected: PersonalDataType? = ratio >= Self.threshold ? best : nil
            // A column of a few repeated words (民族, 状态) is not names, however name-like its words are.
            if detected == .personName, c.values >= 20, Double(c.distinct.count) / Double(min(c.values, 1000)) < 0.3 {
                detected = nil
            }
            var confidence = 0.0
            if let detected {
                let weight =
                    detected.isChecksummed ? 1.0 : (detected == .personName || detected == .address ? 0.8 : 0.9)
                let header = c.name.lowercased()
                let hinted = Self.headerHints[detected, default: []].contains { header.contains($0) }
                confidence = min(1, ratio * weight + (hinted ? 0.15 : 0))
            }
            let embedded =
                detected == nil
                ? c.embedded.filter { $0.value > 0 }.keys.sorted { $0.rawValue < $1.rawValue } : []
            return ColumnFinding(
                column: c.name, values: c.values, detected: detected, matchRatio: (ratio * 10000).rounded() / 10000,
                confidence: (confidence * 100).rounded() / 100, examples: detected.map { c.examples[$0.index] } ?? [],
                embedded: embedded, sensitiveWordValues: c.wordValues, sensitiveWords: c.words.sorted())
        }
    }
}
