import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ZhengshuCore
import ZhengshuHTTP

/// The server-rendered console (管理门户). Templates are loaded once at startup and rendered from view models built
/// from the same use cases the API calls, so a page shows the API's own problem messages.
package struct ConsoleRoutes<Context: RequestContext>: Sendable {
    let library: MustacheLibrary
    let strings: StringTable
    let platform: Platform
    let policy: SignInPolicy
    let assets: [String: (type: String, body: String)]

    /// - Throws: when the templates cannot be read or parsed (startup only).
    package init(platform: Platform, policy: SignInPolicy = SignInPolicy()) async throws {
        guard let directory = Bundle.module.url(forResource: "templates", withExtension: nil) else {
            preconditionFailure("console templates are missing from the bundle")
        }
        library = try await MustacheLibrary(directory: directory.path)
        for name in Self.templates where library.getTemplate(named: name) == nil {
            preconditionFailure("template \(name).mustache is missing")
        }
        var assets: [String: (type: String, body: String)] = [:]
        for (name, type) in [
            ("console.css", "text/css; charset=utf-8"), ("console.js", "text/javascript; charset=utf-8"),
        ] {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "static"),
                let body = try? String(contentsOf: url, encoding: .utf8)
            else { preconditionFailure("static/\(name) is missing") }
            assets[name] = (type, body)
        }
        self.assets = assets
        strings = StringTable.load()
        self.platform = platform
        self.policy = policy
    }

    static var templates: [String] {
        [
            "head", "foot", "login", "cockpit", "home", "catalog", "resource", "resource-new", "upload", "job", "apply",
            "applications",
            "grants", "error", "problems", "proposals", "alerts", "break-glass", "audit", "accounts", "scan", "jobs",
            "performance",
            "performance-report", "inventory", "topics",
            "sandbox", "workspace",
            "open", "open-dataset", "open-organization",
        ]
    }

    package func register(on router: Router<Context>) {
        for (name, asset) in assets {
            router.get("static/\(name)") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: asset.type, .cacheControl: "public, max-age=3600"],
                    body: .init(byteBuffer: ByteBuffer(string: asset.body)))
            }
        }
        router.get("/login") { request, context in
            if await ConsoleSession.resolve(request, accounts: platform.accounts) != nil {
                return redirect(safeNext(request.uri.queryParameters.get("next")))
            }
            return loginPage(request, error: nil, name: "", status: .ok)
        }
        router.post("/login") { request, context in try await signIn(request, context) }
        router.post("/logout") { request, context in
            let session = await ConsoleSession.resolve(request, accounts: platform.accounts)
            if let session {
                let form = try await FormBody(request, context: context)
                guard form["_csrf"] == session.csrf else { return forbiddenForm(request, session) }
                try await platform.accounts.signOut(session: session.secret, requestID: context.id)
            }
            var response = redirect("/login")
            response.setCookie(
                ConsoleSession.cookie(
                    SignInPolicy.sessionCookie, "", expires: Date(timeIntervalSince1970: 0), request: request))
            return response
        }
        router.get("/") { request, context in
            try await page(request, context) { s, lang in
                s.principal.isAdmin
                    ? try await cockpit(request, context, s, lang) : try await home(request, context, s, lang)
            }
        }
        CatalogPages(console: self).register(on: router)
        SharingPages(console: self).register(on: router)
        GovernancePages(console: self).register(on: router)
        ManagementPages(console: self).register(on: router)
        TopicPages(console: self).register(on: router)
        SandboxPages(console: self).register(on: router)
        OpenPages(console: self).register(on: router)
        MemberPages(console: self).register(on: router)
    }

    // MARK: Sign-in

    func signIn(_ request: Request, _ context: Context) async throws -> Response {
        let form = try await FormBody(request, context: context)
        let name = form["name"] ?? ""
        // Login forms are protected too (no signing a victim in to an attacker's account): a double-submitted token.
        guard let sent = form["_csrf"], sent == request.cookies["zs_login"]?.value else {
            return loginPage(request, error: text("login.expired", lang(request)), name: name, status: .forbidden)
        }
        do {
            let (principal, secret, expires) = try await platform.accounts.signIn(
                name: name, password: form.fields.first { $0.0 == "password" }?.1 ?? "",
                requestID: context.id, policy: policy)
            let next = safeNext(form["next"])
            var response = redirect(
                principal.isMember && !MemberScope.allows(String(next.split(separator: "?").first ?? ""))
                    ? "/open/mine" : next)
            response.setCookie(
                ConsoleSession.cookie(SignInPolicy.sessionCookie, secret, expires: expires, request: request))
            return response
        } catch let error as ZhengshuError {
            let message =
                error.code == .tooManyRequests
                ? text("login.locked", lang(request)) + " " + error.message : text("login.failed", lang(request))
            return loginPage(
                request, error: message, name: name,
                status: error.code == .tooManyRequests ? .tooManyRequests : .unauthorized)
        }
    }

    func loginPage(_ request: Request, error: String?, name: String, status: HTTPResponse.Status) -> Response {
        var rng = SystemRandomNumberGenerator()
        let token = TokenSecret.generate(using: &rng)
        var response = render(
            "login",
            [
                "error": error as Any, "hasError": error != nil, "name": name, "loginToken": token,
                "registered": error == nil && request.uri.queryParameters.get("registered") == "1",
                "next": safeNext(request.uri.queryParameters.get("next")),
            ],
            title: "login.title", session: nil, request: request, status: status)
        response.setCookie(ConsoleSession.cookie("zs_login", token, expires: nil, request: request))
        return response
    }

    // MARK: Pages

    /// Runs a page for a signed-in user: without a session, to the sign-in page (and back after); a use case's error
    /// becomes an error page with its message and a fitting status.
    func page(
        _ request: Request, _ context: Context, _ body: (ConsoleSession, String) async throws -> Response
    ) async throws -> Response {
        guard let session = await ConsoleSession.resolve(request, accounts: platform.accounts) else {
            let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return redirect(
                "/login?next=" + (target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
        }
        if session.principal.isMember, !MemberScope.allows(request.uri.path) {
            return request.uri.path == "/"
                ? redirect("/open/mine") : errorPage(MemberScope.refusal, request: request, session: session)
        }
        do {
            return try await body(session, lang(request))
        } catch let error as ZhengshuError {
            return errorPage(error, request: request, session: session)
        }
    }

    /// Runs a page of the open-data portal: no sign-in needed (a signed-in user keeps the console's frame); a use
    /// case's error becomes an error page with its message and a fitting status.
    func publicPage(
        _ request: Request, _ context: Context, _ body: (ConsoleSession?, String) async throws -> Response
    ) async throws -> Response {
        let session = await ConsoleSession.resolve(request, accounts: platform.accounts)
        do {
            return try await body(session, lang(request))
        } catch let error as ZhengshuError {
            return errorPage(error, request: request, session: session)
        }
    }

    /// The same for a form post, which must carry the session's CSRF token.
    func post(
        _ request: Request, _ context: Context, _ body: (ConsoleSession, FormBody, String) async throws -> Response
    ) async throws -> Response {
        try await page(request, context) { session, lang in
            let form = try await FormBody(request, context: context)
            guard form["_csrf"] == session.csrf else { return forbiddenForm(request, session) }
            return try await body(session, form, lang)
        }
    }

    func forbiddenForm(_ request: Request, _ session: ConsoleSession) -> Response {
        errorPage(ZhengshuError(.forbidden, text("error.csrf", lang(request))), request: request, session: session)
    }

    func errorPage(_ error: ZhengshuError, request: Request, session: ConsoleSession?) -> Response {
        render(
            "error", Self.problem(error).merging(["status": String(Self.status(error.code).code)]) { _, new in new },
            title: "error.title", session: session, request: request, status: Self.status(error.code))
    }

    /// What a page shows of a refusal: the use case's message, and each violation the message does not already name.
    /// A failure of the platform itself shows the string table's `error.internal` (its message may name paths or the
    /// database's own text: the log has it).
    static func problem(_ error: ZhengshuError?) -> [String: Any] {
        guard let error else { return ["hasError": false] }
        if error.code == .internalFailure {
            return ["hasError": true, "errorKey": "error.internal", "hasViolations": false]
        }
        let extra = error.violations.filter { !error.message.contains($0.reason) }
            .map { v in ["field": v.row.map { "#\($0 + 1) \(v.field)" } ?? v.field, "reason": v.reason] }
        return ["hasError": true, "error": error.message, "violations": extra, "hasViolations": !extra.isEmpty]
    }

    static func status(_ code: ZhengshuError.Code) -> HTTPResponse.Status { code.status }

    /// Renders `template` inside the console's frame: the string table of the language, the navigation the user's
    /// roles allow, the session's CSRF token for forms and scripts.
    func render(
        _ template: String, _ values: [String: Any], title: String, session: ConsoleSession?, request: Request,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let lang = lang(request)
        var context = values
        if let key = values["errorKey"] as? String { context["error"] = text(key, lang) }
        context["t"] = strings.tree(lang)
        context["lang"] = lang
        context["title"] = text(title, lang)
        let other = lang == "en" ? "zh-CN" : "en"
        context["switchHref"] =
            request.uri.path + "?"
            + ((request.uri.queryParameters.filter { $0.key != "lang" }
            .map { "\($0.key)=\(String($0.value).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" })
            + ["lang=\(other)"]).joined(separator: "&")
        context["switchLang"] = other
        if let session {
            let p = session.principal
            context["signedIn"] = true
            context["csrf"] = session.csrf
            context["user"] = [
                "name": p.name, "department": p.department?.rawValue ?? "",
                "roles": p.roles.sorted().map { text("role.\($0.rawValue)", lang) }.joined(separator: "、"),
            ]
            context["nav"] = navigation(p, path: request.uri.path, lang: lang)
        }
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: library.render(context, withTemplate: template) ?? "")))
        if let asked = request.uri.queryParameters.get("lang"), StringTable.languages.contains(asked) {
            response.setCookie(
                ConsoleSession.cookie(
                    "zs_lang", asked, expires: Date().addingTimeInterval(365 * 86_400), request: request))
        }
        return response
    }

    /// Only what the user's roles may do.
    func navigation(_ p: Principal, path: String, lang: String) -> [[String: Any]] {
        let provider = p.roles.contains(.provider), consumer = p.roles.contains(.consumer),
            auditor = p.roles.contains(.auditor)
        if p.isMember {
            return [("/open", "nav.open"), ("/open/mine", "nav.openMine")].map { href, key in
                ["href": href, "label": text(key, lang), "current": path == href]
            }
        }
        var items: [(String, String)] = [("/", p.isAdmin ? "nav.cockpit" : "nav.home"), ("/catalog", "nav.catalog")]
        if p.isAdmin || provider { items.append(("/catalog/new", "nav.newResource")) }
        if consumer { items.append(("/applications?box=mine", "nav.myApplications")) }
        if p.isAdmin || provider { items.append(("/applications?box=inbox", "nav.inbox")) }
        if p.isAdmin || provider { items.append(("/jobs", "nav.jobs")) }
        items.append(("/grants", "nav.grants"))
        if p.isAdmin || provider || auditor { items.append(("/problems", "nav.problems")) }
        if p.isAdmin || provider { items.append(("/proposals", "nav.proposals")) }
        if consumer || p.isAdmin { items.append(("/accounts", "nav.accounts")) }
        if p.isAdmin || auditor { items.append(("/alerts", "nav.alerts")) }
        if p.isAdmin || auditor { items.append(("/break-glass", "nav.breakGlass")) }
        if p.isAdmin || auditor { items.append(("/audit", "nav.audit")) }
        if p.isAdmin || auditor { items.append(("/performance", "nav.performance")) }
        if p.isAdmin || provider || auditor { items.append(("/inventory", "nav.inventory")) }
        items.append(("/topics", "nav.topics"))
        if p.isAdmin || provider || consumer || auditor { items.append(("/sandbox", "nav.sandbox")) }
        items.append(("/open", "nav.open"))
        return items.map { href, key in
            let base = String(href.split(separator: "?")[0])
            let current = base == "/" ? path == "/" : path == base
            return ["href": href, "label": text(key, lang), "current": current]
        }
    }

    func lang(_ request: Request) -> String {
        StringTable.negotiate(
            query: request.uri.queryParameters.get("lang") ?? request.cookies["zs_lang"]?.value,
            acceptLanguage: request.headers[.acceptLanguage])
    }

    func text(_ key: String, _ lang: String) -> String { strings.text(key, lang) }

    /// Where to go after signing in: a path of this site only (never another host).
    func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/" }
        return next
    }
}

/// The console's pages: HTML for people, outside the JSON API (only `GET /` and `GET /login` are in its document).
package enum ConsolePaths {
    package static let prefixes = [
        "/catalog", "/applications", "/grants", "/jobs", "/static", "/login", "/logout", "/problems",
        "/proposals", "/alerts", "/break-glass", "/audit", "/accounts", "/open", "/performance", "/inventory",
        "/topics", "/sandbox",
    ]
}

func redirect(_ location: String) -> Response {
    Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
}

/// A date and time in China time, as the console shows them.
enum ConsoleTime {
    static func minute(_ date: Date?) -> String {
        date.map(CivilDate.chinaMinute) ?? "—"
    }
}
