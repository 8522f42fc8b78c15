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
        let v = raw.trimmingASCIISpaces
        let bytes = Array(v.utf8)
        guard !bytes.isEmpty, bytes.count <= 200 else { return nil }
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 } }
        func upper(_ k: Int) -> Bool { bytes[k] >= 0x41 && bytes[k] <= 0x5A }
        let n = bytes.count
        if n == 18, (try? CitizenID(validating: v)) != nil { return .citizenID }
        if n == 18, (try? CreditCode(validating: v)) != nil { return .creditCode }
        if (16...19).contains(n), digits(0..<n), BankCard.isValid(v) { return .bankCard }
        if n == 15, digits(0..<15), isLegacyCitizenID(bytes) { return .legacyCitizenID }
        if n == 11, bytes[0] == 0x31, (0x33...0x39).contains(bytes[1]), digits(0..<11) { return .mobile }
        if isLandline(bytes) { return .landline }
        if n == 9, [0x45, 0x47, 0x44, 0x53, 0x50].contains(bytes[0]), digits(1..<9) { return .passport }   // E G D S P + 8 digits
        if n == 9, bytes[0] == 0x45, upper(1), digits(2..<9) { return .passport }                          // E + letter + 7 digits
        if n == 9 || n == 11, bytes[0] == 0x48 || bytes[0] == 0x4D, digits(1..<n) { return .hkMacaoPermit } // H/M + 8 (or 10) digits
        if bytes.contains(0x40), Email.isValid(v) { return .email }
        if bytes.contains(0x2E), bytes.filter({ $0 == 0x2E }).count == 3, IPAddress(v)?.bytes.count == 4 { return .ipv4 }
        if bytes.contains(0x3A), IPAddress(v)?.bytes.count == 16 { return .ipv6 }
        let scalars = Array(v.unicodeScalars)
        if isLicencePlate(scalars) { return .licencePlate }
        if isAddress(scalars) { return .address }
        if isPersonName(scalars) { return .personName }
        return nil
    }

    static func isLegacyCitizenID(_ b: [UInt8]) -> Bool {
        // 6-digit division (a known province), then YYMMDD of a 19xx birth date, then 3 digits.
        guard Division.provinces[String(decoding: b[0..<2], as: UTF8.self)] != nil else { return false }
        let text = String(decoding: b[6..<12], as: UTF8.self)
        return CivilDate(iso: "19\(text.prefix(2))-\(text.dropFirst(2).prefix(2))-\(text.suffix(2))") != nil
    }

    static func isLandline(_ b: [UInt8]) -> Bool {
        // An area code is required (0 + 2-3 digits, then an optional '-'): bare 7-8 digit numbers are too often dates
        // or amounts to be called phone numbers.
        guard b.first == 0x30, b.count >= 10, b.count <= 13 else { return false }
        let dash = b.firstIndex(of: 0x2D)
        let digitsOnly = b.filter { $0 != 0x2D }
        guard digitsOnly.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), b.filter({ $0 == 0x2D }).count <= 1 else { return false }
        if let dash { return (3...4).contains(dash) && (7...8).contains(b.count - dash - 1) }
        return (10...12).contains(b.count) && b[1] != 0x30
    }

    static let plateProvinces: Set<Unicode.Scalar> = Set("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼".unicodeScalars)

    static func isLicencePlate(_ s: [Unicode.Scalar]) -> Bool {
        let body = s.filter { $0 != "·" && $0 != "-" }
        guard (7...8).contains(body.count), plateProvinces.contains(body[0]), ("A"..."Z").contains(body[1]) else { return false }
        return body[2...].allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    static let addressPlaces: Set<Unicode.Scalar> = Set("省市区县旗州盟".unicodeScalars)
    static let addressDetails: Set<Unicode.Scalar> = Set("路街道巷号村镇乡弄栋室组".unicodeScalars)

    static func isAddress(_ s: [Unicode.Scalar]) -> Bool {
        // A division (省/市/区/县…) followed later by a street-level detail (路/街/号/村…), at least 6 characters.
        guard s.count >= 6, s.count <= 120, let place = s.firstIndex(where: addressPlaces.contains) else { return false }
        return s[(place + 1)...].contains(where: addressDetails.contains)
    }

    static let nonNameEndings: Set<Unicode.Scalar> = Set("族省市区县局司厅院校所部委办会队组站".unicodeScalars)

    static func isPersonName(_ s: [Unicode.Scalar]) -> Bool {
        guard (2...4).contains(s.count), s.allSatisfy({ (0x4E00...0x9FFF).contains($0.value) }), let last = s.last,
              !nonNameEndings.contains(last) else { return false }
        if s.count >= 3, DisplayMask.compoundSurnames.contains(String(String.UnicodeScalarView(s.prefix(2)))) { return true }
        return Surnames.common.contains(s[0])
    }
}

