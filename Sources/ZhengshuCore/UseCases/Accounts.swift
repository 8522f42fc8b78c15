import Crypto
import Foundation

/// Users, passwords and API tokens. Admins manage users; every user manages their own tokens.
package struct Accounts: Sendable {
    let store: any AccountStore
    let audit: (any AuditStore)?
    let clock: PlatformClock
    package var meter: any PlatformMeter = NoMeter()
    let hasher: PasswordHasher

    package init(
        store: any AccountStore, audit: (any AuditStore)? = nil, clock: PlatformClock,
        hasher: PasswordHasher = .standard
    ) {
        self.store = store
        self.audit = audit
        self.clock = clock
        self.hasher = hasher
    }

    package func createUser(_ draft: UserDraft, by caller: Caller) async throws -> User {
        try caller.principal.require(anyOf: [.admin], to: "creating a user")
        var v: [ZhengshuError.Violation] = []
        let name = draft.name ?? ""
        if draft.name == nil {
            v.append(.init(field: "name", reason: "is required"))
        } else if let problem = UserRules.validateName(name) {
            v.append(problem)
        }
        let roles = Set(draft.roles ?? [])
        let department = try draft.department.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        v += UserRules.validateRoles(roles, department: department)
        if roles.contains(.member) { v.append(UserRules.memberRoleByRegistration) }
        if let password = draft.password, let problem = UserRules.validatePassword(password) { v.append(problem) }
        let displayName = draft.displayName ?? name
        if displayName.isEmpty || displayName.count > 100 {
            v.append(.init(field: "displayName", reason: "must be 1-100 characters"))
        }
        guard v.isEmpty else { throw ZhengshuError.validation(v) }
        let now = clock.current()
        let hash = try draft.password.map { try hasher.hash($0) }
        let new = NewUser(
            name: name, displayName: displayName, roles: roles, department: department, passwordHash: hash,
            createdAt: now)
        return try await store.insertUser(
            new,
            audit: caller.audit(
                "user.create", "user:\(name)", at: now,
                detail: "roles: " + roles.sorted().map(\.rawValue).joined(separator: ",")))
    }

    package func updateUser(_ id: Int64, _ draft: UserDraft, by caller: Caller) async throws -> User {
        let isSelf = caller.principal.userID == UserID(id)
        // Users may change their own display name and password; everything else is the bureau's.
        if !(isSelf && draft.roles == nil && draft.department == nil && draft.disabled == nil && draft.name == nil) {
            try caller.principal.require(anyOf: [.admin], to: "editing another user's account")
        }
        if let name = draft.name {
            throw ZhengshuError.validation([
                .init(field: "name", reason: "login name '\(name.prefix(40))' cannot be changed")
            ])
        }
        if let password = draft.password, let problem = UserRules.validatePassword(password) {
            throw ZhengshuError.validation([problem])
        }
        let department = try draft.department.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        let now = clock.current()
        let hash = try draft.password.map { try hasher.hash($0) }
        var fields: [String] = []
        if draft.displayName != nil { fields.append("displayName") }
        if draft.roles != nil { fields.append("roles") }
        if draft.department != nil { fields.append("department") }
        if draft.disabled != nil { fields.append("disabled") }
        if draft.password != nil { fields.append("password") }
        return try await store.updateUser(
            UserID(id), passwordHash: hash,
            audit: caller.audit(
                "user.update", "user:\(id)", at: now, detail: "fields: " + fields.joined(separator: ","))
        ) { current in
            var next = current
            if let v = draft.displayName {
                guard !v.isEmpty, v.count <= 100 else {
                    throw ZhengshuError.validation([.init(field: "displayName", reason: "must be 1-100 characters")])
                }
                next.displayName = v
            }
            if let v = draft.roles { next.roles = Set(v) }
            if draft.department != nil { next.department = department }
            if let v = draft.disabled { next.disabled = v }
            var problems = UserRules.validateRoles(next.roles, department: next.department)
            if next.roles.contains(.member) != current.roles.contains(.member) {
                problems.append(UserRules.memberRoleByRegistration)
            }
            guard problems.isEmpty else { throw ZhengshuError.validation(problems) }
            next.updatedAt = now
            return next
        }
    }

    package func user(_ id: Int64, by caller: Caller) async throws -> User {
        if caller.principal.userID != UserID(id) {
            try caller.principal.require(anyOf: [.admin, .auditor], to: "reading another user's account")
        }
        guard let u = try await store.user(UserID(id)) else {
            throw ZhengshuError(.notFound, "user \(id) does not exist")
        }
        return u
    }

    package func users(department: String?, by caller: Caller) async throws -> [User] {
        try caller.principal.require(anyOf: [.admin, .auditor], to: "listing users")
        return try await store.users(
            department: try department.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) })
    }

    /// Issues a token for `userName` (or the caller). Returns the stored record and the secret, shown once.
    package func issueToken(
        for id: UserID?, label: String?, expiresInDays: Int?, by caller: Caller
    ) async throws
        -> (APIToken, secret: String)
    {
        let target = id ?? caller.principal.userID
        guard let target else { throw ZhengshuError(.invalidInput, "name the user the token is for") }
        if target != caller.principal.userID {
            try caller.principal.require(anyOf: [.admin], to: "issuing a token for another user")
        }
        guard let user = try await store.user(target) else {
            throw ZhengshuError(.notFound, "user \(target) does not exist")
        }
        guard !user.disabled else { throw ZhengshuError(.conflict, "user \(user.name) is disabled") }
        let label = label ?? "api"
        guard (1...100).contains(label.count) else {
            throw ZhengshuError.validation([.init(field: "label", reason: "must be 1-100 characters")])
        }
        if let days = expiresInDays, !(1...3650).contains(days) {
            throw ZhengshuError.validation([.init(field: "expiresInDays", reason: "must be 1-3650")])
        }
        var rng = SystemRandomNumberGenerator()
        let secret = TokenSecret.generate(using: &rng)
        let now = clock.current()
        let new = NewAPIToken(
            user: user.id, label: label, prefix: TokenSecret.displayPrefix(secret), hash: TokenSecret.hash(secret),
            createdAt: now, expiresAt: expiresInDays.map { now.addingTimeInterval(Double($0) * 86_400) })
        let token = try await store.insertToken(
            new, audit: caller.audit("token.issue", "user:\(user.id)", at: now, detail: "label: \(label)"))
        return (token, secret)
    }

    package func revokeToken(_ id: Int64, by caller: Caller) async throws -> APIToken {
        guard let token = try await store.token(TokenID(id)) else {
            throw ZhengshuError(.notFound, "token \(id) does not exist")
        }
        if token.user != caller.principal.userID {
            try caller.principal.require(anyOf: [.admin], to: "revoking another user's token")
        }
        let now = clock.current()
        return try await store.revokeToken(
            TokenID(id), at: now, audit: caller.audit("token.revoke", "token:\(id)", at: now))
    }

    package func tokens(of id: Int64, by caller: Caller) async throws -> [APIToken] {
        if caller.principal.userID != UserID(id) {
            try caller.principal.require(anyOf: [.admin], to: "listing another user's tokens")
        }
        guard try await store.user(UserID(id)) != nil else {
            throw ZhengshuError(.notFound, "user \(id) does not exist")
        }
        return try await store.tokens(user: UserID(id))
    }

    /// Resolves a bearer token to the principal it speaks for.
    /// - Throws: `unauthenticated` for an unknown, revoked or expired token or a disabled user.
    package func authenticate(bearer token: String) async throws -> Principal {
        guard token.hasPrefix(TokenSecret.scheme), token.count < 200,
            let (_, user) = try await store.authenticate(tokenHash: TokenSecret.hash(token), at: clock.current()),
            !user.disabled
        else { throw ZhengshuError(.unauthenticated, "the bearer token is unknown, revoked or expired") }
        return Principal(user: user)
    }

    /// Checks a login name and password (console sign-in). A failure is audited (`login.failed`, the name tried as
    /// the target): the risk rules watch for bursts of them, and ``SignInPolicy`` locks the name after too many.
    /// - Throws: `unauthenticated` for a wrong name or password, `tooManyRequests` while the name is locked.
    package func authenticate(
        name: String, password: String, requestID: String = "-", policy: SignInPolicy = SignInPolicy()
    ) async throws -> Principal {
        let target = "login:\(name.prefix(64))"
        let now = clock.current()
        if let audit, let until = try await lockedUntil(target, now: now, policy: policy, audit: audit) {
            // A refused attempt while locked is a failure too: it keeps the lock on while the guessing goes on.
            try? await audit.appendAudit(
                AuditEvent(
                    actor: "anonymous", actorDepartment: nil, action: "login.failed", target: target,
                    at: now, requestID: requestID, detail: "locked"))
            meter.record(.denial(action: "login.failed"))
            throw ZhengshuError(
                .tooManyRequests,
                "sign-in for \(name.prefix(64)) is locked after \(policy.maxFailures) failed attempts until \(SignInPolicy.minute(until))"
            )
        }
        guard let (user, hash) = try await store.credentials(named: name), let hash, !user.disabled,
            PasswordHasher.verify(password, against: hash)
        else {
            try? await audit?.appendAudit(
                AuditEvent(
                    actor: "anonymous", actorDepartment: nil, action: "login.failed",
                    target: target, at: now, requestID: requestID))
            meter.record(.denial(action: "login.failed"))
            throw ZhengshuError(.unauthenticated, "wrong name or password")
        }
        return Principal(user: user)
    }

    /// When the lock on `target` ends, if it is locked: `maxFailures` failed attempts within the window since the last
    /// successful sign-in lock it for the window after the last of them.
    func lockedUntil(_ target: String, now: Date, policy: SignInPolicy, audit: any AuditStore) async throws -> Date? {
        let recent = try await audit.auditEntries(
            AuditFilter(limit: 1000, target: target, from: now.addingTimeInterval(-policy.window)))
        let sinceSuccess = recent.reversed().prefix { $0.event.action != "login" }
        let failures = sinceSuccess.filter { $0.event.action == "login.failed" }
        guard failures.count >= policy.maxFailures, let last = failures.first else { return nil }
        let until = last.event.at.addingTimeInterval(policy.window)
        return until > now ? until : nil
    }

    /// Signs a user in to the console: checks the password (see ``authenticate(name:password:requestID:policy:)``) and
    /// issues a session token that expires after `policy.sessionHours` (audited `login`, with the name as the target).
    /// - Returns: the principal, the session secret (for the cookie) and when it expires.
    package func signIn(
        name: String, password: String, requestID: String, policy: SignInPolicy = SignInPolicy()
    ) async throws
        -> (principal: Principal, secret: String, expiresAt: Date)
    {
        let principal = try await authenticate(name: name, password: password, requestID: requestID, policy: policy)
        guard case .user(let id) = principal.kind else {
            throw ZhengshuError(.unauthenticated, "wrong name or password")
        }
        var rng = SystemRandomNumberGenerator()
        let secret = TokenSecret.generate(using: &rng)
        let now = clock.current()
        let expires = now.addingTimeInterval(policy.sessionHours * 3600)
        let caller = Caller(principal, requestID: requestID)
        _ = try await store.insertToken(
            NewAPIToken(
                user: id, label: SignInPolicy.sessionLabel, prefix: TokenSecret.displayPrefix(secret),
                hash: TokenSecret.hash(secret), createdAt: now, expiresAt: expires),
            audit: caller.audit("login", "login:\(name.prefix(64))", at: now, detail: "console session"))
        return (principal, secret, expires)
    }

    /// Ends a console session: its token is revoked (audited `logout`). An unknown or ended session is left as it is.
    package func signOut(session secret: String, requestID: String) async throws {
        guard secret.hasPrefix(TokenSecret.scheme), secret.count < 200,
            let (token, user) = try await store.authenticate(tokenHash: TokenSecret.hash(secret), at: clock.current())
        else { return }
        let now = clock.current()
        _ = try await store.revokeToken(
            token.id, at: now,
            audit: Caller(Principal(user: user), requestID: requestID)
                .audit("logout", "token:\(token.id)", at: now))
    }
}

