import Foundation
import ZhengshuCore

/// Resources shaped like datagen's files for the governance tests, and the datagen defect each default rule finds.
package enum QualityRunTestsShape {
    /// A resource shaped like a datagen file: every item required, no key item (so duplicate rows are kept).
    package static func resource(_ dataset: String) throws -> Resource {
        var draft = ResourceDraft()
        draft.code = dataset == "population" ? "POP-Q" : "ENT-Q"
        draft.name = dataset
        draft.department = "C-GA"
        draft.category = dataset == "population" ? "人口" : "法人"
        draft.shareType = .conditional
        draft.shareCondition = "质量检查"
        draft.items =
            dataset == "population"
            ? [
                DataItem(
                    name: "gmsfhm", label: "公民身份号码", type: .string, length: 18, required: true, dataElement: .citizenID),
                DataItem(name: "xm", label: "姓名", type: .string, length: 50, required: true),
                DataItem(name: "xb", label: "性别", type: .string, length: 1, required: true, dataElement: .sex),
                DataItem(name: "csrq", label: "出生日期", type: .date, required: true),
                DataItem(name: "mz", label: "民族", type: .string, length: 10, required: true, dataElement: .ethnicGroup),
                DataItem(name: "hjdz", label: "户籍地址", type: .string, length: 200, required: true),
                DataItem(name: "lxdh", label: "联系电话", type: .string, length: 11, required: true, dataElement: .mobile),
                DataItem(name: "djrq", label: "登记日期", type: .date, required: true),
            ]
            : [
                DataItem(
                    name: "tyshxydm", label: "统一社会信用代码", type: .string, length: 18, required: true,
                    dataElement: .creditCode),
                DataItem(name: "qymc", label: "企业名称", type: .string, length: 200, required: true),
                DataItem(name: "fddbr", label: "法定代表人", type: .string, length: 50, required: true),
                DataItem(
                    name: "fddbrsfzh", label: "法定代表人身份证号", type: .string, length: 18, required: true,
                    dataElement: .citizenID),
                DataItem(name: "zczb", label: "注册资本（万元）", type: .decimal, required: true),
                DataItem(name: "clrq", label: "成立日期", type: .date, required: true),
                DataItem(name: "jyzt", label: "经营状态", type: .string, length: 20, required: true),
                DataItem(
                    name: "xzqhdm", label: "行政区划代码", type: .string, length: 6, required: true,
                    dataElement: .divisionCode),
                DataItem(name: "zcdz", label: "注册地址", type: .string, length: 200, required: true),
            ]
        return try CatalogRules.newResource(from: draft, now: Date())
    }

    /// The defect each default rule detects (datagen's vocabulary).
    package static func defect(of check: RuleCheck) -> String {
        switch check {
        case .required: "missing"
        case .unique: "duplicate_key"
        case .element(_, .mobile): "bad_phone"
        case .element(_, .divisionCode): "bad_division"
        case .element: "bad_checksum"
        case .idSex: "sex_mismatch"
        case .idBirthDate: "birth_mismatch"
        case .notInFuture: "future_date"
        default: "other"
        }
    }
}