/// The common Chinese surnames (the ~300 that cover nearly all of the population), for recognising personal names.
package enum Surnames {
    package static let common: Set<Unicode.Scalar> = Set("""
        王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金\
        石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂\
        章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶\
        解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇\
        桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠\
        豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹\
        诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由
        """.unicodeScalars.filter { $0 != "\n" && $0 != " " })
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

    package init(column: String, values: Int, detected: PersonalDataType?, matchRatio: Double, confidence: Double, examples: [String],
                 embedded: [PersonalDataType], sensitiveWordValues: Int, sensitiveWords: [String]) {
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
        var counts: [PersonalDataType: Int] = [:]
        var examples: [PersonalDataType: [String]] = [:]
        var distinct = Set<String>()
        var embedded: [PersonalDataType: Int] = [:]
        var wordValues = 0
        var words = Set<String>()
    }

    var columns: [Column]
    let words: [String]

    package init(columns names: [String], words: [String] = SensitiveDataScanner.defaultWords) {
        columns = names.map { Column(name: $0) }
        self.words = words
    }

    package mutating func add(_ row: [String]) {
        for (k, raw) in row.enumerated() where k < columns.count {
            let value = raw.trimmingASCIISpaces
            if value.isEmpty { continue }
            columns[k].values += 1
            if columns[k].distinct.count < 1000 { columns[k].distinct.insert(value) }
            if let type = PersonalDataType.classify(value) {
                columns[k].counts[type, default: 0] += 1
                if columns[k].examples[type, default: []].count < 3 { columns[k].examples[type, default: []].append(type.mask.apply(value)) }
            } else if value.unicodeScalars.count > 12 {
                for type in Self.embeddedTypes(in: value) { columns[k].embedded[type, default: 0] += 1 }
            }
            if !words.isEmpty, value.unicodeScalars.count >= 2 {
                let found = words.filter { value.contains($0) }
                if !found.isEmpty {
                    columns[k].wordValues += 1
                    columns[k].words.formUnion(found)
                }
            }
        }
    }

    /// ID numbers, mobile numbers and e-mail addresses inside a longer text.
    static func embeddedTypes(in text: String) -> Set<PersonalDataType> {
        var found = Set<PersonalDataType>()
        var run: [UInt8] = []
        func flush() {
            defer { run.removeAll(keepingCapacity: true) }
            guard run.count >= 11 else { return }
            let token = String(decoding: run, as: UTF8.self)
            if run.count == 18, (try? CitizenID(validating: token)) != nil { found.insert(.citizenID) }
            else if run.count == 11, PersonalDataType.classify(token) == .mobile { found.insert(.mobile) }
            else if (16...19).contains(run.count), BankCard.isValid(token) { found.insert(.bankCard) }
        }
        for b in text.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b == 0x58 && run.count == 17) { run.append(b) } else { flush() }
        }
        flush()
        if text.contains("@") {
            for token in text.split(whereSeparator: { $0 == " " || $0 == "，" || $0 == "," || $0 == "；" || $0 == "：" || $0 == ":" })
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
            let best = c.counts.max { a, b in a.value != b.value ? a.value < b.value : a.key.rawValue > b.key.rawValue }
            let ratio = c.values == 0 ? 0 : Double(best?.value ?? 0) / Double(c.values)
            var detected: PersonalDataType? = ratio >= Self.threshold ? best?.key : nil
            // A column of a few repeated words (民族, 状态) is not names, however name-like its words are.
            if detected == .personName, c.values >= 20, Double(c.distinct.count) / Double(min(c.values, 1000)) < 0.3 { detected = nil }
            var confidence = 0.0
            if let detected {
                let weight = detected.isChecksummed ? 1.0 : (detected == .personName || detected == .address ? 0.8 : 0.9)
                let header = c.name.lowercased()
                let hinted = Self.headerHints[detected, default: []].contains { header.contains($0) }
                confidence = min(1, ratio * weight + (hinted ? 0.15 : 0))
            }
            let embedded = detected == nil
                ? c.embedded.filter { $0.value > 0 }.keys.sorted { $0.rawValue < $1.rawValue } : []
            return ColumnFinding(column: c.name, values: c.values, detected: detected, matchRatio: (ratio * 10000).rounded() / 10000,
                                 confidence: (confidence * 100).rounded() / 100, examples: detected.map { c.examples[$0] ?? [] } ?? [],
                                 embedded: embedded, sensitiveWordValues: c.wordValues, sensitiveWords: c.words.sorted())
        }
    }
}
