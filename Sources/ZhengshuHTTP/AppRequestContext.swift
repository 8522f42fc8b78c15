import Hummingbird
import ZhengshuCore

/// The request context of every route: Hummingbird's core storage plus the authenticated principal.
package struct AppRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// Set by ``BearerAuthMiddleware`` for `/api/v1` routes.
    package var principal: Principal?
    /// The peer's address (system accounts may be bound to networks); `nil` when not on a socket.
    package var remoteAddress: IPAddress?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
        remoteAddress = source.channel.remoteAddress?.ipAddress.flatMap(IPAddress.init)
    }

    /// JSON bodies may carry up to 10 000 records.
    package var maxUploadSize: Int { 16 * 1024 * 1024 }

    /// The authenticated caller. - Throws: `unauthenticated` on a route the middleware did not guard.
    package func caller() throws -> Caller {
        guard let principal else { throw ZhengshuError(.unauthenticated, "sign in with a bearer token") }
        return Caller(principal, requestID: id)
    }
}
