import ZhengshuCore
import ZhengshuOpenAPI

extension APIHandler {
    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let caller = try AppRequestContext.caller()
        guard let id = caller.principal.userID else { throw ZhengshuError(.notFound, "the caller has no user account") }
        return .ok(.init(body: .json(.init(try await platform.accounts.user(id.rawValue, by: caller)))))
    }

    func getOverview(_ input: Operations.GetOverview.Input) async throws -> Operations.GetOverview.Output {
        let c = try await platform.counts(by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        departments: c.departments, users: c.users, resources: c.resources,
                        publishedResources: c.publishedResources, records: c.records, auditEntries: c.auditEntries))))
    }

    func getInstallationKey(
        _ input: Operations.GetInstallationKey.Input
    ) async throws -> Operations.GetInstallationKey.Output {
        let key = try platform.installationKey(by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        profile: try .wire(key.profile.rawValue), algorithm: try .wire(key.algorithm),
                        publicKey: key.publicKey, fingerprint: key.fingerprint))))
    }
}
