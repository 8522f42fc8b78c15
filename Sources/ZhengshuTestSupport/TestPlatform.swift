import Configuration
import Foundation
import ZhengshuApp
import ZhengshuCore
import ZhengshuGRDB
import ZhengshuPostgres

/// A platform over a fresh in-memory SQLite database with a small, realistic fixture: a bureau, two provider
/// departments, users of every role and their tokens.
package struct TestPlatform: Sendable {
    package let services: AppServices
    package let tokens: [String: String]

    package var platform: Platform { services.platform }
    package var store: any PlatformStore { services.store }

    package static let operatorCaller = Caller(.localOperator, requestID: "test")

    /// The crypto profile test platforms run with: `ZHENGSHU_TEST_CRYPTO=gm` runs the same tests under the national
    /// algorithms.
    package static var cryptoProfile: String {
        ProcessInfo.processInfo.environment["ZHENGSHU_TEST_CRYPTO"] == "gm" ? "gm" : "standard"
    }

    /// The configuration of a test node: in memory, cheap password hashing. The schedulers' and the risk monitor's
    /// rounds are an hour apart, so a test that calls `runDue()` or `scan()` itself is not raced by the background round
    /// of the app it started.
    package static var configuration: AppConfiguration {
        AppConfiguration(
            config: ConfigReader(
                provider: InMemoryProvider(values: [
                    "storage.inMemory": true, "security.fastPasswordHashing": true, "log.level": "warning",
                    "pull.checkSeconds": 3600, "alerts.scanSeconds": 3600,
                    "pull.sqliteDirectory": .init(
                        .string(FileManager.default.temporaryDirectory.path), isSecret: false),
                    "pull.allowedHosts": "127.0.0.1, localhost",
                    "security.cryptoProfile": .init(.string(cryptoProfile), isSecret: false),
                ])))
    }

    /// - Parameter seeded: adds departments, users and tokens when true.
    /// With `ZHENGSHU_TEST_ENGINE=postgres` (and `ZHENGSHU_TEST_PG_URL`), the platform runs on a fresh PostgreSQL database.
    package static func make(
        seeded: Bool = true, configure: (inout AppConfiguration) -> Void = { _ in }
    ) async throws -> TestPlatform {
        var configuration = configuration
        configure(&configuration)
        if TestPostgres.runsPlatformTests {
            configuration.databaseURL = try await TestPostgres.freshDatabase().connectionString
            // Many platforms run at once in a test run: a small pool each keeps the server under its connection limit.
            configuration.databaseConnections = 4
        }
        let services = try await AppServices.open(configuration)
        guard seeded else { return TestPlatform(services: services, tokens: [:]) }
        let p = services.platform
        let c = operatorCaller
        _ = try await p.departments.create(
            DepartmentDraft(
                code: "P-SJJ", name: "省政务数据管理局", level: .province,
                creditCode: .some("1133000000248220XL")), by: c)
        _ = try await p.departments.create(DepartmentDraft(code: "C-GA", name: "杭州市公安局", level: .city), by: c)
        _ = try await p.departments.create(DepartmentDraft(code: "C-SCJG", name: "杭州市市场监督管理局", level: .city), by: c)
        _ = try await p.departments.create(
            DepartmentDraft(code: "X-GA", name: "西湖区公安分局", level: .county, parent: .some("C-GA")), by: c)
        let users: [(String, [Role], String?)] = [
            ("admin", [.admin], "P-SJJ"), ("ga", [.provider], "C-GA"), ("scjg", [.provider, .consumer], "C-SCJG"),
            ("consumer", [.consumer], "C-SCJG"), ("auditor", [.auditor], nil),
        ]
        var tokens: [String: String] = [:]
        for (name, roles, department) in users {
            let user = try await p.accounts.createUser(
                UserDraft(
                    name: name, roles: roles, department: department,
                    password: "Test-Password-1"), by: c)
            tokens[name] = try await p.accounts.issueToken(for: user.id, label: "test", expiresInDays: nil, by: c)
                .secret
        }
        return TestPlatform(services: services, tokens: tokens)
    }

    package func caller(_ name: String) async throws -> Caller {
        Caller(try await platform.accounts.authenticate(bearer: tokens[name]!), requestID: "test-\(name)")
    }
}

