import Foundation
import Hummingbird
import ZhengshuCore

/// The open-data portal's machine side, without sign-in: CKAN's Action API, the DCAT catalog and the downloads.
package struct OpenDataRoutes: Sendable {
    let portal: OpenPortal
    let settings: OpenPortalSettings

    package init(portal: OpenPortal, settings: OpenPortalSettings) {
        self.portal = portal
        self.settings = settings
    }

    package func register(on router: Router<AppRequestContext>) {
        CKANRoutes(portal: portal, settings: settings).register(on: router)
        DCATCatalog(portal: portal, settings: settings).register(on: router)
        let portal = self.portal
        router.get("open/datasets/:code/:file") { _, context in
            let code = try context.parameters.require("code")
            let file = try context.parameters.require("file")
            guard let format = ExportFormat.allCases.first(where: { file == "download.\($0.rawValue)" }) else {
                throw ZhengshuError(
                    .notFound, "\(file.prefix(40)) is not a download; use download.csv or download.jsonl")
            }
            // Known before the first byte: a missing dataset is a clean 404, not a cut stream.
            let dataset = try await portal.dataset(code)
            let caller = Caller(.anonymous, requestID: context.id)
            let body = ResponseBody { writer in
                _ = try await portal.download(dataset.resource.code.rawValue, format: format, by: caller) { chunk in
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            }
            let type = format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8"
            return Response(
                status: .ok,
                headers: [
                    .contentType: type,
                    .contentDisposition:
                        "attachment; filename=\"\(dataset.resource.code.rawValue).\(format.rawValue)\"",
                ],
                body: body)
        }
    }
}
