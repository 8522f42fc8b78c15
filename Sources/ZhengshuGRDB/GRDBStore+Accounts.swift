import Foundation
import GRDB
import ZhengshuCore
import ZhengshuDocuments

extension GRDBStore: AccountStore {
    package func insertUser(_ user: NewUser, audit: AuditEvent) async throws -> User {
        try await writer.write { db in
            let stored = try Self.insertUserRow(user, db)
            var event = audit
            event.target = "user:\(stored.id)"
            try Self.appendAudit(event, in: db)
            return stored
        }
    }

    static func insertUserRow(_ user: NewUser, _ db: Database) throws -> User {
        if try Int.fetchOne(db, sql: "SELECT 1 FROM user WHERE name = ?", arguments: [user.name]) != nil {
            throw ZhengshuError(.conflict, "user \(user.name) already exists")
        }
        if let d = user.department, try Self.fetchDepartment(d, db) == nil {
            throw ZhengshuError.validation([.init(field: "department", reason: "department \(d) does not exist")])
        }
        try db.execute(
            sql: """
                INSERT INTO user (name, displayName, roles, department, passwordHash, disabled, createdAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, 0, ?, ?)
                """,
            arguments: [
                user.name, user.displayName, Self.encodeRoles(user.roles), user.department?.rawValue,
                user.passwordHash, user.createdAt.millis, user.createdAt.millis,
            ])
        return User(
            id: UserID(db.lastInsertedRowID), name: user.name, displayName: user.displayName, roles: user.roles,
            department: user.department, disabled: false, createdAt: user.createdAt, updatedAt: user.createdAt)
    }

    package func insertMember(_ user: NewUser, profile: MemberProfile, audit: AuditEvent) async throws -> User {
        try await writer.write { db in
            if try Int.fetchOne(
                db, sql: "SELECT 1 FROM member WHERE identifierDigest = ?", arguments: [profile.identifierDigest])
                != nil
            {
                throw ZhengshuError(
                    .conflict, "\(profile.identifierMasked) is already registered; sign in with that account")
            }
            let stored = try Self.insertUserRow(user, db)
            var p = profile
            p.user = stored.id
            try db.execute(
                sql: "INSERT INTO member (userId, identifierDigest, document) VALUES (?, ?, ?)",
                arguments: [stored.id.rawValue, p.identifierDigest, try Documents.text(p)])
            var event = audit
            event.target = "user:\(stored.id)"
            try Self.appendAudit(event, in: db)
            return stored
        }
    }

