import Foundation
import ZhengshuCore
import ZhengshuOpenAPI

extension APIHandler {
    func listBreakGlass(_ input: Operations.ListBreakGlass.Input) async throws -> Operations.ListBreakGlass.Output {
        let list = try await platform.breakGlass.list(by: try AppRequestContext.caller())
        let now = platform.clock.current()
        return .ok(.init(body: .json(.init(items: try list.map { try .init($0, at: now) }))))
    }

    func requestBreakGlass(
        _ input: Operations.RequestBreakGlass.Input
    ) async throws -> Operations.RequestBreakGlass.Output {
        guard case .json(let body) = input.body else { throw ZhengshuError(.invalidInput, "a JSON body is required") }
        let access = try await platform.breakGlass.request(
            resource: body.resource, reason: body.reason, minutes: body.minutes, by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(access, at: platform.clock.current()))))
    }

    func getBreakGlass(_ input: Operations.GetBreakGlass.Input) async throws -> Operations.GetBreakGlass.Output {
        let access = try await platform.breakGlass.get(String(input.path.id), by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(access, at: platform.clock.current()))))
    }

    func changeBreakGlass(
        _ input: Operations.ChangeBreakGlass.Input
    ) async throws -> Operations.ChangeBreakGlass.Output {
        let caller = try AppRequestContext.caller()
        let note: String? =
            switch input.body {
            case .json(let body): body.note
            case nil: nil
            }
        let id = String(input.path.id)
        let changed =
            switch input.path.action {
            case .approve: try await platform.breakGlass.decide(id, approve: true, note: note, by: caller)
            case .refuse: try await platform.breakGlass.decide(id, approve: false, note: note, by: caller)
            case .end: try await platform.breakGlass.end(id, by: caller)
            }
        return .ok(.init(body: .json(try .init(changed, at: platform.clock.current()))))
    }
}

extension Components.Schemas.BreakGlass {
    init(_ b: BreakGlass, at now: Date) throws {
        self.init(
            id: b.id.rawValue, resource: b.resource.rawValue, department: b.department.rawValue,
            requestedBy: b.requestedBy, reason: b.reason, minutes: b.minutes, status: try .wire(b.status.rawValue),
            open: b.isOpen(at: now), requestedAt: b.requestedAt, decidedBy: b.decidedBy, decidedAt: b.decidedAt,
            expiresAt: b.expiresAt, endedBy: b.endedBy, endedAt: b.endedAt)
    }
}
