import Foundation

/// Administrative division codes, GB/T 2260: province (2) · city (2) · county (2).
///
/// Only the province level is code; the county list is data the governance layer loads and an admin can replace.
package enum Division {
    package static let provinces: [String: String] = [
        "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
        "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
        "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
        "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
        "63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
    ]

    /// Why `code` is not a well-formed division code, or `nil` when it is.
    package static func problem(with code: String) -> String? {
        guard code.count == 6, code.allSatisfy(\.isASCIIDigit) else { return "division code must be 6 digits" }
        guard provinces[String(code.prefix(2))] != nil else {
            return "division code \(code) does not start with a GB/T 2260 province code"
        }
        return nil
    }
}
