import Foundation

/// Identifier of a backup run.
package typealias BackupRunID = RowID<BackupRun>

/// One scheduled (or requested) backup: where it went, how big, how long, and why it failed.
package struct BackupRun: Hashable, Sendable {
    package enum Status: String, CaseIterable, Sendable, Codable, Vocabulary { case running, succeeded, failed }

    package var id: BackupRunID
    package var node: String
    package var file: String
    package var status: Status
    package var startedAt: Date
    package var finishedAt: Date?
    package var bytes: Int64?
    package var milliseconds: Int?
    package var error: String?
    /// Older archives deleted after it, to keep the retention count.
    package var pruned: [String]

    package init(
        id: BackupRunID = BackupRunID(0), node: String, file: String, status: Status = .running, startedAt: Date,
        finishedAt: Date? = nil, bytes: Int64? = nil, milliseconds: Int? = nil, error: String? = nil,
        pruned: [String] = []
    ) {
        self.id = id
        self.node = node
        self.file = file
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.bytes = bytes
        self.milliseconds = milliseconds
        self.error = error
        self.pruned = pruned
    }
}

extension Platform {
    /// The latest backup runs, for the bureau and auditors.
    package func backupRuns(by caller: Caller) async throws -> [BackupRun] {
        let p = caller.principal
        guard p.isAdmin || p.roles.contains(.auditor) else {
            throw ZhengshuError(.forbidden, "backups are for the bureau's administrators and auditors")
        }
        return try await store.backupRuns(limit: 100)
    }
}
