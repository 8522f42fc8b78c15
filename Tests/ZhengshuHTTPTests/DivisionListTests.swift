import Foundation
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// The GB/T 2260 list: shipped with the platform (edition 2020-10), replaceable by the administrator's file.
@Suite(.serialized) struct DivisionListTests {
    @Test func theShippedListChecksCountiesAndAnAdministratorsFileReplacesIt() throws {
        try AppServices.installDivisions(nil)
        #expect(Division.installedCount > 6000)
        #expect(Division.problem(with: "330106") == nil && Division.name(of: "330106") == "西湖区")
        #expect(Division.problem(with: "330199")?.contains("neither in the GB/T 2260 list in force") == true)
        #expect(DataElement.divisionCode.problem(with: "990106") != nil)

        // The bureau's own file: the shipped list plus a new district.
        let shipped = try String(contentsOf: Self.shippedURL(), encoding: .utf8)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zs-gb2260-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try (shipped + "330199,测试新区\n").write(to: file, atomically: true, encoding: .utf8)
        try AppServices.installDivisions(file.path)
        #expect(Division.problem(with: "330199") == nil)
        try AppServices.installDivisions(nil)
        #expect(Division.problem(with: "330199") != nil)

        // A broken file is refused with its line, and the list in force stays.
        try "code,name\n330106,西湖区\n33010X,坏\n".write(to: file, atomically: true, encoding: .utf8)
        #expect { try AppServices.installDivisions(file.path) } throws: { error in
            (error as? ZhengshuError)?.message.contains("line 3") == true
        }
        #expect(throws: ZhengshuError.self) { try Division.parseList("code,name\n990000,无此省\n") }
        #expect(Division.installedCount > 6000)
    }

    /// A citizen ID with its check character.
    static func id(_ body: String) -> String {
        body + String(CitizenID.checkCharacter(forBody: body.map { Int(String($0))! }))
    }

    /// A credit code (authority 9, type 1) with its organisation code's and its own check characters.
    static func creditCode(division: String) -> String {
        let org = "MA123456"
        let orgCheck = OrganizationCode.checkCharacter(forBodyValues: org.map { OrganizationCode.value(of: $0)! })
        let body = "91" + division + org + String(orgCheck)
        return body
            + String(CreditCode.checkCharacter(forBodyValues: body.map { CreditCode.alphabet.firstIndex(of: $0)! }))
    }

    @Test func retiredCodesAreLegacyAndCodesNeverInUseAreRefused() throws {
        try AppServices.installDivisions(nil)
        // 崇文区 (110103) was merged into 东城区 in 2010: still in the shipped list, and in the history as retired.
        guard case .retired(let span) = Division.standing(of: "110103") else {
            Issue.record("110103 should stand as retired")
            return
        }
        #expect(span.name == "崇文区" && span.to == 2010)
        #expect(Division.standing(of: "110101") == .current(name: "东城区"))
        #expect(Division.standing(of: "330199") == .unknown)
        // A number issued under it before then stays valid and is reported; one for a person born after, refused.
        let before = Self.id("11010319800512002")
        #expect(DataElement.citizenID.problem(with: before) == nil)
        let after = Self.id("11010320150512002")
        #expect(
            DataElement.citizenID.problem(with: after)
                == "citizen ID address code (positions 1-6) 110103 (崇文区) was retired after 2010, before the holder was born in 2015"
        )
        // Codes no edition ever had: a county of an existing city, a province that does not exist.
        #expect(
            DataElement.citizenID.problem(with: Self.id("33019919800512002"))?.contains("330199 is no GB/T 2260")
                == true)
        #expect(
            DataElement.citizenID.problem(with: Self.id("99010119800512002"))?.contains("990101 is no GB/T 2260")
                == true)
        // Credit codes: the registering authority's division, in force or retired; never one that was not.
        #expect(DataElement.creditCode.problem(with: Self.creditCode(division: "330106")) == nil)
        #expect(DataElement.creditCode.problem(with: Self.creditCode(division: "110103")) == nil)
        #expect(
            DataElement.creditCode.problem(with: Self.creditCode(division: "330199"))
                == "credit code positions 3-8 330199 are no GB/T 2260 division code, in force or retired")
        #expect(DataElement.divisionCode.problem(with: "110103") == nil)

        // The quality rule proposed beside each of those elements reports the retired code, naming it.
        let resource = try QualityRunTestsShape.resource("population")
        let rules = QualityRules.proposed(for: resource).filter {
            if case .currentDivision = $0.check { true } else { false }
        }
        #expect(rules.map(\.check.items) == [["gmsfhm"]] && rules.allSatisfy { $0.severity == .flag })
        var run = try QualityRun(resource: resource, rules: rules, at: Date())
        var failures: [QualityRun.Failure] = []
        for (n, id) in [Self.id("11010119800512002"), before].enumerated() {
            var row = [RecordValue](repeating: .null, count: resource.items.count)
            row[0] = .string(id)
            run.check(row, number: n + 1) { failures.append($0) }
        }
        #expect(failures.map(\.row) == [2] && failures.map(\.field) == ["gmsfhm"])
        #expect(
            failures.first?.reason == "carries 110103 (崇文区) is a GB/T 2260 code retired after 2010; accepted as legacy")
        let enterprise = try QualityRunTestsShape.resource("enterprise")
        #expect(
            QualityRules.proposed(for: enterprise).contains {
                if case .currentDivision = $0.check { true } else { false }
            })
    }

    /// The shipped file, in the source tree.
    static func shippedURL() -> URL {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("Sources/ZhengshuApp/Resources/gb2260.csv")
    }
}
