import Foundation

/// Identifier of a sandbox workspace.
package typealias WorkspaceID = RowID<Workspace>
/// Identifier of a query run in a workspace.
package typealias SandboxQueryID = RowID<SandboxQueryRecord>
/// Identifier of a release request.
package typealias ReleaseID = RowID<SandboxRelease>

/// A consuming department's sandbox workspace (数据沙箱): copies of the items its sandbox grants cover, masked as each
/// grant says, where its users run read-only SQL. Nothing leaves it but released aggregates.
package struct Workspace: Hashable, Sendable {
    package enum Status: String, CaseIterable, Sendable, Codable, Vocabulary {
        /// Its copies are being made.
        case preparing
        case ready
        /// A copy failed; the reason is in `error` and nothing of the copy is kept.
        case failed
        /// Closed by its department: its copies are deleted.
        case closed
    }

    package var id: WorkspaceID
    package var consumer: DepartmentCode
    package var name: String
    package var createdBy: String
    package var createdAt: Date
    package var status: Status
    package var tables: [WorkspaceTable]
    package var error: String?
    package var closedAt: Date?

    package init(
        id: WorkspaceID, consumer: DepartmentCode, name: String, createdBy: String, createdAt: Date, status: Status,
        tables: [WorkspaceTable], error: String? = nil, closedAt: Date? = nil
    ) {
        self.id = id
        self.consumer = consumer
        self.name = name
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.status = status
        self.tables = tables
        self.error = error
        self.closedAt = closedAt
    }

    /// The providing departments whose data the workspace holds.
    package var providers: [DepartmentCode] { Array(Set(tables.map(\.provider))).sorted { $0.rawValue < $1.rawValue } }
}

/// One granted resource copied into a workspace.
package struct WorkspaceTable: Hashable, Sendable {
    /// The table's name inside the workspace (the resource code in lower case, `-` as `_`: `POP-1` is `pop_1`).
    package var name: String
    package var resource: ResourceCode
    package var grant: GrantID
    package var provider: DepartmentCode
    package var columns: [WorkspaceColumn]
    /// Rows copied so far (all of them once the workspace is ready).
    package var rows: Int

    package init(
        name: String, resource: ResourceCode, grant: GrantID, provider: DepartmentCode, columns: [WorkspaceColumn],
        rows: Int
    ) {
        self.name = name
        self.resource = resource
        self.grant = grant
        self.provider = provider
        self.columns = columns
        self.rows = rows
    }

    package static func name(for code: ResourceCode) -> String {
        String(code.rawValue.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}

/// A column of a workspace table: a granted item, typed as stored, or as text when its values are masked.
package struct WorkspaceColumn: Hashable, Sendable {
    package var name: String
    package var type: DataType
    package var masked: Bool

    package init(name: String, type: DataType, masked: Bool) {
        self.name = name
        self.type = type
        self.masked = masked
    }
}

/// The limits every workspace statement runs under.
package struct SandboxLimits: Hashable, Sendable {
    /// A statement running longer is stopped.
    package var timeout: Duration
    /// At most this many result rows are kept (the rest are not read).
    package var maxRows: Int
    /// Every group of a released aggregate must cover at least this many rows.
    package var k: Int

    package init(timeout: Duration = .seconds(10), maxRows: Int = 1000, k: Int = ReleaseRules.defaultK) {
        self.timeout = timeout
        self.maxRows = maxRows
        self.k = k
    }
}

/// A statement's answer inside a workspace.
package struct SandboxResult: Hashable, Sendable {
    package var columns: [String]
    package var rows: [[RecordValue]]
    /// More rows than the limit: the rest were not read.
    package var truncated: Bool

    package init(columns: [String], rows: [[RecordValue]], truncated: Bool) {
        self.columns = columns
        self.rows = rows
        self.truncated = truncated
    }
}

/// A statement run in a workspace and its result, kept in the workspace (results do not leave it but by release).
package struct SandboxQueryRecord: Hashable, Sendable {
    package var id: SandboxQueryID
    package var workspace: WorkspaceID
    package var sql: String
    package var ranBy: String
    package var ranAt: Date
    package var milliseconds: Int
    package var result: SandboxResult

    package init(
        id: SandboxQueryID, workspace: WorkspaceID, sql: String, ranBy: String, ranAt: Date, milliseconds: Int,
        result: SandboxResult
    ) {
        self.id = id
        self.workspace = workspace
        self.sql = sql
        self.ranBy = ranBy
        self.ranAt = ranAt
        self.milliseconds = milliseconds
        self.result = result
    }
}

/// A request to take a query's result out of a workspace, approved by every department whose data it read.
package struct SandboxRelease: Hashable, Sendable {
    package enum Status: String, CaseIterable, Sendable, Codable, Vocabulary { case pending, approved, rejected }

    package struct Decision: Hashable, Sendable {
        package var department: DepartmentCode
        package var by: String
        package var at: Date
        package var approve: Bool
        package var reason: String?

        package init(department: DepartmentCode, by: String, at: Date, approve: Bool, reason: String?) {
            self.department = department
            self.by = by
            self.at = at
            self.approve = approve
            self.reason = reason
        }
    }

    package var id: ReleaseID
    package var workspace: WorkspaceID
    package var query: SandboxQueryID
    package var consumer: DepartmentCode
    /// The departments whose data the workspace holds: each must approve.
    package var providers: [DepartmentCode]
    package var purpose: String
    package var requestedBy: String
    package var requestedAt: Date
    package var status: Status
    /// The k every group was checked against, and the smallest group found.
    package var k: Int
    package var smallestGroup: Int
    /// The result to be released: the aggregate's own columns (the group sizes are not part of it).
    package var result: SandboxResult
    package var decisions: [Decision]

    package init(
        id: ReleaseID, workspace: WorkspaceID, query: SandboxQueryID, consumer: DepartmentCode,
        providers: [DepartmentCode], purpose: String, requestedBy: String, requestedAt: Date, status: Status, k: Int,
        smallestGroup: Int, result: SandboxResult, decisions: [Decision]
    ) {
        self.id = id
        self.workspace = workspace
        self.query = query
        self.consumer = consumer
        self.providers = providers
        self.purpose = purpose
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.status = status
        self.k = k
        self.smallestGroup = smallestGroup
        self.result = result
        self.decisions = decisions
    }

    /// The providers that have not decided yet.
    package var awaiting: [DepartmentCode] { providers.filter { p in !decisions.contains { $0.department == p } } }
}

extension SandboxResult {
    /// The result as CSV (UTF-8, a header row), as an approved release is downloaded.
    package var csv: [UInt8] {
        var bytes = ExportEncoding.header(columns, .csv)
        for row in rows { bytes += ExportEncoding.row(row.map { $0 == .null ? nil : $0.text }, names: columns, .csv) }
        return bytes
    }
}
