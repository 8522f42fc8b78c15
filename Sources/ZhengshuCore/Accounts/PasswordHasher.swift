import Crypto
import CryptoExtras
import Foundation

/// Password hashing with scrypt (RFC 7914) and a per-user random salt.
///
/// Stored form: `scrypt$N$r$p$<salt hex>$<hash hex>`, so the cost can rise later without breaking old hashes.
package struct PasswordHasher: Sendable {
    package var rounds: Int
    package var blockSize: Int
    package var parallelism: Int

    /// N = 2^15, r = 8, p = 1: about 32 MiB and 0.1 s per hash on a server core (OWASP's scrypt minimum is 2^17 with
    /// r = 8 for interactive logins on faster hardware; the cost is recorded per hash and can be raised).
    package static let standard = PasswordHasher(rounds: 1 << 15, blockSize: 8, parallelism: 1)
    /// Cheap parameters for tests only.
    package static let fastForTesting = PasswordHasher(rounds: 1 << 10, blockSize: 8, parallelism: 1)

    package init(rounds: Int, blockSize: Int, parallelism: Int) {
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    package func hash(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: .min ... .max, using: &rng) }
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32,
            rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        let hash = key.withUnsafeBytes { Array($0) }
        return "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(salt.hex)$\(hash.hex)"
    }

    /// Checks `password` against a stored hash in constant time; any malformed stored value fails closed.
    package static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]),
            let p = Int(parts[3]),
            let salt = [UInt8](hex: parts[4]), let expected = [UInt8](hex: parts[5]),
            let key = try? KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: salt, outputByteCount: expected.count,
                rounds: n, blockSize: r, parallelism: p)
        else { return false }
        let actual = key.withUnsafeBytes { Array($0) }
        var diff: UInt8 = 0
        for (a, b) in zip(actual, expected) { diff |= a ^ b }
        return diff == 0 && actual.count == expected.count
    }
}

extension Array where Element == UInt8 {
    package init?(hex: some StringProtocol) {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        self = out
    }
}
