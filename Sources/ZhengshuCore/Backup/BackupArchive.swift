import Foundation

/// A backup archive (安全备份): one file holding an installation's database snapshot, its files and a manifest,
/// encrypted under a backup key with the installation's profile (AES-GCM; SM4-CTR with HMAC-SM3 under `gm`).
///
/// Layout: `ZSBACKUP1\n`, a 4-byte big-endian length and the header (JSON: format, profile, salt, the key's
/// fingerprint, creation time), the header's 32-byte MAC under the archive key, then sealed chunks, each a 4-byte
/// length and a sealed box. A box opens to its 8-byte index, a final flag and up to 1 MiB of the inner stream:
/// entries of a 2-byte name length, the name, an 8-byte size and the part's bytes; the last entry is
/// `manifest.json`. The archive key is the backup key's MAC of the salt, so every archive has its own. The index
/// and flag inside each box make a reordered, dropped or cut-off chunk as visible as an altered one.
package enum BackupArchive {
    package static let magic = Array("ZSBACKUP1\n".utf8)
    package static let manifestName = "manifest.json"
    static let chunkSize = 1 << 20
    static let maxHeader = 64 * 1024

    /// A backup key's public name: the first 8 bytes of its MAC of a fixed text, in hex.
    package static func fingerprint(_ key: [UInt8], suite: any CryptoSuite) -> String {
        Array(suite.keyedMAC(key).mac("zhengshu backup key fingerprint").prefix(8)).hex
    }

    static func archiveKey(_ key: [UInt8], salt: [UInt8], suite: any CryptoSuite) -> [UInt8] {
        suite.keyedMAC(key).mac(Array("zhengshu backup archive key".utf8) + salt)
    }
}

/// What an archive says about itself before it is opened.
package struct BackupHeader: Codable, Sendable, Hashable {
    package var format: Int
    package var profile: CryptoProfile
    package var salt: String
    package var key: String
    package var createdAt: Date
}

/// The manifest, the archive's last entry: what was backed up, and how to tell it arrived whole.
package struct BackupManifest: Codable, Sendable, Hashable {
    package struct Part: Codable, Sendable, Hashable {
        package var name: String
        package var size: UInt64
        package var sha256: String
    }

    package struct AuditHead: Codable, Sendable, Hashable {
        package var sequence: Int64
        package var hash: String
        package init(sequence: Int64, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }
    }

    package var format = 1
    /// The platform's version that wrote it.
    package var version: String
    /// `sqlite` or `postgres`: where the snapshot came from.
    package var engine: String
    /// The last schema migration applied.
    package var schemaVersion: String
    package var createdAt: Date
    package var cryptoProfile: CryptoProfile
    /// Rows per platform table in the snapshot.
    package var tables: [String: Int64]
    package var auditHead: AuditHead?
    /// Every other entry, in order (filled in by the writer).
    package var parts: [Part] = []

    package init(
        version: String, engine: String, schemaVersion: String, createdAt: Date, cryptoProfile: CryptoProfile,
        tables: [String: Int64], auditHead: AuditHead?
    ) {
        self.version = version
        self.engine = engine
        self.schemaVersion = schemaVersion
        self.createdAt = createdAt
        self.cryptoProfile = cryptoProfile
        self.tables = tables
        self.auditHead = auditHead
    }
}

