import Foundation
import Testing
import ZhengshuCore

/// A real server process, killed with SIGKILL in the middle of a `replace` import: afterwards the resource holds
/// exactly its old rows and the job is failed with a reason.
@Suite(.serialized, .enabled(if: ZhengshuBinary.path != nil, "build the zhengshu executable first (swift build)"))
struct CrashRecoveryTests {
    final class Server {
        let process = Process()
        /// The server's output goes to a file: a pipe nobody drains would fill up and stall the server's logging.
        let log: URL
        let port: Int

        init(data: String, port: Int, demo: Bool, extra: [String] = [], environment: [String: String] = [:]) throws {
            self.port = port
            log = URL(fileURLWithPath: data + ".\(port).\(UUID().uuidString).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: ZhengshuBinary.path!)
            process.arguments = ["serve", "--data", data, "--port", String(port)] + (demo ? ["--demo"] : []) + extra
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        /// The demo admin's token, read from the server's first lines.
        func adminToken() throws -> String {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("  admin ") }) {
                    return String(line.split(separator: " ").last!)
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            throw CocoaError(.fileReadUnknown)
        }

        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: log)
        }

        /// Asks the server to stop (SIGTERM) and waits for it.
        func stop() {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: log)
        }
    }

    /// Runs curl on a dispatch thread: a blocking wait must not hold one of the few cooperative threads the other
    /// test suites share, or the polling below would starve while the upload runs.
    static func request(
        _ method: String, _ url: String, token: String, body: URL? = nil, json: String? = nil,
        headers: [String] = []
    ) async throws -> (Int, Data) {
        var args = [
            "curl", "-s", "-X", method, "-H", "Authorization: Bearer \(token)", "-o", "-", "-w", "\n%{http_code}",
        ]
        if let body {
            args += ["-H", "Content-Type: text/csv", "--data-binary", "@\(body.path)", "--limit-rate", "300k"]
        }
        if let json { args += ["-H", "Content-Type: application/json", "--data-binary", json] }
        for h in headers { args += ["-H", h] }
        args.append(url)
        let arguments = args
        let text: String = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                    process.arguments = arguments
                    let pipe = Pipe()
                    process.standardOutput = pipe
                    try process.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: String(decoding: data, as: UTF8.self))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        let status = Int(text.split(separator: "\n").last ?? "") ?? 0
        return (status, Data(text.utf8.dropLast(String(status).count + 1)))
    }

    static func waitUntilHealthy(_ port: Int) async throws {
        for _ in 0..<300 {
            if let (status, _) = try? await request("GET", "http://127.0.0.1:\(port)/healthz", token: "x"),
                status == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CocoaError(.fileReadUnknown)
    }

    static func citizenIDs(port: Int, token: String) async throws -> [String] {
        var ids: [String] = []
        var cursor = ""
        repeat {
            let (_, data) = try await request(
                "GET",
                "http://127.0.0.1:\(port)/api/v1/resources/RK-330100-0001/records?fields=citizen_id&limit=1000\(cursor)",
                token: token)
            let page = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            ids += (page["records"] as! [[String: Any]]).map { $0["citizen_id"] as! String }
            cursor = (page["nextCursor"] as? String).map { "&cursor=\($0)" } ?? ""
        } while !cursor.isEmpty
        return ids
    }

    /// Valid, distinct citizen IDs: one per (day, sequence) from 1950 on.
    static func bigFile(rows: Int) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zs-kill-\(UUID().uuidString).csv")
        var text = "citizen_id,name,sex,birth_date\n"
        text.reserveCapacity(rows * 48)
        for i in 0..<rows {
            let day = Int64(i / 999), seq = i % 999 + 1
            let days = RecordValueDays.days1950 + day
            let date = RecordValueDays.civil(days)
            let body = "330106" + date.description.replacingOccurrences(of: "-", with: "") + String(format: "%03d", seq)
            let id = body + String(CitizenID.checkCharacter(forBody: body.map { Int(String($0))! }))
            text += "\(id),测试\(i),\(seq % 2 == 1 ? 1 : 2),\(date)\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func sigkillDuringAReplaceLeavesExactlyTheOldRows() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("zs-kill-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let port = 18_500 + Int.random(in: 0..<400)
        let server = try Server(data: data, port: port, demo: true)
        let token = try server.adminToken()
        try await Self.waitUntilHealthy(port)
        let before = try await Self.citizenIDs(port: port, token: token)
        #expect(before.count == 200)

        // Given a slow upload of 200 000 rows replacing the data
        let file = try Self.bigFile(rows: 200_000)
        defer { try? FileManager.default.removeItem(at: file) }
        let upload = Task {
            try await Self.request(
                "POST", "http://127.0.0.1:\(port)/api/v1/resources/RK-330100-0001/ingest?mode=replace", token: token,
                body: file)
        }
        // When the server is killed once the job has staged rows
        var staged = false
        let deadline = Date().addingTimeInterval(90)
        while !staged && Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            let (_, jobs) = try await Self.request("GET", "http://127.0.0.1:\(port)/api/v1/jobs", token: token)
            let items =
                (try JSONSerialization.jsonObject(with: jobs) as? [String: Any])?["items"] as? [[String: Any]] ?? []
            staged = items.contains { $0["status"] as? String == "running" && ($0["rowsAccepted"] as? Int ?? 0) > 0 }
        }
        #expect(staged)
        server.kill()
        _ = try? await upload.value

        // Then, after a restart, the job is failed and the resource holds exactly the old rows
        let restarted = try Server(data: data, port: port, demo: false)
        defer { restarted.kill() }
        try await Self.waitUntilHealthy(port)
        let after = try await Self.citizenIDs(port: port, token: token)
        #expect(
            after.count == before.count, "the resource holds \(after.count) rows after the crash, not \(before.count)")
        #expect(Set(after) == Set(before), "the rows after the crash are not the old rows")
        let (_, jobs) = try await Self.request("GET", "http://127.0.0.1:\(port)/api/v1/jobs", token: token)
        let job = try #require(
            ((try JSONSerialization.jsonObject(with: jobs) as? [String: Any])?["items"] as? [[String: Any]])?.first)
        #expect(job["status"] as? String == "failed")
        #expect((job["error"] as? String)?.contains("interrupted") == true)
    }
}

/// The `zhengshu` executable built beside the tests.
enum ZhengshuBinary {
    static var path: String? {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        let path = dir.appendingPathComponent(".build/debug/zhengshu").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}

/// Calendar arithmetic for the generated file.
enum RecordValueDays {
    static let days1950: Int64 = -7305  // 1950-01-01 in days since 1970-01-01
    static func civil(_ days: Int64) -> CivilDate {
        let seconds = Double(days) * 86_400
        let text = RecordValue.formatDatetime(Date(timeIntervalSince1970: seconds))
        return CivilDate(iso: String(text.prefix(10)))!
    }
}
