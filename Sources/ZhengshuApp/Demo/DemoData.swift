import Foundation
import ZhengshuCore

/// Realistic synthetic records following the national standards (valid citizen IDs and credit codes), generated in
/// Swift so the demo runs on a bare machine. People are shared: enterprise representatives and insurance payers are
/// drawn from the population.
package struct DemoData {
    package struct Person {
        package var citizenID: String
        package var name: String
        package var sex: Sex
        package var birthDate: CivilDate
        package var ethnicGroup: String
        package var divisionCode: String
        package var address: String
        package var mobile: String
        package var registeredOn: CivilDate
    }

    package struct Enterprise {
        package var creditCode: String
        package var name: String
        package var representative: Person
        package var capital: String
        package var foundedOn: CivilDate
        package var status: String
        package var divisionCode: String
        package var address: String
    }

    static let divisions = [
        ("330102", "浙江省杭州市上城区"), ("330105", "浙江省杭州市拱墅区"), ("330106", "浙江省杭州市西湖区"),
        ("330108", "浙江省杭州市滨江区"), ("330109", "浙江省杭州市萧山区"), ("330110", "浙江省杭州市余杭区"),
    ]
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
    static let compoundSurnames = ["欧阳", "司马", "上官", "诸葛"]
    static let given = Array("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红玲芬燕彬鹏辉宇浩然轩涵诺怡泽俊思远佳琪博建国海春梅晓东")
    static let streets = ["人民路", "解放路", "中山路", "建设路", "和平街", "新华路", "文化路", "胜利路", "文三路", "莫干山路"]
    static let mobilePrefixes = [
        "130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "158", "159", "177", "186", "188", "189",
        "199",
    ]
    static let entWords = ["华信", "鼎盛", "新元", "恒通", "瑞丰", "金桥", "宏远", "东方", "卓越", "安泰", "联创", "博雅", "西子", "钱塘"]
    static let entSuffixes = ["科技有限公司", "贸易有限公司", "建设工程有限公司", "食品有限公司", "信息技术有限公司", "物流有限公司", "餐饮管理有限公司"]
    static let ethnicGroups = ["汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "回族", "满族", "畲族", "土家族", "苗族"]

    package private(set) var people: [Person] = []
    package private(set) var enterprises: [Enterprise] = []
    private var rng: DemoRandom

    package init(people count: Int, enterprises enterpriseCount: Int, seed: UInt64 = 2026) {
        rng = DemoRandom(seed: seed)
        var seen = Set<String>()
        while people.count < count {
            let p = person()
            if seen.insert(p.citizenID).inserted { people.append(p) }
        }
        var codes = Set<String>()
        while enterprises.count < enterpriseCount {
            let e = enterprise()
            if codes.insert(e.creditCode).inserted { enterprises.append(e) }
        }
    }

    private mutating func pick<T>(_ list: [T]) -> T { list[Int.random(in: 0..<list.count, using: &rng)] }

    private mutating func date(_ years: ClosedRange<Int>) -> CivilDate {
        let y = Int.random(in: years, using: &rng), m = Int.random(in: 1...12, using: &rng)
        return CivilDate(year: y, month: m, day: Int.random(in: 1...CivilDate.daysIn(month: m, year: y), using: &rng))!
    }

    private mutating func name() -> String {
        let surname =
            Int.random(in: 0..<50, using: &rng) == 0 ? pick(Self.compoundSurnames) : String(pick(Self.surnames))
        let length = Int.random(in: 1...2, using: &rng)
        return surname + String((0..<length).map { _ in pick(Self.given) })
    }

    private mutating func person() -> Person {
        let (division, place) = pick(Self.divisions)
        let birth = date(1950...2012)
        let sequence = Int.random(in: 1...999, using: &rng)
        let body =
            division + birth.description.replacingOccurrences(of: "-", with: "")
            + String(repeating: "0", count: 3 - String(sequence).count) + String(sequence)
        let digits = body.map { Int(String($0))! }
        let id = body + String(CitizenID.checkCharacter(forBody: digits))
        let mobile = pick(Self.mobilePrefixes) + String(Int.random(in: 10_000_000...99_999_999, using: &rng))
        let address = "\(place)\(pick(Self.streets))\(Int.random(in: 1...999, using: &rng))号"
        let registered = date(max(birth.year, 1985)...2024)
        return Person(
            citizenID: id, name: name(), sex: sequence % 2 == 1 ? .male : .female, birthDate: birth,
            ethnicGroup: pick(Self.ethnicGroups), divisionCode: division, address: address, mobile: mobile,
            registeredOn: registered)
    }

    private mutating func enterprise() -> Enterprise {
        let (division, place) = pick(Self.divisions)
        let orgAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let orgBody = (0..<8).map { _ in pick(orgAlphabet) }
        let orgValues = orgBody.map { c -> Int in
            let a = Int(c.asciiValue!)
            return a <= 57 ? a - 48 : a - 65 + 10
        }
        let org = String(orgBody) + String(OrganizationCode.checkCharacter(forBodyValues: orgValues))
        let body = "91" + division + org
        let values = body.map { c in Array("0123456789ABCDEFGHJKLMNPQRTUWXY").firstIndex(of: c)! }
        let code = body + String(CreditCode.checkCharacter(forBodyValues: values))
        let rep = people.isEmpty ? person() : pick(people)
        let capital = String(Int.random(in: 10...5000, using: &rng) * 10_000) + ".00"
        return Enterprise(
            creditCode: code, name: "杭州\(pick(Self.entWords))\(pick(Self.entWords))\(pick(Self.entSuffixes))",
            representative: rep, capital: capital, foundedOn: date(1995...2024),
            status: pick(["存续", "存续", "存续", "存续", "在业", "吊销", "注销"]), divisionCode: division,
            address: "\(place)\(pick(Self.streets))\(Int.random(in: 1...999, using: &rng))号")
    }
}
