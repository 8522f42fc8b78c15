import Crypto
import Foundation
import Synchronization

/// The hash a record of the platform's own names: SHA-256 (`standard`) or SM3 (`gm`, GB/T 32905). Audit entries and
/// export manifests say which one they were made with, so an installation's older records stay checkable.
package enum DigestAlgorithm: String, Sendable, Codable, CaseIterable, Vocabulary {
    case sha256, sm3

    /// A hash over bytes fed to it piece by piece. SM3 is there once the `gm` module has registered it
    /// (``DigestAlgorithm/register(sm3:)``, done by every process that opens an installation).
    package func running() -> RunningDigest {
        switch self {
        case .sha256: return RunningDigest(SHA256Hasher())
        case .sm3:
            guard let engine = Self.sm3Engine.withLock({ $0 }) else {
                preconditionFailure(
                    "SM3 is not registered in this process: call DigestAlgorithm.register(sm3:) from the gm module first"
                )
            }
            return RunningDigest(engine.init())
        }
    }

    package func digest(_ bytes: [UInt8]) -> [UInt8] {
        var d = running()
        d.update(bytes)
        return d.finalize()
    }

    package var isAvailable: Bool { self == .sha256 || Self.sm3Engine.withLock { $0 != nil } }

    /// The display name in messages: `SHA-256`, `SM3`.
    package var displayName: String { self == .sha256 ? "SHA-256" : "SM3" }

    private static let sm3Engine = Mutex<(any IncrementalHasher.Type)?>(nil)

    /// Makes SM3 available to the domain (the `gm` module's OpenSSL binding), for the whole process.
    package static func register(sm3 engine: any IncrementalHasher.Type) { sm3Engine.withLock { $0 = engine } }
}

/// A hash function's running state, as an engine provides it.
package protocol IncrementalHasher: AnyObject, Sendable {
    /// A fresh state.
    init()
    func update(_ bytes: UnsafeRawBufferPointer)
    /// The digest of everything fed so far; the state stays usable.
    func finalize() -> [UInt8]
    /// A new state that has been fed what this one has.
    func copy() -> any IncrementalHasher
}

/// A running hash with value semantics (copies diverge), over SHA-256 or SM3.
package struct RunningDigest: Sendable {
    private var state: any IncrementalHasher

    init(_ state: any IncrementalHasher) { self.state = state }

    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if !isKnownUniquelyReferenced(&state) { state = state.copy() }
        state.update(bytes)
    }

    package mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    package func finalize() -> [UInt8] { state.finalize() }
}

/// SHA-256 through swift-crypto.
final class SHA256Hasher: IncrementalHasher, @unchecked Sendable {
    // Only mutated through RunningDigest, which copies before it writes to a shared state.
    private var hash: SHA256

    init() { hash = SHA256() }
    init(_ hash: SHA256) { self.hash = hash }

    func update(_ bytes: UnsafeRawBufferPointer) { hash.update(bufferPointer: bytes) }
    func finalize() -> [UInt8] { Array(hash.finalize()) }
    func copy() -> any IncrementalHasher { SHA256Hasher(hash) }
}
