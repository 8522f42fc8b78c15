import Foundation
import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

/// The data sandbox (数据沙箱): workspaces, statements run in them, and releases of their results.
extension APIHandler {
    func createWorkspace(_ input: Operations.CreateWorkspace.Input) async throws -> Operations.CreateWorkspace.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let workspace = try await platform.sandbox.create(
            .init(name: body.name, grants: body.grants), by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(workspace))))
    }

    func listWorkspaces(_ input: Operations.ListWorkspaces.Input) async throws -> Operations.ListWorkspaces.Output {
        let list = try await platform.sandbox.list(by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try list.map(Components.Schemas.Workspace.init)))))
    }

    func getWorkspace(_ input: Operations.GetWorkspace.Input) async throws -> Operations.GetWorkspace.Output {
        let workspace = try await platform.sandbox.get(input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(workspace))))
    }

    func closeWorkspace(_ input: Operations.CloseWorkspace.Input) async throws -> Operations.CloseWorkspace.Output {
        let workspace = try await platform.sandbox.close(input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(workspace))))
    }

    func runSandboxQuery(_ input: Operations.RunSandboxQuery.Input) async throws -> Operations.RunSandboxQuery.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let query = try await platform.sandbox.run(input.path.id, sql: body.sql, by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(query))))
    }

    func listSandboxQueries(
        _ input: Operations.ListSandboxQueries.Input
    ) async throws -> Operations.ListSandboxQueries.Output {
        let queries = try await platform.sandbox.queries(input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try queries.map(Components.Schemas.SandboxQuery.init)))))
    }

    func requestRelease(_ input: Operations.RequestRelease.Input) async throws -> Operations.RequestRelease.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let release = try await platform.sandbox.requestRelease(
            input.path.id, query: body.query, purpose: body.purpose, by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(release))))
    }

    func listReleases(_ input: Operations.ListReleases.Input) async throws -> Operations.ListReleases.Output {
        let releases = try await platform.sandbox.releases(by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try releases.map(Components.Schemas.SandboxRelease.init)))))
    }

    func getRelease(_ input: Operations.GetRelease.Input) async throws -> Operations.GetRelease.Output {
        let release = try await platform.sandbox.release(input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(release))))
    }

    func decideRelease(_ input: Operations.DecideRelease.Input) async throws -> Operations.DecideRelease.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let release = try await platform.sandbox.decide(
            input.path.id, approve: body.approve, reason: body.reason, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(release))))
    }

    func downloadRelease(_ input: Operations.DownloadRelease.Input) async throws -> Operations.DownloadRelease.Output {
        let release = try await platform.sandbox.download(input.path.id, by: try AppRequestContext.caller())
        return .ok(
            .init(
                headers: .init(contentDisposition: "attachment; filename=\"release-\(release.id).csv\""),
                body: .csv(HTTPBody(release.result.csv))))
    }
}

extension Components.Schemas.Workspace {
    init(_ w: Workspace) throws {
        self.init(
            id: w.id.rawValue, consumer: w.consumer.rawValue, name: w.name, createdBy: w.createdBy,
            createdAt: w.createdAt, status: try .wire(w.status.rawValue),
            tables: try w.tables.map { t in
                .init(
                    name: t.name, resource: t.resource.rawValue, grant: t.grant.rawValue, provider: t.provider.rawValue,
                    columns: try t.columns.map {
                        .init(name: $0.name, _type: try .wire($0.type.rawValue), masked: $0.masked)
                    },
                    rows: t.rows)
            }, error: w.error, closedAt: w.closedAt)
    }
}

extension Components.Schemas.SandboxQuery {
    init(_ q: SandboxQueryRecord) throws {
        self.init(
            id: q.id.rawValue, workspace: q.workspace.rawValue, sql: q.sql, ranBy: q.ranBy, ranAt: q.ranAt,
            milliseconds: q.milliseconds,
            result: .init(columns: q.result.columns, rows: try q.result.wireRows, truncated: q.result.truncated))
    }
}

extension Components.Schemas.SandboxRelease {
    init(_ r: SandboxRelease) throws {
        self.init(
            id: r.id.rawValue, workspace: r.workspace.rawValue, query: r.query.rawValue, consumer: r.consumer.rawValue,
            providers: r.providers.map(\.rawValue), purpose: r.purpose, requestedBy: r.requestedBy,
            requestedAt: r.requestedAt, status: try .wire(r.status.rawValue), k: r.k, smallestGroup: r.smallestGroup,
            result: .init(columns: r.result.columns, rows: try r.result.wireRows, truncated: r.result.truncated),
            decisions: r.decisions.map {
                .init(department: $0.department.rawValue, by: $0.by, at: $0.at, approve: $0.approve, reason: $0.reason)
            })
    }
}

extension SandboxResult {
    var wireRows: [[OpenAPIValueContainer]] {
        get throws { try rows.map { try $0.map { try OpenAPIValueContainer(unvalidatedValue: RecordCell($0).any) } } }
    }
}
