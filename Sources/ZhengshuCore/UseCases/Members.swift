import Foundation

/// Members of the public and companies (社会用户) who register on the open-data portal to apply for conditional open
/// data (有条件开放). Their applications go through ``Sharing``; their reads through ``DataAccess``.
package struct Members: Sendable {
    let store: any AccountStore
    let keys: PrivacyKeys
    let clock: PlatformClock
    let hasher: PasswordHasher

    package init(store: any AccountStore, keys: PrivacyKeys, clock: PlatformClock, hasher: PasswordHasher = .standard) {
        self.store = store
        self.keys = keys
        self.clock = clock
        self.hasher = hasher
    }

    /// Registers a person (citizen ID) or a company (credit code): one account per identifier. Audited `member.register`.
    package func register(_ draft: MemberDraft, requestID: String) async throws -> (User, MemberProfile) {
        let (kind, identifier) = try MemberRules.validate(draft)
        let name = draft.name!
        let now = clock.current()
        let profile = MemberProfile(
            user: UserID(0), kind: kind, identifierMasked: MemberRules.masked(identifier, kind: kind),
            identifierDigest: keys.pseudonym.mac("member \(kind.rawValue) \(identifier)").hex,
            contact: draft.contact!.trimmingCharacters(in: .whitespaces), createdAt: now)
        let new = NewUser(
            name: name, displayName: draft.displayName ?? name, roles: [.member], department: nil,
            passwordHash: try hasher.hash(draft.password!), createdAt: now)
        let registrant = Caller(
            Principal(kind: .anonymous, name: name, roles: [.member], department: nil), requestID: requestID)
        let user = try await store.insertMember(
            new, profile: profile,
            audit: registrant.audit(
                "member.register", "user:\(name)", at: now,
                detail: "kind: \(kind.rawValue); identifier: \(profile.identifierMasked)"))
        var stored = profile
        stored.user = user.id
        return (user, stored)
    }

    /// The signed-in member's own registration.
    package func profile(by caller: Caller) async throws -> MemberProfile {
        guard caller.principal.isMember, let id = caller.principal.userID, let p = try await store.memberProfile(id)
        else {
            throw ZhengshuError(.forbidden, "only a registered member of the open-data portal has a member profile")
        }
        return p
    }
}
