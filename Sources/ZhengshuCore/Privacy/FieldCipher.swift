import Crypto
import Foundation

/// Encryption of a resource's L4 items at rest (envelope keys): each resource has data keys (256 bits, versioned),
/// stored only wrapped by the installation's master key, which lives outside the database.
///
/// Fields are sealed deterministically — the nonce is synthetic, the first bytes of a MAC of the plaintext under a
/// key derived from the data key (as in SIV) — so equal values give equal boxes under one data key version: the box
/// is its own blind index, and equality filters, key lookups, uniqueness and verification work on the stored text
/// without decrypting. What it reveals is equality, as any blind index does; nothing else.
package struct FieldCipher: Sendable {
    let suite: any CryptoSuite
    let version: Int
    let encryptionKey: [UInt8]
    let nonceKey: any KeyedMAC
    /// Sealed fields start with this, then the key version, a dot and base64 of the box.
    package static let prefix = "zse1."

    package init(dataKey: [UInt8], version: Int, suite: any CryptoSuite) {
        precondition(dataKey.count == 32, "data keys are 256 bits")
        self.suite = suite
        self.version = version
        let derive = suite.keyedMAC(dataKey)
        encryptionKey = derive.mac("zhengshu field encryption")
        nonceKey = suite.keyedMAC(derive.mac("zhengshu field nonce"))
    }

    /// `zse1.VERSION.BASE64`: the same text for the same value under this key version.
    package func seal(_ text: String) throws -> String {
        let plaintext = Array(text.utf8)
        let nonce = Array(nonceKey.mac(plaintext).prefix(suite.nonceSize))
        return Self.prefix + "\(version)."
            + Data(try suite.seal(plaintext, key: encryptionKey, nonce: nonce)).base64EncodedString()
    }

    /// The key version a sealed field was sealed under, or `nil` for text that is not a sealed field.
    package static func version(of sealed: String) -> Int? {
        guard sealed.hasPrefix(prefix) else { return nil }
        return Int(sealed.dropFirst(prefix.count).prefix { $0 != "." })
    }

    package func open(_ sealed: String) throws -> String {
        guard Self.version(of: sealed) == version, let dot = sealed.dropFirst(Self.prefix.count).firstIndex(of: "."),
            let box = Data(base64Encoded: String(sealed[sealed.index(after: dot)...]))
        else {
            throw ZhengshuError(.internalFailure, "a stored field is not sealed under data key version \(version)")
        }
        guard let text = String(validating: try suite.open(Array(box), key: encryptionKey), as: UTF8.self) else {
            throw ZhengshuError(.internalFailure, "a stored field does not decrypt to text")
        }
        return text
    }

    /// A new data key wrapped under the master key: (the key, its wrapped form to store).
    package static func newDataKey(master: [UInt8], suite: any CryptoSuite) throws -> (key: [UInt8], wrapped: String) {
        let key = SymmetricKeyBytes.random()
        return (key, try wrap(key, master: master, suite: suite))
    }

    /// A data key sealed under the master key with a random nonce (base64).
    package static func wrap(_ dataKey: [UInt8], master: [UInt8], suite: any CryptoSuite) throws -> String {
        let nonce = SymmetricKey(size: .init(bitCount: suite.nonceSize * 8)).withUnsafeBytes { Array($0) }
        return Data(try suite.seal(dataKey, key: master, nonce: nonce)).base64EncodedString()
    }

    /// - Throws: when the wrapped key was altered or the master key is not the one that wrapped it.
    package static func unwrap(_ wrapped: String, master: [UInt8], suite: any CryptoSuite) throws -> [UInt8] {
        guard let box = Data(base64Encoded: wrapped), let key = try? suite.open(Array(box), key: master),
            key.count == 32
        else {
            throw ZhengshuError(
                .conflict,
                "a data key does not open under this master key: the master key is not the installation's, or the key was altered"
            )
        }
        return key
    }

    /// Re-wraps data keys under a new master key (`zhengshu keys rotate`): the data stays as it is.
    package static func rewrap(
        _ wrapped: String, from old: [UInt8], to new: [UInt8], suite: any CryptoSuite
    ) throws -> String {
        try wrap(try unwrap(wrapped, master: old, suite: suite), master: new, suite: suite)
    }
}

package enum SymmetricKeyBytes {
    /// 256 random bits.
    package static func random() -> [UInt8] { SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) } }
}
