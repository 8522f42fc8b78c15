import Foundation
import Testing
import ZhengshuCore

@Suite struct WorkingCalendarTests {
    let calendar = WorkingCalendar(WorkingCalendar.chinaDefaults)

    /// An instant at `hour` o'clock in China on `date`.
    func at(_ date: String, _ hour: Int = 10) -> Date {
        CivilDate(iso: date)!.chinaStart.addingTimeInterval(Double(hour) * 3600)
    }

    @Test func weekdaysFollowTheCalendar() {
        #expect(CivilDate(iso: "2026-11-23")!.weekday == 1)  // a Monday
        #expect(CivilDate(iso: "1970-01-01")!.weekday == 4)
        #expect(CivilDate(iso: "2026-11-29")!.weekday == 7)
        // 00:00 in Beijing
        #expect(CivilDate(chinaTime: Date(timeIntervalSince1970: 16 * 3600)) == CivilDate(iso: "1970-01-02"))
    }

    @Test func holidaysAndMakeUpDaysCount() {
        #expect(!calendar.isWorkingDay(CivilDate(iso: "2026-10-01")!))  // National Day, a Thursday
        #expect(calendar.isWorkingDay(CivilDate(iso: "2026-10-10")!))  // the make-up Saturday
        #expect(!calendar.isWorkingDay(CivilDate(iso: "2026-11-28")!))  // an ordinary Saturday
        #expect(calendar.isWorkingDay(CivilDate(iso: "2026-11-27")!))
        #expect(WorkingCalendar.chinaDefaults.filter { $0.kind == .workday }.allSatisfy { $0.date.weekday >= 6 })
    }

    @Test func deadlinesSkipHolidaysAndCountMakeUpDays() {
        let end = { (date: String) in CivilDate(iso: date)!.adding(days: 1).chinaStart.addingTimeInterval(-0.001) }
        // Monday + 2 working days: the end of Wednesday.
        #expect(calendar.deadline(after: at("2026-11-23"), workingDays: 2) == end("2026-11-25"))
        // Friday + 2: Tuesday.
        #expect(calendar.deadline(after: at("2026-11-27", 23), workingDays: 2) == end("2026-12-01"))
        // 30 September + 2: 1-7 October are holidays, so Thursday 8 and Friday 9; + 3 reaches the make-up Saturday 10.
        #expect(calendar.deadline(after: at("2026-09-30"), workingDays: 2) == end("2026-10-09"))
        #expect(calendar.deadline(after: at("2026-09-30"), workingDays: 3) == end("2026-10-10"))
        // Spring Festival 2026: 15-23 February off, Saturday 14 a working day.
        #expect(calendar.deadline(after: at("2026-02-13"), workingDays: 1) == end("2026-02-14"))
        #expect(calendar.deadline(after: at("2026-02-13"), workingDays: 2) == end("2026-02-24"))
        #expect(calendar.workingDays(from: at("2026-09-30"), to: at("2026-10-12")) == 4)
        // A bureau that edits its calendar gets other deadlines.
        let local = WorkingCalendar(
            WorkingCalendar.chinaDefaults + [
                CalendarDay(date: CivilDate(iso: "2026-11-24")!, kind: .holiday, name: "地方假日")
            ])
        #expect(local.deadline(after: at("2026-11-23"), workingDays: 2) == end("2026-11-26"))
    }
}

@Suite struct DisplayMaskTests {
    func item(_ name: String, _ label: String, _ element: DataElement? = nil) -> DataItem {
        DataItem(name: name, label: label, type: .string, dataElement: element)
    }

