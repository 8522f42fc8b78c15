import COpenSSL
import Foundation
import ZhengshuCore

/// The national algorithms (商用密码) through the system OpenSSL 3, never hand-written: SM3 (GB/T 32905), HMAC-SM3,
/// SM4 (GB/T 32907) in CTR mode, SM2 signatures (GB/T 32918) with SM3 and the default distinguishing ID.
package struct GMSuite: CryptoSuite {
    package init() {}
    package var profile: CryptoProfile { .gm }

    package func digest(_ data: [UInt8]) -> [UInt8] { SM3.hash(data) }
    package var digestAlgorithm: DigestAlgorithm { .sm3 }

    package func keyedMAC(_ key: [UInt8]) -> any KeyedMAC { HMACSM3(key: key) }

    package var nonceSize: Int { 16 }

    /// SM4-CTR under the first half of the data key, then HMAC-SM3 under the second over the counter block and the
    /// ciphertext (a 16-byte tag): `iv ‖ ciphertext ‖ tag`.
    package func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8]) throws -> [UInt8] {
        precondition(key.count == 32 && nonce.count == 16)
        let body = nonce + (try SM4CTR.apply(key: Array(key[0..<16]), iv: nonce, plaintext))
        return body + HMACSM3(key: Array(key[16..<32])).mac(body).prefix(16)
    }

    package func open(_ box: [UInt8], key: [UInt8]) throws -> [UInt8] {
        precondition(key.count == 32)
        guard box.count >= 32 else { throw GMError.openssl("a sealed field is at least 32 bytes") }
        let body = Array(box.dropLast(16)), tag = Array(box.suffix(16))
        // Compared in constant time: a forger learns nothing from how long the refusal took.
        let expected = HMACSM3(key: Array(key[16..<32])).mac(body).prefix(16)
        guard zip(expected, tag).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw GMError.openssl("the sealed field was altered, or sealed under another key")
        }
        return try SM4CTR.apply(key: Array(key[0..<16]), iv: Array(body.prefix(16)), Array(body.dropFirst(16)))
    }
}

package enum GMError: Error, CustomStringConvertible {
    case openssl(String)
    package var description: String { if case .openssl(let m) = self { m } else { "" } }

    /// The last OpenSSL error, for a message.
    static func last(_ what: String) -> GMError {
        let code = ERR_get_error()
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return .openssl("\(what): \(text)")
    }
}

package enum SM3 {
    /// SM3 fetched from the default provider once: OpenSSL 3 looks an algorithm up on every use of `EVP_sm3()`, which
    /// costs more than hashing a short value.
    nonisolated(unsafe) static let md: OpaquePointer = {
        guard let md = EVP_MD_fetch(nil, "SM3", nil) else {
            preconditionFailure("SM3 is not available in this OpenSSL")
        }
        return md
    }()

    package static func hash(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        let ok = data.withUnsafeBytes { d in EVP_Digest(d.baseAddress, d.count, &out, &size, md, nil) }
        precondition(ok == 1 && size == 32, "SM3 is not available in this OpenSSL")
        return out
    }

    /// Makes SM3 available to the domain's records (audit chain, export manifests) in this process.
    package static func register() { DigestAlgorithm.register(sm3: SM3Hasher.self) }
}

/// SM3 fed piece by piece (an EVP_MD_CTX); finalising works on a copy, so the state stays usable.
final class SM3Hasher: IncrementalHasher, @unchecked Sendable {
    // Only mutated through RunningDigest, which copies before it writes to a shared state.
    private let ctx: OpaquePointer

    required init() {
        guard let ctx = EVP_MD_CTX_new(), EVP_DigestInit_ex2(ctx, SM3.md, nil) == 1 else {
            preconditionFailure("SM3 is not available in this OpenSSL")
        }
        self.ctx = ctx
    }

    private init(copying other: OpaquePointer) {
        guard let ctx = EVP_MD_CTX_new(), EVP_MD_CTX_copy_ex(ctx, other) == 1 else {
            preconditionFailure("SM3 state copy failed")
        }
        self.ctx = ctx
    }

