import Crypto
import Foundation

/// The installation's cryptographic profile (商用密码), chosen at install time and kept by the database: `standard`
/// (SHA-256, HMAC-SHA256, AES-GCM, Ed25519 through swift-crypto) or `gm` (SM3, HMAC-SM3, SM4, SM2 through the system
/// OpenSSL 3, in the `ZhengshuGM` module).
package enum CryptoProfile: String, Sendable, Codable, CaseIterable, Vocabulary {
    case standard, gm
}

/// A MAC under one key, ready to use many times (the masks, pseudonyms and watermarks of every cell).
package protocol KeyedMAC: Sendable {
    /// Writes the 32-byte MAC of `data` into `out` (32 bytes).
    func authenticate(_ data: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer)
}

extension KeyedMAC {
    package func mac(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBytes { data in out.withUnsafeMutableBytes { authenticate(data, into: $0) } }
        return out
    }

    package func mac(_ text: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var t = text
        t.withUTF8 { data in out.withUnsafeMutableBytes { authenticate(UnsafeRawBufferPointer(data), into: $0) } }
        return out
    }

    /// The first 256 bits of the MAC of `text` as four words, without allocating.
    package func words(_ text: String) -> (UInt64, UInt64, UInt64, UInt64) {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            var t = text
            t.withUTF8 { authenticate(UnsafeRawBufferPointer($0), into: out) }
            return (
                out.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                out.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                out.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                out.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
    }
}

/// The algorithms of a profile that the domain uses.
package protocol CryptoSuite: Sendable {
    var profile: CryptoProfile { get }
    /// SHA-256 or SM3 (32 bytes).
    func digest(_ data: [UInt8]) -> [UInt8]
    /// Which: what the audit chain and export manifests of a new installation are hashed with.
    var digestAlgorithm: DigestAlgorithm { get }
    /// HMAC-SHA256 or HMAC-SM3 under `key`.
    func keyedMAC(_ key: [UInt8]) -> any KeyedMAC
    /// Authenticated encryption of fields at rest under a 256-bit data key: AES-GCM, or SM4-CTR with HMAC-SM3
    /// (encrypt-then-MAC). `nonce` is the cipher's 12 bytes (AES-GCM) or 16 (SM4-CTR), see ``FieldCipher``.
    func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8]) throws -> [UInt8]
    /// The plaintext, or a thrown error when the box was altered or the key is not the one it was sealed with.
    func open(_ box: [UInt8], key: [UInt8]) throws -> [UInt8]
    /// Bytes of nonce a sealed box starts with.
    var nonceSize: Int { get }
}

/// SHA-256 and HMAC-SHA256 through swift-crypto.
package struct StandardSuite: CryptoSuite {
    package init() {}
    package var profile: CryptoProfile { .standard }

    package func digest(_ data: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: data)) }
    package var digestAlgorithm: DigestAlgorithm { .sha256 }

    package func keyedMAC(_ key: [UInt8]) -> any KeyedMAC { HMACSHA256(key: SymmetricKey(data: key)) }

    package var nonceSize: Int { 12 }

    package func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8]) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: SymmetricKey(data: key), nonce: try AES.GCM.Nonce(data: nonce))
        return Array(box.combined!)  // nonce, ciphertext, 16-byte tag
    }

    package func open(_ box: [UInt8], key: [UInt8]) throws -> [UInt8] {
        Array(try AES.GCM.open(try AES.GCM.SealedBox(combined: box), using: SymmetricKey(data: key)))
    }

    struct HMACSHA256: KeyedMAC {
        let key: SymmetricKey
        func authenticate(_ data: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
            HMAC<SHA256>.authenticationCode(for: data, using: key).withUnsafeBytes { out.copyMemory(from: $0) }
        }
    }
}

/// The installation's key that signs audit checkpoints: Ed25519 (`standard`) or SM2 (`gm`), kept in a file of its
/// own, never in the database it vouches for.
package protocol InstallationSigner: Sendable {
    /// `ed25519` or `sm2`.
    var algorithm: String { get }
    /// The public key as stored beside each signature (base64 of the raw key; PEM for SM2).
    var publicKey: String { get }
    func sign(_ message: [UInt8]) throws -> [UInt8]
    /// Whether `signature` over `message` holds under this key.
    func isValid(_ signature: [UInt8], for message: [UInt8]) -> Bool
}

extension InstallationSigner {
    /// The first 16 hex digits of the public key's SHA-256: what a receiver compares (`zhengshu verify-export --key`).
    package var fingerprint: String { InstallationKey.fingerprint(of: publicKey) }
}

/// What the platform publishes of its signing key, so receivers can check signed manifests.
package struct InstallationKey: Sendable, Codable {
    package var profile: CryptoProfile
    package var algorithm: String
    package var publicKey: String
    package var fingerprint: String

    /// The first 16 hex digits of a public key's SHA-256 (as published, base64 or PEM).
    package static func fingerprint(of publicKey: String) -> String {
        SHA256.hash(data: Data(publicKey.utf8)).prefix(8).hex
    }
}

package struct Ed25519Signer: InstallationSigner {
    let key: Curve25519.Signing.PrivateKey
    package init(_ key: Curve25519.Signing.PrivateKey) { self.key = key }
    package var algorithm: String { "ed25519" }
    package var publicKey: String { key.publicKey.rawRepresentation.base64EncodedString() }
    package func sign(_ message: [UInt8]) throws -> [UInt8] { Array(try key.signature(for: message)) }
    package func isValid(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        key.publicKey.isValidSignature(signature, for: message)
    }
}
