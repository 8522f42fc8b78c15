import Foundation
import Testing
import ZhengshuCore

/// Record reads are reachable from the edges only through the one disclosure path (authorise → fetch → mask →
/// audit, ``DataAccess``): this test reads every source file and finds each call that reads records or changes from
/// the store. Outside the stores themselves, only the files listed here may make one, each for the reason given;
/// an edge (HTTP, console, command line) never does.
@Suite struct DisclosurePathTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// A read of records or of the change feed: the store's own calls and the sealer's that open L4 items.
    nonisolated(unsafe) static let read = try! Regex(
        #"\.(records|changes)\((of:|\w+,\s*of:)|\.recordCount\(of:"#)

    /// Where a read may stand, and why.
    static let allowed: [String: String] = [
        "ZhengshuCore/UseCases/DataAccess.swift": "the disclosure path itself",
        "ZhengshuCore/UseCases/DataAccess+Open.swift": "the path's open-data exit (its row count before it streams)",
        "ZhengshuCore/UseCases/Sealing.swift": "opens sealed L4 items for the path's reads; returns to its caller only",
        "ZhengshuCore/UseCases/Quality.swift":
            "a quality run over the stored table: its failing values leave as problems, masked by the masker",
        "ZhengshuCore/UseCases/Topics.swift":
            "materialisation reads its sources to build the topic's table (still to move onto the path: issue 25, item 1)",
        "ZhengshuCore/UseCases/Sharing.swift": "whether a resource holds rows at all (a count, no value)",
        "ZhengshuCore/UseCases/Management.swift": "row counts per resource for the bureau's statistics (no value)",
    ]
    /// The stores implement the reads.
    static let stores = ["ZhengshuGRDB/", "ZhengshuPostgres/"]

    @Test func onlyThePathAndItsListedHelpersReadRecords() throws {
        let files = FileManager.default.enumerator(atPath: Self.sources.path)!.compactMap { $0 as? String }.filter {
            $0.hasSuffix(".swift") && !Self.stores.contains(where: $0.hasPrefix)
        }
        #expect(files.count > 100, "the sources were not found at \(Self.sources.path)")
        var found: Set<String> = []
        var outside: [String] = []
        for file in files {
            let text = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains(Self.read) && !line.trimmingCharacters(in: .whitespaces).hasPrefix("///") {
                found.insert(file)
                if Self.allowed[file] == nil {
                    outside.append("\(file):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(outside.isEmpty, "record reads outside the disclosure path:\n\(outside.joined(separator: "\n"))")
        // Every exemption is still needed: one that no longer reads is removed from the list.
        #expect(Set(Self.allowed.keys).subtracting(found).isEmpty, "\(Set(Self.allowed.keys).subtracting(found))")
        // The edges have none.
        #expect(
            !found.contains {
                $0.hasPrefix("ZhengshuHTTP/") || $0.hasPrefix("ZhengshuConsole/") || $0.hasPrefix("zhengshu/")
            })
    }
}
