import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

@Suite struct CitizenIDTests {
    @Test(arguments: ["11010519491231002X", "440524188001010014", "11010519491231002x"])
    func acceptsValidNumbers(_ raw: String) throws {
        let id = try CitizenID(validating: raw)
        #expect(id.rawValue == raw.uppercased())
    }

    @Test func rejectsWrongCheckCharacter() {
        #expect(throws: CitizenIDError.checkCharacter(expected: "X")) {
            try CitizenID(validating: "110105194912310021")
        }
    }

    @Test func rejectsImpossibleBirthDateEvenWithRightCheckDigit() {
        // 1949-02-30 does not exist; the check digit of this vector is right.
        #expect(throws: CitizenIDError.birthDate) { try CitizenID(validating: "110105194902300020") }
    }

    /// GB 11643's birth date is of the past: a number dated after today is refused, whatever its check character.
    @Test func rejectsABirthDateInTheFuture() throws {
        func id(_ body: String) -> String {
            body + String(CitizenID.checkCharacter(forBody: body.map { Int(String($0))! }))
        }
        for raw in [id("44010420990101089"), "440104205307090891", id("11010520991231002")] {
            #expect(throws: CitizenIDError.futureBirthDate, "\(raw)") { try CitizenID(validating: raw) }
        }
        // The careful path (a lower-case x) says the same.
        let lower = id("11010520991231002").lowercased()
        if lower.hasSuffix("x") { #expect(throws: CitizenIDError.futureBirthDate) { try CitizenID(validating: lower) } }
        let today = CivilDate.today.description.replacingOccurrences(of: "-", with: "")
        #expect(try CitizenID(validating: id("110105" + today + "002")).birthDate == CivilDate.today)
        #expect(CitizenIDError.futureBirthDate.description == "citizen ID birth date (positions 7-14) is in the future")
    }

    @Test func recognisesLegacy15DigitNumbersWithoutAcceptingThem() {
        #expect(throws: CitizenIDError.legacy15Digit) { try CitizenID(validating: "110105491231002") }
    }

    @Test(arguments: ["", "1234", "11010519491231002XX", "1101051949123100AX"])
    func rejectsMalformedInput(_ raw: String) {
        #expect(throws: CitizenIDError.self) { try CitizenID(validating: raw) }
    }

    @Test func derivesBirthDateSexAndProvince() throws {
        let id = try CitizenID(validating: "11010519491231002X")
        #expect(id.birthDate == CivilDate(year: 1949, month: 12, day: 31))
        #expect(id.sex == .female)  // 17th digit 2 is even
        #expect(id.provinceCode == "11")
        #expect(try CitizenID(validating: "440524188001010014").sex == .male)
    }

    @Test func checkCharacterUsesTheStandardWeights() {
        let body = "11010519491231002".map { Int(String($0))! }
        #expect(CitizenID.checkCharacter(forBody: body) == "X")
    }
}

@Suite struct CreditCodeTests {
    @Test(arguments: ["91350100M000100Y43", "91110000600037341L"])
    func acceptsValidCodes(_ raw: String) throws {
        #expect(try CreditCode(validating: raw).rawValue == raw)
    }

    @Test func exposesDivisionAndOrganizationCode() throws {
        let code = try CreditCode(validating: "91350100M000100Y43")
        #expect(code.divisionCode == "350100")
        #expect(code.organizationCode == "M000100Y4")
    }

    @Test func innerOrganizationCodeCheckIsGB11714() throws {
        #expect(try OrganizationCode(validating: "M000100Y4").rawValue == "M000100Y4")
        #expect(try OrganizationCode(validating: "M000100Y-4").rawValue == "M000100Y4")
        #expect(throws: OrganizationCodeError.checkCharacter(expected: "4")) {
            try OrganizationCode(validating: "M000100Y5")
        }
    }

    @Test func rejectsWrongCheckAndForbiddenCharacters() {
        #expect(throws: CreditCodeError.checkCharacter(expected: "3")) {
            try CreditCode(validating: "91350100M000100Y44")
        }
        #expect(throws: CreditCodeError.character(position: 9, "I")) {
            try CreditCode(validating: "91350100I000100Y43")
        }
        #expect(throws: CreditCodeError.length(17)) { try CreditCode(validating: "91350100M000100Y4") }
    }

    /// Characters 1 and 2 come from GB 32100 table 1: a department code (1-9, A, N, Y) and a type it registers.
    @Test func registrationAuthorityAndTypeFollowTable1() throws {
        func code(_ body: String) -> String {
            let values = body.map { CreditCode.alphabet.firstIndex(of: $0)! }
            return body + String(CreditCode.checkCharacter(forBodyValues: values))
        }
        for head in [
            "11", "13", "19", "21", "31", "35", "51", "53", "71", "81", "91", "92", "93", "A1", "N2", "N9", "Y1",
        ] {
            #expect(throws: Never.self, "\(head)") { try CreditCode(validating: code(head + "350100M000100Y4")) }
        }
        for letter in ["B", "C", "D", "E", "F", "G", "H", "J", "0"] {
            let raw = code(letter + "1350100M000100Y4")
            #expect(throws: CreditCodeError.authority(Character(letter)), "\(raw)") { try CreditCode(validating: raw) }
        }
        #expect(throws: CreditCodeError.organisationType(authority: "9", "4")) {
            try CreditCode(validating: code("94350100M000100Y4"))
        }
        #expect(throws: CreditCodeError.organisationType(authority: "Y", "9")) {
            try CreditCode(validating: code("Y9350100M000100Y4"))
        }
        #expect(
            CreditCodeError.authority("B").description
                == "credit code character 1 'B' is no registration management department of GB 32100 (1-9, A, N or Y)")
    }
}