/// How console sign-in is guarded: sessions end after `sessionHours`; `maxFailures` wrong passwords for a name within
/// `window` seconds lock it for `window` seconds after the last.
package struct SignInPolicy: Sendable {
    package var sessionHours: Double
    package var maxFailures: Int
    package var window: TimeInterval

    package init(sessionHours: Double = 8, maxFailures: Int = 5, window: TimeInterval = 15 * 60) {
        self.sessionHours = sessionHours
        self.maxFailures = maxFailures
        self.window = window
    }

    /// The label of the tokens that carry console sessions.
    package static let sessionLabel = "console"
    /// The cookie that carries a console session's token.
    package static let sessionCookie = "zs_session"
    /// The header (or form field `_csrf`) that must carry ``csrfToken(for:)`` on a request signed in by the cookie.
    package static let csrfHeader = "X-Zhengshu-CSRF"

    /// The anti-forgery token of a session: a one-way function of its secret, so every node checks it without shared
    /// state, and a page that shows it does not give the session away.
    package static func csrfToken(for session: String) -> String {
        String(SHA256.hash(data: Array("zhengshu-csrf\n\(session)".utf8)).hex.prefix(32))
    }

    /// China time, for messages.
    static func minute(_ date: Date) -> String { CivilDate.chinaMinute(date) + " (UTC+8)" }
}
