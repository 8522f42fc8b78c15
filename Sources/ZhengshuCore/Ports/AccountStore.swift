import Foundation

/// Users and their API tokens.
package protocol AccountStore: Sendable {
    /// - Throws: `conflict` for a taken name; `validation` for an unknown department.
    func insertUser(_ user: NewUser, audit: AuditEvent) async throws -> User
    /// Reads the user inside the write, applies `change`; `passwordHash` replaces the password when given.
    func updateUser(
        _ id: UserID, passwordHash: String?, audit: AuditEvent,
        change: @Sendable (User) throws -> User
    ) async throws -> User
    func user(_ id: UserID) async throws -> User?
    func user(named name: String) async throws -> User?
    func users(department: DepartmentCode?) async throws -> [User]
    /// The user and stored password hash for a login name.
    func credentials(named name: String) async throws -> (User, String?)?

    func insertToken(_ token: NewAPIToken, audit: AuditEvent) async throws -> APIToken
    /// The active token with this hash and its user, recording `at` as its last use.
    func authenticate(tokenHash: String, at: Date) async throws -> (APIToken, User)?
    func token(_ id: TokenID) async throws -> APIToken?
    func tokens(user: UserID) async throws -> [APIToken]
    func revokeToken(_ id: TokenID, at: Date, audit: AuditEvent) async throws -> APIToken

    /// Creates a member's user and profile in one transaction (the profile's `user` is replaced by the new id).
    /// - Throws: `conflict` for a taken name or an identifier (its digest) already registered.
    func insertMember(_ user: NewUser, profile: MemberProfile, audit: AuditEvent) async throws -> User
    func memberProfile(_ user: UserID) async throws -> MemberProfile?
}
