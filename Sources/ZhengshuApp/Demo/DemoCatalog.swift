import Foundation
import ZhengshuCore

/// The demo catalog: resources across the base, theme and department categories.
enum DemoCatalog {
    struct Spec {
        var draft: ResourceDraft
        var status: ResourceStatus
        var rows: @Sendable (DemoData) -> [[String: JSONValue]] = { _ in [] }
    }

    static func draft(
        _ code: String, _ name: String, _ department: String, _ category: String, _ abstract: String,
        _ items: [DataItem], share: ShareType, condition: String? = nil, open: OpenType = .none,
        cycle: UpdateCycle, grade: GradeLevel = .general, sensitivity: Sensitivity, services: [String] = [],
        system: String
    ) -> ResourceDraft {
        var d = ResourceDraft()
        d.code = code
        d.name = name
        d.department = department
        d.category = category
        d.abstract = abstract
        d.items = items
        d.shareType = share
        d.shareCondition = condition
        d.openType = open
        d.updateCycle = cycle
        d.gradeLevel = grade
        d.sensitivity = sensitivity
        d.serviceItems = services
        d.sourceSystem = system
        d.format = "数据库"
        return d
    }

    static func s(_ v: String) -> JSONValue { .string(v) }

    static let resources: [Spec] = [
        Spec(
            draft: draft(
                "RK-330100-0001", "人口基础信息", "C-GA", "人口",
                "全市常住户籍人口的身份、户籍地址与联系方式，来源于公安人口信息管理系统。",
                [
                    DataItem(
                        name: "citizen_id", label: "公民身份号码", type: .string, length: 18, key: true,
                        dataElement: .citizenID),
                    DataItem(name: "name", label: "姓名", type: .string, length: 50, required: true),
                    DataItem(name: "sex", label: "性别", type: .string, length: 1, required: true, dataElement: .sex),
                    DataItem(name: "birth_date", label: "出生日期", type: .date, required: true),
                    DataItem(name: "ethnic_group", label: "民族", type: .string, length: 10, dataElement: .ethnicGroup),
                    DataItem(name: "address", label: "户籍地址", type: .string, length: 200),
                    DataItem(name: "mobile", label: "联系电话", type: .string, length: 11, dataElement: .mobile),
                    DataItem(name: "registered_on", label: "登记日期", type: .date),
                ],
                share: .conditional, condition: "用于政务服务身份核验、社会保障待遇认定等法定职责，须说明使用场景。",
                cycle: .daily, grade: .important, sensitivity: .l4,
                services: ["居民身份证办理", "户口迁移"], system: "公安人口信息管理系统"),
            status: .published,
            rows: { d in
                d.people.prefix(200).map { p in
                    [
                        "citizen_id": s(p.citizenID), "name": s(p.name), "sex": s(p.sex.rawValue),
                        "birth_date": s(p.birthDate.description),
                        "ethnic_group": s(p.ethnicGroup), "address": s(p.address), "mobile": s(p.mobile),
                        "registered_on": s(p.registeredOn.description),
                    ]
                }
            }),
        Spec(
            draft: draft(
                "FR-330100-0001", "企业法人登记信息", "C-SCJG", "法人",
                "在本市登记注册的企业法人基本信息，含统一社会信用代码、法定代表人与登记状态。",
                [
                    DataItem(
                        name: "credit_code", label: "统一社会信用代码", type: .string, length: 18, key: true,
                        dataElement: .creditCode),
                    DataItem(name: "name", label: "企业名称", type: .string, length: 100, required: true),
                    DataItem(name: "legal_rep_name", label: "法定代表人姓名", type: .string, length: 50),
                    DataItem(
                        name: "legal_rep_id", label: "法定代表人身份号码", type: .string, length: 18, dataElement: .citizenID),
                    DataItem(name: "registered_capital", label: "注册资本（元）", type: .decimal, length: 18),
                    DataItem(name: "founded_on", label: "成立日期", type: .date, required: true),
                    DataItem(name: "status", label: "登记状态", type: .string, length: 10, required: true),
                    DataItem(
                        name: "division_code", label: "住所行政区划代码", type: .string, length: 6, dataElement: .divisionCode),
                    DataItem(name: "address", label: "住所", type: .string, length: 200),
                ],
                share: .unconditional, open: .conditional, cycle: .daily, sensitivity: .l3,
                services: ["企业设立登记", "企业变更登记"], system: "市场主体登记管理系统"),
            status: .published,
            rows: { d in
                d.enterprises.prefix(100).map { e in
                    [
                        "credit_code": s(e.creditCode), "name": s(e.name), "legal_rep_name": s(e.representative.name),
                        "legal_rep_id": s(e.representative.citizenID), "registered_capital": s(e.capital),
                        "founded_on": s(e.foundedOn.description), "status": s(e.status),
                        "division_code": s(e.divisionCode),
                        "address": s(e.address),
                    ]
                }
            }),
        Spec(
            draft: draft(
                "SB-330100-0001", "社会保险参保缴费信息", "C-RS", "社会保障",
                "职工基本养老保险按月缴费记录：参保人、缴费单位、缴费基数与金额。",
                [
                    DataItem(
                        name: "citizen_id", label: "公民身份号码", type: .string, length: 18, key: true,
                        dataElement: .citizenID),
                    DataItem(name: "name", label: "姓名", type: .string, length: 50, required: true),
                    DataItem(
                        name: "employer_credit_code", label: "缴费单位统一社会信用代码", type: .string, length: 18,
                        dataElement: .creditCode),
                    DataItem(name: "month", label: "缴费月份", type: .string, length: 7, key: true),
                    DataItem(name: "base", label: "缴费基数（元）", type: .decimal, length: 12, required: true),
                    DataItem(name: "amount", label: "个人缴费金额（元）", type: .decimal, length: 12, required: true),
                ],
                share: .conditional, condition: "用于社会保障待遇资格认定与就业补贴审核。", cycle: .monthly,
                grade: .important, sensitivity: .l4, services: ["社会保险参保证明开具"], system: "社会保险业务经办系统"),
            status: .published,
            rows: { d in
                var rows: [[String: JSONValue]] = []
                for (i, p) in d.people.prefix(100).enumerated() {
                    let employer = d.enterprises[i % d.enterprises.count]
                    for month in ["2026-07", "2026-08", "2026-09"] {
                        let base = 4_000 + (i * 37) % 12_000
                        rows.append([
                            "citizen_id": s(p.citizenID), "name": s(p.name),
                            "employer_credit_code": s(employer.creditCode),
                            "month": s(month), "base": s("\(base).00"), "amount": s("\(base * 8 / 100).00"),
                        ])
                    }
                }
                return rows
            }),
        Spec(
            draft: draft(
                "ZZ-330000-0001", "居民身份证电子证照", "P-GA", "电子证照",
                "居民身份证电子证照元数据与照面信息，供政务服务“免证办”核验。",
                [
                    DataItem(name: "license_no", label: "证照编号", type: .string, length: 40, key: true),
                    DataItem(
                        name: "citizen_id", label: "公民身份号码", type: .string, length: 18, required: true,
                        dataElement: .citizenID),
                    DataItem(name: "name", label: "姓名", type: .string, length: 50, required: true),
                    DataItem(name: "valid_from", label: "有效期起", type: .date),
                    DataItem(name: "valid_to", label: "有效期止", type: .date),
                ],
                share: .conditional, condition: "仅用于政务服务事项办理时的证照核验。", cycle: .realtime, grade: .important,
                sensitivity: .l4, services: ["居民身份证办理"], system: "电子证照库"),
            status: .published),
        Spec(
            draft: draft(
                "ZZ-330000-0002", "营业执照电子证照", "P-SCJG", "电子证照",
                "企业营业执照电子证照照面信息。",
                [
                    DataItem(
                        name: "credit_code", label: "统一社会信用代码", type: .string, length: 18, key: true,
                        dataElement: .creditCode),
                    DataItem(name: "name", label: "名称", type: .string, length: 100, required: true),
                    DataItem(name: "issued_on", label: "发照日期", type: .date),
                ],
                share: .unconditional, open: .unconditional, cycle: .realtime, sensitivity: .l2,
                services: ["企业设立登记"], system: "电子证照库"),
            status: .published,
            rows: { d in
                d.enterprises.prefix(100).map { e in
                    ["credit_code": s(e.creditCode), "name": s(e.name), "issued_on": s(e.foundedOn.description)]
                }
            }),
        Spec(
            draft: draft(
                "XY-330000-0001", "企业公共信用评价结果", "P-SJJ", "社会信用",
                "全省企业公共信用综合评价等级，按季度更新。",
                [
                    DataItem(
                        name: "credit_code", label: "统一社会信用代码", type: .string, length: 18, key: true,
                        dataElement: .creditCode),
                    DataItem(name: "grade", label: "评价等级", type: .string, length: 2, required: true),
                    DataItem(name: "evaluated_on", label: "评价日期", type: .date, required: true),
                ],
                share: .unconditional, open: .unconditional, cycle: .quarterly, sensitivity: .l2,
                system: "公共信用信息平台"),
            status: .published,
            rows: { d in
                d.enterprises.prefix(100).enumerated().map { i, e in
                    [
                        "credit_code": s(e.creditCode), "grade": s(["A", "A", "B", "B", "B", "C", "D"][i % 7]),
                        "evaluated_on": s("2026-10-08"),
                    ]
                }
            }),
        Spec(
            draft: draft(
                "XY-330000-0002", "失信被执行人名单", "P-SJJ", "社会信用",
                "法院公布的失信被执行人信息，用于联合惩戒。",
                [
                    DataItem(name: "case_no", label: "案号", type: .string, length: 50, key: true),
                    DataItem(name: "party_name", label: "被执行人名称", type: .string, length: 100, required: true),
                    DataItem(name: "party_code", label: "证件号码", type: .string, length: 18, dataElement: .citizenID),
                    DataItem(name: "published_on", label: "发布日期", type: .date),
                ],
                share: .unconditional, open: .unconditional, cycle: .weekly, sensitivity: .l3,
                services: ["招投标资格审查"], system: "公共信用信息平台"),
            status: .published,
            rows: { d in
                d.people.suffix(40).enumerated().map { i, p in
                    [
                        "case_no": s("（2026）浙0106执\(1000 + i * 17)号"), "party_name": s(p.name),
                        "party_code": s(p.citizenID),
                        "published_on": s("2026-\(String(format: "%02d", 1 + i % 11))-15"),
                    ]
                }
            }),
        Spec(
            draft: draft(
                "MZ-330100-0001", "最低生活保障对象信息", "C-MZ", "社会保障",
                "城乡最低生活保障对象及家庭保障金发放信息。",
                [
                    DataItem(
                        name: "citizen_id", label: "公民身份号码", type: .string, length: 18, key: true,
                        dataElement: .citizenID),
                    DataItem(name: "name", label: "姓名", type: .string, length: 50, required: true),
                    DataItem(name: "household_size", label: "保障人数", type: .integer, required: true),
                    DataItem(name: "monthly_amount", label: "月保障金额（元）", type: .decimal, length: 10),
                ],
                share: .conditional, condition: "用于社会救助对象认定与复核。", cycle: .monthly, grade: .important,
                sensitivity: .l4, services: ["最低生活保障申请"], system: "社会救助管理系统"),
            status: .published),
        Spec(
            draft: draft(
                "MZ-330100-0002", "婚姻登记信息", "C-MZ", "人口",
                "结婚、离婚登记记录。",
                [
                    DataItem(name: "certificate_no", label: "证书编号", type: .string, length: 30, key: true),
                    DataItem(name: "man_id", label: "男方身份号码", type: .string, length: 18, dataElement: .citizenID),
                    DataItem(name: "woman_id", label: "女方身份号码", type: .string, length: 18, dataElement: .citizenID),
                    DataItem(name: "kind", label: "登记类型", type: .string, length: 4, required: true),
                    DataItem(name: "registered_on", label: "登记日期", type: .date, required: true),
                ],
                share: .conditional, condition: "用于婚姻状况核验。", cycle: .daily, sensitivity: .l4,
                services: ["婚姻登记"], system: "婚姻登记管理系统"),
            status: .draft),
        Spec(
            draft: draft(
                "WJ-330100-0001", "出生医学证明信息", "C-WJ", "健康保障",
                "新生儿出生医学证明签发记录。",
                [
                    DataItem(name: "certificate_no", label: "出生医学证明编号", type: .string, length: 20, key: true),
                    DataItem(name: "baby_name", label: "新生儿姓名", type: .string, length: 50),
                    DataItem(name: "born_at", label: "出生时间", type: .datetime, required: true),
                    DataItem(name: "mother_id", label: "母亲身份号码", type: .string, length: 18, dataElement: .citizenID),
                ],
                share: .conditional, condition: "用于出生“一件事”联办（户口登记、医保参保）。", cycle: .daily,
                grade: .important, sensitivity: .l4, services: ["出生一件事"], system: "妇幼保健信息系统"),
            status: .published),
        Spec(
            draft: draft(
                "WJ-330100-0002", "医疗机构执业许可信息", "C-WJ", "公共服务",
                "医疗机构名称、地址、诊疗科目与许可有效期。",
                [
                    DataItem(name: "license_no", label: "许可证号", type: .string, length: 40, key: true),
                    DataItem(name: "name", label: "机构名称", type: .string, length: 100, required: true),
                    DataItem(name: "address", label: "地址", type: .string, length: 200),
                    DataItem(name: "valid_to", label: "有效期至", type: .date),
                ],
                share: .unconditional, open: .unconditional, cycle: .monthly, sensitivity: .l1,
                services: ["医疗机构执业登记"], system: "卫生监督信息系统"),
            status: .published,
            rows: { d in
                d.enterprises.suffix(30).enumerated().map { i, e in
                    [
                        "license_no": s(
                            "PDY\(String(format: "%05d", 33010 + i))330102\(String(format: "%04d", 1000 + i))"),
                        "name": s(
                            e.name.replacingOccurrences(of: "有限公司", with: "").prefix(6)
                                + ["社区卫生服务中心", "诊所", "口腔门诊部"][i % 3]),
                        "address": s(e.address), "valid_to": s("2029-\(String(format: "%02d", 1 + i % 12))-01"),
                    ]
                }
            }),
        Spec(
            draft: draft(
                "GA-330100-0009", "涉案人员信息", "C-GA", "应急维稳",
                "刑事案件涉案人员信息。",
                [
                    DataItem(name: "case_no", label: "案件编号", type: .string, length: 40, key: true),
                    DataItem(name: "citizen_id", label: "公民身份号码", type: .string, length: 18, dataElement: .citizenID),
                ],
                share: .none, condition: "《中华人民共和国刑事诉讼法》《公安机关办理刑事案件程序规定》：侦查期间不予共享。",
                cycle: .irregular, grade: .core, sensitivity: .l4, system: "警务综合平台"),
            status: .draft),
        Spec(
            draft: draft(
                "ZR-330100-0001", "不动产登记簿信息（旧版）", "C-SJJ", "自然资源和空间地理",
                "已由省级不动产登记信息替代的旧版目录，保留供历史查询。",
                [
                    DataItem(name: "unit_no", label: "不动产单元号", type: .string, length: 28, key: true),
                    DataItem(name: "location", label: "坐落", type: .string, length: 200),
                ],
                share: .conditional, condition: "用于不动产状况核验。", cycle: .irregular, sensitivity: .l3,
                system: "不动产登记系统"),
            status: .retired),
    ]
}