    package func memberProfile(_ user: UserID) async throws -> MemberProfile? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT document FROM member WHERE userId = ?", arguments: [user.rawValue])
                .map { try Documents.value(MemberProfile.self, $0) }
        }
    }

    package func updateUser(
        _ id: UserID, passwordHash: String?, audit: AuditEvent,
        change: @Sendable (User) throws -> User
    ) async throws -> User {
        try await writer.write { db in
            guard let current = try Self.fetchUser(id, db) else {
                throw ZhengshuError(.notFound, "user \(id) does not exist")
            }
            let next = try change(current)
            if let d = next.department, d != current.department, try Self.fetchDepartment(d, db) == nil {
                throw ZhengshuError.validation([.init(field: "department", reason: "department \(d) does not exist")])
            }
            try db.execute(
                sql: """
                    UPDATE user SET displayName = ?, roles = ?, department = ?, disabled = ?, updatedAt = ?,
                        passwordHash = COALESCE(?, passwordHash) WHERE id = ?
                    """,
                arguments: [
                    next.displayName, Self.encodeRoles(next.roles), next.department?.rawValue, next.disabled,
                    next.updatedAt.millis, passwordHash, id.rawValue,
                ])
            try Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func user(_ id: UserID) async throws -> User? {
        try await writer.read { db in try Self.fetchUser(id, db) }
    }

    package func user(named name: String) async throws -> User? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM user WHERE name = ?", arguments: [name]).map(Self.user(from:))
        }
    }

    package func users(department: DepartmentCode?) async throws -> [User] {
        try await writer.read { db in
            if let department {
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM user WHERE department = ? ORDER BY id", arguments: [department.rawValue]
                )
                .map(Self.user(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM user ORDER BY id").map(Self.user(from:))
        }
    }

    package func credentials(named name: String) async throws -> (User, String?)? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM user WHERE name = ?", arguments: [name]).map { row in
                (Self.user(from: row), row["passwordHash"] as String?)
            }
        }
    }

    package func insertToken(_ token: NewAPIToken, audit: AuditEvent) async throws -> APIToken {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO apiToken (userId, label, prefix, hash, createdAt, expiresAt) VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.user.rawValue, token.label, token.prefix, token.hash, token.createdAt.millis,
                    token.expiresAt?.millis,
                ])
            let id = db.lastInsertedRowID
            var event = audit
            event.detail = [audit.detail, "token: \(id)"].compactMap { $0 }.joined(separator: "; ")
            try Self.appendAudit(event, in: db)
            return APIToken(
                id: TokenID(id), user: token.user, label: token.label, prefix: token.prefix,
                createdAt: token.createdAt, lastUsedAt: nil, expiresAt: token.expiresAt, revokedAt: nil)
        }
    }

    /// Records the last use at most once a minute per token, so authentication stays a read on the hot path.
    package func authenticate(tokenHash: String, at now: Date) async throws -> (APIToken, User)? {
        let found: (APIToken, User)? = try await quickRead { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM apiToken WHERE hash = ?", arguments: [tokenHash])
            else {
                return nil
            }
            let token = Self.token(from: row)
            guard token.isActive(at: now), let user = try Self.fetchUser(token.user, db) else { return nil }
            return (token, user)
        }
        guard case (var token, let user)? = found else { return nil }
        if token.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            let id = token.id.rawValue
            try await writer.write { db in
                try db.execute(sql: "UPDATE apiToken SET lastUsedAt = ? WHERE id = ?", arguments: [now.millis, id])
            }
            token.lastUsedAt = now
        }
        return (token, user)
    }

    package func token(_ id: TokenID) async throws -> APIToken? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM apiToken WHERE id = ?", arguments: [id.rawValue]).map(
                Self.token(from:))
        }
    }

    package func tokens(user: UserID) async throws -> [APIToken] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM apiToken WHERE userId = ? ORDER BY id", arguments: [user.rawValue])
                .map(Self.token(from:))
        }
    }

    package func revokeToken(_ id: TokenID, at: Date, audit: AuditEvent) async throws -> APIToken {
        try await writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM apiToken WHERE id = ?", arguments: [id.rawValue])
            else {
                throw ZhengshuError(.notFound, "token \(id) does not exist")
            }
            var token = Self.token(from: row)
            if token.revokedAt != nil { return token }
            try db.execute(sql: "UPDATE apiToken SET revokedAt = ? WHERE id = ?", arguments: [at.millis, id.rawValue])
            try Self.appendAudit(audit, in: db)
            token.revokedAt = at
            return token
        }
    }

    static func fetchUser(_ id: UserID, _ db: Database) throws -> User? {
        try Row.fetchOne(db, sql: "SELECT * FROM user WHERE id = ?", arguments: [id.rawValue]).map(user(from:))
    }

    static func encodeRoles(_ roles: Set<Role>) -> String { roles.sorted().map(\.rawValue).joined(separator: ",") }

    static func user(from row: Row) -> User {
        let roles = (row["roles"] as String).split(separator: ",").compactMap { Role(rawValue: String($0)) }
        return User(
            id: UserID(row["id"]), name: row["name"], displayName: row["displayName"], roles: Set(roles),
            department: (row["department"] as String?).map(DepartmentCode.init(trusted:)), disabled: row["disabled"],
            createdAt: Date(millis: row["createdAt"]), updatedAt: Date(millis: row["updatedAt"]))
    }

    static func token(from row: Row) -> APIToken {
        APIToken(
            id: TokenID(row["id"]), user: UserID(row["userId"]), label: row["label"], prefix: row["prefix"],
            createdAt: Date(millis: row["createdAt"]),
            lastUsedAt: (row["lastUsedAt"] as Int64?).map(Date.init(millis:)),
            expiresAt: (row["expiresAt"] as Int64?).map(Date.init(millis:)),
            revokedAt: (row["revokedAt"] as Int64?).map(Date.init(millis:)))
    }
}
