import Crypto
import Foundation
import ZhengshuCore
import ZhengshuGM

/// The installation's Ed25519 key for audit checkpoints, kept in a file of its own (base64 of the raw 32-byte key,
/// mode 0600), never in the database it vouches for.
package enum AuditSigningKey {
    /// The key of the profile: Ed25519 (base64 of the raw key) or SM2 (PEM), created when the file does not exist.
    package static func signer(_ path: String, profile: CryptoProfile) throws -> any InstallationSigner {
        switch profile {
        case .standard: return Ed25519Signer(try loadOrCreate(path))
        case .gm:
            if FileManager.default.fileExists(atPath: path) {
                // blocking-ok: a key file of one page
                guard let pem = try? String(contentsOfFile: path, encoding: .utf8), let key = try? SM2Key(pem: pem)
                else {
                    throw ZhengshuError(
                        .invalidInput,
                        "audit.signingKeyFile: \(path) does not hold an SM2 private key in PEM (the gm profile)")
                }
                return try SM2Signer(key)
            }
            let key = try SM2Key.generate()
            guard try KeyFile.write(path, Data(try key.privatePEM().utf8), setting: "audit.signingKeyFile") else {
                return try signer(path, profile: profile)  // another process made it first
            }
            return try SM2Signer(key)
        }
    }

    /// Reads the key; creates the file with a new key when it does not exist.
    package static func loadOrCreate(_ path: String) throws -> Curve25519.Signing.PrivateKey {
        if let key = try load(path) { return key }
        let key = Curve25519.Signing.PrivateKey()
        guard try KeyFile.create(path, key.rawRepresentation, setting: "audit.signingKeyFile") else {
            return try loadOrCreate(path)
        }
        return key
    }

    /// - Returns: `nil` when the file does not exist. - Throws: when it exists but holds no key.
    package static func load(_ path: String) throws -> Curve25519.Signing.PrivateKey? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),  // blocking-ok: a key file of one page
            let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw ZhengshuError(
                .invalidInput, "audit.signingKeyFile: \(path) does not hold an Ed25519 key (base64 of 32 bytes)")
        }
        return key
    }
}

/// A key kept in a file of its own: base64 of the raw bytes, mode 0600.
package enum KeyFile {
    @discardableResult
    static func create(_ path: String, _ raw: Data, setting: String) throws -> Bool {
        try write(path, Data((raw.base64EncodedString() + "\n").utf8), setting: setting)
    }

    /// Creates the file with `contents`, only if it does not exist: two processes starting at once keep one key.
    /// - Returns: false when another process created it first.
    @discardableResult
    static func write(_ path: String, _ contents: Data, setting: String) throws -> Bool {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        if fd < 0, errno == EEXIST { return false }
        guard fd >= 0 else { throw ZhengshuError(.internalFailure, "\(setting): cannot create \(path)") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: contents)  // blocking-ok: a new key file of one page, written once
        try handle.synchronize()  // blocking-ok: the new key must be on the disk before it is used
        return true
    }

    /// The same, as bytes.
    package static func secretBytes(_ path: String, setting: String) throws -> [UInt8] {
        try secret(path, setting: setting).withUnsafeBytes { Array($0) }
    }

    /// A 256-bit secret: read, or created when the file does not exist.
    package static func secret(_ path: String, setting: String) throws -> SymmetricKey {
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),  // blocking-ok: a key file of one page
                let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32
            else {
                throw ZhengshuError(
                    .invalidInput, "\(setting): \(path) does not hold a 256-bit key (base64 of 32 bytes)")
            }
            return SymmetricKey(data: raw)
        }
        let key = SymmetricKey(size: .bits256)
        guard try create(path, key.withUnsafeBytes { Data($0) }, setting: setting) else {
            return try secret(path, setting: setting)
        }
        return key
    }
}
