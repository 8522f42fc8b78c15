import Foundation
import PostgresNIO
import ZhengshuCore
import ZhengshuDocuments

extension PostgresStore: AccountStore {
    package func insertUser(_ user: NewUser, audit: AuditEvent) async throws -> User {
        try await write { db in
            let stored = try await Self.insertUserRow(user, db)
            var event = audit
            event.target = "user:\(stored.id)"
            try await Self.appendAudit(event, in: db)
            return stored
        }
    }

    static func insertUserRow(_ user: NewUser, _ db: PostgresConnection) async throws -> User {
        if try await db.query("SELECT 1 FROM \"user\" WHERE name = \(user.name)", logger: PostgresLocation.logger)
            .collect().count > 0
        {
            throw ZhengshuError(.conflict, "user \(user.name) already exists")
        }
        if let d = user.department, try await Self.fetchDepartment(d, db) == nil {
            throw ZhengshuError.validation([.init(field: "department", reason: "department \(d) does not exist")])
        }
        let id = try await db.query(
            """
            INSERT INTO "user" (name, displayName, roles, department, passwordHash, disabled, createdAt, updatedAt)
            VALUES (\(user.name), \(user.displayName), \(Self.encodeRoles(user.roles)), \(user.department?.rawValue),
                    \(user.passwordHash), false, \(user.createdAt.millis), \(user.createdAt.millis)) RETURNING id
            """, logger: PostgresLocation.logger
        ).collect()[0].decode(Int64.self)
        return User(
            id: UserID(id), name: user.name, displayName: user.displayName, roles: user.roles,
            department: user.department, disabled: false, createdAt: user.createdAt, updatedAt: user.createdAt)
    }

    package func insertMember(_ user: NewUser, profile: MemberProfile, audit: AuditEvent) async throws -> User {
        try await write { db in
            // Registrations of one identifier queue on its digest, so two at once cannot both pass the check.
            _ = try await db.query(
                "SELECT pg_advisory_xact_lock(hashtext(\(profile.identifierDigest)))", logger: PostgresLocation.logger
            ).collect()
            if try await db.query(
                "SELECT 1 FROM member WHERE identifierDigest = \(profile.identifierDigest)",
                logger: PostgresLocation.logger
            ).collect().count > 0 {
                throw ZhengshuError(
                    .conflict, "\(profile.identifierMasked) is already registered; sign in with that account")
            }
            let stored = try await Self.insertUserRow(user, db)
            var p = profile
            p.user = stored.id
            _ = try await db.query(
                "INSERT INTO member (userId, identifierDigest, document) VALUES (\(stored.id.rawValue), \(p.identifierDigest), \(try Documents.text(p)))",
                logger: PostgresLocation.logger
            ).collect()
            var event = audit
            event.target = "user:\(stored.id)"
            try await Self.appendAudit(event, in: db)
            return stored
        }
    }

    package func memberProfile(_ user: UserID) async throws -> MemberProfile? {
        try await read { db in
            guard
                let row = try await db.query(
                    "SELECT document FROM member WHERE userId = \(user.rawValue)", logger: PostgresLocation.logger
                ).collect().first
            else {
                return nil
            }
            return try Documents.value(MemberProfile.self, try row.decode(String.self))
        }
    }

    package func updateUser(
        _ id: UserID, passwordHash: String?, audit: AuditEvent,
        change: @Sendable (User) throws -> User
    ) async throws -> User {
        try await write { db in
            guard let current = try await Self.fetchUser("id = \(id.rawValue) FOR UPDATE", db) else {
                throw ZhengshuError(.notFound, "user \(id) does not exist")
            }
            let next = try change(current)
            if let d = next.department, d != current.department, try await Self.fetchDepartment(d, db) == nil {
                throw ZhengshuError.validation([.init(field: "department", reason: "department \(d) does not exist")])
            }
            try await db.query(
                """
                UPDATE "user" SET displayName = \(next.displayName), roles = \(Self.encodeRoles(next.roles)),
                    department = \(next.department?.rawValue), disabled = \(next.disabled), updatedAt = \(next.updatedAt.millis),
                    passwordHash = COALESCE(\(passwordHash), passwordHash) WHERE id = \(id.rawValue)
                """, logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
            return next
        }
    }

    package func user(_ id: UserID) async throws -> User? {
        try await read { db in try await Self.fetchUser("id = \(id.rawValue)", db) }
    }

    package func user(named name: String) async throws -> User? {
        try await read { db in try await Self.fetchUser("name = \(name)", db) }
    }

    package func users(department: DepartmentCode?) async throws -> [User] {
        try await read { db in
            try await db.query(
                """
                SELECT \(unescaped: Self.userColumns) FROM "user"
                WHERE (\(department?.rawValue)::text IS NULL OR department = \(department?.rawValue)) ORDER BY id
                """, logger: PostgresLocation.logger
            ).collect().map(Self.user(from:))
        }
    }

    package func credentials(named name: String) async throws -> (User, String?)? {
        try await read { db in
            guard
                let row = try await db.query(
                    "SELECT \(unescaped: Self.userColumns), passwordHash FROM \"user\" WHERE name = \(name)",
                    logger: PostgresLocation.logger
                ).collect().first
            else { return nil }
            let (id, name, displayName, roles, department, disabled, createdAt, updatedAt, hash) =
                try row.decode((Int64, String, String, String, String?, Bool, Int64, Int64, String?).self)
            return (Self.user(id, name, displayName, roles, department, disabled, createdAt, updatedAt), hash)
        }
    }

    package func insertToken(_ token: NewAPIToken, audit: AuditEvent) async throws -> APIToken {
        try await write { db in
            let id = try await db.query(
                """
                INSERT INTO apiToken (userId, label, prefix, hash, createdAt, expiresAt)
                VALUES (\(token.user.rawValue), \(token.label), \(token.prefix), \(token.hash), \(token.createdAt.millis),
                        \(token.expiresAt?.millis)) RETURNING id
                """, logger: PostgresLocation.logger
            ).collect()[0].decode(Int64.self)
            var event = audit
            event.detail = [audit.detail, "token: \(id)"].compactMap { $0 }.joined(separator: "; ")
            try await Self.appendAudit(event, in: db)
            return APIToken(
                id: TokenID(id), user: token.user, label: token.label, prefix: token.prefix,
                createdAt: token.createdAt, lastUsedAt: nil, expiresAt: token.expiresAt, revokedAt: nil)
        }
    }

    /// Records the last use at most once a minute per token, so authentication stays a read on the hot path.
    package func authenticate(tokenHash: String, at now: Date) async throws -> (APIToken, User)? {
        try await read { db in
            guard
                let row = try await db.query(
                    "SELECT \(unescaped: Self.tokenColumns) FROM apiToken WHERE hash = \(tokenHash)",
                    logger: PostgresLocation.logger
                ).collect().first
            else { return nil }
            var token = try Self.token(from: row)
            guard token.isActive(at: now), let user = try await Self.fetchUser("id = \(token.user.rawValue)", db) else {
                return nil
            }
            if token.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
                try await db.query(
                    "UPDATE apiToken SET lastUsedAt = \(now.millis) WHERE id = \(token.id.rawValue)",
                    logger: PostgresLocation.logger)
                token.lastUsedAt = now
            }
            return (token, user)
        }
    }