@Suite struct CodeListTests {
    @Test func sexCodesFollowGBT2261() {
        #expect(Sex.allCases.map(\.rawValue) == ["0", "1", "2", "9"])
        #expect(Sex.female.label == "女")
    }

    @Test func ethnicGroupsFollowGB3304() {
        #expect(EthnicGroup.names.count == 56)
        #expect(EthnicGroup.name(forCode: "01") == "汉族")
        #expect(EthnicGroup.name(forCode: "56") == "基诺族")
        #expect(EthnicGroup.code(forName: "维吾尔族") == "05")
        #expect(EthnicGroup.name(forCode: "57") == nil)
    }

    @Test func divisionCodesNeedAProvincePrefix() {
        #expect(Division.problem(with: "330106") == nil)
        #expect(Division.problem(with: "990106") != nil)
        #expect(Division.problem(with: "33010") != nil)
    }

    @Test func phoneNumbersBankCardsAndEmail() {
        #expect(PhoneNumber.isMobile("13812341234"))
        #expect(!PhoneNumber.isMobile("12812341234"))
        #expect(PhoneNumber.isLandline("0571-87654321"))
        #expect(PhoneNumber.isLandline("87654321"))
        #expect(!PhoneNumber.isLandline("571-87654321"))
        #expect(BankCard.isValid("6222021234567890128"))
        #expect(!BankCard.isValid("6222021234567890127"))
        #expect(Email.isValid("data@zj.gov.cn"))
        #expect(!Email.isValid("data@localhost"))
    }
}

/// Rows from `../shared/datagen`: every clean row passes our validators, every injected checksum defect fails.
@Suite(.enabled(if: Datagen.script != nil, "datagen.py not found; set ZHENGSHU_DATAGEN"))
struct DatagenStandardsTests {
    func rows(_ dataset: String, _ extra: [String] = []) throws -> [[String: String]] {
        let csv = String(decoding: try Datagen.run([dataset, "--rows", "400", "--seed", "11"] + extra), as: UTF8.self)
        let lines = csv.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        return lines.dropFirst().map { line in
            Dictionary(
                uniqueKeysWithValues: zip(
                    header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    @Test func everyGeneratedCitizenIDIsValid() throws {
        let people = try rows("population")
        #expect(people.count == 400)
        for person in people {
            let id = try #require(person["gmsfhm"])
            #expect(DataElement.citizenID.problem(with: id) == nil, "\(id)")
        }
    }

    @Test func everyGeneratedCreditCodeIsValid() throws {
        let companies = try rows("enterprise")
        for company in companies {
            let code = try #require(company["tyshxydm"])
            #expect(DataElement.creditCode.problem(with: code) == nil, "\(code)")
        }
    }

    @Test func injectedChecksumDefectsAreCaught() throws {
        let labels = FileManager.default.temporaryDirectory.appendingPathComponent("zs-labels-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: labels) }
        let people = try rows("population", ["--defects", "0.1", "--labels", labels.path])
        let defects = try String(contentsOf: labels, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
        let badChecksum = defects.filter { $0[1] == "gmsfhm" && $0[2] == "bad_checksum" }.map { Int($0[0])! }
        #expect(!badChecksum.isEmpty)
        for row in badChecksum {
            #expect(DataElement.citizenID.problem(with: people[row - 1]["gmsfhm"]!) != nil, "row \(row)")
        }
        let damaged = Set(defects.map { Int($0[0])! })
        for (i, person) in people.enumerated() where !damaged.contains(i + 1) {
            #expect(DataElement.citizenID.problem(with: person["gmsfhm"]!) == nil, "clean row \(i + 1)")
        }
    }
}

@Suite struct ChinaTimeTests {
    /// The minute a page shows agrees with a formatter set to Asia/Shanghai, across days, years and before 1970.
    @Test func chinaMinuteAgreesWithTheSystemFormatter() {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        let instants: [TimeInterval] = [
            0, 1_790_000_000, 1_798_732_799.9, 1_798_732_800, 959_788_799, -34_558_766, 4_102_444_800,
        ]
        for t in instants {
            let d = Date(timeIntervalSince1970: t)
            #expect(CivilDate.chinaMinute(d) == f.string(from: d), "\(t)")
        }
    }
}
