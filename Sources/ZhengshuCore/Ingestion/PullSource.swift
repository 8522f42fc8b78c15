import Foundation

/// Identifier of a registered pull source.
package typealias PullSourceID = RowID<PullSource>

/// Where a scheduled pull reads a department's own system.
package enum PullKind: String, CaseIterable, Sendable, Codable, Vocabulary {
    /// A SQLite database file the platform can read.
    case sqlite
    /// An HTTP(S) URL serving CSV, JSON Lines or a JSON array.
    case http
    /// A PostgreSQL database, by connection string (`postgres://user:password@host:5432/db?sslmode=require`).
    case postgres
}

/// A department system the platform pulls from on a schedule (定时归集), incrementally when a watermark column is set.
package struct PullSource: Sendable, Hashable {
    package var id: PullSourceID
    package var resource: ResourceCode
    package var department: DepartmentCode
    package var kind: PullKind
    /// File path (sqlite), URL (http) or connection string (postgres; its password is never shown back).
    package var location: String
    /// SQL `SELECT` (sqlite, postgres); for http, unused.
    package var query: String?
    /// The format of an http source's body.
    package var format: SourceFormat
    package var mode: ImportMode
    package var intervalSeconds: Int
    /// A column that grows with every change (an update time, a sequence): only rows above the last value are pulled.
    package var watermarkColumn: String?
    package var lastWatermark: String?
    package var nextRunAt: Date
    package var lastJob: JobID?
    package var lastError: String?
    package var enabled: Bool
    /// Logical collection (逻辑归集): the resource's records are read from this source at query time, never copied.
    package var live: Bool
    package var createdBy: String
    package var createdAt: Date

    package init(
        id: PullSourceID, resource: ResourceCode, department: DepartmentCode, kind: PullKind, location: String,
        query: String?, format: SourceFormat, mode: ImportMode, intervalSeconds: Int, watermarkColumn: String?,
        lastWatermark: String?, nextRunAt: Date, lastJob: JobID?, lastError: String?, enabled: Bool, live: Bool = false,
        createdBy: String, createdAt: Date
    ) {
        self.id = id
        self.resource = resource
        self.department = department
        self.kind = kind
        self.location = location
        self.query = query
        self.format = format
        self.mode = mode
        self.intervalSeconds = intervalSeconds
        self.watermarkColumn = watermarkColumn
        self.lastWatermark = lastWatermark
        self.nextRunAt = nextRunAt
        self.lastJob = lastJob
        self.lastError = lastError
        self.enabled = enabled
        self.live = live
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// What a provider submits to register a pull source.
package struct PullSourceDraft: Sendable {
    package var kind: PullKind
    package var location: String
    package var query: String?
    package var format: SourceFormat?
    package var mode: ImportMode?
    package var intervalSeconds: Int
    package var watermarkColumn: String?
    /// Read live at query time instead of copying (database sources; the SELECT names its columns as the items).
    package var live: Bool?

    package init(
        kind: PullKind, location: String, query: String? = nil, format: SourceFormat? = nil, mode: ImportMode? = nil,
        intervalSeconds: Int, watermarkColumn: String? = nil, live: Bool? = nil
    ) {
        self.kind = kind
        self.location = location
        self.query = query
        self.format = format
        self.mode = mode
        self.intervalSeconds = intervalSeconds
        self.watermarkColumn = watermarkColumn
        self.live = live
    }

    /// Every rule a source must satisfy.
    package func validate() throws(ZhengshuError) {
        var v: [ZhengshuError.Violation] = []
        if !(60...31_622_400).contains(intervalSeconds) {
            v.append(.init(field: "intervalSeconds", reason: "must be from 60 (a minute) to 31622400 (a year)"))
        }
        switch kind {
        case .sqlite, .postgres:
            if kind == .sqlite, location.isEmpty || !location.hasPrefix("/") {
                v.append(.init(field: "location", reason: "must be an absolute path to a SQLite file"))
            }
            if kind == .postgres, !(location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")) {
                v.append(
                    .init(
                        field: "location",
                        reason: "must be a connection string like postgres://user:password@host:5432/database"))
            }
            let q = (query ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if !(q.lowercased().hasPrefix("select") || q.lowercased().hasPrefix("with")) {
                v.append(.init(field: "query", reason: "must be a SELECT statement"))
            } else if q.contains(";") {
                v.append(.init(field: "query", reason: "must be one statement without ';' (it is read as a subquery)"))
            }
        case .http:
            if !(location.hasPrefix("http://") || location.hasPrefix("https://")) {
                v.append(.init(field: "location", reason: "must be an http:// or https:// URL"))
            }
            if format == .xlsx {
                v.append(.init(field: "format", reason: "an http source serves csv, tsv, jsonl or json"))
            }
            if watermarkColumn != nil {
                v.append(
                    .init(field: "watermarkColumn", reason: "http sources are pulled whole; use mode upsert or replace")
                )
            }
        }
        if let w = watermarkColumn,
            w.isEmpty || w.count > 64 || w.first!.isNumber
                || !w.unicodeScalars.allSatisfy({
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_")
                })
        {
            v.append(.init(field: "watermarkColumn", reason: "must be a plain column name (ASCII letters, digits, _)"))
        }
        if live == true, kind == .http {
            v.append(.init(field: "live", reason: "only database sources can be read live"))
        }
        guard v.isEmpty else { throw .validation(v) }
    }
}

/// What a connector fetched: bytes to stream into the importer, their format, and the new watermark.
package struct PulledData: Sendable {
    package var chunks: any AsyncSequence<[UInt8], any Error> & Sendable
    package var format: SourceFormat
    /// The highest watermark value among the rows (`nil` when there is no watermark or no rows).
    package var watermark: String?

    package init(chunks: any AsyncSequence<[UInt8], any Error> & Sendable, format: SourceFormat, watermark: String?) {
        self.chunks = chunks
        self.format = format
        self.watermark = watermark
    }
}

/// Reads a department's system for a pull (the edges implement it over GRDB and URLSession).
package protocol SourceConnector: Sendable {
    /// Fetches the rows above the source's last watermark (every row without one).
    /// - Throws: a message naming what could not be reached or read.
    func fetch(_ source: PullSource) async throws -> PulledData
    /// Reads a page of a live (logically collected) resource straight from its source: chosen items, typed filters,
    /// the sort, and an offset cursor (a source table has no stable row id to key on).
    func read(_ source: PullSource, items: [DataItem], query: RecordQuery) async throws -> RecordPage
    /// Refuses a location this node will not read (outside the configured source directory, the platform's own files).
    func check(kind: PullKind, location: String) throws
}
