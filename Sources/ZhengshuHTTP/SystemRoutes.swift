import Foundation
import Hummingbird
import Synchronization
import ZhengshuCore

/// Routes outside `/api/v1`: liveness, readiness, Prometheus metrics and the published OpenAPI document.
package struct SystemRoutes<Context: RequestContext> {
    let readiness: @Sendable () async -> Bool
    let metrics: @Sendable () async -> String
    let lastBackup: @Sendable () async -> BackupRun?
    let admission: Admission?

    /// - Parameters:
    ///   - lastBackup: the last scheduled backup as last read: it must not wait on the database (the application reads
    ///     it in the background, ``ZhengshuApp/LastBackup``).
    ///   - admission: the node's admission count, reported by `/readyz`.
    package init(
        readiness: @escaping @Sendable () async -> Bool, metrics: @escaping @Sendable () async -> String,
        lastBackup: @escaping @Sendable () async -> BackupRun? = { nil }, admission: Admission? = nil
    ) {
        self.readiness = readiness
        self.metrics = metrics
        self.lastBackup = lastBackup
        self.admission = admission
    }

    /// Liveness, and what an operator must hear of: the last scheduled backup, `degraded` when it failed.
    struct Health: Encodable {
        struct Backup: Encodable {
            var status: String
            var startedAt: Date
            var file: String
            var error: String?
        }
        var status: String
        var backup: Backup?
    }

    /// Readiness: the schema is current, the database answers within two seconds, and the node is not full.
    struct Readiness: Encodable {
        var status: String
        var database: String
        var requests: Admission.Load?
        var blocking: Blocking

        struct Blocking: Encodable {
            var threads: Int
            var busy: Int
            var queued: Int
        }
    }

    package func register(on router: Router<Context>) {
        let document = OpenAPIDocument.bytes
        // Touches no database pool and no lock a request may hold: it answers however loaded the node is.
        router.get("healthz") { _, _ in
            let last = await lastBackup()
            return JSON.response(
                Health(
                    status: last?.status == .failed ? "degraded" : "ok",
                    backup: last.map {
                        .init(status: $0.status.rawValue, startedAt: $0.startedAt, file: $0.file, error: $0.error)
                    }))
        }
        router.get("readyz") { _, _ in
            let database: String
            do {
                database =
                    try await Deadline.run(within: .seconds(2)) { await readiness() } ? "ok" : "schema not current"
            } catch {
                database = "no answer within 2 s"
            }
            let load = admission?.load
            let pool = BlockingPool.shared.load
            let ready = database == "ok" && !(load?.saturated ?? false)
            return JSON.response(
                Readiness(
                    status: ready ? "ready" : "unavailable", database: database, requests: load,
                    blocking: .init(threads: BlockingPool.shared.threads, busy: pool.busy, queued: pool.queued)),
                status: ready ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: await metrics())))
        }
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }
}

