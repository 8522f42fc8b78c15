import Foundation
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

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw ZhengshuError(.unauthenticated, "this route needs an Authorization: Bearer header")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw ZhengshuError(.unauthenticated, "the Authorization header must use the Bearer scheme")
        }
        var context = context
        let secret = String(parts[1]).trimmingCharacters(in: .whitespaces)
        context.principal = secret.hasPrefix(SystemKey.scheme)
            ? try await sharing.authenticate(systemKey: secret, from: context.remoteAddress, requestID: context.id)
            : try await accounts.authenticate(bearer: secret)
        context.logger[metadataKey: "zs.actor"] = .string(context.principal!.name)
        return try await next(request, context)
    }
}
