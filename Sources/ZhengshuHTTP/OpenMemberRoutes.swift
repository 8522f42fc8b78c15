import Foundation
import Hummingbird
import ZhengshuCore

/// Conditional open data (有条件开放) under `/api/v1/open`: people and companies register, sign in, apply for a
/// dataset open on condition, follow their applications, and once granted read its granted items, masked and audited
/// through the same path as departments' shared queries. A member's token reaches nothing else (``MemberScope``).
struct OpenMemberRoutes {
    let platform: Platform
    let registrations = RegistrationThrottle()

    struct MemberBody: Encodable {
        var id: Int64
        var name: String
        var displayName: String
        var kind: MemberKind
        /// Masked for a person.
        var identifier: String
        var contact: String
        var createdAt: Date

        init(_ user: User, _ p: MemberProfile) {
            id = user.id.rawValue
            name = user.name
            displayName = user.displayName
            kind = p.kind
            identifier = p.identifierMasked
            contact = p.contact
            createdAt = p.createdAt
        }
    }

    struct SessionInput: Decodable {
        var name: String?
        var password: String?
    }

    struct SessionBody: Encodable {
        var token: String
        var expiresAt: Date
    }

    struct ConditionalDatasetBody: Encodable {
        var code: String
        var name: String
        var abstract: String
        var publisher: String
        var publisherName: String?
        var items: [Item]
        struct Item: Encodable {
            var name: String
            var label: String
            var type: String
        }

        init(_ d: OpenDataset) {
            code = d.resource.code.rawValue
            name = d.resource.name
            abstract = d.resource.abstract
            publisher = d.resource.department.rawValue
            publisherName = d.publisher?.name
            items = d.resource.items.map { Item(name: $0.name, label: $0.label, type: $0.type.rawValue) }
        }
    }

    /// `open` is the unauthenticated group, `api` the one behind ``BearerAuthMiddleware``.
    func register(open: RouterGroup<AppRequestContext>, api: RouterGroup<AppRequestContext>) {
        let p = platform
        let registrations = self.registrations
        open.post("members") { request, context in
            try await registrations.admit(context.remoteAddress?.description ?? "unknown", at: p.clock.current())
            let draft = try await JSON.decode(MemberDraft.self, from: request, context: context)
            let (user, profile) = try await p.members.register(draft, requestID: context.id)
            return JSON.response(MemberBody(user, profile), status: .created)
        }
        open.post("sessions") { request, context in
            let input = try await JSON.decode(SessionInput.self, from: request, context: context)
            let (principal, secret, expires) = try await p.accounts.signIn(
                name: input.name ?? "", password: input.password ?? "",
                requestID: context.id)
            guard principal.isMember else {
                // Department staff sign in to the console; this door is the portal's.
                try await p.accounts.signOut(session: secret, requestID: context.id)
                throw ZhengshuError(
                    .forbidden,
                    "only members of the open-data portal sign in here; department staff use the console or an API token"
                )
            }
            return JSON.response(SessionBody(token: secret, expiresAt: expires), status: .created)
        }
        open.get("conditional-datasets") { _, _ in
            JSON.response(
                ListBody(items: try await p.open.datasets(open: [.conditional]).map(ConditionalDatasetBody.init)))
        }

        api.get("members/me") { _, context in
            let caller = try context.caller()
            let profile = try await p.members.profile(by: caller)
            return JSON.response(MemberBody(try await p.accounts.user(profile.user.rawValue, by: caller), profile))
        }
        api.post("applications") { request, context in
            let caller = try context.caller()
            guard caller.principal.isMember else {
                throw ZhengshuError(.forbidden, "departments apply at /api/v1/applications")
            }
            let draft = try await JSON.decode(ApplicationDraft.self, from: request, context: context)
            return JSON.response(try await p.sharing.apply(draft, by: caller), status: .created)
        }
        api.get("applications") { request, context in
            let caller = try context.caller()
            guard caller.principal.isMember, let own = caller.principal.department else {
                throw ZhengshuError(.forbidden, "departments list applications at /api/v1/applications")
            }
            let limit = try APIRoutes.optionalInteger(request.uri.queryParameters.get("limit"), "limit") ?? 100
            return JSON.response(
                ListBody(
                    items: try await p.sharing.applications(ApplicationFilter(consumer: own, limit: limit), by: caller))
            )
        }
        api.get("applications/{id}") { _, context in
            JSON.response(
                try await p.sharing.application(try APIRoutes.integer(context, "id"), by: try context.caller()))
        }
        api.post("applications/{id}/withdraw") { request, context in
            let body =
                try await SharingRoutes.optionalBody(SharingRoutes.ReasonBody.self, request, context)
                ?? SharingRoutes.ReasonBody()
            return JSON.response(
                try await p.sharing.withdraw(
                    try APIRoutes.integer(context, "id"), reason: body.reason, by: try context.caller()))
        }
        api.get("datasets/{code}/records") { request, context in
            guard try context.caller().principal.isMember else {
                throw ZhengshuError(.forbidden, "departments read shared data at /api/v1/share/{code}/records")
            }
            return try await SharingRoutes.sharedQuery(request, context, p.data)
        }
    }
}

/// At most `limit` registrations from one address in `window` seconds (per server node): enough for a family or an
/// office behind one address, too few for a script filling the member table.
actor RegistrationThrottle {
    let limit: Int
    let window: TimeInterval
    var recent: [String: [Date]] = [:]

    init(limit: Int = 10, window: TimeInterval = 3600) {
        self.limit = limit
        self.window = window
    }

    func admit(_ address: String, at now: Date) throws {
        if recent.count > 10_000 {
            recent = recent.filter { $0.value.last.map { now.timeIntervalSince($0) < window } ?? false }
        }
        var times = recent[address, default: []].filter { now.timeIntervalSince($0) < window }
        guard times.count < limit else {
            let retry = Int(window - now.timeIntervalSince(times[0])) + 1
            throw ZhengshuError(
                .tooManyRequests, "too many registrations from this address; try again in \(retry) seconds",
                retryAfter: retry)
        }
        times.append(now)
        recent[address] = times
    }
}
