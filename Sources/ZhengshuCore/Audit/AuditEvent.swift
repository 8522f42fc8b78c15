import Crypto
import Foundation

/// What happened, as a use case describes it; the store appends it, in the same transaction as the change.
package struct AuditEvent: Sendable, Hashable, Codable {
    /// Who acted (login name, or `local-operator` for the CLI).
    package var actor: String
    package var actorDepartment: String?
    /// A dotted verb such as `department.create`, `token.issue`, `records.insert`.
    package var action: String
    /// What was acted on: `department:GA`, `resource:RK-0001`, `user:12`.
    package var target: String
    package var at: Date
    /// The HTTP request id (or `cli`) that ties the entry to the server log.
    package var requestID: String
    /// A short factual note (changed fields, row count); never row values or secrets.
    package var detail: String?

    package init(
        actor: String, actorDepartment: String?, action: String, target: String, at: Date, requestID: String,
        detail: String? = nil
    ) {
        self.actor = Self.storable(actor)
        self.actorDepartment = actorDepartment.map(Self.storable)
        self.action = Self.storable(action)
        self.target = Self.storable(target)
        self.at = at
        self.requestID = Self.storable(requestID)
        self.detail = detail.map(Self.storable)
    }

    /// Text as both engines store it: NUL (which a caller's input can carry into a message, SQLite text does not
    /// round-trip and PostgreSQL refuses) becomes U+FFFD, so the entry hashed is the entry stored.
    static func storable(_ s: String) -> String {
        s.utf8.contains(0) ? s.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : s
    }
}

/// An audit event as stored: its place in the one, totally ordered trail and the hash that chains it to the previous.
package struct AuditEntry: Sendable, Hashable, Codable {
    package init(sequence: Int64, event: AuditEvent, previousHash: String, hash: String) {
        self.sequence = sequence
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
    }

    package var sequence: Int64
    package var event: AuditEvent
    package var previousHash: String
    package var hash: String
}

/// The hash chain over the audit trail: each entry's hash covers its fields and the previous entry's hash,
/// so removing, reordering or editing an entry breaks every hash after it.
///
/// A chain is made with one algorithm, chosen when the installation's first entry is written: SHA-256 (hashes are
/// 64 hex digits) or, under the `gm` profile, SM3 (`sm3:` and 64 hex digits). Each entry is hashed with the algorithm
/// its predecessor's hash names, so the chain cannot switch algorithm part-way.
package enum AuditChain {
    package static let genesis = String(repeating: "0", count: 64)
    /// The installation setting naming the algorithm of a chain's first entry (`sha256` when unset).
    package static let algorithmSetting = "audit.hash"

    /// The `previousHash` of the first entry of a chain made with `algorithm`.
    package static func genesis(_ algorithm: DigestAlgorithm) -> String {
        algorithm == .sha256 ? genesis : "\(algorithm.rawValue):" + genesis
    }

    /// The algorithm a stored hash was made with.
    package static func algorithm(of hash: String) -> DigestAlgorithm {
        hash.hasPrefix("sm3:") ? .sm3 : .sha256
    }

    /// The entry's hash, with the algorithm `previousHash` names.
    package static func hash(sequence: Int64, event e: AuditEvent, previousHash: String) -> String {
        let millis = Int64((e.at.timeIntervalSince1970 * 1000).rounded())
        let fields = [
            String(sequence), previousHash, e.actor, e.actorDepartment ?? "", e.action, e.target,
            String(millis), e.requestID, e.detail ?? "",
        ]
        // Length-prefixed fields, so no separator inside a value can forge a different entry.
        var bytes: [UInt8] = []
        for f in fields {
            let u = Array(f.utf8)
            bytes += Array(String(u.count).utf8) + [0x3A] + u
        }
        let algorithm = algorithm(of: previousHash)
        let hex = algorithm.digest(bytes).hex
        return algorithm == .sha256 ? hex : "\(algorithm.rawValue):" + hex
    }

    /// The entry that follows `previous`; the first entry of a chain is made with `algorithm`.
    package static func entry(
        after previous: (sequence: Int64, hash: String)?, event: AuditEvent,
        algorithm: DigestAlgorithm = .sha256
    ) -> AuditEntry {
        let sequence = (previous?.sequence ?? 0) + 1
        let prev = previous?.hash ?? genesis(algorithm)
        return AuditEntry(
            sequence: sequence, event: event, previousHash: prev,
            hash: hash(sequence: sequence, event: event, previousHash: prev))
    }

    /// The first entry (in order) that does not follow from its predecessor, and why; `nil` when the chain holds.
    package static func firstBreak(
        in entries: [AuditEntry], after previous: (sequence: Int64, hash: String)?
    ) -> AuditBreak? {
        var prev = previous
        for e in entries {
            let expectedSeq = (prev?.sequence ?? 0) + 1
            let expectedPrev = prev?.hash ?? genesis(algorithm(of: e.previousHash))
            if e.sequence != expectedSeq {
                return AuditBreak(
                    sequence: expectedSeq,
                    reason: e.sequence > expectedSeq
                        ? "entry \(expectedSeq) is missing (the next one is \(e.sequence)): deleted"
                        : "entry \(e.sequence) appears again after \(expectedSeq - 1): inserted or reordered")
            }
            if !algorithm(of: e.previousHash).isAvailable {
                return AuditBreak(
                    sequence: e.sequence,
                    reason:
                        "entry \(e.sequence) is hashed with \(algorithm(of: e.previousHash).displayName), which this process cannot compute"
                )
            }
            if e.hash != hash(sequence: e.sequence, event: e.event, previousHash: e.previousHash) {
                return AuditBreak(sequence: e.sequence, reason: "entry \(e.sequence) does not match its hash: edited")
            }
            if e.previousHash != expectedPrev {
                return AuditBreak(
                    sequence: e.sequence,
                    reason:
                        "entry \(e.sequence) does not follow entry \(expectedSeq - 1): inserted, replaced or reordered")
            }
            prev = (e.sequence, e.hash)
        }
        return nil
    }
}

