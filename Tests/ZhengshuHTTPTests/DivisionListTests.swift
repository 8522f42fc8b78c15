import Foundation
import Testing
import ZhengshuApp
import ZhengshuCore

/// The GB/T 2260 list: shipped with the platform (edition 2020-10), replaceable by the administrator's file.
@Suite(.serialized) struct DivisionListTests {
    @Test func theShippedListChecksCountiesAndAnAdministratorsFileReplacesIt() throws {
        try AppServices.installDivisions(nil)
        #expect(Division.installedCount > 6000)
        #expect(Division.problem(with: "330106") == nil && Division.name(of: "330106") == "西湖区")
        #expect(Division.problem(with: "330199")?.contains("not in the GB/T 2260 list") == true)
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

    /// The shipped file, in the source tree.
    static func shippedURL() -> URL {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("Sources/ZhengshuApp/Resources/gb2260.csv")
    }
}
