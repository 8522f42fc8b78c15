import Foundation
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

/// The generated server's implementation (`APIProtocol`, from `Sources/ZhengshuOpenAPI/openapi.yaml`): one method per
/// operation, in the file of its tag. A method reads its input, calls one Core use case with the request's caller and
/// maps the result to the wire type; it throws ``ZhengshuError`` for everything else, which ``ProblemMiddleware``
/// turns into a problem document. An operation of the document without its method does not compile.
struct APIHandler: APIProtocol {
    let platform: Platform

    /// Registers every generated operation on `router`, behind authentication and the JSON body limit.
    static func register(on router: Router<AppRequestContext>, platform: Platform) throws {
        let api = router.group()
            .add(middleware: BearerAuthMiddleware(accounts: platform.accounts, sharing: platform.sharing))
            .add(middleware: JSONBodyLimitMiddleware())
            .add(middleware: RequestContextMiddleware())
        try APIHandler(platform: platform).registerHandlers(on: api, serverURL: URL(string: "/")!, configuration: configuration)
    }

    /// The API's JSON: dates as ISO 8601 without fractions (as the hand-written routes write them), keys sorted.
    static let configuration = Configuration(dateTranscoder: .iso8601, jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])
}

/// Reads a JSON body whole before the generated server decodes it: one past `limit` is refused (the generated code
/// would collect a body of any size), and one that is not JSON at all is refused as such (the decoder's error would
/// not tell it from a wrong value).
struct JSONBodyLimitMiddleware: RouterMiddleware {
    var limit = 1024 * 1024

    func handle(_ request: Request, context: AppRequestContext,
                next: (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        var request = request
        if request.method != .get, request.method != .head {
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: limit)
            } catch {
                throw ZhengshuError(.payloadTooLarge, "the body is larger than \(limit / 1024) KiB")
            }
            let json = request.headers[.contentType].map { $0.lowercased().contains("json") } ?? true
            if json, body.readableBytes > 0,
               (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed])) == nil {
                throw ZhengshuError(.invalidInput, "the request body is not valid JSON (UTF-8)")
            }
        }
        return try await next(request, context)
    }
}
