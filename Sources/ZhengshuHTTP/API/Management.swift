import ZhengshuCore
import ZhengshuOpenAPI

extension APIHandler {
    func listBackupRuns(_ input: Operations.ListBackupRuns.Input) async throws -> Operations.ListBackupRuns.Output {
        let runs = try await platform.backupRuns(by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: try runs.map {
                            .init(
                                id: $0.id.rawValue, node: $0.node, file: $0.file, status: try .wire($0.status.rawValue),
                                startedAt: $0.startedAt, finishedAt: $0.finishedAt, bytes: $0.bytes,
                                milliseconds: $0.milliseconds, error: $0.error, pruned: $0.pruned)
                        }))))
    }
}
