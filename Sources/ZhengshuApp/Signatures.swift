import Crypto
import Foundation
import ZhengshuCore
import ZhengshuGM

/// Checks the installation's signatures (on export manifests) with the public key they carry, under either profile.
package enum Signatures {
    /// Makes the `gm` hashes available to a command that checks records without opening an installation.
    package static func registerAlgorithms() { SM3.register() }

    package static func isValid(_ s: ManifestSignature, over message: [UInt8]) -> Bool {
        guard let signature = Data(base64Encoded: s.value) else { return false }
        switch s.algorithm {
        case "ed25519":
            guard let raw = Data(base64Encoded: s.publicKey),
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { return false }
            return key.isValidSignature(signature, for: message)
        case "sm2":
            guard let key = try? SM2Key(pem: s.publicKey, publicOnly: true) else { return false }
            return key.verify(Array(signature), message)
        default:
            return false
        }
    }
}
