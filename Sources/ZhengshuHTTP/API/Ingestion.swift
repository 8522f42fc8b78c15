import Foundation
import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

/// Scheduled pulls, import jobs, their rejected rows and the freshness of every resource. Pushing a file is
/// ``IngestRoutes``: its body streams into the import as it arrives.
extension APIHandler {
    func registerPull(_ input: Operations.RegisterPull.Input) async throws -> Operations.RegisterPull.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let draft = PullSourceDraft(
            kind: try body.kind.core(), location: body.location, query: body.query, format: try body.format?.core(),
            mode: try body.mode?.core(), intervalSeconds: body.intervalSeconds, watermarkColumn: body.watermarkColumn,
            live: body.live)
        let source = try await platform.pulls.register(input.path.code, draft, by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(source))))
    }

    func listPulls(_ input: Operations.ListPulls.Input) async throws -> Operations.ListPulls.Output {
        let sources = try await platform.pulls.list(resource: input.query.resource, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try sources.map(Components.Schemas.PullSource.init)))))
    }

    func runPull(_ input: Operations.RunPull.Input) async throws -> Operations.RunPull.Output {
        let job = try await platform.pulls.runNow(input.path.id, by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(succeeded: job))))
    }

    func deletePull(_ input: Operations.DeletePull.Input) async throws -> Operations.DeletePull.Output {
        try await platform.pulls.delete(input.path.id, by: try AppRequestContext.caller())
        return .noContent(.init())
    }

    func listJobs(_ input: Operations.ListJobs.Input) async throws -> Operations.ListJobs.Output {
        let jobs = try await platform.ingestion.jobs(resource: input.query.resource, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try jobs.map { try Components.Schemas.IngestJob($0) }))))
    }

    func getJob(_ input: Operations.GetJob.Input) async throws -> Operations.GetJob.Output {
        let job = try await platform.ingestion.job(input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(job))))
    }

    func cancelJob(_ input: Operations.CancelJob.Input) async throws -> Operations.CancelJob.Output {
        let job = try await platform.ingestion.cancel(input.path.id, by: try AppRequestContext.caller())
        return .accepted(.init(body: .json(try .init(job))))
    }

    /// The rejected rows, streamed page by page; UTF-8 with a byte order mark so Excel opens the Chinese text.
    func getJobRejects(_ input: Operations.GetJobRejects.Input) async throws -> Operations.GetJobRejects.Output {
        let caller = try AppRequestContext.caller()
        let (header, first) = try await platform.ingestion.rejects(
            of: input.path.id, after: 0, limit: RejectLines.pageSize, by: caller)
        let lines = RejectLines(
            header: header, first: first,
            next: { [ingestion = platform.ingestion, id = input.path.id] after in
                try await ingestion.rejects(of: id, after: after, limit: RejectLines.pageSize, by: caller).rows
            })
        return .ok(
            .init(
                headers: .init(contentDisposition: "attachment; filename=\"job-\(input.path.id)-rejects.csv\""),
                body: .csv(HTTPBody(lines, length: .unknown, iterationBehavior: .single))))
    }

    func listFreshness(_ input: Operations.ListFreshness.Input) async throws -> Operations.ListFreshness.Output {
        let items = try await platform.ingestion.freshness(
            department: input.query.department, by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: try items.map {
                            .init(
                                code: $0.code.rawValue, name: $0.name, department: $0.department.rawValue,
                                updateCycle: try .wire($0.updateCycle.rawValue), lastUpdatedAt: $0.lastUpdatedAt,
                                status: try .wire($0.status.rawValue), dueAt: $0.dueAt)
                        }))))
    }
}

extension Components.Schemas.PullSource {
    /// A pull source as the API shows it: credentials in a URL are never echoed.
    init(_ s: PullSource) throws {
        var location = s.location
        if var components = URLComponents(string: s.location), components.password != nil || components.user != nil {
            components.user = nil
            components.password = nil
            location = components.string ?? "(hidden)"
        }
        self.init(
            id: s.id.rawValue, resource: s.resource.rawValue, kind: try .wire(s.kind.rawValue), location: location,
            query: s.query, format: try .wire(s.format.rawValue), mode: try .wire(s.mode.rawValue),
            intervalSeconds: s.intervalSeconds, watermarkColumn: s.watermarkColumn, lastWatermark: s.lastWatermark,
            nextRunAt: s.nextRunAt, lastJob: s.lastJob?.rawValue, lastError: s.lastError, enabled: s.enabled,
            live: s.live, createdBy: s.createdBy, createdAt: s.createdAt)
    }
}

/// A job's rejected rows as CSV lines, one page of the store at a time, read as the client takes them: the original
/// values (padded to the header), then `_row`, `_field` and `_reason`.
struct RejectLines: AsyncSequence, Sendable {
    static let pageSize = 2000
    let header: [String]
    let first: [RejectedRow]
    let next: @Sendable (_ afterRow: Int) async throws -> [RejectedRow]

    struct AsyncIterator: AsyncIteratorProtocol {
        let lines: RejectLines
        var page: [RejectedRow]?
        var started = false

        mutating func next() async throws -> ArraySlice<UInt8>? {
            var text = ""
            if !started {
                started = true
                page = lines.first
                text = "\u{FEFF}" + CSVLine.encode(lines.header + ["_row", "_field", "_reason"])
            } else if let last = page?.last, page?.count == RejectLines.pageSize {
                page = try await lines.next(last.row)
            } else {
                return nil
            }
            let count = lines.header.count
            for r in page ?? [] {
                let values =
                    Array(r.original.prefix(count))
                    + Array(repeating: "", count: Swift.max(0, count - r.original.count))
                text += CSVLine.encode(values + [String(r.row), r.field, r.reason])
            }
            if page?.isEmpty ?? true { page = nil }
            return text.isEmpty ? nil : ArraySlice(text.utf8)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(lines: self) }
}