    package func token(_ id: TokenID) async throws -> APIToken? {
        try await read { db in
            try await db.query(
                "SELECT \(unescaped: Self.tokenColumns) FROM apiToken WHERE id = \(id.rawValue)",
                logger: PostgresLocation.logger
            )
            .collect().first.map(Self.token(from:))
        }
    }

    package func tokens(user: UserID) async throws -> [APIToken] {
        try await read { db in
            try await db.query(
                "SELECT \(unescaped: Self.tokenColumns) FROM apiToken WHERE userId = \(user.rawValue) ORDER BY id",
                logger: PostgresLocation.logger
            ).collect().map(Self.token(from:))
        }
    }

    package func revokeToken(_ id: TokenID, at: Date, audit: AuditEvent) async throws -> APIToken {
        try await write { db in
            guard
                let row = try await db.query(
                    "SELECT \(unescaped: Self.tokenColumns) FROM apiToken WHERE id = \(id.rawValue) FOR UPDATE",
                    logger: PostgresLocation.logger
                ).collect().first
            else {
                throw ZhengshuError(.notFound, "token \(id) does not exist")
            }
            var token = try Self.token(from: row)
            if token.revokedAt != nil { return token }
            try await db.query(
                "UPDATE apiToken SET revokedAt = \(at.millis) WHERE id = \(id.rawValue)",
                logger: PostgresLocation.logger)
            try await Self.appendAudit(audit, in: db)
            token.revokedAt = at
            return token
        }
    }

    static let userColumns = "id, name, displayName, roles, department, disabled, createdAt, updatedAt"
    static let tokenColumns = "id, userId, label, prefix, createdAt, lastUsedAt, expiresAt, revokedAt"

    /// The user matching `condition` (an SQL condition with its bound values).
    static func fetchUser(_ condition: PostgresQuery, _ db: PostgresConnection) async throws -> User? {
        var query = condition
        query.sql = "SELECT \(userColumns) FROM \"user\" WHERE " + condition.sql
        return try await db.query(query, logger: PostgresLocation.logger).collect().first.map(user(from:))
    }

    static func encodeRoles(_ roles: Set<Role>) -> String { roles.sorted().map(\.rawValue).joined(separator: ",") }

    static func user(from row: PostgresRow) throws -> User {
        let (id, name, displayName, roles, department, disabled, createdAt, updatedAt) =
            try row.decode((Int64, String, String, String, String?, Bool, Int64, Int64).self)
        return user(id, name, displayName, roles, department, disabled, createdAt, updatedAt)
    }

    static func user(
        _ id: Int64, _ name: String, _ displayName: String, _ roles: String, _ department: String?, _ disabled: Bool,
        _ createdAt: Int64, _ updatedAt: Int64
    ) -> User {
        User(
            id: UserID(id), name: name, displayName: displayName,
            roles: Set(roles.split(separator: ",").compactMap { Role(rawValue: String($0)) }),
            department: department.map(DepartmentCode.init(trusted:)), disabled: disabled,
            createdAt: Date(millis: createdAt), updatedAt: Date(millis: updatedAt))
    }

    static func token(from row: PostgresRow) throws -> APIToken {
        let (id, user, label, prefix, createdAt, lastUsedAt, expiresAt, revokedAt) =
            try row.decode((Int64, Int64, String, String, Int64, Int64?, Int64?, Int64?).self)
        return APIToken(
            id: TokenID(id), user: UserID(user), label: label, prefix: prefix, createdAt: Date(millis: createdAt),
            lastUsedAt: lastUsedAt.map(Date.init(millis:)), expiresAt: expiresAt.map(Date.init(millis:)),
            revokedAt: revokedAt.map(Date.init(millis:)))
    }
}
