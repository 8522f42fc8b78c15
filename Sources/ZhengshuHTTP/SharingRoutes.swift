import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ZhengshuCore

/// Sharing and exchange (共享交换): applications and their decisions, grants, system accounts, the working-day calendar,
/// usage statistics, and the data services (`/share/{code}/…`) that enforce the grants.
struct SharingRoutes {
    let platform: Platform
    let exports: ExportFiles

    struct ReasonBody: Decodable {
        var reason: String?
    }

    struct AccountWithKeyBody: Encodable {
        var account: SystemAccount
        /// The API key, shown this once.
        var key: String
    }

    struct WebhookInput: Decodable {
        var resource: String?
        var url: String?
    }

    struct WebhookWithSecret: Encodable {
        var webhook: WebhookSubscription
        /// Verifies X-Zhengshu-Signature; shown this once.
        var secret: String
    }

    struct DecisionReply: Encodable {
        var application: ShareApplication
        var grant: Grant?
    }

    struct CalendarDayBody: Decodable {
        var kind: CalendarDay.Kind
        var name: String
    }

    struct VerifyBody: Decodable {
        var tuples: [[String: JSONValue]]
        /// Also say which submitted items differ.
        var explain: Bool?
    }

    struct ChangesBody: Encodable {
        var fields: [String]
        var records: [[String: RecordValue]]
        /// Pass it back to get what changed next.
        var cursor: String
        var reset: Bool
        var more: Bool
        var receipt: ServiceReceipt
    }

    struct VerifyReply: Encodable {
        var results: [VerifyResult]
        var receipt: ServiceReceipt
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        registerExports(on: api)
        let s = platform.sharing
        let data = platform.data

        // Applications
        api.post("applications") { request, context in
            let draft = try await JSON.decode(ApplicationDraft.self, from: request, context: context)
            return JSON.response(try await s.apply(draft, by: try context.caller()), status: .created)
        }
        api.get("applications") { request, context in
            let q = request.uri.queryParameters
            func department(_ name: String) throws -> DepartmentCode? {
                try q.get(name).map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
            }
            let caller = try context.caller()
            let filter = ApplicationFilter(
                consumer: try department("consumer"), provider: try department("provider"),
                resource: try q.get("resource").map { raw throws(ZhengshuError) in try ResourceCode(validating: raw) },
                status: try ApplicationStatus.parse(q.get("status"), parameter: "status"),
                overdueAt: try Self.flag(q.get("overdue"), "overdue") ? platform.clock.current() : nil,
                before: try APIRoutes.optionalInteger(q.get("before"), "before").map(Int64.init),
                limit: try APIRoutes.optionalInteger(q.get("limit"), "limit") ?? 100)
            return JSON.response(ListBody(items: try await s.applications(filter, by: caller)))
        }
        api.get("applications/{id}") { _, context in
            JSON.response(try await s.application(try APIRoutes.integer(context, "id"), by: try context.caller()))
        }
        api.post("applications/{id}/decision") { request, context in
            let decision = try await JSON.decode(ApplicationDecision.self, from: request, context: context)
            let (a, g) = try await s.decide(try APIRoutes.integer(context, "id"), decision, by: try context.caller())
            return JSON.response(DecisionReply(application: a, grant: g))
        }
        api.post("applications/{id}/withdraw") { request, context in
            let body = try await Self.optionalBody(ReasonBody.self, request, context) ?? ReasonBody()
            return JSON.response(
                try await s.withdraw(
                    try APIRoutes.integer(context, "id"), reason: body.reason, by: try context.caller()))
        }
        api.post("applications/{id}/dispute") { request, context in
            let body = try await JSON.decode(ReasonBody.self, from: request, context: context)
            return JSON.response(
                try await s.dispute(try APIRoutes.integer(context, "id"), reason: body.reason, by: try context.caller())
            )
        }
        api.post("applications/{id}/resubmit") { request, context in
            let draft = try await Self.optionalBody(ApplicationDraft.self, request, context) ?? ApplicationDraft()
            return JSON.response(
                try await s.resubmit(try APIRoutes.integer(context, "id"), draft, by: try context.caller()))
        }

        // Grants
        api.get("grants") { request, context in
            let q = request.uri.queryParameters
            return JSON.response(
                ListBody(
                    items: try await s.grants(
                        consumer: q.get("consumer"), provider: q.get("provider"),
                        resource: q.get("resource"), by: try context.caller())))
        }
        api.get("grants/{id}") { _, context in
            JSON.response(try await s.grant(try APIRoutes.integer(context, "id"), by: try context.caller()))
        }
        api.post("grants/{id}/{action}") { request, context in
            let raw = try context.parameters.require("action")
            guard let action = Sharing.GrantAction(rawValue: raw) else {
                throw ZhengshuError(.notFound, "no grant action '\(raw.prefix(40))'; use suspend, resume or revoke")
            }
            let body = try await Self.optionalBody(ReasonBody.self, request, context) ?? ReasonBody()
            return JSON.response(
                try await s.change(
                    grant: try APIRoutes.integer(context, "id"), action, reason: body.reason,
                    by: try context.caller()))
        }
        api.get("share-usage") { request, context in
            let q = request.uri.queryParameters
            return JSON.response(
                ListBody(
                    items: try await s.usage(
                        from: q.get("from"), to: q.get("to"), department: q.get("department"),
                        by: try context.caller())))
        }

