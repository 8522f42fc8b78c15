import Foundation
import Hummingbird
import ZhengshuCore

/// Topic databases (主题库): defining, reading and materialising them.
struct TopicRoutes {
    let platform: Platform

    func register(on api: RouterGroup<AppRequestContext>) {
        let p = platform
        api.post("topics") { request, context in
            let draft = try await JSON.decode(TopicDraft.self, from: request, context: context)
            return JSON.response(
                TopicBody(try await p.topics.define(draft, by: try context.caller())), status: .created)
        }
        api.get("topics") { _, context in
            JSON.response(ListBody(items: try await p.topics.list(by: try context.caller()).map(TopicBody.init)))
        }
        api.get("topics/{code}") { _, context in
            JSON.response(
                TopicBody(try await p.topics.get(try context.parameters.require("code"), by: try context.caller())))
        }
        api.put("topics/{code}") { request, context in
            let draft = try await JSON.decode(TopicDraft.self, from: request, context: context)
            return JSON.response(
                TopicBody(
                    try await p.topics.redefine(try context.parameters.require("code"), draft, by: try context.caller())
                ))
        }
        api.post("topics/{code}/materialise") { _, context in
            let job = try await p.topics.materialise(try context.parameters.require("code"), by: try context.caller())
            return IngestRoutes.response(for: job, context: context)
        }
    }
}

/// A topic as the API shows it: its query, schedule, last run and catalog entry.
struct TopicBody: Encodable {
    var code: String
    var query: TopicQuery
    var intervalSeconds: Int?
    var nextRunAt: Date?
    var lastJob: Int64?
    var lastError: String?
    var createdBy: String
    var createdAt: Date
    var updatedAt: Date
    var resource: Resource

    init(_ e: Topics.Entry) {
        code = e.topic.code.rawValue
        query = e.topic.query
        intervalSeconds = e.topic.intervalSeconds
        nextRunAt = e.topic.nextRunAt
        lastJob = e.topic.lastJob?.rawValue
        lastError = e.topic.lastError
        createdBy = e.topic.createdBy
        createdAt = e.topic.createdAt
        updatedAt = e.topic.updatedAt
        resource = e.resource
    }
}
