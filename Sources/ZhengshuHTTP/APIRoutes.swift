import Foundation
import Hummingbird
import ZhengshuCore

/// The JSON API under `/api/v1`. A handler reads input, calls one Core use case and maps its output: nothing else.
package struct APIRoutes {
    let platform: Platform
    let maxUploadBytes: Int64
    let files: any FileServices

    package init(platform: Platform, maxUploadBytes: Int64, files: any FileServices) {
        self.platform = platform
        self.maxUploadBytes = maxUploadBytes
        self.files = files
    }

    /// The generated server's operations (``APIHandler``), then the few written by hand.
    package func register(on router: Router<AppRequestContext>) throws {
        try APIHandler.register(on: router, platform: platform, files: files)
        let api = router.group("api/v1").add(
            middleware: BearerAuthMiddleware(accounts: platform.accounts, sharing: platform.sharing))
        IngestRoutes(platform: platform, maxUploadBytes: maxUploadBytes, files: files).register(on: api)
        SharingRoutes(platform: platform).register(on: api)
        OpenMemberRoutes(platform: platform).register(api: api.group("open"))
    }

    /// A CSV field, quoted when it must be; a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it.
    static func csvField(_ s: String) -> String {
        var v = s
        if let first = v.first, "=+-@".contains(first) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
