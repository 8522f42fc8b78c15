import Foundation

/// Identifier of a user account.
package typealias UserID = RowID<User>

/// What a user may do on the platform.
package enum Role: String, CaseIterable, Sendable, Codable, Comparable {
    /// The data bureau (政务数据管理局): manages departments, users and every catalog entry.
    case admin
    /// A providing department's data officer: registers and maintains its department's resources and data.
    case provider
    /// A consuming department's user: finds data and (with the sharing issue) applies for it.
    case consumer
    /// Reads the audit trail.
    case auditor
    /// A registered member of the public or a company (社会用户): uses the open-data portal and applies for conditional
    /// open data; reaches nothing else.
    case member

    package static func < (a: Role, b: Role) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    /// Provider and consumer act for a department and need one.
    package var needsDepartment: Bool { self == .provider || self == .consumer }
}

/// A person who signs in to the platform or holds API tokens.
package struct User: Hashable, Sendable {
    package init(
        id: UserID, name: String, displayName: String, roles: Set<Role>, department: DepartmentCode?, disabled: Bool,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.displayName = displayName
        self.roles = roles
        self.department = department
        self.disabled = disabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    package var id: UserID
    /// Login name: ASCII, unique.
    package var name: String
    package var displayName: String
    package var roles: Set<Role>
    package var department: DepartmentCode?
    package var disabled: Bool
    package var createdAt: Date
    package var updatedAt: Date
}

/// A user about to be created; the store assigns the id.
package struct NewUser: Sendable {
    package var name: String
    package var displayName: String
    package var roles: Set<Role>
    package var department: DepartmentCode?
    package var passwordHash: String?
    package var createdAt: Date
}

/// What an admin submits to create or change a user.
package struct UserDraft: Sendable {
    package var name: String?
    package var displayName: String?
    package var roles: [Role]?
    package var department: String?
    package var password: String?
    package var disabled: Bool?

    package init(
        name: String? = nil, displayName: String? = nil, roles: [Role]? = nil, department: String? = nil,
        password: String? = nil, disabled: Bool? = nil
    ) {
        self.name = name
        self.displayName = displayName
        self.roles = roles
        self.department = department
        self.password = password
        self.disabled = disabled
    }
}

package enum UserRules {
    static let minimumPasswordLength = 10

    package static func validateName(_ name: String) -> ZhengshuError.Violation? {
        let ok =
            (2...64).contains(name.count)
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
            }
        return ok ? nil : .init(field: "name", reason: "login name must be 2-64 ASCII letters, digits, '.', '_' or '-'")
    }

    package static func validateRoles(_ roles: Set<Role>, department: DepartmentCode?) -> [ZhengshuError.Violation] {
        var v: [ZhengshuError.Violation] = []
        if roles.isEmpty { v.append(.init(field: "roles", reason: "a user needs at least one role")) }
        if roles.contains(where: \.needsDepartment), department == nil {
            v.append(.init(field: "department", reason: "providers and consumers belong to a department"))
        }
        if roles.contains(.member), roles.count > 1 || department != nil {
            v.append(
                .init(field: "roles", reason: "a member of the public holds no other role and belongs to no department")
            )
        }
        return v
    }

    /// The member role comes with a registration on the open-data portal (``Members/register(_:requestID:)``), never
    /// from an admin, and is never taken from or given to an existing account.
    static let memberRoleByRegistration = ZhengshuError.Violation(
        field: "roles",
        reason: "the member role comes only with a registration on the open-data portal (/open/register)")

    package static func validatePassword(_ password: String) -> ZhengshuError.Violation? {
        guard password.count >= minimumPasswordLength, password.count <= 256 else {
            return .init(field: "password", reason: "must be \(minimumPasswordLength)-256 characters")
        }
        let classes = [
            password.contains(where: \.isLowercase), password.contains(where: \.isUppercase),
            password.contains(where: \.isNumber), password.contains { !$0.isLetter && !$0.isNumber },
        ].filter { $0 }.count
        return classes >= 3
            ? nil
            : .init(
                field: "password",
                reason: "must mix at least three of lower case, upper case, digits and symbols")
    }
}
