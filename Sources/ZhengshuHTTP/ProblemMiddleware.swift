import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

/// Turns every error into an RFC 9457 `application/problem+json` response, and stamps the request id on every
/// response. Internals are logged with the request id, never sent to the client.
package struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = Self.problemResponse(for: error, request: request, context: context)
        }
        response.headers[.requestID] = context.id
        return response
    }

    static func problemResponse(for error: any Error, request: Request, context: Context) -> Response {
        let problem: Problem
        var retryAfter: Int?
        switch error {
        case let e as ServerError:
            // The generated server's wrapper: the handler's own error, the request's decoding error, or the
            // runtime's refusal of a request that does not fit the document (its status and description).
            switch e.underlyingError {
            case is ZhengshuError, is ImportFailed, is HTTPError, is any HTTPResponseError:
                return problemResponse(for: e.underlyingError, request: request, context: context)
            case let decoding as DecodingError:
                // Parameters are decoded before the body: one that does not fit its schema is named; else the body.
                let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
                let cause =
                    OpenAPIDocument.parameterProblem(
                        e.operationID, path: e.requestMetadata.pathParameters, query: query)
                    ?? JSON.problem(decoding, operation: e.operationID)
                return problemResponse(for: cause, request: request, context: context)
            default:
                let status = e.httpStatus
                if status.code >= 500 {
                    return problemResponse(for: e.underlyingError, request: request, context: context)
                }
                problem = Problem(status: status, detail: Self.runtimeDetail(e, request), requestID: context.id)
            }
        case let e as ZhengshuError:
            retryAfter = e.retryAfter
            if e.code == .internalFailure {
                // Its message and detail may name paths or the database's own text: the log has them, the client not.
                context.logger.error(
                    "internal failure", metadata: ["error": "\(e.message)", "detail": "\(e.internalDetail ?? "")"])
                problem = Problem(
                    status: .internalServerError, detail: Self.internalFailureDetail, requestID: context.id,
                    code: e.code.description)
            } else {
                if let detail = e.internalDetail {
                    context.logger.warning("refused", metadata: ["error": "\(e.message)", "detail": "\(detail)"])
                }
                problem = Problem(e, requestID: context.id)
            }
        case let e as ImportFailed:
            var failed = Problem(
                status: .unprocessableContent, detail: e.job.error ?? "the import failed", requestID: context.id,
                code: "importFailed")
            failed.job = try? Components.Schemas.IngestJob(e.job)
            problem = failed
        case let e as HTTPError:
            problem = Problem(
                status: e.status, detail: e.body ?? Self.defaultDetail(e.status, request), requestID: context.id)
        case let e as any HTTPResponseError:
            problem = Problem(status: e.status, detail: Self.defaultDetail(e.status, request), requestID: context.id)
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            problem = Problem(status: .internalServerError, detail: Self.internalFailureDetail, requestID: context.id)
        }
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if problem.status == 401 { headers[.wwwAuthenticate] = "Bearer realm=\"zhengshu\"" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(
            status: .init(code: problem.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: JSON.encode(problem))))
    }

    static var internalFailureDetail: String {
        "The server failed to handle the request; quote the request id to the operator."
    }

    /// What the generated server found wrong with a request, in the API's words where it has them.
    static func runtimeDetail(_ e: ServerError, _ request: Request) -> String {
        if e.httpStatus == .unsupportedMediaType { return JSON.notJSONMediaType(request.headers[.contentType]) }
        // An empty body reaches the generated code as none (APITransport): where the document requires one, say so.
        if e.httpStatus == .badRequest, e.requestBody == nil,
            (OpenAPIDocument.operation(e.operationID)?.operation["requestBody"] as? [String: Any])?["required"] as? Bool
                == true
        {
            return JSON.emptyBody.message
        }
        return e.causeDescription
    }

    static func defaultDetail(_ status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .notFound: "No route for \(request.method) \(request.uri.path)"
        case .contentTooLarge: "The request body is larger than the server accepts"
        case .methodNotAllowed: "\(request.method) is not allowed on \(request.uri.path)"
        default: status.reasonPhrase
        }
    }
}

/// An RFC 9457 problem document.
struct Problem: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var code: String
    var requestId: String
    var violations: [ZhengshuError.Violation]?
    /// The failed job, for an import that ran and failed.
    var job: Components.Schemas.IngestJob?

    init(_ e: ZhengshuError, requestID: String) {
        let status = Self.status(for: e.code)
        self.init(status: status, detail: e.message, requestID: requestID, code: e.code.description)
        violations = e.violations.isEmpty ? nil : e.violations
    }

    init(status: HTTPResponse.Status, detail: String, requestID: String, code: String? = nil) {
        let codeName = code ?? Self.code(for: status)
        type = "https://zhengshu.dev/problems/\(codeName)"
        title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.code = codeName
        self.requestId = requestID
    }

    static func status(for code: ZhengshuError.Code) -> HTTPResponse.Status { code.status }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .badRequest: "invalidInput"
        case .notFound: "notFound"
        case .unauthorized: "unauthenticated"
        case .forbidden: "forbidden"
        case .contentTooLarge: "payloadTooLarge"
        case .tooManyRequests: "tooManyRequests"
        case .methodNotAllowed: "methodNotAllowed"
        case .unsupportedMediaType: "unsupportedMediaType"
        default: status.code >= 500 ? "internalFailure" : "invalidInput"
        }
    }
}

extension ZhengshuError.Code {
    /// The HTTP status both web edges answer with (the API's problem documents, the console's pages): Core names
    /// what went wrong, the edges say it in HTTP.
    package var status: HTTPResponse.Status {
        switch self {
        case .invalidInput: .badRequest
        case .validation: .unprocessableContent
        case .notFound: .notFound
        case .conflict: .conflict
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .payloadTooLarge: .contentTooLarge
        case .tooManyRequests: .tooManyRequests
        case .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
