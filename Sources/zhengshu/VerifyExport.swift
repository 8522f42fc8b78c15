import ArgumentParser
import Foundation
import ZhengshuApp
import ZhengshuCore

/// `zhengshu verify-export FILE MANIFEST`: a receiving department checks an export against its reconciliation manifest.
struct VerifyExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-export",
        abstract:
            "Check a received export (CSV or JSON Lines) against its manifest (数据对账): exit 0 when whole, 2 naming the row and column that differ."
    )

    @Argument(help: "The export file.") var file: String
    @Argument(help: "Its manifest (export-N.manifest.json).") var manifestPath: String
    @Option(help: "The platform's signing key fingerprint (16 hex digits) the manifest must be signed with.") var key:
        String?

    func run() throws {
        Signatures.registerAlgorithms()
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw fail(ZhengshuError(.invalidInput, "cannot read \(manifestPath)"))
        }
        let manifest: ExportManifest
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { manifest = try decoder.decode(ExportManifest.self, from: data) } catch {
            throw fail(ZhengshuError(.invalidInput, "\(manifestPath) is not an export manifest: \(error)"))
        }
        // The manifest itself: signed by the platform, and (when asked) by the key the receiver knows.
        var signedBy = "unsigned"
        if let signature = manifest.signature {
            guard Signatures.isValid(signature, over: manifest.signedBytes) else {
                print(
                    "export \(manifest.export): the manifest's signature does NOT verify: the manifest was altered after signing"
                )
                throw ExitCode(2)
            }
            signedBy = "signed by key \(InstallationKey.fingerprint(of: signature.publicKey)) (\(signature.algorithm))"
        }
        if let key {
            guard let signature = manifest.signature,
                InstallationKey.fingerprint(of: signature.publicKey) == key.lowercased()
            else {
                print("export \(manifest.export): the manifest is not signed by key \(key) (\(signedBy))")
                throw ExitCode(2)
            }
        }
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw fail(ZhengshuError(.invalidInput, "cannot read \(file)"))
        }
        defer { try? handle.close() }
        var verifier = ExportVerifier(manifest: manifest)
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { verifier.feed(Array(chunk)) }
        let findings = verifier.finish()
        if findings.isEmpty {
            print(
                "export \(manifest.export) OK: \(manifest.rowCount) rows, \(manifest.columns.count) columns, \(manifest.algorithm.displayName) \(manifest.sha256); manifest \(signedBy)"
            )
            return
        }
        print("export \(manifest.export) DIFFERS from its manifest:")
        for f in findings { print("  " + f.message) }
        throw ExitCode(2)
    }
}
