/// Who is acting: a signed-in user, or the local operator running the CLI on the data folder.
package struct Principal: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        case user(UserID)
        /// The operator at the server's console (`zhengshu user add …`): full rights over the data folder.
        case localOperator
        /// A consuming department's system calling data services with an API key.
        case system(SystemAccountID)
        /// Anyone on the open-data portal, signed in or not: reads unconditional open data only.
        case anonymous
    }

    package var kind: Kind
    package var name: String
    package var roles: Set<Role>
    package var department: DepartmentCode?

    package init(user: User) {
        kind = .user(user.id)
        name = user.name
        roles = user.roles
        // A member acts under a consumer code of its own, which no department holds.
        department = user.roles.contains(.member) ? MemberProfile.consumerCode(of: user.id) : user.department
    }

    package init(system account: SystemAccount) {
        kind = .system(account.id)
        name = account.actorName
        roles = [.consumer]
        department = account.department
    }

    package init(kind: Kind, name: String, roles: Set<Role>, department: DepartmentCode?) {
        self.kind = kind
        self.name = name
        self.roles = roles
        self.department = department
    }

    /// The local operator: `zhengshu` CLI commands on the data folder act as the bureau.
    package static let localOperator = Principal(
        kind: .localOperator, name: "local-operator", roles: [.admin], department: nil)

    /// The public on the open-data portal (数据开放): no roles, no department.
    package static let anonymous = Principal(kind: .anonymous, name: "public", roles: [], department: nil)

    package var isAdmin: Bool { roles.contains(.admin) }
    package var isMember: Bool { roles.contains(.member) }
    package var userID: UserID? { if case .user(let id) = kind { id } else { nil } }

    /// Throws `forbidden` unless the principal holds one of `roles`.
    package func require(anyOf roles: Set<Role>, to action: String) throws(ZhengshuError) {
        guard !self.roles.isDisjoint(with: roles) else {
            let names = roles.sorted().map(\.rawValue).joined(separator: " or ")
            throw ZhengshuError(.forbidden, "\(action) requires the \(names) role")
        }
    }

    /// Whether this principal reads `department`'s own records in clear where they are kept beside the data (import
    /// rejects, problem values): the department's providers, and the installation's operator (the CLI, on the
    /// machine that holds the data). Everyone else reads them masked.
    package func readsInClear(of department: DepartmentCode) -> Bool {
        if case .localOperator = kind { return true }
        return roles.contains(.provider) && self.department == department
    }

    /// An admin, or a provider of `department`.
    package func requireProvider(of department: DepartmentCode, to action: String) throws(ZhengshuError) {
        if isAdmin { return }
        guard roles.contains(.provider), self.department == department else {
            throw ZhengshuError(.forbidden, "\(action) requires a provider of department \(department) or an admin")
        }
    }
}