/// Catalog fixtures shaped like the demo's population resource.
package enum Fixtures {
    /// The console's edit form as a browser would post it back for `r` (metadata and the item table).
    package static func formFields(of r: Resource) -> [(String, String)] {
        var f: [(String, String)] = [
            ("code", r.code.rawValue), ("name", r.name), ("abstract", r.abstract),
            ("department", r.department.rawValue),
            ("category", r.category), ("shareType", r.shareType.rawValue), ("shareCondition", r.shareCondition ?? ""),
            ("openType", r.openType.rawValue), ("updateCycle", r.updateCycle.rawValue),
            ("serviceItems", r.serviceItems.joined(separator: "；")),
        ]
        for (k, item) in r.items.enumerated() {
            f += [
                ("item\(k).name", item.name), ("item\(k).label", item.label), ("item\(k).type", item.type.rawValue),
                ("item\(k).element", item.dataElement?.rawValue ?? ""),
            ]
            if item.key { f.append(("item\(k).key", "1")) }
            if item.required { f.append(("item\(k).required", "1")) }
        }
        return f
    }

    /// A draft as a client sends it to `POST /api/v1/resources`.
    package static func json(_ d: ResourceDraft) -> String {
        func text(_ s: String?) -> JSONValue? { s.map(JSONValue.string) }
        func item(_ i: DataItem) -> JSONValue {
            let fields: [String: JSONValue?] = [
                "name": .string(i.name), "label": .string(i.label), "type": .string(i.type.rawValue),
                "length": i.length.map { .integer(Int64($0)) }, "required": .bool(i.required), "key": .bool(i.key),
                "dataElement": text(i.dataElement?.rawValue), "element": text(i.element),
                "description": text(i.description), "sensitivity": text(i.sensitivity?.rawValue),
                "masking": text(i.masking),
            ]
            return .object(fields.compactMapValues { $0 })
        }
        let fields: [String: JSONValue?] = [
            "code": text(d.code), "name": text(d.name), "abstract": text(d.abstract), "department": text(d.department),
            "category": text(d.category), "items": d.items.map { .array($0.map(item)) },
            "shareType": text(d.shareType?.rawValue), "shareCondition": text(d.shareCondition),
            "openType": text(d.openType?.rawValue), "updateCycle": text(d.updateCycle?.rawValue),
            "gradeLevel": text(d.gradeLevel?.rawValue), "sensitivity": text(d.sensitivity?.rawValue),
            "serviceItems": d.serviceItems.map { .array($0.map(JSONValue.string)) },
            "sourceSystem": text(d.sourceSystem),
            "format": text(d.format),
        ]
        return String(
            decoding: try! JSONEncoder().encode(JSONValue.object(fields.compactMapValues { $0 })), as: UTF8.self)
    }

    package static func populationDraft(code: String = "RK-0001", department: String = "C-GA") -> ResourceDraft {
        var d = ResourceDraft()
        d.code = code
        d.name = "人口基础信息"
        d.abstract = "全市户籍人口的身份与联系信息"
        d.department = department
        d.category = "人口"
        d.shareType = .conditional
        d.shareCondition = "用于身份核验"
        d.updateCycle = .daily
        d.sensitivity = .l4
        d.items = [
            DataItem(
                name: "citizen_id", label: "公民身份号码", type: .string, length: 18, key: true, dataElement: .citizenID),
            DataItem(name: "name", label: "姓名", type: .string, length: 50, required: true),
            DataItem(name: "sex", label: "性别", type: .string, length: 1, dataElement: .sex),
            DataItem(name: "birth_date", label: "出生日期", type: .date, required: true),
            DataItem(name: "mobile", label: "联系电话", type: .string, length: 11, dataElement: .mobile),
        ]
        return d
    }

    /// Rows for the population resource, from the same generator as the demo (valid GB 11643 numbers).
    package static func populationRows(_ count: Int, seed: UInt64 = 1) -> [[String: JSONValue]] {
        DemoData(people: count, enterprises: 0, seed: seed).people.map { p in
            [
                "citizen_id": .string(p.citizenID), "name": .string(p.name), "sex": .string(p.sex.rawValue),
                "birth_date": .string(p.birthDate.description), "mobile": .string(p.mobile),
            ]
        }
    }
}

