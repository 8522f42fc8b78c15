import Crypto
import Foundation

/// Identifier of a system account.
package typealias SystemAccountID = RowID<SystemAccount>

/// A consuming department's system (an approval system, a case-handling system) calling data services with an API
/// key: the key is stored only as its SHA-256, can be rotated, and can be bound to the system's source networks.
package struct SystemAccount: Hashable, Sendable {
    package var id: SystemAccountID
    package var department: DepartmentCode
    /// Unique within the department: lower-case letters, digits, `-` and `_`.
    package var name: String
    package var description: String?
    /// The first characters of the key, so people can tell keys apart.
    package var keyPrefix: String
    /// Networks calls may come from (`10.3.0.0/16`, an address); empty: any.
    package var networks: [String]
    package var createdBy: String
    package var createdAt: Date
    package var rotatedAt: Date?
    package var revokedAt: Date?
    package var lastUsedAt: Date?
    /// Networks (`/24` for IPv4, `/64` for IPv6) the key has been used from; a new one raises a risk alert.
    package var seenNetworks: [String]?

    package init(
        id: SystemAccountID, department: DepartmentCode, name: String, description: String?, keyPrefix: String,
        networks: [String], createdBy: String, createdAt: Date, rotatedAt: Date? = nil, revokedAt: Date? = nil,
        lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.department = department
        self.name = name
        self.description = description
        self.keyPrefix = keyPrefix
        self.networks = networks
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.rotatedAt = rotatedAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    /// How the account appears as an actor in the audit trail.
    package var actorName: String { "system:\(department)/\(name)" }

    /// Whether a call from `address` is allowed (no networks: from anywhere; an unknown address: only then).
    package func admits(_ address: IPAddress?) -> Bool {
        guard !networks.isEmpty else { return true }
        guard let address else { return false }
        return networks.compactMap(IPNetwork.init).contains { $0.contains(address) }
    }

    /// The network `address` belongs to, as remembered in ``seenNetworks``.
    package static func network(of address: IPAddress) -> String {
        let b = address.bytes
        if b.count == 4 { return "\(b[0]).\(b[1]).\(b[2]).0/24" }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }

    static func validName(_ name: String) -> Bool {
        (1...48).contains(name.count)
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }
    }
}

/// API keys of system accounts: `zsk_` and 64 hex digits (256 random bits, so SHA-256 is enough to store them).
package enum SystemKey {
    package static let scheme = "zsk_"

    package static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return scheme + (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }.hex
    }

    package static func hash(_ key: String) -> String { SHA256.hash(data: Array(key.utf8)).hex }
    package static func displayPrefix(_ key: String) -> String { String(key.prefix(scheme.count + 6)) }
}

/// What an admin or a consumer sends to create a system account.
package struct SystemAccountDraft: Sendable {
    package var department: String?
    package var name: String?
    package var description: String?
    package var networks: [String]?

    package init(department: String? = nil, name: String? = nil, description: String? = nil, networks: [String]? = nil)
    {
        self.department = department
        self.name = name
        self.description = description
        self.networks = networks
    }
}