    deinit { EVP_MD_CTX_free(ctx) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1, "SM3 update failed")
    }

    func finalize() -> [UInt8] {
        let done = SM3Hasher(copying: ctx)
        var out = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        precondition(EVP_DigestFinal_ex(done.ctx, &out, &size) == 1 && size == 32, "SM3 final failed")
        return out
    }

    func copy() -> any IncrementalHasher { SM3Hasher(copying: ctx) }
}

/// HMAC-SM3 through EVP_MAC: the keyed context is made once and duplicated for each message.
final class HMACSM3: KeyedMAC, @unchecked Sendable {
    /// Initialised with the key, never updated itself (only its duplicates are): safe to share.
    private let template: OpaquePointer

    init(key: [UInt8]) {
        let mac = EVP_MAC_fetch(nil, "HMAC", nil)
        defer { EVP_MAC_free(mac) }
        guard let mac, let ctx = EVP_MAC_CTX_new(mac) else {
            preconditionFailure("HMAC is not available in this OpenSSL")
        }
        let ok = "SM3".withCString { digest in
            var params = [
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, UnsafeMutablePointer(mutating: digest), 0),
                OSSL_PARAM_construct_end(),
            ]
            return key.withUnsafeBufferPointer { k in EVP_MAC_init(ctx, k.baseAddress, k.count, &params) }
        }
        precondition(ok == 1, "HMAC-SM3 is not available in this OpenSSL")
        template = ctx
    }

    deinit { EVP_MAC_CTX_free(template) }

    func authenticate(_ data: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        let ctx = EVP_MAC_CTX_dup(template)
        defer { EVP_MAC_CTX_free(ctx) }
        var size = 0
        let ok =
            EVP_MAC_update(ctx, data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count) == 1
            && EVP_MAC_final(ctx, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &size, out.count) == 1
        precondition(ok && size == 32, "HMAC-SM3 failed")
    }
}

