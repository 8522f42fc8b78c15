import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

/// Sensitive-data discovery, scored at column level on datagen's three datasets and on look-alikes that are not
/// personal data.
@Suite struct SensitiveDataTests {
    /// What each datagen column is (nil: nothing personal).
    static let truth: [String: [String: PersonalDataType?]] = [
        "population": [
            "gmsfhm": .citizenID, "xm": .personName, "xb": nil, "csrq": nil, "mz": nil, "hjdz": .address,
            "lxdh": .mobile, "djrq": nil,
        ],
        "enterprise": [
            "tyshxydm": .creditCode, "qymc": nil, "fddbr": .personName, "fddbrsfzh": .citizenID, "zczb": nil,
            "clrq": nil,
            "jyzt": nil, "xzqhdm": nil, "zcdz": .address,
        ],
        "social": [
            "gmsfhm": .citizenID, "xm": .personName, "dwxydm": .creditCode, "jfny": nil, "jfjs": nil, "jfje": nil,
            "yhkh": .bankCard,
        ],
    ]

    func scan(csv text: String) -> [ColumnFinding] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        var scanner = SensitiveDataScanner(columns: header)
        for line in lines { scanner.add(line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)) }
        return scanner.findings()
    }

    @Test(.enabled(if: Datagen.script != nil, "datagen.py not found"))
    func datagenColumnsAreFoundWithPrecisionAndRecallOfOne() throws {
        var truePositives: [PersonalDataType: Int] = [:], falsePositives: [PersonalDataType: Int] = [:],
            falseNegatives: [PersonalDataType: Int] = [:]
        for seed in [1, 2, 3] {
            for (dataset, columns) in Self.truth {
                // With defects injected (2%): a dirty column is still the type it is.
                let text = String(
                    decoding: try Datagen.run([dataset, "--rows", "1500", "--seed", String(seed), "--defects", "0.02"]),
                    as: UTF8.self)
                for finding in scan(csv: text) {
                    let expected = try #require(columns[finding.column], "unexpected column \(finding.column)")
                    switch (expected, finding.detected) {
                    case let (e?, d?) where e == d: truePositives[e, default: 0] += 1
                    case let (e?, d):
                        falseNegatives[e, default: 0] += 1
                        if let d { falsePositives[d, default: 0] += 1 }
                    case let (nil, d?): falsePositives[d, default: 0] += 1
                    case (nil, nil): break
                    }
                    if let d = finding.detected {
                        #expect(
                            finding.examples.allSatisfy { $0.contains("*") },
                            "\(dataset).\(finding.column) examples unmasked")
                    }
                }
            }
        }
        for type in Set(truePositives.keys).union(falseNegatives.keys).union(falsePositives.keys) {
            let tp = Double(truePositives[type, default: 0])
            let precision = tp / max(1, tp + Double(falsePositives[type, default: 0]))
            let recall = tp / max(1, tp + Double(falseNegatives[type, default: 0]))
            #expect(precision >= 0.99 && recall >= 0.99, "\(type): precision \(precision), recall \(recall)")
            if type.isChecksummed { #expect(precision == 1 && recall == 1, "\(type)") }
        }
        #expect(truePositives.values.reduce(0, +) == 3 * 12)
    }

    @Test func lookAlikesAreNotPersonalData() {
        var rng = SystemRandomNumberGenerator()
        func digits(_ n: Int) -> String {
            String((0..<n).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
        }
        var rows: [[String]] = []
        for k in 0..<500 {
            var badID = "1101051990010100" + digits(2)
            while (try? CitizenID(validating: badID)) != nil { badID = "1101051990010100" + digits(2) }
            var badCard = "6222" + digits(12)
            while BankCard.isValid(badCard) { badCard = "6222" + digits(12) }
            rows.append([
                badID, "DD2026112300\(String(format: "%04d", k))", String(1_700_000_000_000 + k * 7919), badCard,
                "2024\(String(format: "%02d", k % 12 + 1))15", "\(k * 13).50", ["汉族", "回族", "满族"][k % 3],
                ["存续", "注销", "吊销"][k % 3],
                ["浙江省杭州市恒通贸易有限公司", "西藏自治区拉萨市东方医药连锁有限公司"][k % 2], "202\(k % 10)0\(k % 9 + 1)",
            ])
        }
        var scanner = SensitiveDataScanner(columns: (0..<10).map { "c\($0)" })
        for row in rows { scanner.add(row) }
        for f in scanner.findings() {
            #expect(f.detected == nil, "\(f.column) taken for \(String(describing: f.detected))")
        }
    }

    @Test func valuesAreClassifiedWithTheirChecks() {
        let cases: [(String, PersonalDataType?)] = [
            ("11010519491231002X", .citizenID), ("11010519491231002Y", nil), ("110105491231002", .legacyCitizenID),
            ("990105491231002", nil),
            ("91350100M000100Y43", .creditCode), ("13812341234", .mobile), ("12812341234", nil),
            ("0571-87654321", .landline), ("057187654321", .landline), ("87654321", nil), ("E12345678", .passport),
            ("EA1234567", .passport),
            ("H12345678", .hkMacaoPermit), ("浙A12345", .licencePlate), ("浙A·D12345", .licencePlate),
            ("zhang.san@hz.gov.cn", .email),
            ("10.3.20.1", .ipv4), ("1000.00", nil), ("2001:db8::1", .ipv6), ("浙江省杭州市西湖区文三路90号", .address),
            ("欧阳娜娜", .personName), ("张三", .personName), ("汉族", nil), ("杭州市公安局", nil), ("", nil),
        ]
        for (value, expected) in cases { #expect(PersonalDataType.classify(value) == expected, "\(value)") }
        #expect(
            BankCard.isValid("6222021234567890123") == (PersonalDataType.classify("6222021234567890123") == .bankCard))
    }

    @Test func freeTextAndSensitiveWordsAreReported() {
        var scanner = SensitiveDataScanner(columns: ["bz", "zt"], words: ["涉密", "内部资料"])
        scanner.add(["申请人身份证11010519491231002X，联系电话13812341234，材料齐全", "正常"])
        scanner.add(["此件为内部资料，请勿外传", "正常"])
        scanner.add(["已电话联系 zhang.san@hz.gov.cn 补正", "涉密"])
        let findings = scanner.findings()
        #expect(findings[0].detected == nil && findings[0].embedded == [.citizenID, .email, .mobile])
        #expect(findings[0].sensitiveWordValues == 1 && findings[0].sensitiveWords == ["内部资料"])
        #expect(findings[1].sensitiveWords == ["涉密"])
        #expect(DisplayMask.address.apply("西藏自治区拉萨市城关区解放路500号") == "西藏自治区拉萨市城关区****")
    }
}
