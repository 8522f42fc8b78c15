import ArgumentParser
import Foundation
import ZhengshuApp
import ZhengshuCore

struct QualityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality", abstract: "Data quality (数据治理).",
        subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Run a resource's quality rules over its stored records, keep the result, print the score and each rule's counts."
        )
        @OptionGroup var data: DataOptions
        @Argument(help: "Resource code.") var code: String

        func run() async throws {
            do {
                let (_, services) = try await data.open()
                let started = Date()
                let run = try await services.platform.quality.run(code, by: Caller(.localOperator, requestID: "cli"))
                let seconds = Date().timeIntervalSince(started)
                for r in run.results {
                    let what = (try? String(decoding: JSONEncoder().encode(r.rule.check), as: UTF8.self)) ?? ""
                    print(
                        "  \(r.rule.dimension.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) \(r.rule.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) checked \(r.checked), failed \(r.failed)  \(what)"
                    )
                }
                let checks = run.results.reduce(0) { $0 + $1.checked }
                print(
                    String(
                        format:
                            "quality run %lld of %@: %d rows, %d rules, score %.1f, %.2f s (%.0f rows/s, %.0f rule checks/s)",
                        run.id.rawValue, run.resource.rawValue, run.rowsChecked, run.results.count, run.score, seconds,
                        Double(run.rowsChecked) / max(seconds, 0.001), Double(checks) / max(seconds, 0.001)))
            } catch { throw fail(error) }
        }
    }
}
