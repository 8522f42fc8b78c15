import Foundation

/// Ethnic groups, GB 3304-1991 (中国各民族名称的罗马字母拼写法和代码): the 56 groups with two-digit codes.
package enum EthnicGroup {
    package static let names: [String] = [
        "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
        "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
        "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
        "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
        "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
        "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
    ]

    /// The name for a two-digit code `01`…`56`.
    package static func name(forCode code: String) -> String? {
        guard code.count == 2, let n = Int(code), (1...56).contains(n) else { return nil }
        return names[n - 1]
    }

    /// The two-digit code for a name such as `汉族`.
    package static func code(forName name: String) -> String? { codesByName[name] }

    private static let codesByName: [String: String] = Dictionary(
        uniqueKeysWithValues: names.enumerated().map { i, name in
            (name, i + 1 < 10 ? "0\(i + 1)" : "\(i + 1)")
        })
}
