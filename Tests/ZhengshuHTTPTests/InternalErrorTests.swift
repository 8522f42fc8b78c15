import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuCore
import ZhengshuHTTP
import ZhengshuPostgres

/// A failure inside the platform never shows its cause: a database server's text, a table or constraint name, a
/// path. The client gets a problem it can act on and the request id; the log gets the cause.
@Suite struct InternalErrorTests {
    struct DatabaseSaid: Error, CustomStringConvertible {
        var description: String { #"relation "rec_rk_330100_0001" does not exist at /var/lib/zhengshu/secret"# }
    }

    @Test func theDatabasesOwnTextStaysInTheLog() async throws {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.get("fails") { _, _ -> Response in throw PostgresStore.translate(DatabaseSaid()) }
        router.get("path") { _, _ -> Response in
            throw ZhengshuError(.internalFailure, "cannot create the export file in /var/lib/zhengshu/exports")
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            for path in ["/fails", "/path"] {
                try await client.execute(uri: path, method: .get) { response in
                    let text = String(buffer: response.body)
                    #expect(response.status == .internalServerError)
                    #expect(text.contains("quote the request id"), "\(text)")
                    #expect(
                        !text.contains("rec_rk") && !text.contains("/var/lib") && !text.contains("PostgreSQL"),
                        "\(text)")
                    #expect(response.headers[HTTPField.Name("X-Request-Id")!] != nil)
                }
            }
        }
    }
}
