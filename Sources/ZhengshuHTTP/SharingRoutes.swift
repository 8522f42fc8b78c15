import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ZhengshuCore

/// The shared query (`/share/{code}/records`), written by hand: the hottest data exit writes its page of records
/// directly (``JSON/recordPage(fields:rows:nextCursor:between:)``), several times faster than the generated encoding.
/// Every other sharing operation is on the generated server (API/Sharing.swift).
struct SharingRoutes {
    let platform: Platform

    func register(on api: RouterGroup<AppRequestContext>) {
        let data = platform.data
        api.get("share/{code}/records") { request, context in try await Self.sharedQuery(request, context, data) }
    }

    /// A shared query's page with its receipt: a department's (`/share/{code}/records`) or a member's
    /// (`/open/datasets/{code}/records`), through the same authorise → fetch → mask → audit path.
    static func sharedQuery(
        _ request: Request, _ context: AppRequestContext, _ data: DataAccess
    ) async throws -> Response {
        let q = request.uri.queryParameters
        let parameters = RecordQueryParameters(
            fields: q.get("fields"), filters: q.getAll("filter"), sort: q.get("sort"),
            limit: q.get("limit"), cursor: q.get("cursor"))
        let hash = RequestHash.of(request, body: [])
        let (page, receipt) = try await data.sharedQuery(
            try context.parameters.require("code"), parameters, grant: q.get("grant"),
            requestHash: hash, by: try context.caller())
        let bytes = JSON.recordPage(
            fields: page.fields.map(\.name), rows: page.rows, nextCursor: page.next?.token,
            between: [
                (
                    "receipt",
                    Array(
                        "{\"auditEntry\":\(receipt.auditEntry),\"grant\":\(receipt.grant),\"requestHash\":\"\(receipt.requestHash)\"}"
                            .utf8)
                )
            ])
        var response = Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        Self.stamp(&response, receipt)
        return response
    }

    static func stamp(_ response: inout Response, _ receipt: ServiceReceipt) {
        response.headers[.auditEntry] = String(receipt.auditEntry)
        response.headers[.requestHash] = receipt.requestHash
    }
}

extension HTTPField.Name {
    static let auditEntry = Self("X-Audit-Entry")!
    static let requestHash = Self("X-Request-Hash")!
}
