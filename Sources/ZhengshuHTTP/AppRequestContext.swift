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

    /// The context of the request being handled, for the generated server's handlers (whose input is the operation's
    /// alone): set by ``RequestContextMiddleware``, the last middleware before them.
    @TaskLocal package static var current: AppRequestContext?

    /// The context of the request being handled (its id, its remote address).
    static func request() throws -> AppRequestContext {
        guard let current else { throw ZhengshuError(.internalFailure, "no request context for this handler") }
        return current
    }

    /// The authenticated caller of the request being handled.
    static func caller() throws -> Caller { try request().caller() }
}

/// Makes the request's context available to the generated server's handlers (``AppRequestContext/current``).
struct RequestContextMiddleware: RouterMiddleware {
    func handle(
        _ request: Request, context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        try await AppRequestContext.$current.withValue(context) { try await next(request, context) }
    }
}
