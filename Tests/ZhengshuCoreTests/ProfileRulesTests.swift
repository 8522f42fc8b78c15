import Foundation
import Testing
import ZhengshuCore
import ZhengshuTestSupport

/// How records become a profile: which items describe which subject, what they mean, where departments disagree.
@Suite struct ProfileRulesTests {
    @Test func rolesSplitAResourceBetweenItsSubjects() throws {
        let enterprise = try QualityRunTestsShape.resource("enterprise")
        let company = try #require(enterprise.item(named: "tyshxydm")),
            representative = try #require(enterprise.item(named: "fddbrsfzh"))
        #expect(ProfileRules.subjectItems(of: enterprise, kind: .person).map(\.name) == ["fddbrsfzh"])
        #expect(
            ProfileRules.describingItems(of: enterprise, identifier: representative).map(\.name) == [
                "fddbr", "fddbrsfzh",
            ])
        #expect(
            !ProfileRules.describingItems(of: enterprise, identifier: company).contains { $0.name.hasPrefix("fddbr") })
        #expect(
            ProfileRules.concept(of: enterprise.item(named: "fddbr")!, kind: .person, identifier: representative)
                == "name")
        #expect(
            ProfileRules.concept(of: enterprise.item(named: "qymc")!, kind: .enterprise, identifier: company) == "name")
        #expect(
            ProfileRules.concept(of: enterprise.item(named: "zcdz")!, kind: .enterprise, identifier: company)
                == "address")
        #expect(
            ProfileRules.concept(of: enterprise.item(named: "zczb")!, kind: .enterprise, identifier: company) == nil)
        let population = try QualityRunTestsShape.resource("population")
        let citizen = try #require(population.item(named: "gmsfhm"))
        #expect(
            ProfileRules.concept(of: population.item(named: "lxdh")!, kind: .person, identifier: citizen) == "phone")
        #expect(ProfileRules.concept(of: citizen, kind: .person, identifier: citizen) == nil)
    }

    @Test func departmentsConflictWhenNoValueIsHeldByAll() {
        func o(_ concept: String, _ department: String, _ value: String) -> ProfileRules.Observation {
            .init(
                concept: concept, department: DepartmentCode(trusted: department),
                resource: ResourceCode(trusted: "R-\(department)"),
                item: concept, clear: value, shown: "*")
        }
        // Spelling differences of case and spaces agree; a department's own history is no conflict; one value in common is agreement.
        #expect(ProfileRules.conflicts([o("name", "A", "Li Si "), o("name", "B", "li\u{3000}si")]).isEmpty)
        #expect(ProfileRules.conflicts([o("phone", "A", "1"), o("phone", "A", "2")]).isEmpty)
        #expect(ProfileRules.conflicts([o("phone", "A", "1"), o("phone", "A", "2"), o("phone", "B", "2")]).isEmpty)
        #expect(ProfileRules.conflicts([o("phone", "A", ""), o("phone", "B", "2")]).isEmpty)
        let found = ProfileRules.conflicts([
            o("phone", "A", "1"), o("phone", "B", "2"), o("phone", "B", "2"), o("name", "A", "x"),
        ])
        #expect(
            found.map(\.concept) == ["phone"] && found[0].claims.map(\.department.rawValue) == ["A", "B"]
                && found[0].claims.allSatisfy { $0.value == "*" })
    }
}
