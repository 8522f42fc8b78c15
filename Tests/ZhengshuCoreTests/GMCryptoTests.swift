import Foundation
import Testing
import ZhengshuCore
import ZhengshuGM

/// The national algorithms through the system OpenSSL: the standards' known answers, and agreement with the
/// `openssl` command line both ways.
@Suite struct GMCryptoTests {
    func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
    func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    func openssl(_ arguments: [String], stdin: [UInt8]? = nil) throws -> (Int32, [UInt8]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = arguments
        let out = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try input.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, Array(data))
    }

    @Test func sm3KnownAnswers() {
        // GB/T 32905-2016, examples 1 and 2.
        #expect(hex(SM3.hash(Array("abc".utf8))) == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        #expect(
            hex(SM3.hash(Array(String(repeating: "abcd", count: 16).utf8)))
                == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
        #expect(
            hex(GMSuite().digest(Array("abc".utf8)))
                == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    }

    @Test func runningSM3AgreesWithTheOneShotHashAndCopiesDiverge() {
        SM3.register()
        let text = Array("abc".utf8)
        var d = DigestAlgorithm.sm3.running()
        d.update(Array(text.prefix(1)))
        let copy = d
        d.update(Array(text.dropFirst()))
        #expect(d.finalize() == SM3.hash(text) && d.finalize() == SM3.hash(text))  // finalising leaves the state usable
        #expect(copy.finalize() == SM3.hash(Array(text.prefix(1))))
        #expect(DigestAlgorithm.sha256.digest(text) == StandardSuite().digest(text))
    }

    @Test func anSM3AuditChainVerifiesAndCannotSwitchAlgorithm() {
        SM3.register()
        var entries: [AuditEntry] = []
        for n in 1...5 {
            let event = AuditEvent(
                actor: "admin", actorDepartment: nil, action: "department.create", target: "department:D\(n)",
                at: Date(timeIntervalSince1970: 1_790_000_000 + Double(n)), requestID: "r\(n)")
            entries.append(
                AuditChain.entry(after: entries.last.map { ($0.sequence, $0.hash) }, event: event, algorithm: .sm3))
        }
        #expect(entries[0].previousHash == "sm3:" + String(repeating: "0", count: 64))
        #expect(
            entries.allSatisfy {
                $0.hash.hasPrefix("sm3:") && $0.hash.count == 68 && AuditChain.algorithm(of: $0.hash) == .sm3
            })
        #expect(AuditChain.firstBreak(in: entries, after: nil) == nil)
        var edited = entries
        edited[3].event.target = "department:X"
        #expect(
            AuditChain.firstBreak(in: edited, after: nil)
                == AuditBreak(sequence: 4, reason: "entry 4 does not match its hash: edited"))
        // An entry re-hashed with SHA-256 (a downgrade) no longer follows its predecessor.
        var downgraded = entries
        let bare = String(entries[1].hash.dropFirst(4))
        downgraded[2].previousHash = bare
        downgraded[2].hash = AuditChain.hash(sequence: 3, event: entries[2].event, previousHash: bare)
        #expect(AuditChain.algorithm(of: downgraded[2].hash) == .sha256)
        #expect(
            AuditChain.firstBreak(in: downgraded, after: nil)?.reason
                == "entry 3 does not follow entry 2: inserted, replaced or reordered")
    }

    @Test func sm4KnownAnswerAndCounterMode() throws {
        // GB/T 32907-2016, example 1: the key and the plaintext are the same block.
        let block = bytes("0123456789abcdeffedcba9876543210")
        #expect(hex(try SM4Block.encrypt(key: block, block: block)) == "681edf34d206965e86b3e94f536e4246")
        let key = bytes("00112233445566778899aabbccddeeff"), iv = bytes("000102030405060708090a0b0c0d0e0f")
        let text = Array("公民身份号码 110105199001010029 — 对外不予公开".utf8)
        let sealed = try SM4CTR.apply(key: key, iv: iv, text)
        #expect(sealed.count == text.count && sealed != text)
        #expect(try SM4CTR.apply(key: key, iv: iv, sealed) == text)
        let (status, cli) = try openssl(["enc", "-sm4-ctr", "-K", hex(key), "-iv", hex(iv)], stdin: text)
        #expect(status == 0 && cli == sealed)
    }

    @Test func hmacSM3AgreesWithOpenSSL() throws {
        let key = Array("zhengshu-installation-key".utf8)
        let mac = GMSuite().keyedMAC(key)
        let message = Array("13812345678".utf8)
        let (status, cli) = try openssl(
            ["mac", "-digest", "SM3", "-macopt", "hexkey:\(hex(key))", "-binary", "HMAC"], stdin: message)
        #expect(status == 0 && mac.mac(message) == cli)
        // The same keyed MAC gives the same answer each time (its context is duplicated per message).
        #expect(mac.mac(message) == mac.mac("13812345678") && mac.mac("13812345679") != mac.mac(message))
    }

    @Test func sm2SignaturesVerifyBothWays() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zs-sm2-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try SM2Key.generate()
        let message = Array("zhengshu-audit-checkpoint\n1000\nabc".utf8)
        let signature = try key.sign(message)
        #expect(key.verify(signature, message) && !key.verify(signature, message + [0x0A]))
        let pub = try SM2Key(pem: try key.publicPEM(), publicOnly: true)
        #expect(pub.verify(signature, message))
        #expect(throws: GMError.self) {
            try SM2Key(pem: "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n", publicOnly: true)
        }
        // The command line verifies ours, and we verify its.
        try key.publicPEM().write(toFile: dir + "/pub.pem", atomically: true, encoding: .utf8)
        try key.privatePEM().write(toFile: dir + "/key.pem", atomically: true, encoding: .utf8)
        try Data(message).write(to: URL(fileURLWithPath: dir + "/msg"))
        try Data(signature).write(to: URL(fileURLWithPath: dir + "/sig"))
        let (verified, _) = try openssl([
            "dgst", "-sm3", "-verify", dir + "/pub.pem", "-signature", dir + "/sig",
            "-sigopt", "distid:1234567812345678", dir + "/msg",
        ])
        #expect(verified == 0)
        let (signed, theirs) = try openssl([
            "dgst", "-sm3", "-sign", dir + "/key.pem", "-sigopt", "distid:1234567812345678", dir + "/msg",
        ])
        #expect(signed == 0 && pub.verify(theirs, message))
        // A reloaded private key signs as the same key.
        #expect(pub.verify(try SM2Key(pem: try key.privatePEM()).sign(message), message))
    }
}