/// Finds `../shared/datagen/datagen.py` (or `$ZHENGSHU_DATAGEN`) and runs it.
package enum Datagen {
    package static var script: String? {
        if let env = ProcessInfo.processInfo.environment["ZHENGSHU_DATAGEN"],
            FileManager.default.fileExists(atPath: env)
        {
            return env
        }
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<6 {
            dir.deleteLastPathComponent()
            let candidate = dir.appendingPathComponent("shared/datagen/datagen.py").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs datagen with `arguments` and returns its standard output.
    package static func run(_ arguments: [String]) throws -> Data {
        guard let script else { throw CocoaError(.fileNoSuchFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}

/// Bytes served as an async sequence of fixed-size chunks, like a file or an upload.
package struct ChunkedBytes: AsyncSequence, Sendable {
    package typealias Element = [UInt8]
    let bytes: [UInt8]
    let chunk: Int

    package init(_ bytes: [UInt8], chunk: Int = 64 * 1024) {
        self.bytes = bytes
        self.chunk = chunk
    }

    package init(_ text: String, chunk: Int = 64 * 1024) { self.init(Array(text.utf8), chunk: chunk) }

    package struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        let chunk: Int
        var offset = 0
        package mutating func next() async -> [UInt8]? {
            guard offset < bytes.count else { return nil }
            defer { offset += chunk }
            return Array(bytes[offset..<Swift.min(bytes.count, offset + chunk)])
        }
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes, chunk: chunk) }
}

extension Fixtures {
    /// A resource shaped like datagen's `population` file: item names are its pinyin headers.
    package static func datagenPopulationDraft(code: String = "POP-1", department: String = "C-GA") -> ResourceDraft {
        var d = ResourceDraft()
        d.code = code
        d.name = "人口基础信息（归集）"
        d.department = department
        d.category = "人口"
        d.shareType = .conditional
        d.shareCondition = "身份核验"
        d.updateCycle = .daily
        d.items = [
            DataItem(name: "gmsfhm", label: "公民身份号码", type: .string, length: 18, key: true, dataElement: .citizenID),
            DataItem(name: "xm", label: "姓名", type: .string, length: 50, required: true),
            DataItem(name: "xb", label: "性别", type: .string, length: 1, dataElement: .sex),
            DataItem(name: "csrq", label: "出生日期", type: .date),
            DataItem(name: "mz", label: "民族", type: .string, length: 10, dataElement: .ethnicGroup),
            DataItem(name: "hjdz", label: "户籍地址", type: .string, length: 200),
            DataItem(name: "lxdh", label: "联系电话", type: .string, length: 11, dataElement: .mobile),
            DataItem(name: "djrq", label: "登记日期", type: .date),
        ]
        return d
    }
}

/// A fixed list of synthetic people (valid citizen IDs) for hand-made import files.
package enum DemoDataRow {
    /// (citizen ID, name, sex code, birth date) for 1000 distinct people.
    package static let people: [(String, String, String, String)] = DemoData(people: 1000, enterprises: 0, seed: 99)
        .people.map {
            ($0.citizenID, $0.name, $0.sex.rawValue, $0.birthDate.description)
        }
}

extension TestPlatform {
    /// The base databases of three departments, from datagen files generated with one seed (the same people appear in
    /// all three): population POP-1 (C-GA, 300 rows), enterprises ENT-1 (C-SCJG, 80, keyed by credit code) and
    /// social-insurance payments SOC-1 (a new C-RS, 600), all published and loaded.
    /// - Returns: each dataset's CSV, by datagen's name.
    package func loadBaseDatabases(seed: Int = 21) async throws -> [String: Data] {
        let p = platform
        let op = Self.operatorCaller
        _ = try await p.departments.create(DepartmentDraft(code: "C-RS", name: "市人力社保局", level: .city), by: op)
        var enterprise = ResourceDraft()
        enterprise.code = "ENT-1"
        enterprise.name = "企业法人登记信息"
        enterprise.abstract = "在本市登记的企业法人"
        enterprise.department = "C-SCJG"
        enterprise.category = "法人"
        enterprise.shareType = .conditional
        enterprise.shareCondition = "市场监管"
        enterprise.items = try QualityRunTestsShape.resource("enterprise").items.map {
            var i = $0
            i.key = i.name == "tyshxydm"
            return i
        }
        var social = ResourceDraft()
        social.code = "SOC-1"
        social.name = "社会保险缴费记录"
        social.abstract = "参保人员按月缴费记录"
        social.department = "C-RS"
        social.category = "社会保障"
        social.shareType = .conditional
        social.shareCondition = "社会保障"
        social.items = [
            DataItem(
                name: "gmsfhm", label: "公民身份号码", type: .string, length: 18, required: true, dataElement: .citizenID),
            DataItem(name: "xm", label: "姓名", type: .string, length: 50),
            DataItem(name: "dwxydm", label: "单位统一社会信用代码", type: .string, length: 18, dataElement: .creditCode),
            DataItem(name: "jfny", label: "缴费年月", type: .string, length: 6),
            DataItem(name: "jfjs", label: "缴费基数", type: .decimal),
            DataItem(name: "jfje", label: "缴费金额", type: .decimal),
            DataItem(name: "yhkh", label: "银行卡号", type: .string, length: 19, dataElement: .bankCard),
            DataItem(name: "lxdh", label: "联系电话", type: .string, length: 11, dataElement: .mobile),
        ]
        for draft in [Fixtures.datagenPopulationDraft(), enterprise, social] {
            _ = try await p.catalog.create(draft, by: op)
            _ = try await p.catalog.publish(draft.code!, by: op)
        }
        var data: [String: Data] = [:]
        for (code, dataset, rows) in [
            ("POP-1", "population", 300), ("ENT-1", "enterprise", 80), ("SOC-1", "social", 600),
        ] {
            data[dataset] = try Datagen.run([
                dataset, "--rows", String(rows), "--seed", String(seed), "--people", "300",
            ])
            let job = try await p.ingestion.run(
                ImportRequest(resource: code, mode: .replace, sourceName: "\(dataset).csv"),
                source: ChunkedBytes(Array(data[dataset]!)), by: op)
            guard job.status == .succeeded, job.rowsRejected == 0 else {
                throw ZhengshuError(.conflict, "loading \(code): \(job.rowsRejected) rows rejected; \(job.error ?? "")")
            }
        }
        return data
    }

    /// Rows of a CSV file with a header, as maps (datagen's files: no quoted commas).
    package static func csv(_ data: Data) -> [[String: String]] {
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }
}
