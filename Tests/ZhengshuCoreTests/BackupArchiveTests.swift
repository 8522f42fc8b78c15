import Foundation
import Testing

@testable import ZhengshuCore

/// The backup archive's format: what goes in comes out, and every kind of damage is refused with where it is.
@Suite struct BackupArchiveTests {
    let suite = StandardSuite()
    let key = [UInt8](repeating: 7, count: 32)
    /// A part larger than two chunks, so chunk boundaries fall inside it.
    let big = (0..<(2 * (1 << 20) + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }

    func archive(parts: [(String, [UInt8])]? = nil) throws -> [UInt8] {
        var out: [UInt8] = []
        var w = try BackupWriter(backupKey: key, suite: suite, createdAt: Date(timeIntervalSince1970: 1_800_000_000)) {
            out += $0
        }
        for (name, bytes) in parts ?? [
            ("database/zhengshu.sqlite", big), ("keys/privacy.key", Array("secret\n".utf8)),
            ("files/exports/empty", []),
        ] {
            try w.part(name, bytes)
        }
        try w.finish(
            BackupManifest(
                version: "test", engine: "sqlite", schemaVersion: "v21-sandbox",
                createdAt: Date(timeIntervalSince1970: 1_800_000_000),
                cryptoProfile: .standard, tables: ["auditEntry": 3], auditHead: .init(sequence: 3, hash: "abc")))
        return out
    }

    func read(_ bytes: [UInt8], key: [UInt8]? = nil) throws -> (BackupManifest, [String: [UInt8]]) {
        var offset = 0
        var reader = try BackupReader(backupKey: key ?? self.key, suite: { _ in suite }) { n in
            let piece = Array(bytes[offset..<min(bytes.count, offset + n)])
            offset += piece.count
            return piece
        }
        var files: [String: [UInt8]] = [:]
        var current = ""
        let manifest = try reader.read { event in
            switch event {
            case .begin(let name, _):
                current = name
                files[name] = []
            case .bytes(let b): files[current]! += b
            case .end: break
            }
        }
        return (manifest, files)
    }

    func refusal(_ bytes: [UInt8], key: [UInt8]? = nil) -> String? {
        do {
            _ = try read(bytes, key: key)
            return nil
        } catch { return (error as? ZhengshuError)?.message ?? "\(error)" }
    }

    @Test func whatGoesInComesOutWithItsManifest() throws {
        let bytes = try archive()
        let (manifest, files) = try read(bytes)
        #expect(
            files["database/zhengshu.sqlite"] == big && files["keys/privacy.key"] == Array("secret\n".utf8)
                && files["files/exports/empty"] == [])
        #expect(manifest.parts.map(\.name) == ["database/zhengshu.sqlite", "keys/privacy.key", "files/exports/empty"])
        // SHA-256 of nothing
        #expect(manifest.parts[2].sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            manifest.tables == ["auditEntry": 3] && manifest.auditHead?.sequence == 3
                && manifest.schemaVersion == "v21-sandbox")
        // Encrypted: neither the key file's text nor the database's bytes appear in the archive.
        #expect(bytes.starts(with: Array("ZSBACKUP1\n".utf8)))
        #expect(String(decoding: bytes, as: UTF8.self).contains("secret") == false)
        #expect(bytes.count > big.count && bytes.count < big.count + 4096)
        // A part that ends exactly at a chunk boundary, and an archive with no parts.
        _ = try read(try archive(parts: [("files/sandbox/a", [UInt8](repeating: 1, count: (1 << 20) - 2 - 15 - 8))]))
        #expect(try read(try archive(parts: [])).0.parts.isEmpty)
    }

    @Test func everyKindOfDamageIsRefusedWithWhereItIs() throws {
        let bytes = try archive()
        let headerLength = 10 + 4 + Int(bytes[10...13].reduce(0) { $0 << 8 | Int($1) }) + 32
        func flipped(_ at: Int) -> [UInt8] {
            var b = bytes
            b[at] ^= 0x01
            return b
        }
        #expect(refusal(flipped(0))?.contains("not a Zhengshu backup") == true)
        #expect(refusal(flipped(12))?.contains("header is damaged") == true)
        #expect(refusal(flipped(20))?.contains("header is damaged") == true)  // inside the JSON
        #expect(refusal(flipped(headerLength - 3))?.contains("header was altered") == true)  // its MAC
        #expect(refusal(flipped(headerLength + 1))?.contains("chunk 0") == true)  // a chunk's length
        let inChunk = refusal(flipped(headerLength + 4000))
        #expect(
            inChunk?.contains("chunk 0") == true && inChunk?.contains("fails authentication") == true,
            "\(inChunk ?? "")")
        let inLast = refusal(flipped(bytes.count - 20))
        #expect(
            inLast?.contains("chunk 2") == true && inLast?.contains("fails authentication") == true, "\(inLast ?? "")")
        // Every byte of a small archive: none can be flipped unnoticed.
        let small = try archive(parts: [("keys/privacy.key", Array("secret\n".utf8))])
        for at in small.indices {
            var b = small
            b[at] ^= 0x80
            #expect(refusal(b) != nil, "byte \(at) flipped went unnoticed")
        }

        // Truncated: inside the header, between chunks, inside a chunk.
        #expect(refusal(Array(bytes.prefix(30)))?.contains("truncated") == true)
        let chunk0 = headerLength + 4 + Int(bytes[headerLength..<(headerLength + 4)].reduce(0) { $0 << 8 | Int($1) })
        let between = refusal(Array(bytes.prefix(chunk0)))
        #expect(
            between?.contains("truncated") == true && between?.contains("before its final chunk") == true,
            "\(between ?? "")")
        #expect(refusal(Array(bytes.prefix(chunk0 + 100)))?.contains("truncated") == true)
        #expect(refusal(Array(bytes.dropLast()))?.contains("truncated") == true)
        #expect(refusal(bytes + [0])?.contains("after its manifest") == true)

        // Chunks swapped, or one dropped.
        let chunk1 = chunk0 + 4 + Int(bytes[chunk0..<(chunk0 + 4)].reduce(0) { $0 << 8 | Int($1) })
        let swapped =
            Array(bytes[..<headerLength]) + Array(bytes[chunk0..<chunk1]) + Array(bytes[headerLength..<chunk0])
            + Array(bytes[chunk1...])
        #expect(refusal(swapped)?.contains("out of place") == true)
        #expect(refusal(Array(bytes[..<chunk0]) + Array(bytes[chunk1...]))?.contains("out of place") == true)

        // Another key: named as such, with both fingerprints.
        let wrong = refusal(bytes, key: [UInt8](repeating: 8, count: 32))
        #expect(
            wrong?.contains("wrong backup key") == true
                && wrong?.contains(BackupArchive.fingerprint(key, suite: suite)) == true, "\(wrong ?? "")")
    }
}
