import Foundation
import Hummingbird
import ZhengshuCore
import ZhengshuOpenAPI

/// Conditional open data (有条件开放) under `/api/v1/open`: people and companies register, sign in, apply for a
/// dataset open on condition, follow their applications, and once granted read its granted items (the member query,
/// ``OpenMemberRoutes``). Registering, signing in and the list of datasets need no token (`security: []` in the
/// document); a member's token reaches nothing else (``MemberScope``).
extension APIHandler {
    func registerMember(_ input: Operations.RegisterMember.Input) async throws -> Operations.RegisterMember.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let context = try AppRequestContext.request()
        let draft = MemberDraft(
            name: body.name, displayName: body.displayName, kind: try body.kind.core(), identifier: body.identifier,
            contact: body.contact, password: body.password)
        let (user, profile) = try await platform.members.register(draft, requestID: context.id)
        return .created(.init(body: .json(try .init(user, profile))))
    }

    func memberSession(_ input: Operations.MemberSession.Input) async throws -> Operations.MemberSession.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let requestID = try AppRequestContext.request().id
        let (principal, secret, expires) = try await platform.accounts.signIn(
            name: body.name, password: body.password, requestID: requestID)
        guard principal.isMember else {
            // Department staff sign in to the console; this door is the portal's.
            try await platform.accounts.signOut(session: secret, requestID: requestID)
            throw ZhengshuError(
                .forbidden,
                "only members of the open-data portal sign in here; department staff use the console or an API token")
        }
        return .created(.init(body: .json(.init(token: secret, expiresAt: expires))))
    }

    func listConditionalDatasets(
        _ input: Operations.ListConditionalDatasets.Input
    ) async throws -> Operations.ListConditionalDatasets.Output {
        let datasets = try await platform.open.datasets(open: [.conditional])
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: datasets.map { d in
                            .init(
                                code: d.resource.code.rawValue, name: d.resource.name, abstract: d.resource.abstract,
                                publisher: d.resource.department.rawValue, publisherName: d.publisher?.name,
                                items: d.resource.items.map {
                                    .init(name: $0.name, label: $0.label, _type: $0.type.rawValue)
                                })
                        }))))
    }

    func getMember(_ input: Operations.GetMember.Input) async throws -> Operations.GetMember.Output {
        let caller = try AppRequestContext.caller()
        let profile = try await platform.members.profile(by: caller)
        let user = try await platform.accounts.user(profile.user.rawValue, by: caller)
        return .ok(.init(body: .json(try .init(user, profile))))
    }

    func applyForOpenData(_ input: Operations.ApplyForOpenData.Input) async throws -> Operations.ApplyForOpenData.Output
    {
        let caller = try AppRequestContext.caller()
        guard caller.principal.isMember else {
            throw ZhengshuError(.forbidden, "departments apply at /api/v1/applications")
        }
        let body =
            switch input.body {
            case .json(let body): body
            }
        let application = try await platform.sharing.apply(try ApplicationDraft(body), by: caller)
        return .created(.init(body: .json(try .init(application))))
    }

    func listOwnOpenApplications(
        _ input: Operations.ListOwnOpenApplications.Input
    ) async throws -> Operations.ListOwnOpenApplications.Output {
        let caller = try AppRequestContext.caller()
        guard caller.principal.isMember, let own = caller.principal.department else {
            throw ZhengshuError(.forbidden, "departments list applications at /api/v1/applications")
        }
        let list = try await platform.sharing.applications(
            ApplicationFilter(consumer: own, limit: input.query.limit ?? 100), by: caller)
        return .ok(.init(body: .json(.init(items: try list.map(Components.Schemas.Application.init)))))
    }

    func getOpenApplication(
        _ input: Operations.GetOpenApplication.Input
    ) async throws -> Operations.GetOpenApplication.Output {
        let application = try await platform.sharing.application(input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(application))))
    }

    func withdrawOpenApplication(
        _ input: Operations.WithdrawOpenApplication.Input
    ) async throws -> Operations.WithdrawOpenApplication.Output {
        let reason: String? =
            switch input.body {
            case .json(let b): b.reason
            case nil: nil
            }
        let application = try await platform.sharing.withdraw(
            input.path.id, reason: reason, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(application))))
    }
}

/// Counts a registration from its address before its body is read, so a malformed one counts too
/// (``RegistrationThrottle``).
struct RegistrationThrottleMiddleware: RouterMiddleware {
    let throttle = RegistrationThrottle()
    let clock: PlatformClock

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        if request.method == .post, request.uri.path == "/api/v1/open/members" {
            try await throttle.admit(context.remoteAddress?.description ?? "unknown", at: clock.current())
        }
        return try await next(request, context)
    }
}

extension Components.Schemas.Member {
    init(_ user: User, _ p: MemberProfile) throws {
        self.init(
            id: user.id.rawValue, name: user.name, displayName: user.displayName, kind: try .wire(p.kind.rawValue),
            identifier: p.identifierMasked, contact: p.contact, createdAt: p.createdAt)
    }
}
