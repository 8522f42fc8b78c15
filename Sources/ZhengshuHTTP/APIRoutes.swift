import Crypto
import Foundation
import Hummingbird
import ZhengshuCore

/// The JSON API under `/api/v1`. A handler reads input, calls one Core use case and maps its output: nothing else.
package struct APIRoutes {
    let platform: Platform
    let maxUploadBytes: Int64
    let workbookToCSV: WorkbookConverter?
    let exports: ExportFiles

    package init(
        platform: Platform, maxUploadBytes: Int64, workbookToCSV: WorkbookConverter? = nil, exports: ExportFiles
    ) {
        self.platform = platform
        self.maxUploadBytes = maxUploadBytes
        self.workbookToCSV = workbookToCSV
        self.exports = exports
    }

    package func register(on router: Router<AppRequestContext>) throws {
        try APIHandler.register(on: router, platform: platform)
        let api = router.group("api/v1").add(
            middleware: BearerAuthMiddleware(accounts: platform.accounts, sharing: platform.sharing))
        IngestRoutes(platform: platform, maxUploadBytes: maxUploadBytes, workbookToCSV: workbookToCSV).register(on: api)
        PullRoutes(platform: platform).register(on: api)
        TopicRoutes(platform: platform).register(on: api)
        SandboxRoutes(platform: platform).register(on: api)
        QualityRoutes(platform: platform).register(on: api)
        ProblemRoutes(platform: platform).register(on: api)
        LineageRoutes(platform: platform).register(on: api)
        SharingRoutes(platform: platform, exports: exports).register(on: api)
        PrivacyRoutes(platform: platform).register(on: api)
        ManagementRoutes(platform: platform).register(on: api)
        OpenMemberRoutes(platform: platform).register(open: router.group("api/v1/open"), api: api.group("open"))
        let p = platform

        // Profiles in the base databases (一人一档, 一企一档)
        api.get("profiles/person/{id}") { _, context in
            JSON.response(
                try await p.profiles.profile(.person, try context.parameters.require("id"), by: try context.caller()))
        }
        api.get("profiles/enterprise/{code}") { _, context in
            JSON.response(
                try await p.profiles.profile(
                    .enterprise, try context.parameters.require("code"), by: try context.caller()))
        }
        api.get("backups") { _, context in
            JSON.response(ListBody(items: try await p.backupRuns(by: try context.caller())))
        }
        api.get("data-elements") { _, context in
            _ = try context.caller()
            let builtIn = DataElement.allCases.map {
                DataElementBody(id: $0.rawValue, label: $0.label, standard: $0.standard)
            }
            let registered = try await p.standards.list().map(DataElementBody.init)
            return JSON.response(ListBody(items: builtIn + registered))
        }
        api.put("data-elements/{id}") { request, context in
            let input = try await JSON.decode(DataElementInput.self, from: request, context: context)
            let element = CustomDataElement(
                id: try context.parameters.require("id"), label: input.label, type: input.type, length: input.length,
                pattern: input.pattern, min: input.min, max: input.max, codes: input.codes,
                description: input.description, updatedAt: Date(), updatedBy: "")
            return JSON.response(
                DataElementBody(try await p.standards.save(element.id, element, by: try context.caller())))
        }
        api.get("data-elements/{id}/versions") { _, context in
            _ = try context.caller()
            return JSON.response(
                ListBody(
                    items: try await p.standards.versions(of: try context.parameters.require("id")).map(
                        DataElementBody.init)))
        }

        // Catalog
        api.get("resources") { request, context in
            let q = request.uri.queryParameters
            let limit = try Self.optionalInteger(q.get("limit"), "limit") ?? 20
            let offset = try Self.optionalInteger(q.get("offset"), "offset") ?? 0
            let search = CatalogSearch(
                text: q.get("q"),
                department: try q.get("department").map { raw throws(ZhengshuError) in
                    try DepartmentCode(validating: raw)
                },
                category: q.get("category").flatMap { $0.isEmpty ? nil : $0 },
                shareType: try ShareType.parse(q.get("shareType"), parameter: "shareType"),
                gradeLevel: try GradeLevel.parse(q.get("gradeLevel"), parameter: "gradeLevel"),
                status: try ResourceStatus.parse(q.get("status"), parameter: "status"),
                limit: limit, offset: offset)
            let result = try await p.catalog.search(search, by: try context.caller())
            return JSON.response(SearchBody(total: result.total, limit: limit, offset: offset, items: result.resources))
        }
        api.post("resources") { request, context in
            let draft = try await JSON.decode(ResourceDraft.self, from: request, context: context)
            return JSON.response(try await p.catalog.create(draft, by: try context.caller()), status: .created)
        }
        api.get("resources/{code}") { _, context in
            JSON.response(try await p.catalog.get(try context.parameters.require("code"), by: try context.caller()))
        }
        api.patch("resources/{code}") { request, context in
            let draft = try await JSON.decode(ResourceDraft.self, from: request, context: context)
            return JSON.response(
                try await p.catalog.update(try context.parameters.require("code"), draft, by: try context.caller()))
        }
        api.post("resources/{code}/publish") { _, context in
            JSON.response(try await p.catalog.publish(try context.parameters.require("code"), by: try context.caller()))
        }
        api.post("resources/{code}/retire") { _, context in
            JSON.response(try await p.catalog.retire(try context.parameters.require("code"), by: try context.caller()))
        }
        api.get("resources/{code}/versions") { _, context in
            let versions = try await p.catalog.versions(
                try context.parameters.require("code"), by: try context.caller())
            return JSON.response(ListBody(items: versions.map(VersionSummaryBody.init)))
        }
        api.get("resources/{code}/versions/{version}") { _, context in
            let n = try Self.integer(context, "version")
            return JSON.response(
                try await p.catalog.version(
                    Int(n), of: try context.parameters.require("code"), by: try context.caller()))
        }
        api.get("resources/{code}/diff") { request, context in
            let q = request.uri.queryParameters
            guard let from = try Self.optionalInteger(q.get("from"), "from"),
                let to = try Self.optionalInteger(q.get("to"), "to")
            else {
                throw ZhengshuError(.invalidInput, "give both versions: ?from=N&to=M")
            }
            let changes = try await p.catalog.diff(
                try context.parameters.require("code"), from: from, to: to, by: try context.caller())
            return JSON.response(DiffBody(from: from, to: to, changes: changes))
        }

        // Records
        api.get("resources/{code}/records") { request, context in
            let q = request.uri.queryParameters
            let parameters = RecordQueryParameters(
                fields: q.get("fields"), filters: q.getAll("filter"), sort: q.get("sort"),
                limit: q.get("limit"), cursor: q.get("cursor"))
            let page = try await p.data.query(
                try context.parameters.require("code"), parameters, by: try context.caller())
            return JSON.response(RecordPageBody(page))
        }
        api.post("resources/{code}/records") { request, context in
            let caller = try context.caller()
            let (rows, body) = try await JSON.decodeWithBytes(
                [[String: JSONValue]].self, from: request, context: context,
                limit: 16 * 1024 * 1024)
            let key = request.headers[.idempotencyKey].map { (key: $0, fingerprint: SHA256.hash(data: body).hex) }
            let outcome = try await p.data.insert(
                rows, into: try context.parameters.require("code"), idempotencyKey: key, by: caller)
            var response = JSON.response(InsertedBody(inserted: outcome.inserted), status: .created)
            if outcome.replayed { response.headers[.idempotentReplayed] = "true" }
            return response
        }
    }

    /// A CSV field, quoted when it must be; a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it.
    static func csvField(_ s: String) -> String {
        var v = s
        if let first = v.first, "=+-@".contains(first) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func integer(_ context: AppRequestContext, _ name: String) throws -> Int64 {
        let raw = try context.parameters.require(name)
        guard let v = Int64(raw), v > 0 else {
            throw ZhengshuError(.invalidInput, "\(name) must be a positive integer, not '\(raw.prefix(40))'")
        }
        return v
    }

    static func optionalInteger(_ raw: String?, _ name: String) throws -> Int? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let v = Int(raw) else {
            throw ZhengshuError(.invalidInput, "\(name) must be an integer, not '\(raw.prefix(40))'")
        }
        return v
    }
}
