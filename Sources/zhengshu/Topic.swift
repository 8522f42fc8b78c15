import ArgumentParser
import Foundation
import ZhengshuApp
import ZhengshuCore

struct TopicCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topic", abstract: "Topic databases (主题库).", subcommands: [Materialise.self])

    struct Materialise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Run a topic's query over its inputs' stored rows and replace its data in one import job; print the job."
        )
        @OptionGroup var data: DataOptions
        @Argument(help: "The topic's resource code.") var code: String

        func run() async throws {
            do {
                let (_, services) = try await data.open()
                let line = ProgressLine(total: 0, live: isatty(STDERR_FILENO) != 0)
                let started = Date()
                let job = try await services.platform.topics.materialise(
                    code, by: Caller(.localOperator, requestID: "cli")
                ) { line.update($0) }
                line.finish()
                let seconds = Date().timeIntervalSince(started)
                print(
                    String(
                        format: "job %lld %@: %d rows materialised into %@ in %.2f s (%.0f rows/s)", job.id.rawValue,
                        job.status.rawValue,
                        job.rowsAccepted, job.resource.rawValue, seconds, Double(job.rowsAccepted) / max(seconds, 0.001)
                    )
                        + (job.rowsRejected > 0
                            ? "; \(job.rowsRejected) rows rejected: GET /api/v1/jobs/\(job.id)/rejects" : "")
                        + (job.error.map { "\n\($0)" } ?? ""))
                if job.status != .succeeded { throw ExitCode.failure }
            } catch let e as ExitCode {
                throw e
            } catch { throw fail(error) }
        }
    }
}