/// Where and why the audit trail stops being provable.
package struct AuditBreak: Sendable, Hashable, Codable {
    package var sequence: Int64
    package var reason: String
    package init(sequence: Int64, reason: String) {
        self.sequence = sequence
        self.reason = reason
    }
}

/// Which audit entries to read: the auditor's search.
package struct AuditFilter: Sendable, Hashable {
    package var after: Int64
    package var limit: Int
    package var action: String?
    package var target: String?
    package var actor: String?
    package var department: String?
    package var from: Date?
    /// Exclusive.
    package var to: Date?

    package init(
        after: Int64 = 0, limit: Int = 100, action: String? = nil, target: String? = nil, actor: String? = nil,
        department: String? = nil, from: Date? = nil, to: Date? = nil
    ) {
        self.after = after
        self.limit = limit
        self.action = action
        self.target = target
        self.actor = actor
        self.department = department
        self.from = from
        self.to = to
    }
}

/// A signed statement of the installation that entry `sequence` had `hash`: whoever rewrites the chain (even
/// recomputing every hash) cannot make the checkpoints agree without the installation's private key.
package struct AuditCheckpoint: Sendable, Hashable, Codable {
    package var sequence: Int64
    package var hash: String
    /// Signature of ``message``, base64.
    package var signature: String
    /// The signing key's public half (base64 of the raw Ed25519 key, or an SM2 key in PEM).
    package var publicKey: String
    package var at: Date
    /// `sm2` under the `gm` profile; `nil` is Ed25519.
    package var algorithm: String?

    package init(
        sequence: Int64, hash: String, signature: String, publicKey: String, at: Date, algorithm: String? = nil
    ) {
        self.sequence = sequence
        self.hash = hash
        self.signature = signature
        self.publicKey = publicKey
        self.at = at
        self.algorithm = algorithm
    }

    package static func message(sequence: Int64, hash: String) -> [UInt8] {
        Array("zhengshu-audit-checkpoint\n\(sequence)\n\(hash)".utf8)
    }

    package init(signing entry: AuditEntry, with key: any InstallationSigner, at: Date) throws {
        let signature = try key.sign(Self.message(sequence: entry.sequence, hash: entry.hash))
        self.init(
            sequence: entry.sequence, hash: entry.hash, signature: Data(signature).base64EncodedString(),
            publicKey: key.publicKey, at: at, algorithm: key.algorithm == "ed25519" ? nil : key.algorithm)
    }

    /// Whether it was signed by `key` (the installation's key) and the signature holds.
    package func isValid(under key: any InstallationSigner) -> Bool {
        guard publicKey == key.publicKey, (algorithm ?? "ed25519") == key.algorithm,
            let signature = Data(base64Encoded: signature)
        else { return false }
        return key.isValid(Array(signature), for: Self.message(sequence: sequence, hash: hash))
    }
}
