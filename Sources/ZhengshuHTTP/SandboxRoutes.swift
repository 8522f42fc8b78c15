import Foundation
import Hummingbird
import ZhengshuCore

/// The data sandbox (数据沙箱): workspaces, statements run in them, and releases of their results.
struct SandboxRoutes {
    let platform: Platform

    struct QueryInput: Decodable { var sql: String }
    struct ReleaseInput: Decodable {
        var query: Int64
        var purpose: String
    }
    struct DecisionInput: Decodable {
        var approve: Bool
        var reason: String?
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        let sandbox = platform.sandbox
        api.post("workspaces") { request, context in
            let draft = try await JSON.decode(Sandbox.Draft.self, from: request, context: context)
            return JSON.response(try await sandbox.create(draft, by: try context.caller()), status: .created)
        }
        api.get("workspaces") { _, context in
            JSON.response(ListBody(items: try await sandbox.list(by: try context.caller())))
        }
        api.get("workspaces/{id}") { _, context in
            JSON.response(try await sandbox.get(try APIRoutes.integer(context, "id"), by: try context.caller()))
        }
        api.delete("workspaces/{id}") { _, context in
            JSON.response(try await sandbox.close(try APIRoutes.integer(context, "id"), by: try context.caller()))
        }
        api.post("workspaces/{id}/queries") { request, context in
            let input = try await JSON.decode(QueryInput.self, from: request, context: context)
            return JSON.response(
                try await sandbox.run(try APIRoutes.integer(context, "id"), sql: input.sql, by: try context.caller()),
                status: .created)
        }
        api.get("workspaces/{id}/queries") { _, context in
            JSON.response(
                ListBody(
                    items: try await sandbox.queries(try APIRoutes.integer(context, "id"), by: try context.caller())))
        }
        api.post("workspaces/{id}/releases") { request, context in
            let input = try await JSON.decode(ReleaseInput.self, from: request, context: context)
            return JSON.response(
                try await sandbox.requestRelease(
                    try APIRoutes.integer(context, "id"), query: input.query, purpose: input.purpose,
                    by: try context.caller()), status: .created)
        }
        api.get("releases") { _, context in
            JSON.response(ListBody(items: try await sandbox.releases(by: try context.caller())))
        }
        api.get("releases/{id}") { _, context in
            JSON.response(try await sandbox.release(try APIRoutes.integer(context, "id"), by: try context.caller()))
        }
        api.post("releases/{id}/decision") { request, context in
            let input = try await JSON.decode(DecisionInput.self, from: request, context: context)
            return JSON.response(
                try await sandbox.decide(
                    try APIRoutes.integer(context, "id"), approve: input.approve, reason: input.reason,
                    by: try context.caller()))
        }
        api.get("releases/{id}/result") { _, context in
            let r = try await sandbox.download(try APIRoutes.integer(context, "id"), by: try context.caller())
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"release-\(r.id).csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: r.result.csv)))
        }
    }
}
