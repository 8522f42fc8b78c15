import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ZhengshuCore

/// Requires `Authorization: Bearer TOKEN` (a user's `zs_` token or a system account's `zsk_` key) and puts the
/// principal it speaks for into the context.
package struct BearerAuthMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext
    let accounts: Accounts
    let sharing: Sharing

    package init(accounts: Accounts, sharing: Sharing) {
        self.accounts = accounts
        self.sharing = sharing
    }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            // The console's own scripts call the API with the session cookie, and must prove the page is the console's
            // (the session's CSRF token in a header no other site can set): a forged cross-site request has neither.
            if let session = request.cookies[SignInPolicy.sessionCookie]?.value {
                guard let csrf = HTTPField.Name(SignInPolicy.csrfHeader).flatMap({ request.headers[$0] }),
                    csrf == SignInPolicy.csrfToken(for: session)
                else {
                    throw ZhengshuError(
                        .forbidden,
                        "a request signed in by the console's cookie must carry its \(SignInPolicy.csrfHeader) header")
                }
                var context = context
                context.principal = try await accounts.authenticate(bearer: session)
                return try await proceed(request, context, next)
            }
            throw ZhengshuError(.unauthenticated, "this route needs an Authorization: Bearer header")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw ZhengshuError(.unauthenticated, "the Authorization header must use the Bearer scheme")
        }
        var context = context
        let secret = String(parts[1]).trimmingCharacters(in: .whitespaces)
        context.principal =
            secret.hasPrefix(SystemKey.scheme)
            ? try await sharing.authenticate(systemKey: secret, from: context.remoteAddress, requestID: context.id)
            : try await accounts.authenticate(bearer: secret)
        return try await proceed(request, context, next)
    }

    /// Names the actor in the request's log lines; a member of the public goes no further than the open-data API.
    func proceed(
        _ request: Request, _ context: Context, _ next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let principal = context.principal!
        context.logger[metadataKey: "zs.actor"] = .string(principal.name)
        if principal.isMember, !MemberScope.allows(request.uri.path) { throw MemberScope.refusal }
        return try await next(request, context)
    }
}
