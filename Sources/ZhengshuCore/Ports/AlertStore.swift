import Foundation

/// Risk alerts and how far the monitor has read the audit trail.
package protocol AlertStore: Sendable {
    /// Stores the alerts whose dedupe key is new (the store assigns ids); the others are left as they are.
    /// - Returns: the alerts stored.
    func insertAlerts(_ alerts: [RiskAlert]) async throws -> [RiskAlert]
    func alert(_ id: AlertID) async throws -> RiskAlert?
    /// Newest first.
    func alerts(state: RiskAlert.State?, rule: RiskAlert.Rule?, limit: Int) async throws -> [RiskAlert]
    func updateAlert(
        _ id: AlertID, audit: AuditEvent, change: @Sendable (RiskAlert) throws -> RiskAlert
    ) async throws -> RiskAlert
    /// The last audit entry the risk monitor looked at (0 before the first scan).
    func riskCursor() async throws -> Int64
    func setRiskCursor(_ sequence: Int64) async throws
}
