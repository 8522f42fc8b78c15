import ArgumentParser
import Foundation
import ZhengshuApp
import ZhengshuCore

/// `zhengshu check ELEMENT [VALUE …]`: checks values against a national standard's data element, one answer a line
/// (values from standard input, one a line, when none are given), as ingest and the quality rules check them.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check values against a data element (citizen_id, credit_code, division_code, …): one line each.",
        discussion:
            "Prints VALUE<TAB>valid, VALUE<TAB>legacy<TAB>WHY (a retired GB/T 2260 code, accepted) or VALUE<TAB>invalid<TAB>WHY. Exits 1 when a value is invalid."
    )

    @Argument(help: "The data element: \(DataElement.allCases.map(\.rawValue).joined(separator: ", ")).")
    var element: String
    @Argument(help: "Values to check (default: standard input, one a line).") var values: [String] = []
    @Option(help: "A GB/T 2260 list (code,name) instead of the shipped one (as standards.divisionsFile).")
    var divisions: String?

    func run() throws {
        guard let element = DataElement(rawValue: element) else {
            throw fail(
                ZhengshuError(
                    .invalidInput,
                    "'\(element)' is no data element; one of \(DataElement.allCases.map(\.rawValue).joined(separator: ", "))"
                ))
        }
        do { try AppServices.installDivisions(divisions) } catch { throw fail(error) }
        var invalid = false
        func answer(_ value: String) {
            if let problem = element.problem(with: value) {
                invalid = true
                print("\(value)\tinvalid\t\(problem)")
            } else if RuleCheck.carriesDivision.contains(element),
                let code = RuleCheck.divisionCode(in: value, as: element), let legacy = Division.retirement(of: code)
            {
                print("\(value)\tlegacy\t\(legacy)")
            } else {
                print("\(value)\tvalid")
            }
        }
        if values.isEmpty {
            while let line = readLine() { answer(line.trimmingCharacters(in: .whitespaces)) }
        } else {
            values.forEach(answer)
        }
        if invalid { throw ExitCode(1) }
    }
}
