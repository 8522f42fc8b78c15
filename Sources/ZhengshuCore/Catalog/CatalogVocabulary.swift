/// Share attribute of a resource (政务数据共享条例, 国务院令第809号).
package enum ShareType: String, CaseIterable, Sendable, Codable {
    case unconditional, conditional, none
}

/// Open attribute of a resource for the public (无条件开放 / 有条件开放 / 不予开放).
package enum OpenType: String, CaseIterable, Sendable, Codable {
    case unconditional, conditional, none
}

/// Update cycle (更新周期), GB/T 21063.
package enum UpdateCycle: String, CaseIterable, Sendable, Codable {
    case realtime, daily, weekly, monthly, quarterly, yearly, irregular
}

/// Data grade, GB/T 43697-2024: core > important > general.
package enum GradeLevel: String, CaseIterable, Sendable, Codable, Comparable {
    case general, important, core
    package static func < (a: GradeLevel, b: GradeLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Sensitivity level within general data: L1 public … L4 highly sensitive.
package enum Sensitivity: String, CaseIterable, Sendable, Codable, Comparable {
    case l1 = "L1", l2 = "L2", l3 = "L3", l4 = "L4"
    package static func < (a: Sensitivity, b: Sensitivity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Lifecycle of a catalog entry.
package enum ResourceStatus: String, CaseIterable, Sendable, Codable {
    case draft, published, retired
}

/// Value type of an information item (信息项).
package enum DataType: String, CaseIterable, Sendable, Codable {
    case string, integer, decimal, date, datetime, boolean
}

/// Subject categories (分类) of the 2017 目录编制指南: base (基础), theme (主题) and department (部门) resources.
package enum SubjectCategory {
    package static let base = ["人口", "法人", "自然资源和空间地理", "社会信用", "电子证照", "宏观经济"]
    package static let theme = [
        "公共服务", "健康保障", "社会保障", "食品药品安全", "安全生产", "价格监管", "能源安全", "信用体系",
        "城乡建设", "社区治理", "生态环保", "应急维稳",
    ]
    package static let department = ["部门"]
    package static let all = base + theme + department
}
