import Foundation
import Hummingbird
import Mustache

/// The server-rendered console. Templates are loaded once at startup and rendered from view models.
package struct ConsoleRoutes<Context: RequestContext>: Sendable {
    let library: MustacheLibrary
    let strings: StringTable

    /// - Throws: when the templates cannot be read or parsed (startup only).
    package init() async throws {
        guard let directory = Bundle.module.url(forResource: "templates", withExtension: nil) else {
            preconditionFailure("console templates are missing from the bundle")
        }
        library = try await MustacheLibrary(directory: directory.path)
        guard library.getTemplate(named: "home") != nil else { preconditionFailure("template home.mustache is missing") }
        strings = StringTable.load()
    }

    package func register(on router: Router<Context>) {
        router.get("/") { request, _ in
            let lang = StringTable.negotiate(query: request.uri.queryParameters.get("lang"),
                                             acceptLanguage: request.headers[.acceptLanguage])
            let page = HomePage(strings: strings, lang: lang, origin: "http://\(request.head.authority ?? "localhost:8080")")
            return HTML(library.render(page, withTemplate: "home") ?? "")
        }
    }
}

/// View model of the home page.
struct HomePage {
    struct Module {
        var name: String
        var description: String
    }

    var lang: String
    var title: String
    var tagline: String
    var api: String
    var health: String
    var apiHint: String
    var modulesTitle: String
    var modules: [Module]
    var later: String
    var origin: String
    var switchHref: String
    var switchLang: String
    var switchLabel: String

    init(strings s: StringTable, lang: String, origin: String) {
        self.lang = lang
        title = s.text("app.title", lang)
        tagline = s.text("app.tagline", lang)
        api = s.text("home.api", lang)
        health = s.text("home.health", lang)
        apiHint = s.text("home.api.hint", lang)
        modulesTitle = s.text("home.modules", lang)
        modules = ["catalog", "departments", "audit"].map {
            Module(name: s.text("module.\($0)", lang), description: s.text("module.\($0).desc", lang))
        }
        later = s.text("home.console.later", lang)
        self.origin = origin
        switchLang = lang == "en" ? "zh-CN" : "en"
        switchHref = "/?lang=\(switchLang)"
        switchLabel = s.text("switch.language", lang)
    }
}

/// An HTML response.
struct HTML: ResponseGenerator {
    let html: String
    init(_ html: String) { self.html = html }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
