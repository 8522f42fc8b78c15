import Foundation
import HTTPTypes
import Hummingbird
import ZhengshuCore

/// A signed-in console user: the principal behind the session cookie, and the session's anti-forgery token.
struct ConsoleSession: Sendable {
    var principal: Principal
    /// The session's secret (the cookie's value); never rendered.
    var secret: String
    var csrf: String { SignInPolicy.csrfToken(for: secret) }

    func caller(_ context: some RequestContext) -> Caller { Caller(principal, requestID: context.id) }

    /// The session of the request's cookie, or `nil` when there is none or it has ended (expired, signed out, user
    /// disabled).
    static func resolve(_ request: Request, accounts: Accounts) async -> ConsoleSession? {
        guard let secret = request.cookies[SignInPolicy.sessionCookie]?.value,
            let principal = try? await accounts.authenticate(bearer: secret)
        else { return nil }
        return ConsoleSession(principal: principal, secret: secret)
    }

    /// Whether the cookie is sent over TLS only: when the request reached the server, or its proxy, over HTTPS.
    static func isSecure(_ request: Request) -> Bool {
        request.uri.scheme == .https
            || HTTPField.Name("X-Forwarded-Proto").flatMap { request.headers[$0] }?.lowercased() == "https"
    }

    static func cookie(
        _ name: String, _ value: String, expires: Date?, request: Request, httpOnly: Bool = true
    ) -> Cookie {
        // SameSite=Lax: the cookie rides along on top-level navigation to the console (a link from elsewhere lands signed
        // in) but not on another site's forms or scripts; the CSRF token covers what Lax lets through.
        Cookie(
            name: name, value: value, expires: expires, path: "/", secure: isSecure(request), httpOnly: httpOnly,
            sameSite: .lax)
    }
}

/// A submitted `application/x-www-form-urlencoded` body: fields in order, a name may repeat (checkboxes).
struct FormBody: Sendable {
    private(set) var fields: [(String, String)] = []

    /// - Throws: `payloadTooLarge` past 1 MiB, `invalidInput` for a body that is not a form.
    init(_ request: Request, context: some RequestContext) async throws {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw ZhengshuError(.invalidInput, "send the form as application/x-www-form-urlencoded")
        }
        var body = request.body
        let buffer: ByteBuffer
        do { buffer = try await body.collect(upTo: 1 << 20) } catch {
            throw ZhengshuError(.payloadTooLarge, "the form is larger than 1 MiB")
        }
        self.init(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    init(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            fields.append((decode(parts[0]), parts.count > 1 ? decode(parts[1]) : ""))
        }
    }

    /// The first value of `name`, trimmed; `nil` when absent or blank.
    subscript(_ name: String) -> String? {
        guard let v = fields.first(where: { $0.0 == name })?.1.trimmingCharacters(in: .whitespacesAndNewlines),
            !v.isEmpty
        else { return nil }
        return v
    }

    /// Every non-blank value of `name`, in order.
    func all(_ name: String) -> [String] {
        fields.filter { $0.0 == name }.map { $0.1.trimmingCharacters(in: .whitespacesAndNewlines) }.filter {
            !$0.isEmpty
        }
    }

    /// The raw values, for re-rendering the form as it was sent.
    var values: [String: String] {
        Dictionary(fields.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
    }
}
