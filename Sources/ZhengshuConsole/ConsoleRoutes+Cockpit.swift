import Foundation
import Hummingbird
import ZhengshuCore

extension ConsoleRoutes {
    /// The data bureau's cockpit (首页驾驶舱): counts, four charts and the lists that need action.
    func cockpit(_ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String) async throws -> Response {
        let caller = s.caller(context)
        let p = platform
        let counts = try await p.counts(by: caller)
        let grants = try await p.sharing.grants(consumer: nil, provider: nil, resource: nil, by: caller)
        let today = CivilDate(chinaTime: Date())
        let days = (0..<14).reversed().map { today.adding(days: -$0) }
        let usage = try await p.sharing.usage(
            from: days[0].description, to: today.description, department: nil, by: caller)
        var resources: [Resource] = []
        while true {
            let page = try await p.catalog.search(CatalogSearch(limit: 100, offset: resources.count), by: caller)
            resources += page.resources
            if page.resources.isEmpty || resources.count >= page.total { break }
        }
        let departments = try await p.departments.list(parent: nil, level: nil)
        let names = Dictionary(departments.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let scores = try await p.quality.scores(department: nil, by: caller).departments
        let freshness = try await p.ingestion.freshness(department: nil, by: caller)
        let overdueApplications = try await p.sharing.applications(
            ApplicationFilter(overdueAt: Date(), limit: 50), by: caller)
        let backups = try await p.backupRuns(by: caller).prefix(5)

        var byCategory: [String: Int] = [:]
        for r in resources { byCategory[r.category, default: 0] += 1 }
        let categoryBars = byCategory.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { SVGChart.Bar(label: $0.key, value: Double($0.value)) }
        var callsByDay: [CivilDate: Int] = [:]
        for u in usage { callsByDay[u.day, default: 0] += u.calls }
        let dayBars = days.map {
            SVGChart.Bar(label: String($0.description.suffix(5)), value: Double(callsByDay[$0] ?? 0))
        }
        let scoreBars = scores.sorted { $0.score > $1.score }.map {
            SVGChart.Bar(
                label: names[$0.department] ?? $0.department.rawValue, value: $0.score,
                text: String(format: "%.1f", $0.score),
                color: $0.score >= 90 ? "#2f855a" : $0.score >= 75 ? "#b7791f" : "#c53030")
        }
        let colors: [FreshnessStatus: String] = [
            .fresh: "#2f855a", .due: "#b7791f", .overdue: "#c53030", .unscheduled: "#7b8794",
        ]
        let freshnessBars = FreshnessStatus.allCases.map { status in
            SVGChart.Bar(
                label: text("freshness.\(status.rawValue)", lang),
                value: Double(freshness.filter { $0.status == status }.count),
                color: colors[status])
        }
        let calls = usage.reduce(0) { $0 + $1.calls }
        let values: [String: Any] = [
            "counts": [
                ["label": text("cockpit.departments", lang), "value": counts.departments],
                ["label": text("cockpit.resources", lang), "value": counts.resources],
                ["label": text("cockpit.published", lang), "value": counts.publishedResources],
                ["label": text("cockpit.records", lang), "value": counts.records],
                ["label": text("cockpit.grants", lang), "value": grants.filter { $0.status == .active }.count],
                ["label": text("cockpit.calls", lang), "value": calls],
            ],
            "charts": [
                [
                    "id": "chart-categories", "title": text("cockpit.chart.categories", lang),
                    "svg": SVGChart.bars(
                        categoryBars, title: text("cockpit.chart.categories", lang), empty: text("chart.empty", lang)),
                ],
                [
                    "id": "chart-calls", "title": text("cockpit.chart.calls", lang),
                    "svg": SVGChart.columns(
                        dayBars, title: text("cockpit.chart.calls", lang), empty: text("chart.empty", lang)),
                ],
                [
                    "id": "chart-quality", "title": text("cockpit.chart.quality", lang),
                    "svg": SVGChart.bars(
                        scoreBars, title: text("cockpit.chart.quality", lang), empty: text("chart.noQuality", lang),
                        maximum: 100),
                ],
                [
                    "id": "chart-freshness", "title": text("cockpit.chart.freshness", lang),
                    "svg": SVGChart.bars(
                        freshnessBars, title: text("cockpit.chart.freshness", lang), empty: text("chart.empty", lang)),
                ],
            ],
            "overdueApplications": overdueApplications.map { a in
                [
                    "id": a.id.rawValue, "resource": a.resource.rawValue,
                    "consumer": a.isOpenData
                        ? "\(text("role.member", lang)) \(a.applicant)" : names[a.consumer] ?? a.consumer.rawValue,
                    "status": text("application.status.\(a.status.rawValue)", lang), "due": ConsoleTime.minute(a.dueAt),
                ] as [String: Any]
            },
            "hasOverdueApplications": !overdueApplications.isEmpty,
            "overdueUpdates": freshness.filter { $0.status == .overdue }.map { f in
                [
                    "code": f.code.rawValue, "name": f.name, "department": names[f.department] ?? f.department.rawValue,
                    "cycle": text("cycle.\(f.updateCycle.rawValue)", lang), "last": ConsoleTime.minute(f.lastUpdatedAt),
                ] as [String: Any]
            },
            "hasOverdueUpdates": freshness.contains { $0.status == .overdue },
            "backups": backups.map { b in
                [
                    "status": text("backup.status.\(b.status.rawValue)", lang), "failed": b.status == .failed,
                    "at": ConsoleTime.minute(b.startedAt),
                    "file": (b.file as NSString).lastPathComponent,
                    "size": b.bytes.map { String(format: "%.1f MiB", Double($0) / 1_048_576) } ?? "—",
                    "seconds": b.milliseconds.map { String(format: "%.1f s", Double($0) / 1000) } ?? "—",
                    "error": b.error ?? "",
                ] as [String: Any]
            },
            "hasBackups": !backups.isEmpty,
            "backupFailed": backups.first?.status == .failed,
        ]
        return render("cockpit", values, title: "cockpit.title", session: s, request: request)
    }

    /// A department user's start page: what waits for them.
    func home(_ request: Request, _ context: Context, _ s: ConsoleSession, _ lang: String) async throws -> Response {
        let caller = s.caller(context)
        let p = s.principal
        var tasks: [[String: Any]] = []
        if let department = p.department {
            let applications = try await platform.sharing.applications(
                ApplicationFilter(department: department, limit: 200), by: caller)
            if p.roles.contains(.provider) {
                let waiting = applications.filter { $0.status == .provider && $0.provider == department }.count
                tasks.append(["href": "/applications?box=inbox", "label": text("home.inbox", lang), "value": waiting])
                let own = try await platform.catalog.search(CatalogSearch(department: department, limit: 1), by: caller)
                    .total
                tasks.append([
                    "href": "/catalog?department=\(department.rawValue)", "label": text("home.ownResources", lang),
                    "value": own,
                ])
            }
            if p.roles.contains(.consumer) {
                let mine = applications.filter { $0.consumer == department && $0.status.isPending }.count
                tasks.append(["href": "/applications?box=mine", "label": text("home.pending", lang), "value": mine])
                let grants = try await platform.sharing.grants(
                    consumer: department.rawValue, provider: nil, resource: nil, by: caller)
                tasks.append([
                    "href": "/grants", "label": text("home.grants", lang),
                    "value": grants.filter { $0.status == .active }.count,
                ])
            }
        }
        return render("home", ["tasks": tasks], title: "home.title", session: s, request: request)
    }
}
