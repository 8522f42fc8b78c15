import Foundation
import Testing
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
        return Run(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A data folder with the demo's departments and a published datagen-shaped resource.
    func dataFolder() async throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zs-cli-\(UUID().uuidString)").path
        let run = try zhengshu(["user", "add", "li.hua", "--role", "admin", "--password-stdin", "--data", dir], stdin: "Str0ng-Passw0rd\n")
        #expect(run.status == 0, "\(run.stderr)")
        let services = try AppServicesForTests.open(dir)
        let c = TestPlatform.operatorCaller
        _ = try await services.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: c)
        _ = try await services.catalog.create(Fixtures.datagenPopulationDraft(), by: c)
        _ = try await services.catalog.publish("POP-1", by: c)
        return dir
    }

    @Test func usersAndTokensFromTheCommandLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zs-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try zhengshu(["user", "add", "wang", "--role", "auditor", "--password-stdin", "--data", dir], stdin: "Str0ng-Passw0rd\n").status == 0)
        let weak = try zhengshu(["user", "add", "zhao", "--role", "auditor", "--password-stdin", "--data", dir], stdin: "short\n")
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
        try IngestionCSV.make(0..<20) { k, f in if k == 7 { f[0] = "bad" } }.write(to: file, atomically: true, encoding: .utf8)
        run = try zhengshu(["import", "POP-1", file.path, "--mode", "replace", "--data", dir])
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
