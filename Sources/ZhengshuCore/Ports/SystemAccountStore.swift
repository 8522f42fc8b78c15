import Foundation

/// System accounts of consuming departments and their API keys (stored as SHA-256 only).
package protocol SystemAccountStore: Sendable {
    /// - Throws: `conflict` when the department already has an account of that name.
    func insertSystemAccount(_ account: SystemAccount, keyHash: String, audit: AuditEvent) async throws -> SystemAccount
    /// Reads the account inside the write, applies `change`; `keyHash` replaces the key when given.
    func updateSystemAccount(
        _ id: SystemAccountID, keyHash: String?, audit: AuditEvent,
        change: @Sendable (SystemAccount) throws -> SystemAccount
    ) async throws -> SystemAccount
    func systemAccount(_ id: SystemAccountID) async throws -> SystemAccount?
    func systemAccount(keyHash: String) async throws -> SystemAccount?
    func systemAccounts(department: DepartmentCode?) async throws -> [SystemAccount]
    /// Records the account's last use (no audit entry: its calls have their own).
    func touchSystemAccount(_ id: SystemAccountID, at: Date) async throws
}
