/// What the use cases count for operations (Prometheus through the application's adapter); Core never measures time
/// or talks to a metrics backend itself.
package enum PlatformEvent: Sendable, Hashable {
    /// An import or pull job ended: `status` is the job's final status.
    case ingestJob(status: JobStatus, rowsAccepted: Int, rowsRejected: Int)
    /// A quality run finished over `rows` records.
    case qualityRun(rows: Int)
    /// A refused call that was written to the audit trail (`share.query.denied`, `login.failed`, …).
    case denial(action: String)
}

/// The port the use cases record ``PlatformEvent``s through.
package protocol PlatformMeter: Sendable {
    func record(_ event: PlatformEvent)
}

/// Counts nothing: tests and CLI tasks that do not expose metrics.
package struct NoMeter: PlatformMeter {
    package init() {}
    package func record(_ event: PlatformEvent) {}
}
