import Foundation
import Hummingbird
import ZhengshuCore

/// Security (安全保障): discovery of personal data, grade proposals and their review, masking policies.
struct PrivacyRoutes {
    let platform: Platform

    /// A masking policy as submitted (its name is in the path).
    struct PolicyInput: Decodable {
        var method: MaskingPolicy.Method
        var keepFirst: Int?
        var keepLast: Int?
        var to: MaskingPolicy.Generalisation?
        var width: Double?
        var elements: [String]?
        var description: String?
    }

    struct NoteBody: Decodable {
        var note: String?
    }

    struct GradeDecisionReply: Encodable {
        var proposal: GradeProposal
        var resource: Resource
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        let (data, privacy, alerts) = (platform.data, platform.privacy, platform.alerts)

        // Discovery
        api.post("resources/{code}/scan") { request, context in
            let sample = try APIRoutes.optionalInteger(request.uri.queryParameters.get("sample"), "sample")
            return JSON.response(
                try await data.scan(try context.parameters.require("code"), sample: sample, by: try context.caller()))
        }

        // Grading
        api.get("grading/proposals") { request, context in
            let q = request.uri.queryParameters
            return JSON.response(
                ListBody(
                    items: try await privacy.proposals(
                        status: q.get("status"), resource: q.get("resource"),
                        by: try context.caller())))
        }
        api.get("grading/proposals/{id}") { _, context in
            JSON.response(try await privacy.proposal(try context.parameters.require("id"), by: try context.caller()))
        }
        api.post("grading/proposals/{id}/decision") { request, context in
            let decision = try await JSON.decode(GradeDecision.self, from: request, context: context)
            let (proposal, resource) = try await privacy.decide(
                try context.parameters.require("id"), decision, by: try context.caller())
            return JSON.response(GradeDecisionReply(proposal: proposal, resource: resource))
        }

        // Masking policies
        api.get("masking-policies") { _, context in
            JSON.response(ListBody(items: try await privacy.policies(by: try context.caller())))
        }
        api.get("masking-policies/{name}") { _, context in
            JSON.response(try await privacy.policy(try context.parameters.require("name"), by: try context.caller()))
        }
        api.put("masking-policies/{name}") { request, context in
            let body = try await JSON.decode(PolicyInput.self, from: request, context: context)
            let policy = MaskingPolicy(
                name: try context.parameters.require("name"), method: body.method, keepFirst: body.keepFirst,
                keepLast: body.keepLast, to: body.to, width: body.width, elements: body.elements ?? [],
                description: body.description)
            return JSON.response(try await privacy.savePolicy(policy, by: try context.caller()))
        }
        api.delete("masking-policies/{name}") { _, context in
            try await privacy.deletePolicy(try context.parameters.require("name"), by: try context.caller())
            return Response(status: .noContent)
        }
    }
}
