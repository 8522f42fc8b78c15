import Foundation

/// Workspaces, their data and what is run and released from them.
///
/// Each workspace's data is kept apart from the platform's tables and from every other workspace (a file of its own
/// on SQLite; a schema of its own, read under a role of its own, on PostgreSQL), and statements over it run confined:
/// one read-only SELECT over its tables, no other database, file or extension, stopped at a deadline.
package protocol SandboxStore: Sendable {
    /// Stores a new workspace (its id is assigned) and prepares its empty data space.
    func insertWorkspace(_ workspace: Workspace, audit: AuditEvent) async throws -> Workspace
    /// Reads the workspace inside the write and stores what `change` makes of it (with `audit` when given).
    func updateWorkspace(
        _ id: WorkspaceID, audit: AuditEvent?, change: @Sendable (Workspace) throws -> Workspace
    ) async throws -> Workspace
    func workspace(_ id: WorkspaceID) async throws -> Workspace?
    /// A department's workspaces, or every one; newest first.
    func workspaces(consumer: DepartmentCode?) async throws -> [Workspace]

    /// Creates a table in the workspace's data space.
    func createWorkspaceTable(_ id: WorkspaceID, table: String, columns: [WorkspaceColumn]) async throws
    /// Appends rows (values in the columns' order) to a workspace table, in one transaction.
    func appendWorkspaceRows(
        _ id: WorkspaceID, table: String, columns: [WorkspaceColumn], rows: [[RecordValue]]) async throws
    /// Runs one statement confined to the workspace's `tables`.
    /// - Throws: `forbidden` for what the sandbox does not allow, `conflict` when stopped at the deadline,
    ///   `invalidInput` for what the engine cannot run.
    func runWorkspaceQuery(
        _ id: WorkspaceID, sql: String, tables: [String], limits: SandboxLimits
    ) async throws -> SandboxResult
    /// The SQL that gives, as text, the identity of a row of the workspace table a statement names `qualifier`
    /// (stable while the workspace lives: its tables are only ever appended to).
    func workspaceRowIdentity(_ qualifier: String) -> String
    /// The SQL aggregate joining a group's texts with `;`.
    func workspaceList(_ expression: String) -> String
    /// Deletes the workspace's data space (its copies); its record stays.
    func dropWorkspaceData(_ id: WorkspaceID) async throws

    func insertSandboxQuery(_ query: SandboxQueryRecord, audit: AuditEvent) async throws -> SandboxQueryRecord
    func sandboxQuery(_ id: SandboxQueryID) async throws -> SandboxQueryRecord?
    /// A workspace's queries, newest first.
    func sandboxQueries(workspace: WorkspaceID, limit: Int) async throws -> [SandboxQueryRecord]

    func insertRelease(_ release: SandboxRelease, audit: AuditEvent) async throws -> SandboxRelease
    func updateRelease(
        _ id: ReleaseID, audit: AuditEvent, change: @Sendable (SandboxRelease) throws -> SandboxRelease
    ) async throws -> SandboxRelease
    func release(_ id: ReleaseID) async throws -> SandboxRelease?
    /// Every release request, newest first.
    func releases(limit: Int) async throws -> [SandboxRelease]
    /// Every release request of one workspace, newest first (with no limit: a release is checked against them all).
    func releases(of workspace: WorkspaceID) async throws -> [SandboxRelease]
}
