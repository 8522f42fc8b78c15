import Crypto
import Foundation

/// Identifier of an API token.
package typealias TokenID = RowID<APIToken>

/// A bearer token's stored form: never the token itself, only its SHA-256.
package struct APIToken: Hashable, Sendable {
    package init(
        id: TokenID, user: UserID, label: String, prefix: String, createdAt: Date, lastUsedAt: Date?, expiresAt: Date?,
        revokedAt: Date?
    ) {
        self.id = id
        self.user = user
        self.label = label
        self.prefix = prefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    package var id: TokenID
    package var user: UserID
    package var label: String
    /// The first characters of the token (`zs_ab12…`) so a user can tell tokens apart.
    package var prefix: String
    package var createdAt: Date
    package var lastUsedAt: Date?
    package var expiresAt: Date?
    package var revokedAt: Date?

    package func isActive(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }
}

/// A token about to be stored.
package struct NewAPIToken: Sendable {
    package var user: UserID
    package var label: String
    package var prefix: String
    package var hash: String
    package var createdAt: Date
    package var expiresAt: Date?
}

/// Generates and hashes bearer tokens. Tokens carry 256 random bits, so a fast hash is enough to store them.
package enum TokenSecret {
    package static let scheme = "zs_"

    /// A new random token: `zs_` followed by 64 hex digits.
    package static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: .min ... .max, using: &generator) }
        return scheme + bytes.hex
    }

    package static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).hex
    }

    /// What may be shown about a token later: its scheme and first 6 characters.
    package static func displayPrefix(_ token: String) -> String { String(token.prefix(scheme.count + 6)) }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex, two digits a byte (masks and pseudonyms call this on every cell they write).
    package var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
