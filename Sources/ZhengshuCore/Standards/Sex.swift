import Foundation

/// Sex code list, GB/T 2261.1-2003.
package enum Sex: String, CaseIterable, Sendable {
    case unknown = "0"
    case male = "1"
    case female = "2"
    case unspecified = "9"

    /// The standard's Chinese name.
    package var label: String {
        switch self {
        case .unknown: "未知的性别"
        case .male: "男"
        case .female: "女"
        case .unspecified: "未说明的性别"
        }
    }
}
