import Configuration
import Foundation
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuTestSupport

/// Export watermarks: 20 grants each export 10,000 rows; a 10% sample of one export, two columns dropped and rows
/// shuffled, is traced back to its grant every time, and nothing else is ever named.
@Suite(.enabled(if: ZhengshuBinary.path != nil, "build the zhengshu executable first (swift build)"))
struct WatermarkTests {
    struct Exported {
        var grant: GrantID
        var consumer: DepartmentCode
        var export: ExportID
        var format: ExportFormat
        var text: String
    }

    /// A data folder (SQLite file and key files, as the CLI finds them) with 20 finished exports.
    func exports(_ dir: String) async throws -> (AppServices, [Exported]) {
        let config = AppConfiguration(
            config: ConfigReader(
                provider: InMemoryProvider(values: [
                    "data.directory": .init(.string(dir), isSecret: false), "security.fastPasswordHashing": true,
                    "log.level": "warning",
                ])))
        let services = try await AppServices.open(config)
        let p = services.platform
        let c = TestPlatform.operatorCaller
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: c)
        var d = Fixtures.populationDraft(code: "RK-0002")
        d.shareType = .unconditional
        d.shareCondition = nil
        d.sensitivity = .l3
        _ = try await p.catalog.create(d, by: c)
        _ = try await p.catalog.publish("RK-0002", by: c)
        // Pseudonymised IDs (every row's its own value, nothing of the birth date in it): the inference guard leaves
        // the birth date beside them as it is, and the marks have many distinct values to ride on.
        _ = try await p.privacy.savePolicy(
            MaskingPolicy(name: "id-pseudonym", method: .pseudonymise, elements: ["citizen_id"]), by: c)
        _ = try await p.data.insert(Fixtures.populationRows(10_000, seed: 7), into: "RK-0002", by: c)
        var consumers: [Caller] = []
        for (k, (code, name)) in [
            ("C-SCJG", "杭州市市场监督管理局"), ("C-RS", "杭州市人力资源和社会保障局"),
            ("C-MZ", "杭州市民政局"), ("C-SW", "国家税务总局杭州市税务局"),
        ].enumerated() {
            _ = try await p.departments.create(DepartmentDraft(code: code, name: name, level: .city), by: c)
            let user = try await p.accounts.createUser(
                UserDraft(name: "user\(k)", roles: [.consumer], department: code, password: "Test-Password-1"), by: c)
            consumers.append(Caller(Principal(user: user), requestID: "t"))
        }
        var out: [Exported] = []
        for n in 0..<20 {
            let consumer = consumers[n % consumers.count]
            let applied = try await p.sharing.apply(
                ApplicationDraft(
                    resource: "RK-0002", items: ["citizen_id", "name", "sex", "birth_date", "mobile"],
                    services: [.export],
                    purpose: "年度统计核对 \(n)", legalBasis: "《政务数据共享条例》第十二条", expectedRowsPerDay: 10_000), by: consumer)
            let (_, grant) = try await p.sharing.decide(applied.id.rawValue, ApplicationDecision(approve: true), by: c)
            let g = try #require(grant)
            let format: ExportFormat = n % 4 == 3 ? .jsonl : .csv
            let prepared = try await p.data.startExport(
                "RK-0002", RecordQueryParameters(), format: format, grant: String(g.id.rawValue),
                requestHash: "t", node: "test", by: consumer)
            let buffer = ByteCollector()
            let job = await p.data.runExport(prepared) { buffer.append($0) }
            #expect(job.status == .succeeded && job.rows == 10_000, "\(job)")
            out.append(
                Exported(
                    grant: g.id, consumer: g.consumer, export: job.id, format: format,
                    text: String(decoding: buffer.bytes, as: UTF8.self)))
        }
        return (services, out)
    }

    /// A random 10% of the rows, two columns dropped, shuffled: done as text, the way a leaker's `cut | shuf` would.
    func leak(_ e: Exported, seed: UInt64) -> String {
        var rng = SeededGenerator(seed: seed)
        let lines = e.text.split(separator: e.format == .csv ? "\r\n" : "\n").map(String.init)
        let names = ["citizen_id", "name", "sex", "birth_date", "mobile"]
        let dropped = Set(names.shuffled(using: &rng).prefix(2))
        let body = e.format == .csv ? Array(lines.dropFirst()) : lines
        let sample = body.shuffled(using: &rng).prefix(body.count / 10)
        switch e.format {
        case .csv:
            let keep = names.indices.filter { !dropped.contains(names[$0]) }
            func cut(_ line: String) -> String {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                return keep.map { String(cells[$0]) }.joined(separator: ",")
            }
            return ([keep.map { names[$0] }.joined(separator: ",")] + sample.map(cut)).joined(separator: "\n") + "\n"
        case .jsonl:
            return sample.map { line in
                var l = line
                for name in dropped {
                    l = l.replacingOccurrences(
                        of: #""\#(name)": ?("[^"]*"|null),?"#, with: "", options: .regularExpression)
                }
                return l.replacingOccurrences(of: ",}", with: "}")
            }.joined(separator: "\n") + "\n"
        }
    }

    func evidence(_ text: String, _ format: ExportFormat) -> WatermarkEvidence {
        var reader = WatermarkReader(format: format == .csv ? .csv : .jsonl)
        reader.feed(Array(text.utf8))
        return reader.finish()
    }

    @Test func aTenPercentSampleIsTracedToItsGrantAndNothingElseIsNamed() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zs-wm-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (services, exported) = try await exports(dir)
        let auditor = TestPlatform.operatorCaller
        // The marks change no value: every export still matches its manifest, and quoting is the only difference.
        #expect(exported.allSatisfy { $0.text.contains("\"") || $0.format == .jsonl })

        for seed in UInt64(1)...60 {
            let source = exported[Int(seed) % exported.count]
            let text = leak(source, seed: seed)
            let report = try await services.platform.data.trace(
                evidence(text, source.format), file: "leak-\(seed)", by: auditor)
            let named = try #require(report.attributed, "seed \(seed): \(report)")
            #expect(
                named.grant == source.grant && named.export == source.export && named.consumer == source.consumer,
                "seed \(seed)")
            #expect(
                named.agreeing == named.observations && named.observations > 1000 && named.log10FalseAttribution < -100,
                "\(named)")
            #expect(report.exportsCompared == 20 && report.rows == 1000)
        }
        // Re-saved by a program that writes every cell its own way: no evidence, nobody named.
        let resaved = leak(exported[0], seed: 99).replacingOccurrences(of: "\"", with: "")
        let blank = try await services.platform.data.trace(evidence(resaved, .csv), file: "resaved", by: auditor)
        #expect(blank.attributed == nil)
        // The same rows never exported (spelt by another program, quoting at random): nobody named.
        var rng = SeededGenerator(seed: 5)
        let foreign = exported[1].text.replacingOccurrences(of: "\"", with: "").split(separator: "\r\n").map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map {
                Bool.random(using: &rng) ? "\"\($0)\"" : String($0)
            }.joined(separator: ",")
        }.joined(separator: "\n")
        let stranger = try await services.platform.data.trace(evidence(foreign, .csv), file: "foreign", by: auditor)
        #expect(
            stranger.attributed == nil && (stranger.best?.log10FalseAttribution ?? 0) > -3,
            "\(String(describing: stranger.best))")
        #expect(
            try await services.store.auditEntries(after: 0, limit: 10_000, action: "export.trace", target: nil).count
                == 62)

        // The command line, as an auditor at the bureau would run it.
        let leakedCSV = dir + "/leaked.csv", leakedJSONL = dir + "/leaked.jsonl"
        let csvSource = exported[2], jsonlSource = exported[3]
        try leak(csvSource, seed: 1234).write(toFile: leakedCSV, atomically: true, encoding: .utf8)
        try leak(jsonlSource, seed: 4321).write(toFile: leakedJSONL, atomically: true, encoding: .utf8)
        let cli = CLITests()
        let run = try cli.zhengshu(["trace", leakedCSV, "--data", dir])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(
            run.stdout.contains(
                "came from export \(csvSource.export): grant \(csvSource.grant) of department \(csvSource.consumer)"),
            "\(run.stdout)")
        #expect(run.stdout.contains("false-attribution probability < 1e-"))
        let json = try cli.zhengshu(["trace", leakedJSONL, "--json", "--data", dir])
        let body = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(
            (body?["attributed"] as? [String: Any])?["grant"] as? Int == Int(jsonlSource.grant.rawValue),
            "\(json.stdout)\(json.stderr)")
        try resaved.write(toFile: leakedCSV, atomically: true, encoding: .utf8)
        let none = try cli.zhengshu(["trace", leakedCSV, "--data", dir])
        #expect(none.status == 3 && none.stdout.contains("no export matches"), "\(none.stdout)")
    }
}

/// Collects an export's chunks (the sink is called from one task at a time).
final class ByteCollector: @unchecked Sendable {
    private(set) var bytes: [UInt8] = []
    func append(_ chunk: [UInt8]) { bytes += chunk }
}

/// SplitMix64: reproducible samples per seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
