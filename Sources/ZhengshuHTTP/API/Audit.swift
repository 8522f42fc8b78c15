import Foundation
import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

extension APIHandler {
    func listAudit(_ input: Operations.ListAudit.Input) async throws -> Operations.ListAudit.Output {
        let q = input.query
        let filter = try Self.auditFilter(
            after: q.after, limit: q.limit, action: q.action, target: q.target, resource: q.resource,
            actor: q.actor, department: q.department, from: q.from, to: q.to)
        let entries = try await platform.audit.entries(filter, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: entries.map(Components.Schemas.AuditEntry.init)))))
    }

    func exportAudit(_ input: Operations.ExportAudit.Input) async throws -> Operations.ExportAudit.Output {
        let q = input.query
        let filter = try Self.auditFilter(
            after: nil, limit: nil, action: q.action, target: q.target, resource: q.resource, actor: q.actor,
            department: q.department, from: q.from, to: q.to)
        let csv = q.format == .csv
        let pages = try await platform.audit.export(filter, by: try AppRequestContext.caller())
        let header =
            csv
            ? [
                ArraySlice(
                    "\u{FEFF}sequence,at,actor,actorDepartment,action,target,requestId,detail,previousHash,hash\r\n"
                        .utf8)
            ] : []
        let lines = pages.map { page in
            var out: [UInt8] = []
            for e in page {
                if csv {
                    let ev = e.event
                    let fields = [
                        String(e.sequence), ev.at.formatted(.iso8601), ev.actor, ev.actorDepartment ?? "", ev.action,
                        ev.target,
                        ev.requestID, ev.detail ?? "", e.previousHash, e.hash,
                    ]
                    out += Array((fields.map(APIRoutes.csvField).joined(separator: ",") + "\r\n").utf8)
                } else {
                    out += try JSON.encoder.encode(Components.Schemas.AuditEntry(e)) + [0x0A]
                }
            }
            return ArraySlice(out)
        }
        let body = HTTPBody(Chain(header, lines), length: .unknown, iterationBehavior: .single)
        let disposition = "attachment; filename=\"audit.\(csv ? "csv" : "jsonl")\""
        return .ok(
            .init(headers: .init(contentDisposition: disposition), body: csv ? .csv(body) : .applicationXNdjson(body)))
    }

    func listAlerts(_ input: Operations.ListAlerts.Input) async throws -> Operations.ListAlerts.Output {
        let alerts = try await platform.alerts.list(
            state: input.query.state?.rawValue, rule: input.query.rule?.rawValue,
            by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try alerts.map(Components.Schemas.Alert.init)))))
    }

    func getAlert(_ input: Operations.GetAlert.Input) async throws -> Operations.GetAlert.Output {
        .ok(
            .init(
                body: .json(
                    try .init(try await platform.alerts.get(String(input.path.id), by: try AppRequestContext.caller())))
            ))
    }

    func changeAlert(_ input: Operations.ChangeAlert.Input) async throws -> Operations.ChangeAlert.Output {
        let state: RiskAlert.State =
            switch input.path.action {
            case .acknowledge: .acknowledged
            case .close: .closed
            case .reopen: .open
            }
        let note: String? =
            switch input.body {
            case .json(let body): body.note
            case nil: nil
            }
        let changed = try await platform.alerts.change(
            String(input.path.id), to: state, note: note, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(changed))))
    }

    /// The audit trail's filter from a list's or an export's query: `from` and `to` a day (China time) or an instant.
    static func auditFilter(
        after: Int?, limit: Int?, action: String?, target: String?, resource: String?, actor: String?,
        department: String?, from: String?, to: String?
    ) throws -> AuditFilter {
        func instant(_ name: String, _ raw: String?) throws -> Date? {
            guard let raw, !raw.isEmpty else { return nil }
            if let day = CivilDate(iso: raw) { return day.chinaStart }
            guard let t = try? Date(raw, strategy: .iso8601) else {
                throw ZhengshuError(
                    .invalidInput,
                    "\(name) must be a date (2026-11-23, China time) or an ISO 8601 instant (2026-11-23T08:00:00Z)")
            }
            return t
        }
        var target = target
        if let resource {
            guard target == nil else { throw ZhengshuError(.invalidInput, "give resource or target, not both") }
            target = "resource:\(resource)"
        }
        return AuditFilter(
            after: Int64(after ?? 0), limit: limit ?? 100, action: action, target: target, actor: actor,
            department: department,
            from: try instant("from", from), to: try instant("to", to))
    }
}

/// The elements of one sequence, then another's.
struct Chain<Head: Sequence & Sendable, Tail: AsyncSequence & Sendable>: AsyncSequence, Sendable
where Head.Element == Tail.Element, Head.Element: Sendable {
    let head: Head
    let tail: Tail

    init(_ head: Head, _ tail: Tail) {
        self.head = head
        self.tail = tail
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var head: Head.Iterator
        var tail: Tail.AsyncIterator

        mutating func next() async throws -> Head.Element? {
            if let h = head.next() { return h }
            return try await tail.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(head: head.makeIterator(), tail: tail.makeAsyncIterator())
    }
}

extension Components.Schemas.AuditEntry {
    init(_ e: AuditEntry) {
        self.init(
            sequence: e.sequence, actor: e.event.actor, actorDepartment: e.event.actorDepartment,
            action: e.event.action,
            target: e.event.target, at: e.event.at, requestId: e.event.requestID, detail: e.event.detail,
            previousHash: e.previousHash,
            hash: e.hash)
    }
}

extension Components.Schemas.Alert {
    init(_ a: RiskAlert) throws {
        self.init(
            id: a.id.rawValue, rule: try .wire(a.rule.rawValue), severity: try .wire(a.severity.rawValue),
            state: try .wire(a.state.rawValue),
            subject: a.subject, department: a.department, summary: a.summary, evidence: a.evidence, from: a.from,
            to: a.to,
            raisedAt: a.raisedAt, dedupeKey: a.dedupeKey, updatedAt: a.updatedAt, updatedBy: a.updatedBy, note: a.note)
    }
}
