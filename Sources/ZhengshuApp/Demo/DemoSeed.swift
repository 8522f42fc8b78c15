import Foundation
import ZhengshuCore

/// Seeds the demo platform: a provincial data bureau, departments at three levels, users of every role, catalog
/// resources across the subject categories, and records in three of them. Idempotent: what exists is kept.
package enum DemoSeed {
    package struct Credential: Sendable {
        package var user: String
        package var roles: String
        package var department: String
        package var password: String
        package var token: String
    }

    static let caller = Caller(.localOperator, requestID: "demo-seed")

    static let departments: [(String, String, AdminLevel, String?)] = [
        ("P-SJJ", "省政务数据管理局", .province, nil),
        ("P-GA", "省公安厅", .province, nil),
        ("P-SCJG", "省市场监督管理局", .province, nil),
        ("P-RS", "省人力资源和社会保障厅", .province, nil),
        ("P-MZ", "省民政厅", .province, nil),
        ("P-WJ", "省卫生健康委员会", .province, nil),
        ("C-SJJ", "杭州市数据资源管理局", .city, "P-SJJ"),
        ("C-GA", "杭州市公安局", .city, "P-GA"),
        ("C-SCJG", "杭州市市场监督管理局", .city, "P-SCJG"),
        ("C-RS", "杭州市人力资源和社会保障局", .city, "P-RS"),
        ("C-MZ", "杭州市民政局", .city, "P-MZ"),
        ("C-WJ", "杭州市卫生健康委员会", .city, "P-WJ"),
        ("X-GA", "杭州市公安局西湖区分局", .county, "C-GA"),
        ("X-MZ", "西湖区民政局", .county, "C-MZ"),
        ("X-SJJ", "西湖区数据资源管理局", .county, "C-SJJ"),
    ]

    static let users: [(String, String, [Role], String?, String)] = [
        ("admin", "数据局管理员", [.admin], "P-SJJ", "Demo-Admin-2026"),
        ("ga.provider", "市公安局数据专员", [.provider], "C-GA", "Demo-Provider-2026"),
        ("scjg.officer", "市市场监管局数据专员", [.provider, .consumer], "C-SCJG", "Demo-Officer-2026"),
        ("rs.provider", "市人社局数据专员", [.provider, .consumer], "C-RS", "Demo-Provider-2026"),
        ("mz.consumer", "市民政局业务人员", [.consumer], "C-MZ", "Demo-Consumer-2026"),
        ("wj.provider", "市卫健委数据专员", [.provider], "C-WJ", "Demo-Provider-2026"),
        ("auditor", "审计员", [.auditor], nil, "Demo-Auditor-2026"),
    ]

    /// Seeds what is missing and issues a fresh `demo` token per demo user (older demo tokens are revoked), so the
    /// printed tokens always work.
    package static func run(on platform: Platform) async throws -> [Credential] {
        var credit = DemoRandom(seed: 7)
        for (code, name, level, parent) in departments
        where try await platform.store.department(DepartmentCode(trusted: code)) == nil {
            let creditCode = agencyCreditCode(using: &credit)
            _ = try await platform.departments.create(
                DepartmentDraft(
                    code: code, name: name, level: level, parent: .some(parent), creditCode: .some(creditCode)),
                by: caller)
        }
        var credentials: [Credential] = []
        for (name, display, roles, department, password) in users {
            var user = try await platform.store.user(named: name)
            if user == nil {
                user = try await platform.accounts.createUser(
                    UserDraft(
                        name: name, displayName: display, roles: roles, department: department, password: password),
                    by: caller)
            }
            guard let user else { continue }
            for old in try await platform.store.tokens(user: user.id) where old.label == "demo" && old.revokedAt == nil
            {
                _ = try await platform.accounts.revokeToken(old.id.rawValue, by: caller)
            }
            let (_, secret) = try await platform.accounts.issueToken(
                for: user.id, label: "demo", expiresInDays: 30, by: caller)
            credentials.append(
                Credential(
                    user: name, roles: roles.map(\.rawValue).joined(separator: ","),
                    department: department ?? "-", password: password, token: secret))
        }
        try await seedCatalog(platform)
        try await seedServiceItems(platform)
        try await seedTopic(platform)
        try await seedSharing(platform)
        try await seedSandbox(platform)
        try await seedCalls(platform)
        credentials.append(try await seedMember(platform))
        // The civil affairs bureau's assistance system calls the data services with a key, rotated at each start so the
        // printed one works.
        let mz = DepartmentCode(trusted: "C-MZ")
        var system = try await platform.store.systemAccounts(department: mz).first {
            $0.name == "shjz-system" && $0.revokedAt == nil
        }
        if system == nil {
            system = try await platform.sharing.createSystemAccount(
                SystemAccountDraft(department: mz.rawValue, name: "shjz-system", description: "社会救助管理系统"), by: caller
            ).0
        }
        if let system {
            let (_, key) = try await platform.sharing.rotateSystemAccount(system.id.rawValue, by: caller)
            credentials.append(
                Credential(user: system.actorName, roles: "system", department: mz.rawValue, password: "-", token: key))
        }
        return credentials
    }

    /// A person registered on the open-data portal, with an application for the enterprise register (open on
    /// condition) waiting for the market regulator's answer; a fresh token at each start.
    static func seedMember(_ platform: Platform) async throws -> Credential {
        let name = "citizen.wang", password = "Demo-Member-2026"
        var user = try await platform.store.user(named: name)
        if user == nil {
            let id = DemoData(people: 1, enterprises: 0, seed: 901).people[0].citizenID
            user = try await platform.members.register(
                MemberDraft(
                    name: name, displayName: "王市民", kind: .person, identifier: id,
                    contact: "13800000000", password: password), requestID: "demo-seed"
            ).0
            let member = Caller(Principal(user: user!), requestID: "demo-seed")
            let a = try await platform.sharing.apply(
                ApplicationDraft(
                    resource: "FR-330100-0001", items: ["credit_code", "name", "status"],
                    purpose: "核实拟合作企业的登记状态", legalBasis: "企业信用信息查询"), by: member)
            _ = try await platform.sharing.decide(a.id.rawValue, ApplicationDecision(approve: true), by: caller)
        }
        for old in try await platform.store.tokens(user: user!.id) where old.label == "demo" && old.revokedAt == nil {
            _ = try await platform.accounts.revokeToken(old.id.rawValue, by: caller)
        }
        let (_, secret) = try await platform.accounts.issueToken(
            for: user!.id, label: "demo", expiresInDays: 30, by: caller)
        return Credential(user: name, roles: Role.member.rawValue, department: "-", password: password, token: secret)
    }

    /// Applications in every state: two granted (one after the provider's answer and the bureau's second approval), one
    /// waiting for its provider, one refused with a reason. Only on a platform that has none yet.
    static func seedSharing(_ platform: Platform) async throws {
        guard try await platform.store.applications(ApplicationFilter(limit: 1)).isEmpty else { return }
        func signedIn(_ name: String) async throws -> Caller {
            guard let u = try await platform.store.user(named: name) else {
                throw ZhengshuError(.notFound, "demo user \(name) is missing")
            }
            return Caller(Principal(user: u), requestID: "demo-seed")
        }
        let s = platform.sharing
        let admin = try await signedIn("admin"), ga = try await signedIn("ga.provider")
        let mz = try await signedIn("mz.consumer"), rs = try await signedIn("rs.provider"),
            scjg = try await signedIn("scjg.officer")
        let population = "RK-330100-0001"
        var a = try await s.apply(
            ApplicationDraft(
                resource: population, items: ["citizen_id", "name", "sex", "address"], services: [.query, .verify],
                purpose: "最低生活保障申请中核验申请人身份与户籍", legalBasis: "《社会救助暂行办法》第十一条",
                serviceItem: "最低生活保障申请", expectedRowsPerDay: 2000), by: mz)
        _ = try await s.decide(a.id.rawValue, ApplicationDecision(approve: true), by: admin)
        _ = try await s.decide(
            a.id.rawValue,
            ApplicationDecision(approve: true, terms: GrantTerms(clearItems: ["name"], callsPerDay: 5000)), by: ga)
        _ = try await s.decide(
            a.id.rawValue, ApplicationDecision(approve: true, reason: "涉及重要数据，用途与社会救助法定职责相符"), by: admin)
        a = try await s.apply(
            ApplicationDraft(
                resource: "FR-330100-0001", items: ["credit_code", "name", "legal_rep_name", "status"],
                services: [.query, .verify], purpose: "社会组织与企业关联核查",
                legalBasis: "《政务数据共享条例》第十二条"), by: mz)
        _ = try await s.decide(a.id.rawValue, ApplicationDecision(approve: true), by: admin)
        a = try await s.apply(
            ApplicationDraft(
                resource: population, items: ["citizen_id", "name", "birth_date"], services: [.verify],
                purpose: "社会保险参保登记时核验参保人身份", legalBasis: "《社会保险法》第五十八条",
                serviceItem: "社会保险参保登记"), by: rs)
        _ = try await s.decide(a.id.rawValue, ApplicationDecision(approve: true), by: admin)
        a = try await s.apply(
            ApplicationDraft(
                resource: population, items: ["citizen_id", "name", "mobile"], services: [.query],
                purpose: "企业开办时联系法定代表人", legalBasis: "《市场主体登记管理条例》"), by: scjg)
        _ = try await s.decide(a.id.rawValue, ApplicationDecision(approve: true), by: admin)
        _ = try await s.decide(
            a.id.rawValue, ApplicationDecision(approve: false, reason: "联系电话不属于企业开办核验所需的最小必要范围"), by: ga)
    }

    /// The civil affairs bureau's sandbox: a grant of population items for analysis only, a workspace over their masked
    /// copies, an age-structure query and its release waiting for public security. Only when there is no workspace yet.
    static func seedSandbox(_ platform: Platform) async throws {
        guard try await platform.store.workspaces(consumer: nil).isEmpty,
            let mzUser = try await platform.store.user(named: "mz.consumer"),
            let gaUser = try await platform.store.user(named: "ga.provider"),
            let adminUser = try await platform.store.user(named: "admin")
        else { return }
        let (mz, ga, admin) = (
            Caller(Principal(user: mzUser), requestID: "demo-seed"),
            Caller(Principal(user: gaUser), requestID: "demo-seed"),
            Caller(Principal(user: adminUser), requestID: "demo-seed")
        )
        let population = "RK-330100-0001"
        let a = try await platform.sharing.apply(
            ApplicationDraft(
                resource: population, items: ["citizen_id", "sex", "birth_date", "address"],
                services: [.sandbox], purpose: "困难群众人口结构统计分析（数据可用不可见）",
                legalBasis: "《社会救助暂行办法》第五条"), by: mz)
        for caller in [admin, ga, admin] {
            _ = try await platform.sharing.decide(a.id.rawValue, ApplicationDecision(approve: true), by: caller)
        }
        guard
            let grant = try await platform.store.grants(
                consumer: mzUser.department, provider: nil, resource: ResourceCode(trusted: population)
            )
            .first(where: { $0.application == a.id })
        else { return }
        let workspace = try await platform.sandbox.create(
            Sandbox.Draft(name: "困难群众人口结构分析", grants: [grant.id.rawValue]), by: mz)
        guard workspace.status == .ready else { return }
        let table = workspace.tables[0].name
        _ = try await platform.sandbox.run(workspace.id.rawValue, sql: "SELECT * FROM \(table) LIMIT 20", by: mz)
        _ = try await platform.sandbox.run(
            workspace.id.rawValue,
            sql: """
                SELECT sex, substr(CAST(birth_date AS text), 1, 3) || '0s' AS decade, count(*) AS people FROM \(table) GROUP BY sex, decade ORDER BY decade, sex
                """, by: mz)
        let query = try await platform.sandbox.run(
            workspace.id.rawValue, sql: "SELECT sex, count(*) AS people FROM \(table) GROUP BY sex ORDER BY sex", by: mz
        )
        _ = try await platform.sandbox.requestRelease(
            workspace.id.rawValue, query: query.id.rawValue, purpose: "年度社会救助工作报告", by: mz)
    }

    /// Today's traffic on the civil affairs bureau's grant, through the real data service (each call audited and counted),
    /// so the cockpit's sharing chart shows calls on a fresh demo. Only when today has none yet.
    static func seedCalls(_ platform: Platform) async throws {
        let today = CivilDate(chinaTime: platform.clock.current()).description
        guard try await platform.sharing.usage(from: today, to: today, department: nil, by: caller).isEmpty,
            let user = try await platform.store.user(named: "mz.consumer")
        else { return }
        let mz = Caller(Principal(user: user), requestID: "demo-seed")
        let code = "RK-330100-0001", path = "/api/v1/share/RK-330100-0001/records"
        for limit in [5, 10, 20, 20, 50, 10, 5, 20] {
            let hash = RequestHash.of(method: "GET", path: path, query: [("limit", String(limit))], body: [])
            _ = try await platform.data.sharedQuery(
                code, RecordQueryParameters(limit: String(limit)), grant: nil, requestHash: hash, by: mz)
        }
    }

    static func agencyCreditCode(using rng: inout DemoRandom) -> String {
        // Government agencies register with authority 1 (机构编制) and type 1 (机关).
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let org = (0..<8).map { _ in alphabet[Int.random(in: 0..<10, using: &rng)] }
        let orgCheck = OrganizationCode.checkCharacter(forBodyValues: org.map { Int(String($0))! })
        let body = "11330100" + String(org) + String(orgCheck)
        return body + String(CreditCode.checkCharacter(forBodyValues: body.map { alphabet.firstIndex(of: $0)! }))
    }

    /// Service items not yet backed by any resource, per department: with the ones its resources list, the
    /// department's 事项清单, so the performance report shows a coverage below 100%.
    static let unlinkedServiceItems: [String: [String]] = [
        "C-GA": ["居住证办理", "户口迁移登记"],
        "C-SCJG": ["食品经营许可", "企业注销登记"],
        "C-RS": ["失业保险金申领"],
        "C-MZ": ["婚姻登记"],
        "C-WJ": ["出生医学证明办理"],
    ]

    /// Each department's registered service items, on a platform that has none yet.
    static func seedServiceItems(_ platform: Platform) async throws {
        var linked: [DepartmentCode: Set<String>] = [:]
        for spec in DemoCatalog.resources where spec.status == .published {
            if let r = try await platform.store.resource(ResourceCode(trusted: spec.draft.code!)) {
                linked[r.department, default: []].formUnion(r.serviceItems)
            }
        }
        for (department, items) in linked where try await platform.store.serviceItems(of: department).isEmpty {
            let all = items.sorted() + (unlinkedServiceItems[department.rawValue] ?? [])
            _ = try await platform.management.setServiceItems(all, of: department.rawValue, by: caller)
        }
    }

    static func seedCatalog(_ platform: Platform) async throws {
        let data = DemoData(people: 300, enterprises: 120)
        for spec in DemoCatalog.resources {
            if try await platform.store.resource(ResourceCode(trusted: spec.draft.code!)) != nil { continue }
            let resource = try await platform.catalog.create(spec.draft, by: caller)
            if spec.status == .draft { continue }
            _ = try await platform.catalog.publish(resource.code.rawValue, by: caller)
            let rows = spec.rows(data)
            if !rows.isEmpty { _ = try await platform.data.insert(rows, into: resource.code.rawValue, by: caller) }
            if spec.status == .retired { _ = try await platform.catalog.retire(resource.code.rawValue, by: caller) }
        }
        // A later edit, so the demo shows versions and a field-level diff.
        let population = "RK-330100-0001"
        if let r = try await platform.store.resource(ResourceCode(trusted: population)), r.version < 3 {
            var change = ResourceDraft()
            change.abstract = r.abstract + "每日凌晨从人口信息管理系统同步。"
            change.serviceItems = r.serviceItems + ["户籍证明开具"]
            _ = try await platform.catalog.update(population, change, by: caller)
        }
    }

    /// The bureau's 企业法人信用主题库: each enterprise with its legal representative's population record and social
    /// insurance payments, materialised once (and daily after).
    static func seedTopic(_ platform: Platform) async throws {
        let code = "ZT-330000-0001"
        guard try await platform.store.topic(ResourceCode(trusted: code)) == nil else { return }
        var resource = ResourceDraft()
        resource.code = code
        resource.name = "企业法人信用主题库"
        resource.abstract = "企业登记信息关联法定代表人的户籍信息与社保缴费情况，供信用监管使用。"
        resource.department = "P-SJJ"
        resource.category = "信用体系"
        resource.shareType = .conditional
        resource.shareCondition = "用于信用监管、行政审批核查"
        resource.updateCycle = .daily
        let query = TopicQuery(
            from: "FR-330100-0001", alias: "ent",
            joins: [
                .init(
                    resource: "RK-330100-0001", alias: "rep", kind: .left,
                    on: [.init(left: "ent.legal_rep_id", right: "citizen_id")]),
                .init(
                    resource: "SB-330100-0001", alias: "pay", kind: .left,
                    on: [.init(left: "ent.legal_rep_id", right: "citizen_id")]),
            ], filters: [.init(column: "ent.status", op: .ne, value: .string("注销"))],
            columns: [
                .init(name: "credit_code", from: "ent.credit_code"), .init(name: "name", from: "ent.name"),
                .init(name: "legal_rep_id", from: "ent.legal_rep_id"),
                .init(name: "legal_rep_name", label: "法定代表人户籍姓名", from: "rep.name"),
                .init(name: "legal_rep_mobile", label: "法定代表人联系电话", from: "rep.mobile"),
                .init(name: "paid_months", label: "法定代表人社保缴费月数", from: "pay.month", aggregate: .countDistinct),
                .init(name: "paid_total", label: "法定代表人个人缴费合计（元）", from: "pay.amount", aggregate: .sum),
                .init(name: "last_paid", label: "最近缴费月份", from: "pay.month", aggregate: .max),
            ])
        _ = try await platform.topics.define(
            TopicDraft(resource: resource, query: query, intervalSeconds: 86_400), by: caller)
        _ = try await platform.topics.materialise(code, by: caller)
    }
}
