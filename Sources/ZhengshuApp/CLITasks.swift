import Configuration
import Crypto
import Foundation
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuHTTP

/// Builds the configuration reader of a CLI run: parsed options first, then `ZHENGSHU_*` environment variables,
/// then defaults.
package func makeConfigReader(options: [String: ConfigValue]) -> ConfigReader {
    var values: [AbsoluteConfigKey: ConfigValue] = [:]
    for (key, value) in options {
        values[AbsoluteConfigKey(["zhengshu"] + key.split(separator: ".").map(String.init))] = value
    }
    return ConfigReader(providers: [InMemoryProvider(name: "cli", values: values), EnvironmentVariablesProvider()])
        .scoped(to: "zhengshu")
}

/// What the CLI does on a data folder, as the local operator (the person at the server's console).
package struct CLITasks: Sendable {
    package let services: AppServices
    let caller = Caller(.localOperator, requestID: "cli")

    package init(services: AppServices) { self.services = services }

    package func addUser(
        name: String, roles: [Role], department: String?, displayName: String?, password: String?
    ) async throws -> User {
        try await services.platform.accounts.createUser(
            UserDraft(name: name, displayName: displayName, roles: roles, department: department, password: password),
            by: caller)
    }

    package func issueToken(userName: String, label: String?, expiresInDays: Int?) async throws -> String {
        guard let user = try await services.store.user(named: userName) else {
            throw ZhengshuError(.notFound, "user \(userName) does not exist")
        }
        return try await services.platform.accounts.issueToken(
            for: user.id, label: label ?? "cli", expiresInDays: expiresInDays,
            by: caller
        ).secret
    }

    package func revokeToken(_ id: Int64) async throws -> APIToken {
        try await services.platform.accounts.revokeToken(id, by: caller)
    }

    /// The size of a file to import. - Throws: when it is missing, a folder or unreadable.
    package static func sourceSize(_ path: String) throws -> Int64 { try FileChunks.open(path).size }

    /// Imports a file as the local operator.
    package func importFile(
        _ request: ImportRequest, path: String, sheet: String? = nil,
        onProgress: @Sendable (JobProgress) -> Void
    ) async throws -> IngestJob {
        if request.format == .xlsx {
            return try await Workbook.importSheet(
                of: URL(fileURLWithPath: path), sheet: sheet, request, into: services.platform.ingestion, by: caller,
                onProgress: onProgress)
        }
        let (chunks, _) = try FileChunks.open(path)
        return try await services.platform.ingestion.run(request, source: chunks, by: caller, onProgress: onProgress)
    }

    /// Verifies the chain and the checkpoints, with the installation's public key when one is known.
    package func verifyAudit() async throws -> AuditTrail.Verification {
        try await services.platform.audit.verify(key: services.auditKey)
    }
}
