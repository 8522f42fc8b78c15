import Foundation
import ZhengshuCore

extension Workspace: Stored { package typealias Document = WorkspaceDocument }

package struct WorkspaceDocument: StoredDocument {
    var id: WorkspaceID
    var consumer: DepartmentCode
    var name: String
    var createdBy: String
    var createdAt: Date
    var status: Workspace.Status
    var tables: [Table]
    var error: String?
    var closedAt: Date?

    package init(_ w: Workspace) {
        id = w.id
        consumer = w.consumer
        name = w.name
        createdBy = w.createdBy
        createdAt = w.createdAt
        status = w.status
        tables = w.tables.map(Table.init)
        error = w.error
        closedAt = w.closedAt
    }

    package func value() -> Workspace {
        Workspace(
            id: id, consumer: consumer, name: name, createdBy: createdBy, createdAt: createdAt, status: status,
            tables: tables.map(\.value), error: error, closedAt: closedAt)
    }

    struct Table: Codable {
        var name: String
        var resource: ResourceCode
        var grant: GrantID
        var provider: DepartmentCode
        var columns: [Column]
        var rows: Int

        init(_ t: WorkspaceTable) {
            name = t.name
            resource = t.resource
            grant = t.grant
            provider = t.provider
            columns = t.columns.map { Column(name: $0.name, type: $0.type, masked: $0.masked) }
            rows = t.rows
        }

        var value: WorkspaceTable {
            WorkspaceTable(
                name: name, resource: resource, grant: grant, provider: provider,
                columns: columns.map { .init(name: $0.name, type: $0.type, masked: $0.masked) }, rows: rows)
        }
    }

    struct Column: Codable {
        var name: String
        var type: DataType
        var masked: Bool
    }
}

/// A sandbox result: column names, rows of record values, and whether rows were cut.
struct SandboxResultDocument: Codable {
    var columns: [String]
    var rows: [[RecordValue]]
    var truncated: Bool

    init(_ r: SandboxResult) {
        columns = r.columns
        rows = r.rows
        truncated = r.truncated
    }

    var value: SandboxResult { SandboxResult(columns: columns, rows: rows, truncated: truncated) }
}

extension SandboxQueryRecord: Stored { package typealias Document = SandboxQueryDocument }

package struct SandboxQueryDocument: StoredDocument {
    var id: SandboxQueryID
    var workspace: WorkspaceID
    var sql: String
    var ranBy: String
    var ranAt: Date
    var milliseconds: Int
    var result: SandboxResultDocument

    package init(_ q: SandboxQueryRecord) {
        id = q.id
        workspace = q.workspace
        sql = q.sql
        ranBy = q.ranBy
        ranAt = q.ranAt
        milliseconds = q.milliseconds
        result = SandboxResultDocument(q.result)
    }

    package func value() -> SandboxQueryRecord {
        SandboxQueryRecord(
            id: id, workspace: workspace, sql: sql, ranBy: ranBy, ranAt: ranAt, milliseconds: milliseconds,
            result: result.value)
    }
}

extension SandboxRelease: Stored { package typealias Document = SandboxReleaseDocument }

package struct SandboxReleaseDocument: StoredDocument {
    var id: ReleaseID
    var workspace: WorkspaceID
    var query: SandboxQueryID
    var consumer: DepartmentCode
    var providers: [DepartmentCode]
    var purpose: String
    var requestedBy: String
    var requestedAt: Date
    var status: SandboxRelease.Status
    var k: Int
    var smallestGroup: Int
    var result: SandboxResultDocument
    var decisions: [Decision]

    package init(_ r: SandboxRelease) {
        id = r.id
        workspace = r.workspace
        query = r.query
        consumer = r.consumer
        providers = r.providers
        purpose = r.purpose
        requestedBy = r.requestedBy
        requestedAt = r.requestedAt
        status = r.status
        k = r.k
        smallestGroup = r.smallestGroup
        result = SandboxResultDocument(r.result)
        decisions = r.decisions.map {
            Decision(department: $0.department, by: $0.by, at: $0.at, approve: $0.approve, reason: $0.reason)
        }
    }

    package func value() -> SandboxRelease {
        SandboxRelease(
            id: id, workspace: workspace, query: query, consumer: consumer, providers: providers, purpose: purpose,
            requestedBy: requestedBy, requestedAt: requestedAt, status: status, k: k, smallestGroup: smallestGroup,
            result: result.value,
            decisions: decisions.map {
                .init(department: $0.department, by: $0.by, at: $0.at, approve: $0.approve, reason: $0.reason)
            })
    }

    struct Decision: Codable {
        var department: DepartmentCode
        var by: String
        var at: Date
        var approve: Bool
        var reason: String?
    }
}
