import Foundation

/// Managing departments: the data bureau creates, edits and removes them; every signed-in user may read them.
package struct Departments: Sendable {
    let store: any DepartmentStore
    let clock: PlatformClock

    package init(store: any DepartmentStore, clock: PlatformClock) {
        self.store = store
        self.clock = clock
    }

    package func create(_ draft: DepartmentDraft, by caller: Caller) async throws -> Department {
        try caller.principal.require(anyOf: [.admin], to: "creating a department")
        let now = clock.current()
        let department = try DepartmentRules.newDepartment(from: draft, now: now)
        try await store.insertDepartment(
            department, audit: caller.audit("department.create", "department:\(department.code)", at: now))
        return department
    }

    package func update(_ code: String, _ draft: DepartmentDraft, by caller: Caller) async throws -> Department {
        try caller.principal.require(anyOf: [.admin], to: "editing a department")
        let code = try DepartmentCode(validating: code)
        let now = clock.current()
        let fields = DepartmentDraft.changedFields(draft)
        return try await store.updateDepartment(
            code, audit: caller.audit("department.update", "department:\(code)", at: now, detail: fields)
        ) { current in try DepartmentRules.applying(draft, to: current, now: now) }
    }

    package func delete(_ code: String, by caller: Caller) async throws {
        try caller.principal.require(anyOf: [.admin], to: "deleting a department")
        let code = try DepartmentCode(validating: code)
        try await store.deleteDepartment(
            code, audit: caller.audit("department.delete", "department:\(code)", at: clock.current()))
    }

    package func get(_ code: String) async throws -> Department {
        let code = try DepartmentCode(validating: code)
        guard let d = try await store.department(code) else {
            throw ZhengshuError(.notFound, "department \(code) does not exist")
        }
        return d
    }

    package func list(parent: String?, level: AdminLevel?) async throws -> [Department] {
        try await store.departments(
            parent: try parent.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) },
            level: level)
    }
}

extension DepartmentDraft {
    static func changedFields(_ d: DepartmentDraft) -> String {
        var f: [String] = []
        if d.name != nil { f.append("name") }
        if d.level != nil { f.append("level") }
        if d.parent != nil { f.append("parent") }
        if d.creditCode != nil { f.append("creditCode") }
        return "fields: " + f.joined(separator: ",")
    }
}
