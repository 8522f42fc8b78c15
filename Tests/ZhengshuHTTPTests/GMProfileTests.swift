import Configuration
import Foundation
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuGM
import ZhengshuTestSupport

/// An installation created with the `gm` profile: SM2-signed audit checkpoints that `zhengshu audit verify` checks,
/// HMAC-SM3 pseudonyms, and the profile kept for good.
@Suite(.enabled(if: ZhengshuBinary.path != nil, "build the zhengshu executable first (swift build)"))
struct GMProfileTests {
    func open(_ dir: String, profile: String?) async throws -> AppServices {
        var values: [AbsoluteConfigKey: ConfigValue] = [
            "data.directory": .init(.string(dir), isSecret: false), "security.fastPasswordHashing": true,
            "log.level": "warning",
        ]
        if let profile { values["security.cryptoProfile"] = .init(.string(profile), isSecret: false) }
        return try await AppServices.open(
            AppConfiguration(config: ConfigReader(provider: InMemoryProvider(values: values))))
    }

    func zhengshu(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        try ZhengshuProcess.run(arguments, environment: environment)
    }

    @Test func aGMInstallationSignsWithSM2AndKeepsItsProfile() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zs-gm-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let services = try await open(dir, profile: "gm")
            let key = try #require(services.auditKey)
            #expect(key.algorithm == "sm2" && key.publicKey.hasPrefix("-----BEGIN PUBLIC KEY-----"))
            let p = services.platform
            let published = try p.installationKey(by: TestPlatform.operatorCaller)
            #expect(
                published.profile == .gm && published.algorithm == "sm2" && published.fingerprint == key.fingerprint)
            _ = try await p.departments.create(
                DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: TestPlatform.operatorCaller)
            for k in 0..<5 {
                _ = try await p.departments.create(
                    DepartmentDraft(code: "D-\(k)", name: "部门\(k)", level: .county, parent: .some("C-GA")),
                    by: TestPlatform.operatorCaller)
            }
            #expect(try await p.audit.checkpoint(with: key, every: 3) == 2)
            // The chain is SM3: each hash recomputed here from the entry's fields with OpenSSL's SM3.
            let entries = try await services.store.auditEntries(after: 0, limit: 100, action: nil, target: nil)
            #expect(entries.count >= 6 && entries[0].previousHash == AuditChain.genesis(.sm3))
            for e in entries {
                let v = e.event
                let fields = [
                    String(e.sequence), e.previousHash, v.actor, v.actorDepartment ?? "", v.action, v.target,
                    String(v.at.millis), v.requestID, v.detail ?? "",
                ]
                let bytes: [UInt8] = fields.flatMap { (f: String) -> [UInt8] in
                    Array(String(f.utf8.count).utf8) + [0x3A] + Array(f.utf8)
                }
                #expect(e.hash == "sm3:" + SM3.hash(bytes).hex, "entry \(e.sequence)")
            }
            let checkpoint = try #require(try await services.store.latestAuditCheckpoint())
            #expect(checkpoint.algorithm == "sm2" && checkpoint.isValid(under: key))
        }
        // The key file is an SM2 private key in PEM, and the command line verifies the SM2 signatures with it.
        let pem = try String(contentsOfFile: dir + "/audit-signing.key", encoding: .utf8)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----") && (try? SM2Key(pem: pem)) != nil)
        let (intact, out) = try zhengshu(["audit", "verify", "--data", dir])
        #expect(intact == 0 && out.contains("(SM3), 2 signed checkpoints"), "\(out)")
        // A checkpoint signed by another SM2 key is not the installation's.
        let other = try SM2Signer(try SM2Key.generate())
        let original = try #require(try await AppServicesForTests.open(dir).store.latestAuditCheckpoint())
        try SQLiteFile.execute(
            dir + "/zhengshu.sqlite",
            """
            UPDATE auditCheckpoint SET signature = '\(Data(try other.sign(AuditCheckpoint.message(sequence: original.sequence, hash: original.hash))).base64EncodedString())'
            WHERE sequence = \(original.sequence)
            """)
        let (broken, brokenOut) = try zhengshu(["audit", "verify", "--data", dir])
        #expect(broken == 2 && brokenOut.contains("is not signed by this installation's key"), "\(brokenOut)")
        // The profile is the installation's: the standard one is refused, and left unsaid the gm one is used.
        let (refused, refusedOut) = try zhengshu(
            ["audit", "verify", "--data", dir], environment: ["ZHENGSHU_SECURITY_CRYPTO_PROFILE": "standard"])
        #expect(refused != 0 && refusedOut.contains("created with the gm crypto profile"), "\(refusedOut)")
        await #expect(throws: ZhengshuError.self) { try await open(dir, profile: "standard") }
        await #expect(throws: ZhengshuError.self) { try await open(dir, profile: "sm9") }
        #expect(try await open(dir, profile: nil).auditKey?.algorithm == "sm2")
    }
}

/// Runs the `zhengshu` executable with extra environment variables. - Returns: its exit status and its output.
enum ZhengshuProcess {
    static func run(_ arguments: [String], environment: [String: String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ZhengshuBinary.path!)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
