import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

/// The generated server's implementation (`APIProtocol`, from `Sources/ZhengshuOpenAPI/openapi.yaml`): one method per
/// operation, in the file of its tag. A method reads its input, calls one Core use case with the request's caller and
/// maps the result to the wire type; it throws ``ZhengshuError`` for everything else, which ``ProblemMiddleware``
/// turns into a problem document. An operation of the document without its method does not compile.
struct APIHandler: APIProtocol {
    let platform: Platform
    let files: any FileServices

    /// Registers every generated operation on `router`: behind authentication, but for those the document lets anyone
    /// call.
    static func register(on router: Router<AppRequestContext>, platform: Platform, files: any FileServices) throws {
        let open = router.group()
            .add(middleware: RegistrationThrottleMiddleware(clock: platform.clock))
            .add(middleware: RequestContextMiddleware())
        let api = router.group()
            .add(middleware: BearerAuthMiddleware(accounts: platform.accounts, sharing: platform.sharing))
            .add(middleware: RequestContextMiddleware())
        try APIHandler(platform: platform, files: files).registerHandlers(
            on: APITransport(routes: api, open: open), serverURL: URL(string: "/")!, configuration: configuration)
    }

    /// The API's JSON: dates as ISO 8601 without fractions (as the hand-written routes write them), keys sorted.
    static let configuration = Configuration(
        dateTranscoder: .iso8601, jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])
}

/// The generated server's operations as Hummingbird routes (what swift-openapi-hummingbird's transport does, with two
/// differences the API needs). A request's body is read whole first, up to its limit: the generated code would collect
/// a body of any size. An empty body is passed as none, so an operation whose body is optional accepts a request
/// without one (the generated code would try to decode the empty bytes), and one whose body is required refuses it
/// as missing (see ``ProblemMiddleware``).
struct APITransport: ServerTransport {
    let routes: RouterGroup<AppRequestContext>
    /// Where the operations the document marks `security: []` go: no token needed.
    let open: RouterGroup<AppRequestContext>
    /// A body's limit: 1 MiB, except where an operation takes more.
    static let limit = 1024 * 1024
    static let limits = [
        "POST /api/v1/resources/{code}/records": 16 * 1024 * 1024, "POST /api/v1/share/{code}/verify": 2 * 1024 * 1024,
    ]
    /// The request as it came, with its body, for a handler that fingerprints it (a data service's request hash, an
    /// Idempotency-Key's retry: the same bytes).
    @TaskLocal static var request: Request?
    @TaskLocal static var rawBody = ByteBuffer()

    /// The hash of this request that a data service's receipt carries (``RequestHash``).
    static func requestHash() -> String {
        guard let request else { return "" }
        return RequestHash.of(request, body: Array(rawBody.readableBytesView))
    }

    func register(
        _ handler:
            @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (
                HTTPResponse, HTTPBody?
            ),
        method: HTTPRequest.Method, path: String
    ) throws {
        let limit = Self.limits["\(method) \(path)"] ?? Self.limit
        let group = OpenAPIDocument.isPublic(method.rawValue, path) ? open : routes
        group.on(RouterPath(path), method: method) { request, context in
            let bytes = try await JSON.collect(request.body, upTo: limit)
            let body = bytes.readableBytes == 0 ? nil : HTTPBody(Array(bytes.readableBytesView))
            let parameters = [String: Substring](context.parameters.map { (String($0.0), $0.1) }) { first, _ in first }
            let (head, responseBody) = try await Self.$request.withValue(request) {
                try await Self.$rawBody.withValue(bytes) {
                    try await handler(request.head, body, ServerRequestMetadata(pathParameters: parameters))
                }
            }
            var headers = head.headerFields
            // The runtime percent-encodes the header values the document declares (Location, Content-Disposition, …;
            // swift-openapi-generator issue 857), which OpenAPI 3.1.1 says not to do: sent as the handler wrote them.
            for (i, field) in headers.enumerated() where field.value.contains("%") {
                if field.name != .contentType, let plain = field.value.removingPercentEncoding {
                    headers[i] = HTTPField(name: field.name, value: plain)
                }
            }
            // Text the document types as text/csv is UTF-8: said, so a spreadsheet or browser does not guess.
            if let type = headers[.contentType], type.hasPrefix("text/"), !type.contains("charset") {
                headers[.contentType] = type + "; charset=utf-8"
            }
            return Response(status: head.status, headers: headers, body: Self.responseBody(responseBody))
        }
    }

    static func responseBody(_ body: HTTPBody?) -> ResponseBody {
        guard let body else { return ResponseBody(byteBuffer: ByteBuffer()) }
        let buffers = body.map { ByteBuffer(bytes: $0) }
        guard case .known(let length) = body.length else { return ResponseBody(asyncSequence: buffers) }
        return ResponseBody(contentLength: Int(length)) { writer in
            for try await buffer in buffers { try await writer.write(buffer) }
            try await writer.finish(nil)
        }
    }
}
