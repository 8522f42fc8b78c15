import ZhengshuCore
import ZhengshuOpenAPI

extension APIHandler {
    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let users = try await platform.accounts.users(
            department: input.query.department, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: users.map(Components.Schemas.User.init)))))
    }

    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let draft = UserDraft(
            name: body.name, displayName: body.displayName, roles: body.roles.map(Role.init),
            department: body.department,
            password: body.password, disabled: body.disabled)
        return .created(
            .init(body: .json(.init(try await platform.accounts.createUser(draft, by: try AppRequestContext.caller()))))
        )
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        .ok(
            .init(
                body: .json(.init(try await platform.accounts.user(input.path.id, by: try AppRequestContext.caller()))))
        )
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let draft = UserDraft(
            displayName: body.displayName, roles: body.roles?.map(Role.init), department: body.department,
            password: body.password, disabled: body.disabled)
        return .ok(
            .init(
                body: .json(
                    .init(
                        try await platform.accounts.updateUser(input.path.id, draft, by: try AppRequestContext.caller())
                    ))))
    }

    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        let tokens = try await platform.accounts.tokens(of: input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: tokens.map(Components.Schemas.APIToken.init)))))
    }

    func issueToken(_ input: Operations.IssueToken.Input) async throws -> Operations.IssueToken.Output {
        let request =
            switch input.body {
            case .json(let request): request
            }
        let (token, secret) = try await platform.accounts.issueToken(
            for: UserID(input.path.id), label: request.label,
            expiresInDays: request.expiresInDays, by: try AppRequestContext.caller())
        return .created(.init(body: .json(.init(token: .init(token), secret: secret))))
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        .ok(
            .init(
                body: .json(
                    .init(try await platform.accounts.revokeToken(input.path.id, by: try AppRequestContext.caller())))))
    }
}

extension Components.Schemas.APIToken {
    init(_ t: APIToken) {
        self.init(
            id: t.id.rawValue, user: t.user.rawValue, label: t.label, prefix: t.prefix, createdAt: t.createdAt,
            lastUsedAt: t.lastUsedAt,
            expiresAt: t.expiresAt, revokedAt: t.revokedAt)
    }
}

extension Components.Schemas.User {
    init(_ u: User) {
        self.init(
            id: u.id.rawValue, name: u.name, displayName: u.displayName,
            roles: u.roles.sorted().map(Components.Schemas.Role.init),
            department: u.department?.rawValue, disabled: u.disabled, createdAt: u.createdAt, updatedAt: u.updatedAt)
    }
}

extension Components.Schemas.Role {
    init(_ role: Role) {
        switch role {
        case .admin: self = .admin
        case .provider: self = .provider
        case .consumer: self = .consumer
        case .auditor: self = .auditor
        case .member: self = .member
        }
    }
}

extension Role {
    init(_ role: Components.Schemas.Role) {
        switch role {
        case .admin: self = .admin
        case .provider: self = .provider
        case .consumer: self = .consumer
        case .auditor: self = .auditor
        case .member: self = .member
        }
    }
}
