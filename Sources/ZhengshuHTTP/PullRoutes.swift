import Foundation
import Hummingbird
import ZhengshuCore

/// Registering, listing, running and removing scheduled pull sources.
struct PullRoutes {
    let platform: Platform

    func register(on api: RouterGroup<AppRequestContext>) {
        let p = platform
        api.post("resources/{code}/pulls") { request, context in
            let draft = try await JSON.decode(PullSourceDraft.self, from: request, context: context)
            return JSON.response(
                PullSourceBody(
                    try await p.pulls.register(try context.parameters.require("code"), draft, by: try context.caller())),
                status: .created)
        }
        api.get("pulls") { request, context in
            JSON.response(
                ListBody(
                    items: try await p.pulls.list(
                        resource: request.uri.queryParameters.get("resource"),
                        by: try context.caller()
                    ).map(PullSourceBody.init)))
        }
        api.post("pulls/{id}/run") { _, context in
            let job = try await p.pulls.runNow(try APIRoutes.integer(context, "id"), by: try context.caller())
            return try IngestRoutes.response(for: job)
        }
        api.delete("pulls/{id}") { _, context in
            try await p.pulls.delete(try APIRoutes.integer(context, "id"), by: try context.caller())
            return Response(status: .noContent)
        }
    }
}

/// A pull source as the API shows it: credentials in a URL are never echoed.
struct PullSourceBody: Encodable {
    var id: Int64
    var resource: String
    var kind: String
    var location: String
    var query: String?
    var format: String
    var mode: String
    var intervalSeconds: Int
    var watermarkColumn: String?
    var lastWatermark: String?
    var nextRunAt: Date
    var lastJob: Int64?
    var lastError: String?
    var enabled: Bool
    var live: Bool
    var createdBy: String
    var createdAt: Date

    init(_ s: PullSource) {
        id = s.id.rawValue
        resource = s.resource.rawValue
        kind = s.kind.rawValue
        if var components = URLComponents(string: s.location), components.password != nil || components.user != nil {
            components.user = nil
            components.password = nil
            location = components.string ?? "(hidden)"
        } else {
            location = s.location
        }
        query = s.query
        format = s.format.rawValue
        mode = s.mode.rawValue
        intervalSeconds = s.intervalSeconds
        watermarkColumn = s.watermarkColumn
        lastWatermark = s.lastWatermark
        nextRunAt = s.nextRunAt
        lastJob = s.lastJob?.rawValue
        lastError = s.lastError
        enabled = s.enabled
        live = s.live
        createdBy = s.createdBy
        createdAt = s.createdAt
    }
}
