import Foundation

/// Who is calling a use case and through which request: every audit entry names both.
package struct Caller: Sendable {
    package var principal: Principal
    package var requestID: String

    package init(_ principal: Principal, requestID: String) {
        self.principal = principal
        self.requestID = requestID
    }

    package func audit(_ action: String, _ target: String, at: Date, detail: String? = nil) -> AuditEvent {
        AuditEvent(
            actor: principal.name, actorDepartment: principal.department?.rawValue, action: action, target: target,
            at: at, requestID: requestID, detail: detail)
    }
}

/// Injected time, so tests and the audit trail agree on "now".
package struct PlatformClock: Sendable {
    package var now: @Sendable () -> Date
    package init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    /// Now, truncated to the millisecond the stores keep.
    package func current() -> Date {
        Date(timeIntervalSince1970: (now().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
