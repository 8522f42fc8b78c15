import Foundation
import Testing
import ZhengshuCore

/// The rule that keeps the server from hanging: no call that blocks its thread runs on Swift concurrency's cooperative
/// threads. Checked two ways: `BlockingPool.assertMayBlock` stops a debug build that breaks it at run time, and this
/// test reads every source file, so a new blocking call is caught even on a path no test drives.
///
/// A synchronous database access (GRDB's `read`, `write`, `unsafeRead`, `inDatabase`, `backup` …), a file read or
/// write, an fsync or a semaphore wait, written without `await`, must sit in a function that either starts with
/// `BlockingPool.assertMayBlock` (it runs on the pool, and says so), hands the work to `BlockingPool.shared.run`, or
/// runs inside one of GRDB's asynchronous accesses (which run on GRDB's own queues). Anything else carries a
/// `// blocking-ok: why` on its line or alone on the line above (where the formatter wraps a long call): read once at
/// start, a key file of one page.
@Suite struct BlockingRuleTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// Calls that block the calling thread.
    nonisolated(unsafe) static let blocking = try! Regex(
        #"\b\w*([Ww]riter|[Qq]ueue|[Rr]eader|[Pp]ool|copy|[Dd]atabase)\.(read|write|unsafeRead|unsafeReentrantRead|unsafeReentrantWrite|inDatabase|writeWithoutTransaction|barrierWriteWithoutTransaction|vacuum)\s*[({]|\.backup\(to:|\.read\(upToCount:|readDataToEndOfFile|readToEnd\(|\.write\(contentsOf:|Data\(contentsOf:|contentsOfFile:|DispatchSemaphore|\.wait\(\)|\.synchronize\(\)|usleep\(|Thread\.sleep"#
    )
    /// What makes such a call acceptable in the function around it.
    static let offPool = [
        "BlockingPool.assertMayBlock", "BlockingPool.shared.run", "await queue.read", "await queue.write",
        "await writer.read",
        "await writer.write", "await writer.unsafeRead", "await self.writer.",
    ]
    nonisolated(unsafe) static let function = try! Regex(
        #"^\s*(@\w+\s+)*((package|public|private|fileprivate|internal|static|final|override|mutating|nonisolated|@inline\(__always\))\s+)*(func\s|init[?(<]|(var|let)\s+\w+[^=]*\{\s*$)"#
    )

    /// Folders left out: the test fixtures, and the command-line tool's own commands, each of which runs alone in its
    /// process (`serve` only builds the application, whose code is checked).
    static let exempt = ["ZhengshuTestSupport/", "zhengshu/", "CZhengshuSQLite/", "COpenSSL/"]

    static func violations() throws -> [String] {
        var found: [String] = []
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }.filter {
            $0.hasSuffix(".swift")
        }
        for file in files.sorted() where !exempt.contains(where: file.hasPrefix) {
            let lines = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8).components(
                separatedBy: "\n")
            for (n, line) in lines.enumerated() {
                let code = line.components(separatedBy: "//").first ?? line
                let above = n > 0 ? lines[n - 1].trimmingCharacters(in: .whitespaces) : ""
                guard code.contains(blocking), !code.contains("await"), !line.contains("// blocking-ok:"),
                    !above.hasPrefix("// blocking-ok:")
                else {
                    continue
                }
                // The function around the call: from its declaration down to the call.
                guard let start = lines[...n].lastIndex(where: { $0.contains(function) }) else {
                    found.append("\(file):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
                    continue
                }
                let body = lines[start...n].joined(separator: "\n")
                if !offPool.contains(where: body.contains) {
                    found.append("\(file):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        return found
    }

    @Test func noBlockingCallOutsideTheBlockingPool() throws {
        let found = try Self.violations()
        #expect(
            found.isEmpty,
            "blocking calls a cooperative thread could run (move them to BlockingPool.shared.run):\n\(found.joined(separator: "\n"))"
        )
    }

    @Test func theRuleSeesTheCallThatOnceHungTheServer() throws {
        // The synchronous read the request path once made, in an async function: found.
        let hang = "    func quickRead<T>(_ body: (Database) throws -> T) throws -> T { try writer.unsafeRead(body) }"
        #expect(hang.contains(Self.blocking) && !Self.offPool.contains(where: hang.contains))
        #expect(
            "            guard let data = try handle.read(upToCount: chunkSize), !data.isEmpty else {".contains(
                Self.blocking))
        #expect(
            !"        try await writer.read { db in".contains(Self.blocking)
                || "        try await writer.read { db in".contains("await"))
    }

    @Test func theGuardLetsThePoolsThreadsBlock() async throws {
        // On a pool thread the guard passes; the pool runs many jobs at once and returns each one's value.
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for k in 0..<32 {
                group.addTask {
                    try await BlockingPool.shared.run {
                        BlockingPool.assertMayBlock("a test job")
                        #expect(BlockingPool.isPoolThread)
                        usleep(1000)  // blocking-ok: the pool's thread may sleep
                        return k
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values.sorted() == Array(0..<32))
        #expect(!BlockingPool.isPoolThread)
        let failure = await #expect(throws: ZhengshuError.self) {
            try await BlockingPool.shared.run { throw ZhengshuError(.conflict, "x") }
        }
        #expect(failure?.message == "x")
    }
}