/// Writes an archive to `sink` a chunk at a time: never more than one chunk in memory.
package struct BackupWriter {
    let suite: any CryptoSuite
    let key: [UInt8]
    let sink: ([UInt8]) throws -> Void
    var buffer: [UInt8] = []
    var index: UInt64 = 0
    var parts: [BackupManifest.Part] = []
    var current: (name: String, size: UInt64, written: UInt64, digest: RunningDigest)?
    package private(set) var bytesWritten: UInt64 = 0

    /// Writes the header. - Parameter random: fills salts (random bytes; a fixed source in tests only).
    package init(
        backupKey: [UInt8], suite: any CryptoSuite, createdAt: Date, random: ([UInt8]) -> [UInt8] = BackupWriter.random,
        sink: @escaping ([UInt8]) throws -> Void
    ) throws {
        let salt = random([UInt8](repeating: 0, count: 32))
        self.suite = suite
        self.key = BackupArchive.archiveKey(backupKey, salt: salt, suite: suite)
        self.sink = sink
        let header = BackupHeader(
            format: 1, profile: suite.profile, salt: Data(salt).base64EncodedString(),
            key: BackupArchive.fingerprint(backupKey, suite: suite), createdAt: createdAt)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        let json = Array(try encoder.encode(header))
        try emit(BackupArchive.magic + Self.be32(json.count) + json + suite.keyedMAC(key).mac(json))
    }

    package static func random(_ template: [UInt8]) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return template.map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    package mutating func beginPart(_ name: String, size: UInt64) throws {
        precondition(current == nil, "a part is already open")
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 1024, name != BackupArchive.manifestName else {
            throw ZhengshuError(.invalidInput, "a backup part may not be named '\(name.prefix(100))'")
        }
        try stream(Self.be16(bytes.count) + bytes + Self.be64(size))
        current = (name, size, 0, DigestAlgorithm.sha256.running())
    }

    package mutating func write(_ bytes: [UInt8]) throws {
        guard var c = current else { preconditionFailure("no part is open") }
        current = nil  // the digest's state stays uniquely referenced, so it is not copied
        guard c.written + UInt64(bytes.count) <= c.size else {
            throw ZhengshuError(.conflict, "\(c.name) grew while it was backed up (more than its \(c.size) bytes)")
        }
        c.written += UInt64(bytes.count)
        c.digest.update(bytes)
        current = c
        try stream(bytes)
    }

    package mutating func endPart() throws {
        guard var c = current else { preconditionFailure("no part is open") }
        guard c.written == c.size else {
            throw ZhengshuError(.conflict, "\(c.name) shrank while it was backed up (\(c.written) of \(c.size) bytes)")
        }
        parts.append(.init(name: c.name, size: c.size, sha256: c.digest.finalize().hex))
        current = nil
    }

    /// Adds a whole part held in memory.
    package mutating func part(_ name: String, _ bytes: [UInt8]) throws {
        try beginPart(name, size: UInt64(bytes.count))
        try write(bytes)
        try endPart()
    }

    /// Writes the manifest (with every part's digest) and the final chunk. - Returns: the manifest written.
    @discardableResult
    package mutating func finish(_ manifest: BackupManifest) throws -> BackupManifest {
        precondition(current == nil, "a part is still open")
        var m = manifest
        m.parts = parts
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let json = Array(try encoder.encode(m))
        let name = Array(BackupArchive.manifestName.utf8)
        try stream(Self.be16(name.count) + name + Self.be64(UInt64(json.count)) + json)
        try seal(final: true)
        return m
    }

    mutating func stream(_ bytes: [UInt8]) throws {
        var start = 0
        while start < bytes.count {
            let n = min(BackupArchive.chunkSize - buffer.count, bytes.count - start)
            buffer += bytes[start..<(start + n)]
            start += n
            if buffer.count == BackupArchive.chunkSize { try seal(final: false) }
        }
    }

    mutating func seal(final: Bool) throws {
        let nonce = Self.random([UInt8](repeating: 0, count: suite.nonceSize))
        let box = try suite.seal(Self.be64(index) + [final ? 1 : 0] + buffer, key: key, nonce: nonce)
        try emit(Self.be32(box.count) + box)
        index += 1
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func emit(_ bytes: [UInt8]) throws {
        try sink(bytes)
        bytesWritten += UInt64(bytes.count)
    }

    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func be32(_ v: Int) -> [UInt8] { (0..<4).reversed().map { UInt8(v >> ($0 * 8) & 0xFF) } }
    static func be64(_ v: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8(v >> (UInt64($0) * 8) & 0xFF) } }
}