        api.get("share-usage/totals") { request, context in
            let q = request.uri.queryParameters
            let dimension = try ShareTotal.Dimension.parse(q.get("by"), parameter: "by") ?? .resource
            let usage = try await s.usage(
                from: q.get("from"), to: q.get("to"), department: q.get("department"), by: try context.caller())
            return JSON.response(ListBody(items: ShareTotal.totals(usage, by: dimension)))
        }

        // System accounts
        api.post("system-accounts") { request, context in
            let draft = try await JSON.decode(SystemAccountDraft.self, from: request, context: context)
            let (account, key) = try await s.createSystemAccount(draft, by: try context.caller())
            return JSON.response(AccountWithKeyBody(account: account, key: key), status: .created)
        }
        api.get("system-accounts") { request, context in
            JSON.response(
                ListBody(
                    items: try await s.systemAccounts(
                        department: request.uri.queryParameters.get("department"),
                        by: try context.caller())))
        }
        api.get("system-accounts/{id}") { _, context in
            JSON.response(try await s.systemAccount(try APIRoutes.integer(context, "id"), by: try context.caller()))
        }
        api.post("system-accounts/{id}/rotate") { _, context in
            let (account, key) = try await s.rotateSystemAccount(
                try APIRoutes.integer(context, "id"), by: try context.caller())
            return JSON.response(AccountWithKeyBody(account: account, key: key))
        }
        api.delete("system-accounts/{id}") { _, context in
            JSON.response(
                try await s.revokeSystemAccount(try APIRoutes.integer(context, "id"), by: try context.caller()))
        }

        // Catalog change notifications
        let hooks = platform.webhooks
        api.post("webhooks") { request, context in
            let body = try await JSON.decode(WebhookInput.self, from: request, context: context)
            let (webhook, secret) = try await hooks.create(
                resource: body.resource, url: body.url, by: try context.caller())
            return JSON.response(WebhookWithSecret(webhook: webhook, secret: secret), status: .created)
        }
        api.get("webhooks") { _, context in
            JSON.response(ListBody(items: try await hooks.list(by: try context.caller())))
        }
        api.delete("webhooks/{id}") { _, context in
            try await hooks.delete(try APIRoutes.integer(context, "id"), by: try context.caller())
            return Response(status: .noContent)
        }
        api.get("webhooks/{id}/deliveries") { _, context in
            JSON.response(
                ListBody(
                    items: try await hooks.deliveries(try APIRoutes.integer(context, "id"), by: try context.caller())))
        }

        // Working-day calendar
        api.get("calendar") { request, context in
            _ = try context.caller()
            let year = try APIRoutes.optionalInteger(request.uri.queryParameters.get("year"), "year")
            return JSON.response(ListBody(items: try await s.calendar(year: year)))
        }
        api.put("calendar/{date}") { request, context in
            let raw = try context.parameters.require("date")
            guard let date = CivilDate(iso: raw) else {
                throw ZhengshuError(.invalidInput, "'\(raw.prefix(20))' is not a date YYYY-MM-DD")
            }
            let body = try await JSON.decode(CalendarDayBody.self, from: request, context: context)
            let day = CalendarDay(date: date, kind: body.kind, name: body.name)
            try await s.setCalendarDay(day, by: try context.caller())
            return JSON.response(day)
        }
        api.delete("calendar/{date}") { _, context in
            try await s.removeCalendarDay(try context.parameters.require("date"), by: try context.caller())
            return Response(status: .noContent)
        }