/// The OpenAPI document as shipped: the source of truth, served as is.
package enum OpenAPIDocument {
    package static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            // blocking-ok: the bundled document, read once at start
            let data = try? Data(contentsOf: url)  // edge-ok: a resource of the module, not a file of the node
        else {
            preconditionFailure("openapi.json is missing from the ZhengshuHTTP bundle")
        }
        return Array(data)
    }()

    /// The document parsed, for what the generated code does not carry (an enum's allowed values in an error).
    /// Never changed after it is read (`nonisolated(unsafe)`: a JSON object tree is not `Sendable`).
    nonisolated(unsafe) static let parsed: [String: Any] =
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]

    /// The operation `operationID` and the parameters of its path item and its own.
    static func operation(_ operationID: String) -> (operation: [String: Any], parameters: [[String: Any]])? {
        for item in (parsed["paths"] as? [String: [String: Any]] ?? [:]).values {
            for case let operation as [String: Any] in item.values
            where operation["operationId"] as? String == operationID {
                let shared = item["parameters"] as? [[String: Any]] ?? []
                return (operation, shared + (operation["parameters"] as? [[String: Any]] ?? []))
            }
        }
        return nil
    }

    /// Whether the document lets anyone call the operation at `path` (`security: []`): it is registered without
    /// ``BearerAuthMiddleware``.
    static func isPublic(_ method: String, _ path: String) -> Bool {
        let item = (parsed["paths"] as? [String: [String: Any]])?[path]
        let operation = item?[method.lowercased()] as? [String: Any]
        return (operation?["security"] as? [Any])?.isEmpty == true
    }

    static func resolved(_ s: [String: Any]) -> [String: Any] {
        guard let ref = s["$ref"] as? String, let name = ref.split(separator: "/").last,
            let schemas = (parsed["components"] as? [String: Any])?["schemas"] as? [String: Any],
            let target = schemas[String(name)] as? [String: Any]
        else { return s }
        return resolved(target)
    }

    /// The values a request body's enum allows at `codingPath`, for operation `operationID`, if it is an enum there.
    static func enumValues(_ operationID: String, _ codingPath: [any CodingKey]) -> [String]? {
        guard let body = operation(operationID)?.operation["requestBody"] as? [String: Any],
            let content = body["content"] as? [String: Any],
            var schema = (content["application/json"] as? [String: Any])?["schema"] as? [String: Any]
        else { return nil }
        for key in codingPath {
            schema = resolved(schema)
            let next =
                key.intValue != nil ? schema["items"] : (schema["properties"] as? [String: Any])?[key.stringValue]
            guard let next = next as? [String: Any] else { return nil }
            schema = next
        }
        return resolved(schema)["enum"] as? [String]
    }

    /// What is wrong with a path or query parameter of a request to `operationID`, checked against the document's
    /// schema for it (the generated decoder's error does not name the parameter); `nil` when every one fits. A path
    /// segment outside its enum names nothing that exists (404); any other misfit is a bad request (400).
    static func parameterProblem(
        _ operationID: String, path: [String: Substring], query: [(String, String)]
    ) -> ZhengshuError? {
        guard let (_, parameters) = operation(operationID) else { return nil }
        for parameter in parameters {
            guard let name = parameter["name"] as? String, let place = parameter["in"] as? String,
                let schema = (parameter["schema"] as? [String: Any]).map(resolved)
            else { continue }
            let values =
                place == "path"
                ? path[name].map { [String($0)] } ?? [] : place == "query" ? query.filter { $0.0 == name }.map(\.1) : []
            if values.isEmpty, place == "query", parameter["required"] as? Bool == true {
                return ZhengshuError(.invalidInput, "give \(name): it is a required query parameter")
            }
            for raw in values {
                let shown = raw.prefix(40)
                if let allowed = schema["enum"] as? [String], !allowed.contains(raw) {
                    return ZhengshuError(
                        place == "path" ? .notFound : .invalidInput,
                        "\(name): '\(shown)' is not one of: \(allowed.joined(separator: ", "))")
                }
                switch schema["type"] as? String {
                case "integer":
                    guard let v = Int64(raw) else {
                        return ZhengshuError(.invalidInput, "\(name) must be an integer, not '\(shown)'")
                    }
                    if let min = schema["minimum"] as? Int, v < min {
                        return ZhengshuError(.invalidInput, "\(name) must be at least \(min), not \(v)")
                    }
                    if let max = schema["maximum"] as? Int, v > max {
                        return ZhengshuError(.invalidInput, "\(name) must be at most \(max), not \(v)")
                    }
                case "number":
                    guard Double(raw) != nil else {
                        return ZhengshuError(.invalidInput, "\(name) must be a number, not '\(shown)'")
                    }
                case "boolean":
                    guard raw == "true" || raw == "false" else {
                        return ZhengshuError(.invalidInput, "\(name) must be true or false, not '\(shown)'")
                    }
                default: break
                }
            }
        }
        return nil
    }
}