/// SM4 in counter mode (a 16-byte key and a 16-byte initial counter block). The caller authenticates the result
/// (encrypt-then-MAC with HMAC-SM3): CTR alone does not detect tampering.
package enum SM4CTR {
    package static func apply(key: [UInt8], iv: [UInt8], _ input: [UInt8]) throws -> [UInt8] {
        precondition(key.count == 16 && iv.count == 16, "SM4 takes a 128-bit key and a 128-bit counter block")
        guard let ctx = EVP_CIPHER_CTX_new() else { throw GMError.last("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard EVP_EncryptInit_ex(ctx, EVP_sm4_ctr(), nil, key, iv) == 1 else { throw GMError.last("SM4-CTR init") }
        var out = [UInt8](repeating: 0, count: input.count + 16)
        var n: Int32 = 0, tail: Int32 = 0
        guard EVP_EncryptUpdate(ctx, &out, &n, input, Int32(input.count)) == 1 else { throw GMError.last("SM4-CTR") }
        let ok = out.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(ctx, $0.baseAddress! + Int(n), &tail) }
        guard ok == 1 else { throw GMError.last("SM4-CTR final") }
        return Array(out.prefix(Int(n + tail)))
    }
}

/// SM4 on one block (ECB), for the standard's known-answer test.
package enum SM4Block {
    package static func encrypt(key: [UInt8], block: [UInt8]) throws -> [UInt8] {
        guard let ctx = EVP_CIPHER_CTX_new() else { throw GMError.last("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard EVP_EncryptInit_ex(ctx, EVP_sm4_ecb(), nil, key, nil) == 1 else { throw GMError.last("SM4 init") }
        EVP_CIPHER_CTX_set_padding(ctx, 0)
        var out = [UInt8](repeating: 0, count: 32)
        var n: Int32 = 0
        guard EVP_EncryptUpdate(ctx, &out, &n, block, Int32(block.count)) == 1 else { throw GMError.last("SM4") }
        return Array(out.prefix(Int(n)))
    }
}

/// An SM2 key pair (GB/T 32918), kept as PEM; signatures are DER, over SM3 with the default ID `1234567812345678`.
package final class SM2Key: @unchecked Sendable {
    let pkey: OpaquePointer
    package static let defaultID = Array("1234567812345678".utf8)

    private init(_ pkey: OpaquePointer) { self.pkey = pkey }
    deinit { EVP_PKEY_free(pkey) }

    /// A new key pair.
    package static func generate() throws -> SM2Key {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "SM2", nil) else { throw GMError.last("SM2 context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else {
            throw GMError.last("SM2 key generation")
        }
        return SM2Key(pkey)
    }

    /// A private key (PEM, PKCS #8) or, with `publicOnly`, a public key (PEM, SubjectPublicKeyInfo).
    package init(pem: String, publicOnly: Bool = false) throws {
        let bio = pem.withCString { BIO_new_mem_buf($0, -1) }
        defer { BIO_free(bio) }
        let key = publicOnly ? PEM_read_bio_PUBKEY(bio, nil, nil, nil) : PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        guard let key else { throw GMError.last("not an SM2 \(publicOnly ? "public" : "private") key in PEM") }
        guard EVP_PKEY_is_a(key, "SM2") == 1 else {
            EVP_PKEY_free(key)
            throw GMError.openssl("the PEM key is not an SM2 key")
        }
        pkey = key
    }

    package func privatePEM() throws -> String {
        try Self.pem { PEM_write_bio_PrivateKey($0, pkey, nil, nil, 0, nil, nil) }
    }

    package func publicPEM() throws -> String {
        try Self.pem { PEM_write_bio_PUBKEY($0, pkey) }
    }

    static func pem(_ write: (OpaquePointer?) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw GMError.last("BIO") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw GMError.last("PEM") }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard let pointer, length > 0 else { throw GMError.last("PEM") }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    /// Digest context for SM2 over SM3 with the default distinguishing ID.
    private func context(signing: Bool) throws -> OpaquePointer {
        guard let md = EVP_MD_CTX_new() else { throw GMError.last("EVP_MD_CTX_new") }
        guard let pctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else {
            EVP_MD_CTX_free(md)
            throw GMError.last("SM2 context")
        }
        let idSet = Self.defaultID.withUnsafeBytes { EVP_PKEY_CTX_set1_id(pctx, $0.baseAddress, Int32($0.count)) }
        EVP_MD_CTX_set_pkey_ctx(md, pctx)  // the digest context owns it from here
        let ok =
            signing
            ? EVP_DigestSignInit(md, nil, EVP_sm3(), nil, pkey) : EVP_DigestVerifyInit(md, nil, EVP_sm3(), nil, pkey)
        guard idSet == 1, ok == 1 else {
            EVP_MD_CTX_free(md)
            throw GMError.last("SM2 \(signing ? "sign" : "verify") init")
        }
        return md
    }

    package func sign(_ message: [UInt8]) throws -> [UInt8] {
        let md = try context(signing: true)
        defer { EVP_MD_CTX_free(md) }
        var size = 0
        guard EVP_DigestSign(md, nil, &size, message, message.count) == 1 else { throw GMError.last("SM2 sign") }
        var signature = [UInt8](repeating: 0, count: size)
        guard EVP_DigestSign(md, &signature, &size, message, message.count) == 1 else { throw GMError.last("SM2 sign") }
        return Array(signature.prefix(size))
    }

    package func verify(_ signature: [UInt8], _ message: [UInt8]) -> Bool {
        guard let md = try? context(signing: false) else { return false }
        defer { EVP_MD_CTX_free(md) }
        return EVP_DigestVerify(md, signature, signature.count, message, message.count) == 1
    }
}

/// The installation's SM2 key signing audit checkpoints under the `gm` profile.
package struct SM2Signer: InstallationSigner {
    let key: SM2Key
    package let publicKey: String

    package init(_ key: SM2Key) throws {
        self.key = key
        publicKey = try key.publicPEM()
    }

    package var algorithm: String { "sm2" }
    package func sign(_ message: [UInt8]) throws -> [UInt8] { try key.sign(message) }
    package func isValid(_ signature: [UInt8], for message: [UInt8]) -> Bool { key.verify(signature, message) }
}
