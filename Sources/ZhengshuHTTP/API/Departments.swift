import ZhengshuCore
import ZhengshuOpenAPI

extension APIHandler {
    func listDepartments(_ input: Operations.ListDepartments.Input) async throws -> Operations.ListDepartments.Output {
        _ = try AppRequestContext.caller()
        let list = try await platform.departments.list(
            parent: input.query.parent, level: input.query.level.map(AdminLevel.init))
        return .ok(.init(body: .json(.init(items: list.map(Components.Schemas.Department.init)))))
    }

    func createDepartment(_ input: Operations.CreateDepartment.Input) async throws -> Operations.CreateDepartment.Output
    {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let draft = DepartmentDraft(
            code: body.code, name: body.name, level: AdminLevel(body.level), parent: body.parent.map { .some($0) },
            creditCode: body.creditCode.map { .some($0) })
        return .created(
            .init(body: .json(.init(try await platform.departments.create(draft, by: try AppRequestContext.caller())))))
    }

    func getDepartment(_ input: Operations.GetDepartment.Input) async throws -> Operations.GetDepartment.Output {
        _ = try AppRequestContext.caller()
        return .ok(.init(body: .json(.init(try await platform.departments.get(input.path.code)))))
    }

    func updateDepartment(_ input: Operations.UpdateDepartment.Input) async throws -> Operations.UpdateDepartment.Output
    {
        let patch =
            switch input.body {
            case .json(let patch): patch
            }
        let draft = DepartmentDraft(
            code: patch.code, name: patch.name, level: patch.level.map(AdminLevel.init), parent: patch.parent,
            creditCode: patch.creditCode)
        let updated = try await platform.departments.update(input.path.code, draft, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(updated))))
    }

    func deleteDepartment(_ input: Operations.DeleteDepartment.Input) async throws -> Operations.DeleteDepartment.Output
    {
        try await platform.departments.delete(input.path.code, by: try AppRequestContext.caller())
        return .noContent(.init())
    }
}

extension Components.Schemas.Department {
    init(_ d: Department) {
        self.init(
            code: d.code.rawValue, name: d.name, level: .init(d.level), parent: d.parent?.rawValue,
            creditCode: d.creditCode,
            createdAt: d.createdAt, updatedAt: d.updatedAt)
    }
}

extension Components.Schemas.AdminLevel {
    init(_ level: AdminLevel) {
        switch level {
        case .province: self = .province
        case .city: self = .city
        case .county: self = .county
        }
    }
}

extension AdminLevel {
    init(_ level: Components.Schemas.AdminLevel) {
        switch level {
        case .province: self = .province
        case .city: self = .city
        case .county: self = .county
        }
    }
}
