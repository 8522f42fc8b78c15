import Foundation

/// A day that differs from the plain Monday-to-Friday week: a public holiday on a weekday, or a make-up working day
/// (调休上班) on a weekend. The bureau edits the list each year when the State Council publishes the schedule.
package struct CalendarDay: Hashable, Sendable {
    package enum Kind: String, CaseIterable, Sendable, Codable, Vocabulary {
        /// No work (法定节假日), whatever the weekday.
        case holiday
        /// Work (调休上班), whatever the weekday.
        case workday
    }

    package var date: CivilDate
    package var kind: Kind
    /// What the day is, e.g. 春节 or 春节调休.
    package var name: String

    package init(date: CivilDate, kind: Kind, name: String) {
        self.date = date
        self.kind = kind
        self.name = name
    }
}

/// Working days (工作日) in China: Monday to Friday, less public holidays, plus make-up working days.
/// Deadlines of the sharing workflow are counted in these days, in China's time zone.
package struct WorkingCalendar: Sendable {
    let exceptions: [CivilDate: CalendarDay.Kind]

    package init(_ days: [CalendarDay]) {
        exceptions = Dictionary(days.map { ($0.date, $0.kind) }) { _, last in last }
    }

    package func isWorkingDay(_ date: CivilDate) -> Bool {
        switch exceptions[date] {
        case .holiday: false
        case .workday: true
        case nil: Self.isOrdinaryWorkingDay(date)
        }
    }

    /// Monday to Friday: a working day unless the calendar says otherwise.
    package static func isOrdinaryWorkingDay(_ date: CivilDate) -> Bool { date.weekday <= 5 }

    /// The end of the `n`th working day after the day of `instant` (the day itself does not count, as an office counts
    /// "within 2 working days"); with `n == 0`, the end of the day of `instant`.
    package func deadline(after instant: Date, workingDays n: Int) -> Date {
        var day = CivilDate(chinaTime: instant)
        var left = n
        while left > 0 {
            day = day.adding(days: 1)
            if isWorkingDay(day) { left -= 1 }
        }
        return day.adding(days: 1).chinaStart.addingTimeInterval(-0.001)
    }

    /// Working days from the day of `start` to the day of `end` (0 when both fall on one day or `end` is earlier).
    package func workingDays(from start: Date, to end: Date) -> Int {
        var day = CivilDate(chinaTime: start)
        let last = CivilDate(chinaTime: end)
        var n = 0
        while day < last {
            day = day.adding(days: 1)
            if isWorkingDay(day) { n += 1 }
        }
        return n
    }

    /// The State Council's schedules (国务院办公厅关于部分节假日安排的通知) for 2025 and 2026, shipped as the starting
    /// calendar of a new installation; the bureau adds later years (and corrects local variations) itself.
    package static let chinaDefaults: [CalendarDay] = {
        var days: [CalendarDay] = []
        func holidays(_ name: String, _ from: String, _ to: String) {
            var d = CivilDate(iso: from)!
            let end = CivilDate(iso: to)!
            while d <= end {
                days.append(CalendarDay(date: d, kind: .holiday, name: name))
                d = d.adding(days: 1)
            }
        }
        func workday(_ name: String, _ date: String) {
            days.append(CalendarDay(date: CivilDate(iso: date)!, kind: .workday, name: name))
        }
        // 2025: 国办发明电〔2024〕12号
        holidays("元旦", "2025-01-01", "2025-01-01")
        holidays("春节", "2025-01-28", "2025-02-04")
        workday("春节调休", "2025-01-26")
        workday("春节调休", "2025-02-08")
        holidays("清明节", "2025-04-04", "2025-04-06")
        holidays("劳动节", "2025-05-01", "2025-05-05")
        workday("劳动节调休", "2025-04-27")
        holidays("端午节", "2025-05-31", "2025-06-02")
        holidays("国庆节、中秋节", "2025-10-01", "2025-10-08")
        workday("国庆节调休", "2025-09-28")
        workday("国庆节调休", "2025-10-11")
        // 2026: 国办发明电〔2025〕7号
        holidays("元旦", "2026-01-01", "2026-01-03")
        workday("元旦调休", "2026-01-04")
        holidays("春节", "2026-02-15", "2026-02-23")
        workday("春节调休", "2026-02-14")
        workday("春节调休", "2026-02-28")
        holidays("清明节", "2026-04-04", "2026-04-06")
        holidays("劳动节", "2026-05-01", "2026-05-05")
        workday("劳动节调休", "2026-05-09")
        holidays("端午节", "2026-06-19", "2026-06-21")
        holidays("中秋节", "2026-09-25", "2026-09-27")
        holidays("国庆节", "2026-10-01", "2026-10-07")
        workday("国庆节调休", "2026-09-20")
        workday("国庆节调休", "2026-10-10")
        return days
    }()
}

/// How many working days each step of an application may take (政务数据共享条例; defaults of STANDARDS.md).
package struct ShareDeadlines: Sendable, Hashable {
    /// The bureau's compliance review (符合性审查).
    package var review: Int
    /// The provider's answer when the data is already on the platform.
    package var provider: Int
    /// The provider's answer when the data must first be loaded onto the platform.
    package var providerWithoutData: Int
    /// The bureau's second approval of important, core or L4 data.
    package var bureauApproval: Int
    /// The bureau's ruling on a dispute.
    package var dispute: Int

    package init(
        review: Int = 2, provider: Int = 5, providerWithoutData: Int = 10, bureauApproval: Int = 5, dispute: Int = 10
    ) {
        self.review = review
        self.provider = provider
        self.providerWithoutData = providerWithoutData
        self.bureauApproval = bureauApproval
        self.dispute = dispute
    }
}