    @Test func defaultMasksOfStandardsMd() {
        #expect(DisplayMask.citizenID.apply("11010519491231002X") == "110105********002X")
        #expect(DisplayMask.mobile.apply("13812341234") == "138****1234")
        #expect(DisplayMask.personName.apply("张三") == "张*")
        #expect(DisplayMask.personName.apply("欧阳娜娜") == "欧阳**")
        #expect(DisplayMask.personName.apply("欧阳") == "欧*")
        #expect(DisplayMask.bankCard.apply("6222021234567890123") == "622202*********0123")
        #expect(DisplayMask.address.apply("浙江省杭州市西湖区文三路90号") == "浙江省杭州市西湖区****")
        #expect(DisplayMask.address.apply("浙江省杭州市建德市新安江街道") == "浙江省杭州市建德市****")
        #expect(DisplayMask.email.apply("zhang.san@hz.gov.cn") == "z***@hz.gov.cn")
        #expect(DisplayMask.citizenID.apply(.null) == .null)
    }

    @Test func itemsGetTheirMaskFromElementOrLabel() {
        #expect(DisplayMask.of(item("gmsfhm", "公民身份号码", .citizenID)) == .citizenID)
        #expect(DisplayMask.of(item("xm", "姓名")) == .personName)
        #expect(DisplayMask.of(item("legal_rep_name", "法定代表人姓名")) == .personName)
        #expect(DisplayMask.of(item("hjdz", "户籍地址")) == .address)
        #expect(DisplayMask.of(item("qymc", "企业名称")) == .none)
        #expect(DisplayMask.of(item("xb", "性别", .sex)) == .none)
    }
}

@Suite struct SharingValueTests {
    @Test func requestHashIsCanonical() {
        let a = RequestHash.of(
            method: "GET", path: "/api/v1/share/RK/records", query: [("limit", "10"), ("filter", "sex:eq:1")], body: [])
        let b = RequestHash.of(
            method: "get", path: "/api/v1/share/RK/records", query: [("filter", "sex:eq:1"), ("limit", "10")], body: [])
        let c = RequestHash.of(
            method: "GET", path: "/api/v1/share/RK/records", query: [("filter", "sex:eq:2"), ("limit", "10")], body: [])
        #expect(a == b && a != c && a.count == 64)
    }

    @Test func grantsStopWhenRevokedSuspendedOrOutOfTerm() {
        let today = CivilDate(iso: "2026-11-23")!
        let now = today.chinaStart.addingTimeInterval(3600)
        var g = Grant(
            id: GrantID(1), application: ApplicationID(1), resource: ResourceCode(trusted: "R"),
            provider: DepartmentCode(trusted: "A"),
            consumer: DepartmentCode(trusted: "B"), items: ["x"], clearItems: [], services: [.query], purpose: "p",
            validFrom: today, validUntil: today, callsPerDay: 1, rowsPerDay: 1, status: .active, createdAt: now,
            updatedAt: now)
        #expect(g.unusableReason(at: now) == nil)
        #expect(g.unusableReason(at: today.adding(days: 1).chinaStart)?.contains("expired on 2026-11-23") == true)
        #expect(g.unusableReason(at: today.chinaStart.addingTimeInterval(-1))?.contains("valid from") == true)
        g.status = .suspended
        #expect(g.unusableReason(at: now)?.contains("suspended") == true)
        g.status = .revoked
        #expect(g.unusableReason(at: now)?.contains("revoked") == true)
    }

    @Test func systemAccountsAdmitOnlyTheirNetworks() {
        var a = SystemAccount(
            id: SystemAccountID(1), department: DepartmentCode(trusted: "B"), name: "hr", description: nil,
            keyPrefix: "zsk_",
            networks: [], createdBy: "x", createdAt: Date())
        #expect(a.admits(nil) && a.admits(IPAddress("203.0.113.5")))
        a.networks = ["10.3.0.0/16", "2001:db8::/32"]
        #expect(a.admits(IPAddress("10.3.20.1")) && a.admits(IPAddress("2001:db8::1")))
        #expect(!a.admits(IPAddress("10.4.0.1")) && !a.admits(nil))
        for bad in ["", "/", "/8", "10.0.0.0/", "10.0.0.0/33", "x/8", "10.0.0.0/8/8"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
        #expect(SystemKey.generate().count == 68 && SystemKey.generate() != SystemKey.generate())
    }
}
