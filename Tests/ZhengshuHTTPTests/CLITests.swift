import Crypto
import Foundation
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// The `zhengshu` executable itself: exit codes, messages and what stdout carries.
@Suite(.enabled(if: ZhengshuBinary.path != nil, "build the zhengshu executable first (swift build)"))
struct CLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func zhengshu(_ arguments: [String], stdin: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ZhengshuBinary.path!)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    /// A data folder with the demo's departments and a published datagen-shaped resource.
    func dataFolder() async throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zs-cli-\(UUID().uuidString)").path
        let run = try zhengshu(
            ["user", "add", "li.hua", "--role", "admin", "--password-stdin", "--data", dir], stdin: "Str0ng-Passw0rd\n")
        #expect(run.status == 0, "\(run.stderr)")
        let services = try AppServicesForTests.open(dir)
        let c = TestPlatform.operatorCaller
        _ = try await services.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: c)
        _ = try await services.catalog.create(Fixtures.datagenPopulationDraft(), by: c)
        _ = try await services.catalog.publish("POP-1", by: c)
        return dir
    }

    /// `zhengshu check`: one answer a line, legacy codes accepted and said so, exit 1 for an invalid value or a bad
    /// call, with the reason.
    @Test func checkAnswersEachValueAndRefusesBadCalls() throws {
        let ids = try zhengshu(["check", "citizen_id", "110101199003074514", "11010119900307451X"])
        #expect(ids.status == 1)
        #expect(
            ids.stdout.split(separator: "\n") == [
                "110101199003074514\tvalid",
                "11010119900307451X\tinvalid\tcitizen ID check character is wrong (GB 11643 expects 4)",
            ])
        let divisions = try zhengshu(["check", "division_code"], stdin: "330106\n 110103 \n")
        #expect(divisions.status == 0, "\(divisions.stderr)")
        #expect(
            divisions.stdout.split(separator: "\n") == [
                "330106\tvalid",
                "110103\tlegacy\t110103 (崇文区) is a GB/T 2260 code retired after 2010; accepted as legacy",
            ])
        let unknown = try zhengshu(["check", "nonsense", "1"])
        #expect(unknown.status == 1 && unknown.stdout.isEmpty)
        #expect(unknown.stderr.hasPrefix("error: 'nonsense' is no data element; one of citizen_id, credit_code"))
        let missing = try zhengshu(["check", "division_code", "330106", "--divisions", "/nonexistent/gb2260.csv"])
        #expect(missing.status == 1 && missing.stdout.isEmpty)
        #expect(missing.stderr.contains("cannot read /nonexistent/gb2260.csv"), "\(missing.stderr)")
    }

    @Test func usersAndTokensFromTheCommandLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zs-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(
            try zhengshu(
                ["user", "add", "wang", "--role", "auditor", "--password-stdin", "--data", dir],
                stdin: "Str0ng-Passw0rd\n"
            ).status == 0)
        let weak = try zhengshu(
            ["user", "add", "zhao", "--role", "auditor", "--password-stdin", "--data", dir], stdin: "short\n")
        #expect(weak.status != 0 && weak.stderr.contains("password"))
        let badRole = try zhengshu(["user", "add", "qian", "--role", "king", "--data", dir])
        #expect(badRole.status != 0 && badRole.stderr.contains("admin, provider, consumer, auditor"))
        let noDepartment = try zhengshu(["user", "add", "sun", "--role", "provider", "--data", dir])
        #expect(noDepartment.status != 0 && noDepartment.stderr.contains("department"))
        let token = try zhengshu(["token", "issue", "wang", "--data", dir])
        #expect(token.status == 0)
        #expect(token.stdout.hasPrefix("zs_") && token.stdout.count == 68)  // the token alone, and a newline
        #expect(try zhengshu(["token", "issue", "nobody", "--data", dir]).status != 0)
        #expect(try zhengshu(["token", "revoke", "1", "--data", dir]).stdout.contains("revoked"))
        #expect(try zhengshu(["token", "revoke", "99", "--data", dir]).status != 0)
        let verify = try zhengshu(["audit", "verify", "--data", dir])
        #expect(verify.status == 0 && verify.stdout.contains("intact"))
    }

    @Test func importReportsRowsRejectsAndFailuresThroughItsExitCode() async throws {
        let dir = try await dataFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zs-cli-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try IngestionCSV.make(0..<20).write(to: file, atomically: true, encoding: .utf8)
        var run = try zhengshu(["import", "POP-1", file.path, "--mode", "replace", "--data", dir])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("20 rows read, 20 accepted, 0 rejected"))
        try IngestionCSV.make(0..<20) { k, f in if k == 7 { f[0] = "bad" } }.write(
            to: file, atomically: true, encoding: .utf8)
        // A replace that rejects a row keeps the stored rows, unless the load allows a share.
        run = try zhengshu(["import", "POP-1", file.path, "--mode", "replace", "--data", dir])
        #expect(run.status == 1 && run.stdout.contains("the stored rows stay"), "\(run.stdout)\(run.stderr)")
        run = try zhengshu(
            ["import", "POP-1", file.path, "--mode", "replace", "--max-rejected-ratio", "0.05", "--data", dir])
        #expect(run.status == 3 && run.stdout.contains("1 rejected"))
        run = try zhengshu(["import", "POP-1", file.path, "--max-errors", "0", "--mode", "replace", "--data", dir])
        #expect(run.status == 1 && run.stdout.contains("max-errors 0"))
        run = try zhengshu(["import", "POP-1", "/nonexistent.csv", "--data", dir])
        #expect(run.status == 1 && run.stderr.contains("cannot read /nonexistent.csv"))
        run = try zhengshu(["import", "POP-1", file.path, "--mode", "merge", "--data", dir])
        #expect(run.status == 1 && run.stderr.contains("append, upsert, replace"))
        run = try zhengshu(["import", "NOPE", file.path, "--data", dir])
        #expect(run.status == 1 && run.stderr.contains("resource NOPE does not exist"))
    }

    @Test func topicMaterialiseRunsTheQueryAndReportsTheJob() async throws {
        let dir = try await dataFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zs-cli-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try IngestionCSV.make(0..<20).write(to: file, atomically: true, encoding: .utf8)
        #expect(try zhengshu(["import", "POP-1", file.path, "--mode", "replace", "--data", dir]).status == 0)
        var resource = ResourceDraft()
        resource.code = "TOPIC-XB"
        resource.name = "人口性别统计"
        resource.department = "C-GA"
        resource.category = "人口"
        resource.shareType = .unconditional
        let query = TopicQuery(
            from: "POP-1",
            columns: [
                .init(name: "xb", from: "POP-1.xb"), .init(name: "rs", label: "人数", from: nil, aggregate: .count),
            ])
        _ = try await AppServicesForTests.open(dir).topics.define(
            TopicDraft(resource: resource, query: query), by: TestPlatform.operatorCaller)
        let run = try zhengshu(["topic", "materialise", "TOPIC-XB", "--data", dir])
        let sexes = Set(
            String(decoding: try Data(contentsOf: file), as: UTF8.self).split(separator: "\n").dropFirst().map {
                $0.split(separator: ",", omittingEmptySubsequences: false)[2]
            })
        #expect(
            run.status == 0 && run.stdout.contains("succeeded: \(sexes.count) rows materialised into TOPIC-XB"),
            "\(run.stdout)\(run.stderr)")
        let unknown = try zhengshu(["topic", "materialise", "NOPE", "--data", dir])
        #expect(unknown.status == 1 && unknown.stderr.contains("topic NOPE does not exist"))
    }

    /// Plays an attacker with write access to the SQLite file: each kind of tampering is found and named.
    @Test func auditVerifyFindsEveryKindOfTampering() async throws {
        let pristine = try await dataFolder()
        defer { try? FileManager.default.removeItem(atPath: pristine) }
        // Some traffic, then checkpoints every 4 entries signed with the installation's key (as the server does).
        do {
            let p = try AppServicesForTests.open(pristine)
            for k in 0..<6 {
                _ = try await p.departments.create(
                    DepartmentDraft(code: "D-\(k)", name: "部门\(k)", level: .county, parent: .some("C-GA")),
                    by: TestPlatform.operatorCaller)
            }
            let key = Ed25519Signer(try #require(try AuditSigningKey.load(pristine + "/audit-signing.key")))
            #expect(try await p.audit.checkpoint(with: key, every: 4) > 0)
        }
        let intact = try zhengshu(["audit", "verify", "--data", pristine])
        let total = try SQLiteFile.rows(pristine + "/zhengshu.sqlite", "SELECT COUNT(*) AS n FROM auditEntry")[0]["n"]!
        let checkpoints = try SQLiteFile.rows(
            pristine + "/zhengshu.sqlite", "SELECT COUNT(*) AS n FROM auditCheckpoint")[0]["n"]!
        #expect(
            intact.status == 0
                && intact.stdout.contains("intact: \(total) entries (SHA-256), \(checkpoints) signed checkpoints"),
            "\(intact.stdout)")
        let last = Int(total)!

        func tampered(_ sql: String...) throws -> String {
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("zs-tamper-\(UUID().uuidString)")
                .path
            try FileManager.default.copyItem(atPath: pristine, toPath: copy)
            defer { try? FileManager.default.removeItem(atPath: copy) }
            for statement in sql { try SQLiteFile.execute(copy + "/zhengshu.sqlite", statement) }
            let run = try zhengshu(["audit", "verify", "--data", copy])
            #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
            return run.stdout
        }
        #expect(
            try tampered("UPDATE auditEntry SET detail = 'nothing happened' WHERE sequence = 3").contains(
                "BROKEN at entry 3: entry 3 does not match its hash: edited"))
        #expect(
            try tampered("UPDATE auditEntry SET actor = 'someone-else' WHERE sequence = 5").contains(
                "BROKEN at entry 5"))
        #expect(
            try tampered("DELETE FROM auditEntry WHERE sequence = 4").contains(
                "BROKEN at entry 4: entry 4 is missing (the next one is 5): deleted"))
        // Swapping two entries' contents (each keeps its own hash, so each matches itself; the chain does not).
        let swapped = try tampered(
            "UPDATE auditEntry SET sequence = -6 WHERE sequence = 6",
            "UPDATE auditEntry SET sequence = 6 WHERE sequence = 7",
            "UPDATE auditEntry SET sequence = 7 WHERE sequence = -6")
        #expect(swapped.contains("BROKEN at entry 6"), "\(swapped)")
        // Inserted: every later entry moved up one, a forged one in the gap.
        let inserted = try tampered(
            "UPDATE auditEntry SET sequence = -sequence - 1 WHERE sequence >= 5",
            "UPDATE auditEntry SET sequence = -sequence WHERE sequence < 0",
            "INSERT INTO auditEntry (sequence, actor, action, target, at, requestId, previousHash, hash) SELECT 5, 'intruder', 'records.query', 'resource:X', at, 'x', hash, hash FROM auditEntry WHERE sequence = 4"
        )
        #expect(inserted.contains("BROKEN at entry 5"), "\(inserted)")
        // The tail cut off after a checkpoint: the checkpoint names an entry that is gone.
        #expect(try tampered("DELETE FROM auditEntry WHERE sequence > 4").contains("entries were deleted from its end"))
        // The chain rewritten from entry 2 with every hash recomputed: only the signed checkpoints can tell.
        var rewrite: [String] = []
        let rows = try SQLiteFile.rows(pristine + "/zhengshu.sqlite", "SELECT * FROM auditEntry ORDER BY sequence")
        var previous = rows[0]["hash"]!
        for row in rows.dropFirst() {
            let sequence = Int64(row["sequence"]!)!
            let event = AuditEvent(
                actor: sequence == 2 ? "forger" : row["actor"]!,
                actorDepartment: row["actorDepartment"]!.isEmpty ? nil : row["actorDepartment"],
                action: row["action"]!, target: row["target"]!, at: Date(millis: Int64(row["at"]!)!),
                requestID: row["requestId"]!,
                detail: row["detail"]!.isEmpty ? nil : row["detail"])
            let hash = AuditChain.hash(sequence: sequence, event: event, previousHash: previous)
            rewrite.append(
                "UPDATE auditEntry SET actor = '\(event.actor)', previousHash = '\(previous)', hash = '\(hash)' WHERE sequence = \(sequence)"
            )
            previous = hash
        }
        #expect(
            try tampered(rewrite.joined(separator: ";\n")).contains(
                "differs from its signed checkpoint: the chain was rewritten"))
        // A checkpoint re-signed with another key is not the installation's.
        let forged = try AuditCheckpoint(
            signing: AuditEntry(
                sequence: 4,
                event: AuditEvent(actor: "", actorDepartment: nil, action: "", target: "", at: Date(), requestID: ""),
                previousHash: "", hash: rows[3]["hash"]!), with: Ed25519Signer(.init()), at: Date())
        #expect(
            try tampered(
                "UPDATE auditCheckpoint SET signature = '\(forged.signature)', publicKey = '\(forged.publicKey)' WHERE sequence = 4"
            )
            .contains("checkpoint 4 is not signed by this installation's key"))
        #expect(last > 8)
    }

    @Test(.enabled(if: Datagen.script != nil, "datagen.py not found"))
    func scanReportsPersonalDataInAGBKFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zs-scan-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try Datagen.run(["social", "--rows", "300", "--seed", "5", "--encoding", "gbk"]).write(to: file)
        let run = try zhengshu(["scan", file.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let columns = report["columns"] as? [[String: Any]] ?? []
        #expect(report["rows"] as? Int == 300)
        #expect(
            Dictionary(
                uniqueKeysWithValues: columns.compactMap { c in
                    (c["detected"] as? String).map { (c["column"] as! String, $0) }
                })
                == ["gmsfhm": "citizen_id", "xm": "person_name", "dwxydm": "credit_code", "yhkh": "bank_card"])
        // The examples are masked: the first citizen ID of the file (ASCII in GBK too) is nowhere in the report.
        let firstID = String(decoding: try Data(contentsOf: file), as: UTF8.self).split(separator: "\n")[1].split(
            separator: ",")[0]
        #expect(firstID.count == 18 && !run.stdout.contains(firstID))
        let missing = try zhengshu(["scan", "/nonexistent.csv"])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read /nonexistent.csv"))
    }

    @Test func scanOfAResourceProposesGrades() async throws {
        let dir = try await dataFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zs-cli-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try IngestionCSV.make(0..<40).write(to: file, atomically: true, encoding: .utf8)
        #expect(try zhengshu(["import", "POP-1", file.path, "--data", dir]).status == 0)
        let run = try zhengshu(["scan", "--resource", "POP-1", "--data", dir])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stdout.contains("POP-1: 40 rows") && run.stdout.contains("gmsfhm       citizen_id"), "\(run.stdout)")
        #expect(
            run.stdout.contains("grade proposal 1 for review: gmsfhm - → L4")
                && run.stdout.contains("resource L2 → L4"), "\(run.stdout)")
        let json = try zhengshu(["scan", "--resource", "POP-1", "--json", "--data", dir])
        let body = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(
            body?["rows"] as? Int == 40 && (body?["proposal"] as? [String: Any])?["status"] as? String == "pending",
            "\(json.stdout)")
        let neither = try zhengshu(["scan", "--data", dir])
        #expect(neither.status != 0 && neither.stderr.contains("give a FILE or --resource CODE"))
        #expect(
            try zhengshu(["scan", "--resource", "NOPE", "--data", dir]).stderr.contains("resource NOPE does not exist"))
    }

    @Test func qualityRunNamesAnUnknownResourceAndScoresAKnownOne() async throws {
        let dir = try await dataFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let unknown = try zhengshu(["quality", "run", "NOPE", "--data", dir])
        #expect(unknown.status != 0 && unknown.stderr.contains("resource NOPE does not exist"), "\(unknown.stderr)")
        let known = try zhengshu(["quality", "run", "POP-1", "--data", dir])
        #expect(known.status == 0, "\(known.stderr)")
        #expect(known.stdout.contains("POP-1"), "\(known.stdout)")
    }
}

/// Opens a data folder's platform in-process, as the CLI does.
enum AppServicesForTests {
    static func open(_ dir: String) throws -> Platform {
        let store = try ZhengshuGRDBOpen.store(path: dir + "/zhengshu.sqlite")
        return Platform(store: store, hasher: .fastForTesting)
    }
}