/// Sealing fields at rest and wrapping data keys, under both profiles.
@Suite struct FieldCipherTests {
    static func suite(_ profile: CryptoProfile) -> any CryptoSuite { profile == .gm ? GMSuite() : StandardSuite() }

    @Test(arguments: CryptoProfile.allCases)
    func fieldsAreSealedDeterministicallyAndOpenOnlyUnderTheirKey(_ profile: CryptoProfile) throws {
        let suite = Self.suite(profile)
        let master = Array(repeating: UInt8(9), count: 32)
        let (dataKey, wrapped) = try FieldCipher.newDataKey(master: master, suite: suite)
        let cipher = FieldCipher(dataKey: dataKey, version: 1, suite: suite)
        let id = "110105199001010029"
        let sealed = try cipher.seal(id)
        // The same value seals to the same text (its own blind index); another value to another; nothing in clear.
        let again = try cipher.seal(id), another = try cipher.seal("110105199001010037")
        #expect(sealed == again && sealed != another)
        #expect(sealed.hasPrefix("zse1.1.") && !sealed.contains(id) && FieldCipher.version(of: sealed) == 1)
        let address = "浙江省杭州市西湖区文三路90号"
        let opened = try cipher.open(sealed), openedAddress = try cipher.open(try cipher.seal(address))
        #expect(opened == id && openedAddress == address)
        // Altered, or under another data key: refused.
        var box = Array(Data(base64Encoded: String(sealed.dropFirst("zse1.1.".count)))!)
        box[box.count / 2] ^= 1
        #expect(throws: (any Error).self) { try cipher.open("zse1.1." + Data(box).base64EncodedString()) }
        let other = FieldCipher(
            dataKey: try FieldCipher.newDataKey(master: master, suite: suite).key, version: 1, suite: suite)
        let otherSealed = try other.seal(id)
        #expect(otherSealed != sealed)
        #expect(throws: (any Error).self) { try other.open(sealed) }
        #expect(throws: (any Error).self) { try FieldCipher(dataKey: dataKey, version: 2, suite: suite).open(sealed) }
        // The data key opens only under the master key that wrapped it; rotation re-wraps it and the fields still open.
        #expect(try FieldCipher.unwrap(wrapped, master: master, suite: suite) == dataKey)
        #expect(throws: ZhengshuError.self) {
            try FieldCipher.unwrap(wrapped, master: Array(repeating: 8, count: 32), suite: suite)
        }
        let newMaster = Array(repeating: UInt8(7), count: 32)
        let rewrapped = try FieldCipher.rewrap(wrapped, from: master, to: newMaster, suite: suite)
        #expect(rewrapped != wrapped)
        #expect(throws: ZhengshuError.self) { try FieldCipher.unwrap(rewrapped, master: master, suite: suite) }
        let reopened = FieldCipher(
            dataKey: try FieldCipher.unwrap(rewrapped, master: newMaster, suite: suite), version: 1, suite: suite)
        #expect(try reopened.open(sealed) == id)
    }
}
