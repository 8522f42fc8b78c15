import Foundation

/// Who a registered member of the public (社会用户) is: a person or a company.
package enum MemberKind: String, CaseIterable, Sendable, Codable, Vocabulary {
    /// Identified by a citizen identity number (GB 11643).
    case person
    /// Identified by a unified social credit code (GB 32100).
    case company
}

/// A member's registration: what conditional open data (有条件开放) is granted to. The identifier is kept masked for
/// display and as a keyed digest that makes it unique; the clear number is never stored.
package struct MemberProfile: Hashable, Sendable {
    package var user: UserID
    package var kind: MemberKind
    /// The identifier as shown (citizen IDs keep their first six and last four characters).
    package var identifierMasked: String
    /// The installation's keyed MAC of the identifier (hex).
    package var identifierDigest: String
    /// A mobile number or an e-mail address.
    package var contact: String
    package var createdAt: Date

    package init(
        user: UserID, kind: MemberKind, identifierMasked: String, identifierDigest: String, contact: String,
        createdAt: Date
    ) {
        self.user = user
        self.kind = kind
        self.identifierMasked = identifierMasked
        self.identifierDigest = identifierDigest
        self.contact = contact
        self.createdAt = createdAt
    }

    /// The consumer code a member's applications and grants carry: no department has it (department codes are
    /// created by the bureau; this prefix is refused for them).
    package static func consumerCode(of user: UserID) -> DepartmentCode {
        DepartmentCode(trusted: "\(codePrefix)\(user.rawValue)")
    }
    package static let codePrefix = "MEMBER-"
    package static func isMemberCode(_ code: DepartmentCode) -> Bool { code.rawValue.hasPrefix(codePrefix) }
}

/// What a person or company sends to register on the open-data portal.
package struct MemberDraft: Sendable {
    package var name: String?
    package var displayName: String?
    package var kind: MemberKind?
    package var identifier: String?
    package var contact: String?
    package var password: String?

    package init(
        name: String? = nil, displayName: String? = nil, kind: MemberKind? = nil, identifier: String? = nil,
        contact: String? = nil, password: String? = nil
    ) {
        self.name = name
        self.displayName = displayName
        self.kind = kind
        self.identifier = identifier
        self.contact = contact
        self.password = password
    }
}

package enum MemberRules {
    /// Checks every field of a registration. - Returns: the identifier, normalised (upper case, no spaces).
    package static func validate(_ d: MemberDraft) throws(ZhengshuError) -> (kind: MemberKind, identifier: String) {
        var v: [ZhengshuError.Violation] = []
        if let name = d.name {
            if let problem = UserRules.validateName(name) { v.append(problem) }
        } else {
            v.append(.init(field: "name", reason: "is required: the login name"))
        }
        let displayName = d.displayName ?? d.name ?? ""
        if displayName.isEmpty || displayName.count > 100 {
            v.append(.init(field: "displayName", reason: "must be 1-100 characters"))
        }
        if let password = d.password {
            if let problem = UserRules.validatePassword(password) { v.append(problem) }
        } else {
            v.append(.init(field: "password", reason: "is required"))
        }
        let contact = d.contact?.trimmingCharacters(in: .whitespaces) ?? ""
        if !(PhoneNumber.isMobile(contact) || Email.isValid(contact)) {
            v.append(.init(field: "contact", reason: "must be a mobile number or an e-mail address"))
        }
        let identifier = normalized(d.identifier ?? "")
        if let kind = d.kind {
            if let problem = identifierProblem(identifier, person: kind == .person, field: "identifier") {
                v.append(problem)
            }
        } else {
            v.append(.init(field: "kind", reason: "is required: person or company"))
        }
        guard v.isEmpty, let kind = d.kind else { throw ZhengshuError.validation(v) }
        return (kind, identifier)
    }

    /// An identifier as people type it, as the standards spell it: no surrounding spaces, upper case.
    package static func normalized(_ raw: String) -> String { raw.trimmingCharacters(in: .whitespaces).uppercased() }

    /// Why `identifier` is not a valid citizen identity number (GB 11643, `person`) or unified social credit code
    /// (GB 32100), or `nil` when it is.
    package static func identifierProblem(_ identifier: String, person: Bool, field: String) -> ZhengshuError.Violation?
    {
        do {
            if person { _ = try CitizenID(validating: identifier) } else { _ = try CreditCode(validating: identifier) }
            return nil
        } catch {
            return .init(
                field: field,
                reason: "is not a valid \(person ? "citizen identity number" : "unified social credit code"): \(error)")
        }
    }

    /// A citizen ID shows its division and last four characters; a credit code is public and shown whole.
    package static func masked(_ identifier: String, kind: MemberKind) -> String {
        guard kind == .person else { return identifier }
        return String(identifier.prefix(6)) + String(repeating: "*", count: max(0, identifier.count - 10))
            + String(identifier.suffix(4))
    }
}

/// Where a member's session reaches: the open-data portal (pages and API) and signing in and out. Everything else
/// answers 403, whatever a use case would allow.
package enum MemberScope {
    static let exact: Set<String> = ["/open", "/login", "/logout"]
    static let prefixes = ["/open/", "/api/v1/open/", "/api/3/", "/static/"]

    package static func allows(_ path: String) -> Bool {
        exact.contains(path) || prefixes.contains { path.hasPrefix($0) }
    }

    package static let refusal = ZhengshuError(
        .forbidden, "a member account reaches only the open-data portal (/open) and its API (/api/v1/open)")
}