        // Data services
        api.get("share/{code}/records") { request, context in try await Self.sharedQuery(request, context, data) }
        api.get("share/{code}/changes") { request, context in
            let q = request.uri.queryParameters
            let (page, receipt) = try await data.sharedChanges(
                try context.parameters.require("code"), fields: q.get("fields"), cursor: q.get("cursor"),
                limit: q.get("limit"), grant: q.get("grant"),
                requestHash: Self.requestHash(request, body: []), by: try context.caller())
            let names = page.fields.map(\.name)
            let records = page.rows.map { Dictionary(uniqueKeysWithValues: zip(names, $0)) }
            return Self.receipted(
                ChangesBody(
                    fields: names, records: records, cursor: page.next.token, reset: page.reset, more: page.more,
                    receipt: receipt), receipt)
        }
        api.post("share/{code}/verify") { request, context in
            let (body, raw) = try await JSON.decodeWithBytes(
                VerifyBody.self, from: request, context: context, limit: 2 * 1024 * 1024)
            let hash = Self.requestHash(request, body: Array(raw))
            let (results, receipt) = try await data.sharedVerify(
                try context.parameters.require("code"), tuples: body.tuples,
                explain: body.explain ?? false,
                grant: request.uri.queryParameters.get("grant"), requestHash: hash,
                by: try context.caller())
            return Self.receipted(VerifyReply(results: results, receipt: receipt), receipt)
        }
    }

    func registerExports(on api: RouterGroup<AppRequestContext>) {
        let data = platform.data
        let files = exports
        api.post("share/{code}/exports") { request, context in
            let q = request.uri.queryParameters
            let format = try ExportFormat.parse(q.get("format"), parameter: "format") ?? .csv
            let parameters = RecordQueryParameters(
                fields: q.get("fields"), filters: q.getAll("filter"), sort: q.get("sort"))
            let prepared = try await data.startExport(
                try context.parameters.require("code"), parameters, format: format, grant: q.get("grant"),
                requestHash: Self.requestHash(request, body: []), node: files.node,
                by: try context.caller())
            let job = prepared.job
            let sink = try ExportFiles.Writer(path: try files.create(job))
            let logger = context.logger
            Task {
                let done = await data.runExport(prepared) { try await sink.write($0) }
                await sink.close()
                if done.status != .succeeded {
                    files.remove(job)
                    logger.warning("export failed", metadata: ["export": "\(job.id)", "error": "\(done.error ?? "")"])
                }
            }
            var response = JSON.response(job, status: .accepted)
            response.headers[.location] = "/api/v1/exports/\(job.id)"
            return response
        }
        api.get("exports") { _, context in
            JSON.response(ListBody(items: try await data.exports(by: try context.caller()).map(Self.summary)))
        }
        api.get("exports/{id}") { _, context in
            JSON.response(
                Self.summary(try await data.export(try APIRoutes.integer(context, "id"), by: try context.caller())))
        }
        api.get("exports/{id}/manifest") { _, context in
            let job = try await data.export(try APIRoutes.integer(context, "id"), by: try context.caller())
            guard let manifest = job.manifest else {
                throw ZhengshuError(.conflict, "export \(job.id) is \(job.status.rawValue); it has no manifest yet")
            }
            var response = JSON.response(manifest)
            response.headers[.contentDisposition] = "attachment; filename=\"export-\(job.id).manifest.json\""
            return response
        }
        api.get("exports/{id}/file") { _, context in
            let job = try await data.downloadExport(try APIRoutes.integer(context, "id"), by: try context.caller())
            let path = files.path(job)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ZhengshuError(
                    .notFound,
                    "the file of export \(job.id) is not on this node (\(job.node)); ask that node, or export again")
            }
            let body = ResponseBody { writer in
                for try await chunk in FileChunks(path: path) { try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: job.format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson",
                    .contentDisposition: "attachment; filename=\"export-\(job.id).\(job.format.rawValue)\"",
                ], body: body)
        }
    }

    /// A job as listed: the manifest's row digests are for the manifest download, not for every listing.
    static func summary(_ job: ExportJob) -> ExportJob {
        var j = job
        j.manifest?.rowDigests = ""
        return j
    }

    /// A data service's answer carries its audit entry and request hash in headers as well as in the body.
    static func receipted(_ value: some Encodable, _ receipt: ServiceReceipt) -> Response {
        var response = JSON.response(value)
        stamp(&response, receipt)
        return response
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
        let hash = Self.requestHash(request, body: [])
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

    static func requestHash(_ request: Request, body: [UInt8]) -> String {
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        return RequestHash.of(method: request.method.rawValue, path: request.uri.path, query: query, body: body)
    }

    static func flag(_ raw: String?, _ name: String) throws -> Bool {
        switch raw {
        case nil, "", "false": return false
        case "true": return true
        default: throw ZhengshuError(.invalidInput, "\(name) must be true or false")
        }
    }

    /// A JSON body that may be left out entirely.
    static func optionalBody<T: Decodable>(
        _ type: T.Type, _ request: Request, _ context: AppRequestContext
    ) async throws -> T? {
        if request.headers[.contentLength] == "0"
            || (request.headers[.contentLength] == nil && request.headers[.contentType] == nil)
        {
            return nil
        }
        return try await JSON.decode(type, from: request, context: context)
    }
}

extension HTTPField.Name {
    static let auditEntry = Self("X-Audit-Entry")!
    static let requestHash = Self("X-Request-Hash")!
}
