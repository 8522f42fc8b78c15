import Foundation

/// The record of backup runs.
package protocol BackupRunStore: Sendable {
    /// Stores `run` only if no run started after `cutoff`, atomically across nodes: the scheduler's claim, so that one
    /// node takes each scheduled backup. - Returns: the stored run, or `nil` when another is recent enough.
    func claimBackupRun(_ run: BackupRun, unlessStartedAfter cutoff: Date) async throws -> BackupRun?
    func updateBackupRun(_ run: BackupRun) async throws
    /// Newest first.
    func backupRuns(limit: Int) async throws -> [BackupRun]
}
