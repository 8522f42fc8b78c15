import Foundation
import Testing

/// The HTTP layer's rule (docs/architecture.md, "Work that is not a request's"): ZhengshuHTTP reads and writes no file
/// and starts no task of its own; what outlives a request is a service of the application's group, which it asks
/// through a protocol (`FileServices`). Read from the sources, so a new file access or `Task {}` fails here at once.
@Suite struct EdgeRuleTests {
    /// A file system call, or a task no structured scope owns.
    nonisolated(unsafe) static let forbidden = try! Regex(
        #"\bFileManager\b|\bFileHandle\b|Data\(contentsOf:|contentsOfFile:|\bfopen\(|\bTask\s*(\.detached\s*)?\{|Task\s*<[^>]*>\s*\{"#
    )

    @Test func theHTTPLayerDoesNoFileIOAndStartsNoTask() throws {
        let folder = BlockingRuleTests.sources.appendingPathComponent("ZhengshuHTTP")
        let files = FileManager.default.enumerator(atPath: folder.path)!.compactMap { $0 as? String }.filter {
            $0.hasSuffix(".swift")
        }
        var found: [String] = []
        for file in files.sorted() {
            let lines = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8).components(
                separatedBy: "\n")
            for (n, line) in lines.enumerated() {
                let code = line.components(separatedBy: "//").first ?? line
                let above = n > 0 ? lines[n - 1].trimmingCharacters(in: .whitespaces) : ""
                // The bundled OpenAPI document, read once at start, is the one exemption (`// edge-ok:`).
                if code.contains(Self.forbidden), !line.contains("// edge-ok:"), !above.hasPrefix("// edge-ok:") {
                    found.append("ZhengshuHTTP/\(file):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(found.isEmpty, "file I/O or an unowned task in ZhengshuHTTP:\n\(found.joined(separator: "\n"))")
    }
}
