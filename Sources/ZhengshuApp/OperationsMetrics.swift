import Foundation
import Logging
import Metrics
import Prometheus
import ZhengshuCore

/// The process's Prometheus registry behind swift-metrics, and the adapter the use cases count through.
///
/// swift-metrics takes one backend per process, so the registry is bootstrapped once, on first use; every application
/// built in the process (the tests build many) reports into it.
package enum OperationsMetrics {
    package static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (prometheusName(name), labels.map { (prometheusName($0.0), $0.1) })
        }
        // Request latencies from a millisecond (a cached catalog read) to a minute (a large synchronous export page).
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Hummingbird's metric labels in Prometheus's names (`hb.requests` → `zhengshu_http_requests_total`); others
    /// with dots made underscores.
    static func prometheusName(_ label: String) -> String {
        switch label {
        case "hb.requests": "zhengshu_http_requests_total"
        case "hb.request.errors": "zhengshu_http_request_errors_total"
        case "http.server.request.duration": "zhengshu_http_request_duration_seconds"
        case "http.server.active_requests": "zhengshu_http_active_requests"
        default: String(label.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" ? $0 : "_" })
        }
    }

    /// The text exposition, with the gauges read from the store at scrape time (the whole installation's, so every
    /// node reports the same): audit entries, resources, records.
    package static func exposition(store: any PlatformStore) async -> String {
        _ = registry
        if let counts = try? await store.platformCounts() {
            Gauge(label: "zhengshu_audit_entries").record(counts.auditEntries)
            Gauge(label: "zhengshu_resources", dimensions: [("status", "published")]).record(counts.publishedResources)
            Gauge(label: "zhengshu_resources", dimensions: [("status", "all")]).record(counts.resources)
            Gauge(label: "zhengshu_records").record(counts.records)
        }
        return registry.emitToString()
    }
}

/// Counts the use cases' events into the registry.
package struct PrometheusMeter: PlatformMeter {
    package init() { _ = OperationsMetrics.registry }

    package func record(_ event: PlatformEvent) {
        switch event {
        case .ingestJob(let status, let accepted, let rejected):
            Counter(label: "zhengshu_ingest_jobs_total", dimensions: [("status", status.rawValue)]).increment()
            Counter(label: "zhengshu_ingest_rows_total", dimensions: [("outcome", "accepted")]).increment(by: accepted)
            Counter(label: "zhengshu_ingest_rows_total", dimensions: [("outcome", "rejected")]).increment(by: rejected)
        case .qualityRun(let rows):
            Counter(label: "zhengshu_quality_runs_total").increment()
            Counter(label: "zhengshu_quality_rows_checked_total").increment(by: rows)
        case .denial(let action):
            Counter(label: "zhengshu_denials_total", dimensions: [("action", action)]).increment()
        }
    }
}
