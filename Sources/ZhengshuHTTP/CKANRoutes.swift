import Crypto
import Foundation
import Hummingbird
import ZhengshuCore

/// How the portal describes itself and its licence to CKAN and DCAT clients.
package struct OpenPortalSettings: Sendable {
    /// The address the public reaches the server at (`open.publicURL`); without it, taken from the request's Host.
    package var publicURL: String?
    package var title: String
    package var licenseID: String
    package var licenseTitle: String
    package var licenseURL: String

    package init(
        publicURL: String? = nil, title: String = "政数开放数据 Zhengshu Open Data", licenseID: String = "cc-by",
        licenseTitle: String = "Creative Commons Attribution 4.0",
        licenseURL: String = "https://creativecommons.org/licenses/by/4.0/"
    ) {
        self.publicURL = publicURL
        self.title = title
        self.licenseID = licenseID
        self.licenseTitle = licenseTitle
        self.licenseURL = licenseURL
    }

    /// `scheme://host[:port]` without a trailing slash.
    func base(_ request: Request) -> String {
        if let publicURL, !publicURL.isEmpty {
            return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        }
        return "http://" + (request.head.authority ?? "localhost")
    }
}

/// CKAN's Action API (`/api/3/action/NAME`, GET or POST) over the open-data portal, read-only, with CKAN's envelope
/// (`help`, `success`, `result` or `error`) and field names, so `ckanapi`, CKAN harvesters and portal aggregators
/// work unchanged. Every read of records goes through ``DataAccess/openRecords(_:_:by:)`` as the public.
package struct CKANRoutes: Sendable {
    let portal: OpenPortal
    let settings: OpenPortalSettings

    package init(portal: OpenPortal, settings: OpenPortalSettings) {
        self.portal = portal
        self.settings = settings
    }

    static let actions = [
        "package_list", "package_show", "package_search", "organization_list", "organization_show", "group_list",
        "group_show", "tag_list", "resource_show", "datastore_search", "status_show", "site_read",
    ]

    package func register(on router: Router<AppRequestContext>) {
        // `ckanapi` posts to /api/action/NAME; browsers and CKAN's documentation use /api/3/action/NAME.
        for prefix in ["api/3/action", "api/action"] {
            router.get("\(prefix)/:action") { request, context in await self.handle(request, context) }
            router.post("\(prefix)/:action") { request, context in await self.handle(request, context) }
        }
    }

    func handle(_ request: Request, _ context: AppRequestContext) async -> Response {
        let action = context.parameters.get("action") ?? ""
        let base = settings.base(request)
        let help = "\(base)/api/3/action/help_show?name=\(action)"
        do {
            let params = try await Self.parameters(request, context)
            let caller = Caller(.anonymous, requestID: context.id)
            let result = try await run(action, CKANParameters(values: params), base: base, caller: caller)
            return JSON.response(JSONValue.object(["help": .string(help), "success": .bool(true), "result": result]))
        } catch {
            return Self.failure(error, help: help, action: action)
        }
    }

    func run(_ action: String, _ p: CKANParameters, base: String, caller: Caller) async throws -> JSONValue {
        switch action {
        case "package_list":
            let names = try await portal.datasets().map { JSONValue.string($0.name) }
            return .array(Array(names.dropFirst(try p.int("offset", 0)).prefix(try p.int("limit", Int.max))))
        case "package_show":
            return package(try await portal.dataset(try p.required("id")), base: base)
        case "package_search":
            return try await search(p, base: base)
        case "organization_list":
            return try await organizations(p, base: base, all: try p.bool("all_fields", false))
        case "organization_show":
            return try await organization(try p.required("id"), p, base: base)
        case "group_list":
            return try await groups(all: try p.bool("all_fields", false), base: base)
        case "group_show":
            let id = try p.required("id")
            guard
                let g = try await groups(all: true, base: base).arrayValue.first(where: {
                    $0["name"] == .string(id) || $0["id"] == .string(id)
                })
            else { throw ZhengshuError(.notFound, "group \(id.prefix(64)) does not exist") }
            return g
        case "tag_list":
            var tags = Set<String>()
            for d in try await portal.datasets() { tags.formUnion(Self.tags(d)) }
            let query = (try p.string("query"))?.lowercased()
            return .array(
                tags.sorted().filter { query == nil || $0.lowercased().contains(query!) }.map(JSONValue.string))
        case "resource_show":
            let id = try p.required("id")
            let (dataset, format) = try await distribution(id)
            return resource(dataset, format, base: base)
        case "datastore_search":
            return try await datastoreSearch(p, base: base, caller: caller)
        case "status_show":
            return .object([
                "ckan_version": "2.10.4", "site_title": .string(settings.title),
                "site_description": "政务数据开放平台：无条件开放数据集",
                "site_url": .string(base), "locale_default": "zh_Hans_CN", "error_emails_to": .null,
                "extensions": ["datastore", "dcat"],
            ])
        case "site_read":
            return .bool(true)
        default:
            throw CKANError.unknownAction(action)
        }
    }

    // MARK: - Datasets

    func package(_ d: OpenDataset, base: String) -> JSONValue {
        let r = d.resource
        let tags = Self.tags(d).sorted().map { t -> JSONValue in
            .object([
                "id": .string(t), "name": .string(t), "display_name": .string(t), "state": "active",
                "vocabulary_id": .null,
            ])
        }
        var extras: [JSONValue] = [
            Self.extra("update_cycle", r.updateCycle.rawValue), Self.extra("share_type", r.shareType.rawValue),
            Self.extra("open_type", r.openType.rawValue), Self.extra("category", r.category),
            Self.extra("items", r.items.map(\.label).joined(separator: "、")),
        ]
        if let at = d.dataUpdatedAt { extras.append(Self.extra("data_updated", Self.timestamp(at))) }
        return .object([
            "id": .string(r.code.rawValue), "name": .string(d.name), "title": .string(r.name),
            "notes": .string(r.abstract),
            "type": "dataset", "state": "active", "private": .bool(false), "isopen": .bool(true),
            "url": .string("\(base)/open/datasets/\(r.code.rawValue)"), "version": .string(String(r.version)),
            "license_id": .string(settings.licenseID), "license_title": .string(settings.licenseTitle),
            "license_url": .string(settings.licenseURL),
            "author": .string(d.publisher?.name ?? r.department.rawValue), "author_email": .null,
            "maintainer": .string(d.publisher?.name ?? r.department.rawValue), "maintainer_email": .null,
            "metadata_created": .string(Self.timestamp(r.publishedAt ?? r.createdAt)),
            "metadata_modified": .string(Self.timestamp(r.updatedAt)),
            "owner_org": .string(r.department.rawValue),
            "organization": organizationDict(r.department, d.publisher, count: nil, base: base),
            "groups": .array([groupDict(r.category, count: nil, base: base)]),
            "tags": .array(tags), "num_tags": .integer(Int64(tags.count)),
            "resources": .array(ExportFormat.allCases.map { resource(d, $0, base: base) }),
            "num_resources": .integer(Int64(ExportFormat.allCases.count)),
            "extras": .array(extras), "relationships_as_object": [], "relationships_as_subject": [],
        ])
    }

    static func extra(_ key: String, _ value: String) -> JSONValue {
        .object(["key": .string(key), "value": .string(value)])
    }

    /// Tags: the dataset's 政务服务事项 and its category.
    static func tags(_ d: OpenDataset) -> Set<String> {
        Set(d.resource.serviceItems + [d.resource.category]).subtracting([""])
    }

    /// The distribution id of a format: `CODE.csv`, `CODE.jsonl`.
    static func distributionID(_ code: ResourceCode, _ format: ExportFormat) -> String {
        "\(code.rawValue).\(format.rawValue)"
    }

    func distribution(_ id: String) async throws -> (OpenDataset, ExportFormat) {
        for format in ExportFormat.allCases where id.hasSuffix(".\(format.rawValue)") {
            if let d = try? await portal.dataset(String(id.dropLast(format.rawValue.count + 1))) { return (d, format) }
        }
        // A dataset's id alone names its first distribution.
        return (try await portal.dataset(id), .csv)
    }

    func resource(_ d: OpenDataset, _ format: ExportFormat, base: String) -> JSONValue {
        let r = d.resource
        let (label, mime) = format == .csv ? ("CSV", "text/csv") : ("JSON", "application/x-ndjson")
        return .object([
            "id": .string(Self.distributionID(r.code, format)), "package_id": .string(r.code.rawValue),
            "name": .string("\(r.name)（\(label)）"), "description": .string(r.abstract), "format": .string(label),
            "mimetype": .string(mime),
            "url": .string("\(base)/open/datasets/\(r.code.rawValue)/download.\(format.rawValue)"), "url_type": .null,
            "position": .integer(format == .csv ? 0 : 1), "state": "active", "datastore_active": .bool(true),
            "created": .string(Self.timestamp(r.publishedAt ?? r.createdAt)),
            "last_modified": d.dataUpdatedAt.map { .string(Self.timestamp($0)) } ?? .null, "size": .null, "hash": "",
        ])
    }

    func search(_ p: CKANParameters, base: String) async throws -> JSONValue {
        var found = try await portal.search(try p.string("q"))
        for (field, value) in try Self.filterQuery(try p.string("fq")) {
            found = found.filter { d in
                switch field {
                case "organization", "owner_org":
                    d.resource.department.rawValue.lowercased() == value.lowercased()
                        || d.resource.department.rawValue == value
                case "groups": Self.groupName(d.resource.category) == value || d.resource.category == value
                case "tags": Self.tags(d).contains(value)
                case "res_format": ["csv", "json"].contains(value.lowercased())
                case "name": d.name == value
                case "id": d.resource.code.rawValue == value
                case "license_id": settings.licenseID == value
                default: d.matches([value.lowercased()])
                }
            }
        }
        let sort = (try p.string("sort")) ?? "score desc, metadata_modified desc"
        switch sort.split(separator: ",").first.map({ $0.trimmingCharacters(in: .whitespaces) }) ?? "" {
        case "name asc", "title_string asc": found.sort { $0.name < $1.name }
        case "name desc", "title_string desc": found.sort { $0.name > $1.name }
        case "metadata_modified asc": found.sort { $0.resource.updatedAt < $1.resource.updatedAt }
        case "metadata_created desc":
            found.sort {
                ($0.resource.publishedAt ?? $0.resource.createdAt) > ($1.resource.publishedAt ?? $1.resource.createdAt)
            }
        case "metadata_created asc":
            found.sort {
                ($0.resource.publishedAt ?? $0.resource.createdAt) < ($1.resource.publishedAt ?? $1.resource.createdAt)
            }
        default: found.sort { $0.resource.updatedAt > $1.resource.updatedAt }
        }
        let rows = try p.int("rows", 10), start = try p.int("start", 0)
        guard (0...1000).contains(rows) else { throw CKANError.validation("rows", "must be from 0 to 1000") }
        guard start >= 0 else { throw CKANError.validation("start", "must be 0 or more") }
        var facets: [String: JSONValue] = [:]
        var searchFacets: [String: JSONValue] = [:]
        for field in try p.list("facet.field") {
            var counts: [String: Int] = [:]
            for d in found {
                let keys: [String] =
                    switch field {
                    case "organization": [d.resource.department.rawValue.lowercased()]
                    case "groups": [Self.groupName(d.resource.category)]
                    case "tags": Array(Self.tags(d))
                    case "res_format": ["CSV", "JSON"]
                    case "license_id": [settings.licenseID]
                    default: []
                    }
                for k in keys { counts[k, default: 0] += 1 }
            }
            facets[field] = .object(counts.mapValues { .integer(Int64($0)) })
            searchFacets[field] = .object([
                "title": .string(field),
                "items": .array(
                    counts.sorted { $0.key < $1.key }.map {
                        .object([
                            "name": .string($0.key), "display_name": .string($0.key),
                            "count": .integer(Int64($0.value)),
                        ])
                    }),
            ])
        }
        return .object([
            "count": .integer(Int64(found.count)), "sort": .string(sort), "facets": .object(facets),
            "search_facets": .object(searchFacets),
            "results": .array(found.dropFirst(start).prefix(rows).map { package($0, base: base) }),
        ])
    }

    /// `fq` as CKAN (Solr) spells it: `organization:x tags:"y z" +res_format:CSV`, joined by spaces or AND.
    static func filterQuery(_ fq: String?) throws -> [(String, String)] {
        guard let fq, !fq.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        var out: [(String, String)] = []
        var rest = Substring(fq)
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "+" })
            if rest.hasPrefix("AND ") {
                rest = rest.dropFirst(4)
                continue
            }
            if rest.isEmpty { break }
            guard let colon = rest.firstIndex(of: ":") else {
                throw CKANError.validation("fq", "'\(rest.prefix(60))' is not field:value")
            }
            let field = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
            var value: Substring
            if rest.first == "\"" {
                rest = rest.dropFirst()
                guard let end = rest.firstIndex(of: "\"") else {
                    throw CKANError.validation("fq", "an opening quote is not closed")
                }
                value = rest[..<end]
                rest = rest[rest.index(after: end)...]
            } else {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                value = rest[..<end]
                rest = rest[end...]
            }
            out.append((field, String(value)))
        }
        return out
    }

    // MARK: - Organizations and groups

    func organizationDict(_ code: DepartmentCode, _ department: Department?, count: Int?, base: String) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(code.rawValue), "name": .string(code.rawValue.lowercased()),
            "title": .string(department?.name ?? code.rawValue),
            "display_name": .string(department?.name ?? code.rawValue), "description": "", "type": "organization",
            "is_organization": .bool(true),
            "state": "active", "approval_status": "approved", "image_url": "",
            "created": .string(Self.timestamp(department?.createdAt ?? Date(timeIntervalSince1970: 0))),
        ]
        if let count { o["package_count"] = .integer(Int64(count)) }
        return .object(o)
    }

    func organizations(_ p: CKANParameters, base: String, all: Bool) async throws -> JSONValue {
        let datasets = try await portal.datasets()
        var byCode: [DepartmentCode: (Department?, Int)] = [:]
        for d in datasets { byCode[d.resource.department, default: (d.publisher, 0)].1 += 1 }
        let sorted = byCode.sorted { $0.key.rawValue < $1.key.rawValue }
        return .array(
            sorted.map {
                all
                    ? organizationDict($0.key, $0.value.0, count: $0.value.1, base: base)
                    : .string($0.key.rawValue.lowercased())
            })
    }

    func organization(_ id: String, _ p: CKANParameters, base: String) async throws -> JSONValue {
        let datasets = try await portal.datasets().filter {
            $0.resource.department.rawValue == id || $0.resource.department.rawValue.lowercased() == id.lowercased()
        }
        guard let first = datasets.first else {
            throw ZhengshuError(.notFound, "organization \(id.prefix(64)) publishes no open data")
        }
        guard
            case .object(var o) = organizationDict(
                first.resource.department, first.publisher, count: datasets.count, base: base)
        else { return .null }
        if try p.bool("include_datasets", false) { o["packages"] = .array(datasets.map { package($0, base: base) }) }
        return .object(o)
    }

    /// A group per catalog category; CKAN names are ASCII, so the name is a digest of the category.
    static func groupName(_ category: String) -> String {
        "c-" + SHA256Hex.digest(Array(category.utf8)).prefix(12)
    }

    func groupDict(_ category: String, count: Int?, base: String) -> JSONValue {
        var g: [String: JSONValue] = [
            "id": .string(Self.groupName(category)), "name": .string(Self.groupName(category)),
            "title": .string(category),
            "display_name": .string(category), "description": "", "type": "group", "is_organization": .bool(false),
            "state": "active", "image_display_url": "",
        ]
        if let count { g["package_count"] = .integer(Int64(count)) }
        return .object(g)
    }

    func groups(all: Bool, base: String) async throws -> JSONValue {
        var counts: [String: Int] = [:]
        for d in try await portal.datasets() { counts[d.resource.category, default: 0] += 1 }
        let sorted = counts.sorted { Self.groupName($0.key) < Self.groupName($1.key) }
        return .array(
            sorted.map { all ? groupDict($0.key, count: $0.value, base: base) : .string(Self.groupName($0.key)) })
    }

    // MARK: - Datastore

    func datastoreSearch(_ p: CKANParameters, base: String, caller: Caller) async throws -> JSONValue {
        let id = try p.required("resource_id")
        let (dataset, format) = try await distribution(id)
        var filters: [String: [String]] = [:]
        for (k, v) in try p.object("filters") {
            switch v {
            case .array(let values): filters[k] = values.map(Self.plain)
            default: filters[k] = [Self.plain(v)]
            }
        }
        let limit = try p.int("limit", 100), offset = try p.int("offset", 0)
        let fields = try p.list("fields")
        let page = try await portal.records(
            dataset.resource.code.rawValue,
            OpenQuery(
                text: try p.string("q"), filters: filters, sort: try p.string("sort"),
                fields: fields.isEmpty ? nil : fields, limit: limit, offset: offset),
            by: caller)
        let fieldList: [JSONValue] =
            [.object(["id": "_id", "type": "int"])]
            + page.fields.map { item in
                .object([
                    "id": .string(item.name),
                    "type": .string(page.masked.contains(item.name) ? "text" : Self.ckanType(item.type)),
                    "info": .object([
                        "label": .string(item.label),
                        "notes": .string(page.masked.contains(item.name) ? "masked / 已脱敏" : ""),
                    ]),
                ])
            }
        let records: [JSONValue] = page.rows.enumerated().map { n, row in
            var o: [String: JSONValue] = ["_id": .integer(Int64(offset + n + 1))]
            for (k, item) in page.fields.enumerated() {
                o[item.name] = Self.json(row[k], masked: page.masked.contains(item.name))
            }
            return .object(o)
        }
        let resourceID = Self.distributionID(dataset.resource.code, format)
        let link = "/api/3/action/datastore_search?resource_id=\(resourceID)"
        return .object([
            "resource_id": .string(resourceID), "fields": .array(fieldList), "records": .array(records),
            "total": .integer(Int64(page.total)), "total_was_estimated": .bool(page.totalEstimated),
            "limit": .integer(Int64(limit)), "offset": .integer(Int64(offset)), "include_total": .bool(true),
            "records_format": "objects",
            "_links": .object(["start": .string(link), "next": .string("\(link)&offset=\(offset + limit)")]),
        ])
    }

    static func ckanType(_ type: DataType) -> String {
        switch type {
        case .string: "text"
        case .integer: "int"
        case .decimal: "numeric"
        case .date: "date"
        case .datetime: "timestamp"
        case .boolean: "bool"
        }
    }

    static func json(_ v: RecordValue, masked: Bool) -> JSONValue {
        if masked { return v == .null ? .null : .string(v.text) }
        switch v {
        case .null: return .null
        case .integer(let i): return .integer(i)
        case .decimal(let s): return Double(s).map(JSONValue.number) ?? .string(s)
        case .boolean(let b): return .bool(b)
        default: return .string(v.text)
        }
    }

    static func plain(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): s
        case .integer(let i): String(i)
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): b ? "true" : "false"
        default: ""
        }
    }

    // MARK: - Envelope

    /// CKAN's own time format: UTC, microseconds, no zone designator.
    static func timestamp(_ date: Date) -> String {
        var s = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        if s.hasSuffix("Z") { s.removeLast() }
        return s + "000"
    }

    /// GET query items and, for a POST, the JSON (or form) body: what CKAN's API controller reads.
    static func parameters(_ request: Request, _ context: AppRequestContext) async throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (k, v) in request.uri.queryParameters { out[String(k)] = .string(String(v)) }
        guard request.method == .post else { return out }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 1024 * 1024) } catch {
            throw CKANError.validation("body", "the request body is larger than 1 MiB")
        }
        let data = Data(buffer.readableBytesView)
        if data.isEmpty { return out }
        if let type = request.headers[.contentType], type.contains("application/x-www-form-urlencoded") {
            for pair in String(decoding: data, as: UTF8.self).split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                out[kv[0]] = .string(kv.count > 1 ? kv[1] : "")
            }
            return out
        }
        guard case .object(let body)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw CKANError.validation("body", "the request body must be a JSON object")
        }
        return out.merging(body) { _, posted in posted }
    }

    static func failure(_ error: any Error, help: String, action: String) -> Response {
        let (status, type, message): (HTTPResponse.Status, String, JSONValue)
        switch error {
        case CKANError.unknownAction(let name):
            (status, type, message) = (
                .badRequest, "Bad request", .string("Bad request - Action name not known: \(name.prefix(64))")
            )
        case CKANError.validation(let field, let reason):
            (status, type, message) = (.conflict, "Validation Error", .string("\(field): \(reason)"))
        case let e as ZhengshuError where e.code == .notFound:
            (status, type, message) = (.notFound, "Not Found Error", .string("Not found: \(e.message)"))
        case let e as ZhengshuError where e.code == .invalidInput || e.code == .validation:
            (status, type, message) = (.conflict, "Validation Error", .string(e.message))
        case let e as ZhengshuError where e.code == .forbidden || e.code == .unauthenticated:
            (status, type, message) = (.forbidden, "Authorization Error", .string(e.message))
        case let e as ZhengshuError:
            (status, type, message) = (e.code.status, "Internal Error", .string(e.message))
        default:
            (status, type, message) = (
                .internalServerError, "Internal Error", "the server failed to handle the request"
            )
        }
        var err: [String: JSONValue] = ["__type": .string(type), "message": message]
        if type == "Validation Error", case .string(let m) = message { err["fields"] = .array([.string(m)]) }
        return JSON.response(
            JSONValue.object(["help": .string(help), "success": .bool(false), "error": .object(err)]), status: status)
    }
}