/// Reads an archive from `source` (which returns up to n bytes, fewer only at the end), checking everything:
/// the header and key, every chunk's authenticity, order and the final one, every part against the manifest.
/// Nothing it reports has been trusted before it was checked, except a part's bytes, which are handed on as they
/// arrive and vouched for by ``BackupReader/Event/end(_:)``: a restore writes them aside and keeps them only when the
/// whole archive checks out.
package struct BackupReader {
    package enum Event {
        case begin(name: String, size: UInt64)
        case bytes([UInt8])
        /// The part is whole and its digest matches what the manifest will be checked against.
        case end(BackupManifest.Part)
    }

    package let header: BackupHeader
    let suite: any CryptoSuite
    let key: [UInt8]
    let source: (Int) throws -> [UInt8]
    var offset: UInt64 = 0
    var index: UInt64 = 0
    var plain: [UInt8] = []
    var position = 0
    var ended = false

    /// Reads and checks the header. - Parameter suite: the suite of the header's profile.
    package init(
        backupKey: [UInt8], suite: (CryptoProfile) throws -> any CryptoSuite, source: @escaping (Int) throws -> [UInt8]
    ) throws {
        self.source = source
        var read: UInt64 = 0
        func take(_ n: Int, _ what: String) throws -> [UInt8] {
            let bytes = try source(n)
            read += UInt64(bytes.count)
            guard bytes.count == n else {
                throw ZhengshuError(
                    .invalidInput, "the archive is truncated: it ends inside its \(what), after \(read) bytes")
            }
            return bytes
        }
        guard (try? take(BackupArchive.magic.count, "header")) == BackupArchive.magic else {
            throw ZhengshuError(.invalidInput, "not a Zhengshu backup: the file does not start with ZSBACKUP1")
        }
        let length = try take(4, "header").reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= BackupArchive.maxHeader else {
            throw ZhengshuError(.invalidInput, "the archive's header is damaged: it claims \(length) bytes")
        }
        let json = try take(length, "header")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let header = try? decoder.decode(BackupHeader.self, from: Data(json)), header.format == 1,
            let salt = Data(base64Encoded: header.salt), salt.count == 32
        else {
            throw ZhengshuError(.invalidInput, "the archive's header is damaged: it is not a format-1 backup header")
        }
        let suite = try suite(header.profile)
        let fingerprint = BackupArchive.fingerprint(backupKey, suite: suite)
        guard fingerprint == header.key else {
            throw ZhengshuError(
                .forbidden,
                "wrong backup key: the archive was made with the key whose fingerprint is \(header.key), this key's is \(fingerprint)"
            )
        }
        let key = BackupArchive.archiveKey(backupKey, salt: Array(salt), suite: suite)
        guard try take(32, "header") == suite.keyedMAC(key).mac(json) else {
            throw ZhengshuError(.invalidInput, "the archive's header was altered: its MAC does not match")
        }
        self.header = header
        self.suite = suite
        self.key = key
        self.offset = read
    }

    /// Reads the whole archive, handing each part to `handle` as it arrives. - Returns: the manifest, once every
    /// part has matched it. - Throws: a precise refusal at the first thing that does not check out.
    package mutating func read(_ handle: (Event) throws -> Void) throws -> BackupManifest {
        var parts: [BackupManifest.Part] = []
        while true {
            let length = try Int(BackupWriter.be16Value(try bytes(2, "an entry's name length")))
            let name = String(decoding: try bytes(length, "an entry's name"), as: UTF8.self)
            let size = try bytes(8, "an entry's size").reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if name == BackupArchive.manifestName {
                guard size <= 64 << 20 else {
                    throw ZhengshuError(.invalidInput, "the archive's manifest is damaged: it claims \(size) bytes")
                }
                let json = try bytes(Int(size), "the manifest")
                guard try atEnd() else {
                    throw ZhengshuError(.invalidInput, "the archive holds data after its manifest")
                }
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                guard let manifest = try? decoder.decode(BackupManifest.self, from: Data(json)) else {
                    throw ZhengshuError(.invalidInput, "the archive's manifest is not a backup manifest")
                }
                guard manifest.parts == parts else {
                    let first =
                        zip(manifest.parts, parts).first { $0 != $1 }.map { "\($0.0.name)" } ?? "the list of parts"
                    throw ZhengshuError(.invalidInput, "the archive does not match its manifest: \(first) differs")
                }
                return manifest
            }
            try handle(.begin(name: name, size: size))
            var left = size
            var digest = DigestAlgorithm.sha256.running()
            while left > 0 {
                let piece = try bytes(Int(min(left, UInt64(BackupArchive.chunkSize))), "part \(name)")
                digest.update(piece)
                try handle(.bytes(piece))
                left -= UInt64(piece.count)
            }
            let part = BackupManifest.Part(name: name, size: size, sha256: digest.finalize().hex)
            parts.append(part)
            try handle(.end(part))
        }
    }

    /// The next `n` bytes of the inner stream, opening chunks as needed.
    mutating func bytes(_ n: Int, _ what: String) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(n)
        while out.count < n {
            if position == plain.count {
                guard !ended else {
                    throw ZhengshuError(.invalidInput, "the archive is damaged: its content ends inside \(what)")
                }
                try openChunk()
                continue
            }
            let k = min(n - out.count, plain.count - position)
            out += plain[position..<(position + k)]
            position += k
        }
        return out
    }

    /// Whether the inner stream and the file end here (a final chunk may follow, empty, at a chunk boundary).
    mutating func atEnd() throws -> Bool {
        while position == plain.count, !ended { try openChunk() }
        guard position == plain.count else { return false }
        return try source(1).isEmpty
    }

    mutating func openChunk() throws {
        let start = offset
        let head = try source(4)
        offset += UInt64(head.count)
        if head.isEmpty {
            throw ZhengshuError(
                .invalidInput,
                "the archive is truncated: it ends after chunk \(index) (byte \(start)), before its final chunk")
        }
        guard head.count == 4 else {
            throw ZhengshuError(
                .invalidInput, "the archive is truncated: it ends inside chunk \(index)'s length, at byte \(offset)")
        }
        let length = head.reduce(0) { $0 << 8 | Int($1) }
        guard length >= 9, length <= BackupArchive.chunkSize + 1024 else {
            throw ZhengshuError(.invalidInput, "chunk \(index) at byte \(start) is damaged: it claims \(length) bytes")
        }
        let box = try source(length)
        offset += UInt64(box.count)
        guard box.count == length else {
            throw ZhengshuError(
                .invalidInput,
                "the archive is truncated: it ends inside chunk \(index), at byte \(offset) of its \(start + 4 + UInt64(length))"
            )
        }
        let opened: [UInt8]
        do { opened = try suite.open(box, key: key) } catch {
            throw ZhengshuError(
                .invalidInput, "chunk \(index) (bytes \(start)–\(offset - 1)) was altered: it fails authentication")
        }
        guard opened.count >= 9, opened.prefix(8).reduce(UInt64(0), { $0 << 8 | UInt64($1) }) == index else {
            throw ZhengshuError(
                .invalidInput, "chunk \(index) at byte \(start) is out of place: chunks were reordered or dropped")
        }
        ended = opened[8] == 1
        plain = Array(opened[9...])
        position = 0
        index += 1
    }
}

extension BackupWriter {
    static func be16Value(_ b: [UInt8]) -> Int { Int(b[0]) << 8 | Int(b[1]) }
}