enum CKANError: Error {
    case unknownAction(String)
    case validation(String, String)
}

/// An action's parameters, typed the way CKAN coerces them (query strings are text; JSON bodies are typed).
struct CKANParameters {
    var values: [String: JSONValue]

    func string(_ key: String) throws -> String? {
        switch values[key] {
        case nil, .null?: nil
        case .string(let s)?: s.isEmpty ? nil : s
        case let v?: CKANRoutes.plain(v)
        }
    }

    func required(_ key: String) throws -> String {
        guard let s = try string(key) else { throw CKANError.validation(key, "Missing value") }
        return s
    }

    func int(_ key: String, _ fallback: Int) throws -> Int {
        guard let s = try string(key) else { return fallback }
        guard let n = Int(s) else { throw CKANError.validation(key, "Invalid integer") }
        // Every count and offset CKAN takes is a natural number (a negative one would trap the list slicing).
        guard n >= 0 else { throw CKANError.validation(key, "Must be a natural number") }
        return n
    }

    func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        guard let s = try string(key)?.lowercased() else { return fallback }
        switch s {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw CKANError.validation(key, "Invalid boolean")
        }
    }

    /// A JSON object: given as one in a POST body, or as JSON text in a query string.
    func object(_ key: String) throws -> [String: JSONValue] {
        switch values[key] {
        case nil, .null?: return [:]
        case .object(let o)?: return o
        case .string(let s)? where s.isEmpty: return [:]
        case .string(let s)?:
            guard case .object(let o)? = try? JSONDecoder().decode(JSONValue.self, from: Data(s.utf8)) else {
                throw CKANError.validation(key, "must be a JSON object such as {\"field\": \"value\"}")
            }
            return o
        default: throw CKANError.validation(key, "must be a JSON object")
        }
    }

    /// A list: a JSON array, JSON text of one, or comma-separated names.
    func list(_ key: String) throws -> [String] {
        switch values[key] {
        case nil, .null?: return []
        case .array(let a)?: return a.map(CKANRoutes.plain)
        case .string(let s)? where s.hasPrefix("["):
            guard case .array(let a)? = try? JSONDecoder().decode(JSONValue.self, from: Data(s.utf8)) else {
                throw CKANError.validation(key, "must be a JSON list")
            }
            return a.map(CKANRoutes.plain)
        case .string(let s)?:
            return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default: throw CKANError.validation(key, "must be a list")
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByArrayLiteral {
    package init(stringLiteral value: String) { self = .string(value) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }

    var arrayValue: [JSONValue] { if case .array(let a) = self { a } else { [] } }
    subscript(key: String) -> JSONValue? { if case .object(let o) = self { o[key] } else { nil } }
}

enum SHA256Hex {
    static func digest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
